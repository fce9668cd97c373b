"""What the rows of a register file hold, so far as it tells whether a check across rows could
reject any of them (``Seen``), and the checks that cannot (``needless_checks``): those are not
run. Kept as the rows are staged (``census.register.staging``), asked after the last row
(``census.register.service``)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, bindparam, text

from census.core.models import HEAD
from census.register import sql

#: Rows up to which an import keeps a ``Seen`` (some 50 bytes a person and 300 a household,
#: in the importing process): a larger file runs every check across rows.
SEEN_ROWS = 500_000
#: Bytes of a NIK's keyed hash (HMAC-SHA256).
NIK_HASH_BYTES = 32

Place = tuple[str, str, str, str]
#: A run of consecutive accepted rows with the same KK and details: the KK's hash, the details
#: (village code, RT, RW, address) and how many of the rows name the head.
Run = tuple[bytes, Place, int]


@dataclass
class Seen:
    """What the rows the checks of one row accepted hold, so far as it tells whether a check
    across rows could reject any of them; a check that cannot is not run.

    Those rows are the ones the SQL checks look at (or more of them: a check may have rejected
    some before the next looks), so each question errs only towards running a check:

    - ``niks``: the first 8 bytes of each NIK's hash (``unsorted`` until asked), and ``count``
      how many were added; a NIK twice leaves the set smaller than the count (two NIKs that
      share 8 bytes only make the check run and find nothing);
    - ``villages``: the village codes, for one look in the region table;
    - ``households``: per KK (the first 8 bytes of its hash) its details and heads so far, and
      ``conflict`` once a KK's rows differ or name two heads; KKs that share 8 bytes count as
      one, which can only find a conflict that is not there.

    Kept for a block of rows in each worker (``staging.copy_data`` notes its rows) and added up
    by the importing process; given up (``usable`` false, the sets let go) past ``SEEN_ROWS``
    rows.
    """

    niks: set[int] = field(default_factory=set)
    count: int = 0
    #: NIK prefixes noted but not yet in ``niks`` (8 bytes each, native order): a worker's go
    #: to the importing process like this, and become a set only once asked.
    unsorted: list[bytes] = field(default_factory=list)
    villages: set[str] = field(default_factory=set)
    households: dict[int, tuple[Place, int]] = field(default_factory=dict)
    conflict: bool = False
    #: Whether some KK (the first 8 bytes of its hash) is in more than one run of rows.
    split: bool = False
    usable: bool = True

    @property
    def duplicate_nik(self) -> bool:
        """Whether some NIK may be on two rows (always, once given up)."""
        if not self.usable:
            return True
        for prefixes in self.unsorted:
            self.niks.update(memoryview(prefixes).cast("Q"))
        self.unsorted.clear()
        return len(self.niks) != self.count

    @property
    def household_conflict(self) -> bool:
        """Whether some KK's rows may differ or name two heads (always, once given up)."""
        return not self.usable or self.conflict

    def note(self, niks: list[bytes], runs: list[Run]) -> None:
        """Accepted rows: their NIKs' hashes, and their runs of one KK with the same details."""
        if not self.usable:
            return
        joined = b"".join(niks)
        self.count += len(niks)
        if self.count > SEEN_ROWS or len(joined) != NIK_HASH_BYTES * len(niks):
            self.give_up()
            return
        self.unsorted.append(memoryview(joined).cast("Q")[:: NIK_HASH_BYTES // 8].tobytes())
        households, villages = self.households, self.villages
        for kk, place, heads in runs:
            villages.add(place[0])
            key = int.from_bytes(kk[:8])
            before = households.get(key)
            if before is None:
                households[key] = (place, heads)
                self.conflict = self.conflict or heads > 1
            else:
                households[key] = (before[0], before[1] + heads)
                self.conflict = self.conflict or before[0] != place or before[1] + heads > 1
                self.split = True

    def note_rows(self, rows: Iterable[tuple[Any, ...]]) -> None:
        """Note staged rows (as ``copy_data`` does for the rows it writes)."""
        niks: list[bytes] = []
        runs: list[Run] = []
        last_kk: bytes | None = None
        last_place: Place | None = None
        heads = 0
        for row in rows:
            if row[10] is not None:  # rejected
                continue
            kk, place = row[1], (row[6], row[7], row[8], row[9])
            if kk != last_kk or place != last_place:
                if last_kk is not None and last_place is not None:
                    runs.append((last_kk, last_place, heads))
                last_kk, last_place, heads = kk, place, 0
            heads += row[5] == HEAD
            niks.append(row[2])
        if last_kk is not None and last_place is not None:
            runs.append((last_kk, last_place, heads))
        self.note(niks, runs)

    def add(self, other: Seen) -> None:
        """Add what ``other`` (the next rows of the file) holds to this."""
        if not self.usable:
            return
        if not other.usable or self.count + other.count > SEEN_ROWS:
            self.give_up()
            return
        self.niks |= other.niks
        self.unsorted += other.unsorted
        self.count += other.count
        self.villages |= other.villages
        self.conflict = self.conflict or other.conflict
        self.split = self.split or other.split
        mine, theirs = self.households, other.households
        for key in mine.keys() & theirs.keys():  # a KK in both (one whose rows a block cut)
            (place, heads), (other_place, other_heads) = mine[key], theirs.pop(key)
            mine[key] = (place, heads + other_heads)
            self.conflict = self.conflict or place != other_place or heads + other_heads > 1
            self.split = True
        mine.update(theirs)

    def give_up(self) -> None:
        """Answer "maybe" to every question from now on, and let the sets go."""
        self.usable = False
        self.niks, self.unsorted, self.villages, self.households = set(), [], set(), {}


#: The checks across rows a first load runs (the register's own are skipped there).
ACROSS_ROWS = frozenset(name for name, _ in sql.CHECKS) - sql.REGISTER_CHECKS

#: Village codes asked about in one statement.
VILLAGE_BATCH = 1000
_KNOWN_VILLAGES = text("SELECT COUNT(*) FROM region WHERE level = 4 AND code IN :codes").bindparams(
    bindparam("codes", expanding=True)
)


def needless_checks(connection: Connection, seen: Seen) -> set[str]:
    """The checks across rows that cannot reject a row of this file, as ``seen`` shows: no NIK
    on two rows, every village code in the region table (one look per ``VILLAGE_BATCH``
    codes), no KK whose rows differ or name two heads. Each runs over the whole staging table
    after the last row, one statement at a time; what ``seen`` holds was gathered while the
    rows were checked, on every core. A check that could reject a row runs as before."""
    if not seen.usable:
        return set()
    needless = set()
    if not seen.duplicate_nik:
        needless.add("same NIK twice")
    codes = sorted(seen.villages)
    known = 0
    for at in range(0, len(codes), VILLAGE_BATCH):
        batch = {"codes": codes[at : at + VILLAGE_BATCH]}
        known += int(connection.execute(_KNOWN_VILLAGES, batch).scalar_one())
    if known == len(codes):
        needless.add("unknown village")
    if not seen.household_conflict:
        needless.update(sql.HOUSEHOLD_CHECKS)
    return needless
