"""Encryption at rest: register names and birth dates, and the form's answers, sealed with keys
held outside the database (see ``docs/adr/0005-encryption-at-rest.md``).

``DATA_KEYS`` lists one or more keys as ``ID:KEY`` (ID 1 to 255, KEY 32 random bytes written as
64 hex digits), separated by commas or spaces. The first one seals; every one listed opens, so a
new key can be put first while rows sealed with the old one are still read, until
``flask census rotate-data-key`` has sealed them again with the new key.

Every sealed value starts with its key's one-byte id. Two ciphers are derived from each key with
HKDF, one per use:

- a member's card (name and birth date): AES-256-SIV, deterministic, with the member's NIK hash
  as associated data. The same card of the same person under the same key always seals to the
  same bytes, so the register import can tell in SQL whether a card changed; it reveals nothing
  across persons, because the NIK hash differs.
- JSON documents (the form's answers, what was held while the form was locked): AES-256-GCM with
  a random 12-byte nonce, and the column's name as associated data.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM, AESSIV
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import Flask, current_app
from sqlalchemy import LargeBinary
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

_CARD_INFO = b"census.sealing.v1/card"
_JSON_INFO = b"census.sealing.v1/json"
_CHECK_INFO = b"census.sealing.v1/check"
_NONCE = 12
ANSWERS_CONTEXT = b"form_response.answers"
HELD_CONTEXT = b"form_response.held"
_DAY = 10  # a card is the birth date written YYYY-MM-DD, then the name in UTF-8


class SealingError(Exception):
    """A sealed value cannot be opened: unknown key id, wrong key, or altered bytes."""


def _derive(key: bytes, info: bytes, length: int) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=None, info=info).derive(key)


@dataclass(frozen=True)
class CardKey:
    """The material to seal cards with one key: plain bytes, so it can go to worker processes."""

    key_id: int
    siv_key: bytes = field(repr=False)

    def sealer(self) -> Callable[[str, date, bytes], bytes]:
        """``seal(name, birth_date, nik_hash)`` for many cards: what the register import calls
        per row (the cipher is set up once, the lookups bound once)."""
        return _card_sealer(self.key_id, AESSIV(self.siv_key))


def _card_sealer(key_id: int, cipher: AESSIV) -> Callable[[str, date, bytes], bytes]:
    prefix, encrypt = bytes((key_id,)), cipher.encrypt

    def seal(name: str, birth_date: date, nik_hash: bytes) -> bytes:
        return prefix + encrypt((birth_date.isoformat() + name).encode("utf-8"), [nik_hash])

    return seal


@dataclass(frozen=True)
class _Key:
    key_id: int
    card: AESSIV
    card_key: bytes = field(repr=False)
    json: AESGCM
    #: A value derived from the key that tells it apart and reveals nothing of it: the database
    #: keeps one per key id, so a server with another key under the same id is stopped.
    check: bytes = field(default=b"", repr=False)


@dataclass(frozen=True)
class Keyring:
    """The configured keys: the first seals, all open."""

    keys: tuple[_Key, ...]
    _by_id: dict[int, _Key] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not self.keys:
            raise ValueError("DATA_KEYS names no key")
        object.__setattr__(self, "_by_id", {k.key_id: k for k in self.keys})
        if len(self._by_id) != len(self.keys):
            raise ValueError("DATA_KEYS names the same key id twice")

    @property
    def current_id(self) -> int:
        """The id of the key that seals."""
        return self.keys[0].key_id

    def card_key(self) -> CardKey:
        """The current key's card material, for the register import's workers."""
        return CardKey(self.keys[0].key_id, self.keys[0].card_key)

    def _key(self, sealed: bytes) -> _Key:
        if not sealed:
            raise SealingError("empty sealed value")
        key = self._by_id.get(sealed[0])
        if key is None:
            raise SealingError(f"sealed with key id {sealed[0]}, which DATA_KEYS does not list")
        return key

    def seal_card(self, name: str, birth_date: date, nik_hash: bytes) -> bytes:
        """A member's name and birth date, sealed with the current key and bound to the NIK."""
        return _card_sealer(self.keys[0].key_id, self.keys[0].card)(name, birth_date, nik_hash)

    def open_card(self, sealed: bytes, nik_hash: bytes) -> tuple[str, date]:
        """The name and birth date in a sealed card."""
        try:
            plain = self._key(sealed).card.decrypt(sealed[1:], [nik_hash])
        except InvalidTag:
            raise SealingError("a member's card does not open with its key") from None
        return plain[_DAY:].decode("utf-8"), date.fromisoformat(plain[:_DAY].decode("ascii"))

    def seal_json(self, value: Any, context: bytes) -> bytes:
        """A JSON document sealed with the current key, bound to ``context`` (its column)."""
        key = self.keys[0]
        nonce = os.urandom(_NONCE)
        plain = json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        return bytes((key.key_id,)) + nonce + key.json.encrypt(nonce, plain, context)

    def open_json(self, sealed: bytes, context: bytes) -> Any:
        """The JSON document in a sealed value."""
        key = self._key(sealed)
        try:
            plain = key.json.decrypt(sealed[1 : 1 + _NONCE], sealed[1 + _NONCE :], context)
        except InvalidTag:
            raise SealingError("a sealed document does not open with its key") from None
        return json.loads(plain)

    def is_current(self, sealed: bytes) -> bool:
        """Whether ``sealed`` was sealed with the current key (rotation skips those)."""
        return bool(sealed) and sealed[0] == self.keys[0].key_id


_ENTRY = re.compile(r"([0-9]{1,3}):([0-9a-fA-F]{64})")


def parse_keys(value: str) -> Keyring:
    """Read ``DATA_KEYS``: ``ID:KEY`` entries, the sealing key first (see the module docstring)."""
    keys = []
    for entry in re.split(r"[\s,]+", value.strip()):
        match = _ENTRY.fullmatch(entry)
        if not match or not 1 <= int(match[1]) <= 255:
            raise ValueError(
                "DATA_KEYS entries are ID:KEY, ID 1 to 255 and KEY 64 hex digits "
                "(python -c 'import secrets; print(secrets.token_hex(32))')"
            )
        raw = bytes.fromhex(match[2])
        card_key = _derive(raw, _CARD_INFO, 64)
        keys.append(
            _Key(
                int(match[1]),
                AESSIV(card_key),
                card_key,
                AESGCM(_derive(raw, _JSON_INFO, 32)),
                _derive(raw, _CHECK_INFO, 16),
            )
        )
    return Keyring(tuple(keys))


def keyring(app: Flask | None = None) -> Keyring:
    """The application's keyring (parsed once per value of ``DATA_KEYS``)."""
    app = app or current_app
    value = app.config["DATA_KEYS"]
    cached = app.extensions.get("census.sealing")
    if cached is None or cached[0] != value:
        cached = (value, parse_keys(value))
        app.extensions["census.sealing"] = cached
    return cached[1]


class SealedJSON(TypeDecorator[Any]):
    """A JSON document stored sealed (AES-GCM), bound to its column by ``context``."""

    impl = LargeBinary
    cache_ok = True

    def __init__(self, context: bytes) -> None:
        super().__init__()
        self.context = context

    def process_bind_param(self, value: Any, dialect: Dialect) -> bytes | None:
        return None if value is None else keyring().seal_json(value, self.context)

    def process_result_value(self, value: bytes | None, dialect: Dialect) -> Any:
        return None if value is None else keyring().open_json(bytes(value), self.context)


class SealedCard:
    """A model's sealed name and birth date (``sealed``), bound to its ``nik_hash``.

    ``Member(name=..., birth_date=..., nik_hash=...)`` seals on construction; ``name`` and
    ``birth_date`` open the card when read.
    """

    sealed: Any
    nik_hash: Any

    def __init__(self, *, name: str, birth_date: date, **columns: Any) -> None:
        super().__init__(**columns)
        self.set_card(name, birth_date)

    def set_card(self, name: str, birth_date: date) -> None:
        """Seal a new name and birth date (``nik_hash`` must be set)."""
        self.sealed = keyring().seal_card(name, birth_date, self.nik_hash)

    def card(self) -> tuple[str, date]:
        """The name and birth date, opened."""
        return keyring().open_card(self.sealed, self.nik_hash)

    @property
    def name(self) -> str:
        """The name as on the family card."""
        return self.card()[0]

    @property
    def birth_date(self) -> date:
        """The birth date as on the family card."""
        return self.card()[1]
