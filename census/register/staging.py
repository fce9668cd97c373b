"""Checking and hashing register rows on their way to the staging table, in this process or
spread over worker processes; the numbers leave here only as keyed hashes, names and birth dates
only sealed."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator
from datetime import date
from multiprocessing.pool import AsyncResult, Pool
from typing import Any

from census.core.identity import keyed_hasher
from census.core.sealing import CardKey
from census.register.rows import check_row

PROGRESS_EVERY = 2048  # rows between progress updates
CHUNK = 2000  # rows per task when checking in worker processes

StagedRow = tuple[Any, ...]


def staged_rows(
    records: Iterator[tuple[int, list[str]]],
    key: bytes,
    card: CardKey,
    today: date,
    tick: Callable[[], None] | None = None,
) -> Iterator[StagedRow]:
    """Check and hash each record: a staging row, with a reason when the row is rejected.

    The numbers leave this function only as keyed hashes, the name and birth date only sealed
    with ``card`` (bound to the NIK's hash).
    """
    blank = (None,) * 8
    kk_hash, nik_hash = keyed_hasher("kk", key), keyed_hasher("nik", key)
    seal = card.sealer()
    last_kk, last_kk_hash = "", b""  # a household's rows are usually consecutive: one hash
    for count, (line, fields) in enumerate(records, 1):
        if tick is not None and count % PROGRESS_EVERY == 0:
            tick()
        try:
            p = check_row(fields, today)
        except ValueError as exc:
            yield (line, *blank, None, str(exc))
            continue
        person = nik_hash(p.nik)
        if p.kk != last_kk:
            last_kk, last_kk_hash = p.kk, kk_hash(p.kk)
        yield (
            line,
            last_kk_hash,
            person,
            seal(p.name, p.birth_date, person),
            p.sex,
            p.relationship,
            p.village_code,
            p.rt,
            p.rw,
            p.address,
            None,
        )
    if tick is not None:
        tick()


def _check_chunk(
    args: tuple[list[tuple[int, list[str]]], bytes, CardKey, date],
) -> list[StagedRow]:
    """Worker side of ``parallel_staged_rows``: check and hash one chunk of records."""
    chunk, key, card, today = args
    return list(staged_rows(iter(chunk), key, card, today))


def parallel_staged_rows(
    records: Iterator[tuple[int, list[str]]],
    key: bytes,
    card: CardKey,
    today: date,
    pool: Pool,
    tick: Callable[[], None] | None = None,
) -> Iterator[StagedRow]:
    """``staged_rows`` spread over ``pool``'s processes, in file order, in bounded memory.

    The per-row checks and hashing are most of an import's Python time; this process keeps only
    reading the CSV and feeding the database. At most two chunks per worker are in flight (unlike
    ``Pool.imap``, which would read the whole file ahead).
    """
    pending: deque[AsyncResult[list[StagedRow]]] = deque()
    limit = 2 * pool._processes  # type: ignore[attr-defined]
    chunk: list[tuple[int, list[str]]] = []
    for record in records:
        chunk.append(record)
        if len(chunk) >= CHUNK:
            pending.append(pool.apply_async(_check_chunk, ((chunk, key, card, today),)))
            chunk = []
            if len(pending) >= limit:
                yield from pending.popleft().get()
                if tick is not None:
                    tick()
    if chunk:
        pending.append(pool.apply_async(_check_chunk, ((chunk, key, card, today),)))
    while pending:
        yield from pending.popleft().get()
    if tick is not None:
        tick()
