"""NIK and KK numbers: normalise, check, explain what is wrong, and hash.

Why not just ``stdnum.id.nik.validate``: it rejects a region prefix missing from its bundled list
(a NIK keeps the prefix of a region that may since have been split or renamed), picks the century
by a fixed rule (a child born 2010 becomes 1910), lets ``% 40`` pass days 81-99, raises bare
exceptions nobody can act on, and knows nothing of KK numbers. We use stdnum's ``compact`` to fold
Unicode look-alikes (full-width digits, en dashes) and keep the checks to slicing and ``int()``:
``parse_nik`` runs once per row of million-row imports.

Messages are lazy strings with English msgids, so they can be built outside a request and are
translated when shown. No message or ``repr`` holds the number: it is population data (UU 24/2013).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache, partial
from typing import Any, Literal

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext
from flask_babel.speaklater import LazyString
from stdnum.id import nik as stdnum_nik

Kind = Literal["nik", "kk"]
Sex = Literal["L", "P"]  # laki-laki (male), perempuan (female), as printed on the KTP

_DELETE = {cp: None for cp in range(0x3001) if chr(cp).isspace()}
_DELETE.update({ord(c): None for c in ".-/\u200b\u200c\u200d\u2060\ufeff"})  # zero-width too
_SEXES: dict[str, Sex] = {"l": "L", "m": "L", "male": "L", "laki-laki": "L"}
_SEXES.update({"p": "P", "f": "P", "female": "P", "perempuan": "P"})
_HASH_PREFIX = {"nik": b"census.identity.v1/nik\x00", "kk": b"census.identity.v1/kk\x00"}


def _placeholders() -> frozenset[str]:
    """Numbers typed to probe a look-up: 3333..., 1212..., and 0123.../9876... runs."""
    digits = "0123456789"
    out = {(a + b) * 8 for a in digits for b in digits}
    for start in range(10):
        run = "".join(digits[(start + i) % 10] for i in range(16))
        out.update((run, run[::-1]))
    return frozenset(out)


_DUMMIES = _placeholders()

# One literal msgid per kind of number: "NIK ini" and "nomor KK ini" need whole sentences.
_MESSAGES: dict[str, Callable[..., LazyString]] = {
    "nik.length": lambda num: lazy_ngettext(
        "A NIK has 16 digits; you typed %(num)d digit.",
        "A NIK has 16 digits; you typed %(num)d digits.",
        num,
    ),
    "nik.letters": lambda: _l("A NIK has only digits; remove the letters."),
    "nik.characters": lambda chars: _l(
        "A NIK has only digits; remove these characters: %(chars)s", chars=chars
    ),
    "nik.dummy": lambda: _l(
        "This is a placeholder, not a real NIK. Type the NIK printed on the KTP or family card."
    ),
    "nik.province": lambda province: _l(
        "The province code in this NIK (digits 1 and 2) cannot be %(province)s.", province=province
    ),
    "nik.regency": lambda: _l(
        "The regency or city code in this NIK (digits 3 and 4) cannot be 00."
    ),
    "nik.district": lambda: _l("The district code in this NIK (digits 5 and 6) cannot be 00."),
    "nik.date": lambda: _l("The birth date in this NIK (digits 7 to 12) is not a real date."),
    "nik.looks_like_kk": lambda: _l(
        "This looks like a KK number, not a NIK: its digits 7 to 12 do not match the date of "
        "birth, but the number in the KK field does. Did you swap the two numbers?"
    ),
    "kk.length": lambda num: lazy_ngettext(
        "A KK number has 16 digits; you typed %(num)d digit.",
        "A KK number has 16 digits; you typed %(num)d digits.",
        num,
    ),
    "kk.letters": lambda: _l("A KK number has only digits; remove the letters."),
    "kk.characters": lambda chars: _l(
        "A KK number has only digits; remove these characters: %(chars)s", chars=chars
    ),
    "kk.dummy": lambda: _l(
        "This is a placeholder, not a real KK number. Type the number printed at the top of "
        "the family card."
    ),
    "kk.province": lambda province: _l(
        "The province code in this KK number (digits 1 and 2) cannot be %(province)s.",
        province=province,
    ),
    "kk.regency": lambda: _l(
        "The regency or city code in this KK number (digits 3 and 4) cannot be 00."
    ),
    "kk.district": lambda: _l("The district code in this KK number (digits 5 and 6) cannot be 00."),
    "kk.looks_like_nik": lambda: _l(
        "This looks like a NIK, not a KK number: digits 7 and 8 are above 40, which happens "
        "only in a woman's NIK. The KK number is printed at the top of the family card."
    ),
    "kk.swapped": lambda: _l(
        "This looks like a NIK, not a KK number: its digits 7 to 12 match the date of birth. "
        "Did you swap the two numbers?"
    ),
    "pair.same_number": lambda: _l(
        "You typed the same number twice: the KK number and the NIK are different numbers. "
        "The NIK is on the KTP; the KK number is at the top of the family card."
    ),
    "mismatch.sex_female": lambda: _l(
        "This NIK is coded for a woman (day 41-71), but the sex given is male."
    ),
    "mismatch.sex_male": lambda: _l(
        "This NIK is coded for a man (day 01-31), but the sex given is female."
    ),
    "mismatch.birth_date": lambda nik_date, given: _l(
        "The birth date in this NIK (digits 7 to 12) is %(nik_date)s, but the date of birth "
        "given is %(given)s.",
        nik_date=nik_date,
        given=given,
    ),
}


class IdentifierError(ValueError):
    """A number a person must correct; ``str()`` is the message, translated when shown.

    ``code`` ("nik.length", "kk.looks_like_nik", ...) is for programs and tests; ``params`` holds
    the values in the message (never the number itself) for forms that want them.
    """

    def __init__(self, code: str, message: LazyString | str, /, **params: Any) -> None:
        super().__init__(code)
        self.code, self.message, self.params = code, message, params

    def __str__(self) -> str:
        return str(self.message)

    def __reduce__(self) -> tuple[Any, ...]:  # picklable, for import worker processes
        return (partial(IdentifierError, **self.params), (self.code, self.message))


def _fail(code: str, /, **params: Any) -> IdentifierError:
    return IdentifierError(code, _MESSAGES[code](**params), **params)


@dataclass(frozen=True, slots=True)
class Mismatch:
    """Where a NIK disagrees with what the person declared: shown, then confirmable."""

    field: Literal["sex", "birth_date"]
    code: str
    message: LazyString = field(compare=False)


def _sex(value: str) -> Sex:
    try:
        return _SEXES[value.strip().lower()]
    except KeyError:
        raise ValueError(f"unknown sex {value!r}; expected 'L' or 'P'") from None


@lru_cache(maxsize=4096)
def _dates(day: int, month: int, yy: int) -> tuple[date, ...]:
    """Return the real dates DD-MM-YY can be, oldest first (29-02-00 is only 2000)."""
    out = []
    for year in (1900 + yy, 2000 + yy):
        with suppress(ValueError):
            out.append(date(year, month, day))
    return tuple(out)


class _Number:
    """What NIK and KK numbers share: a region prefix, a serial, and a repr safe for logs."""

    __slots__ = ()
    number: str

    @property
    def region_prefix(self) -> str:
        """Province, regency/city, district of registration: kept after a move or a split."""
        return self.number[:6]

    @property
    def region_dotted(self) -> str:
        """The prefix as Kemendagri writes codes, ``PP.RR.DD``."""
        n = self.number
        return f"{n[:2]}.{n[2:4]}.{n[4:6]}"

    @property
    def serial(self) -> str:
        """The last four digits."""
        return self.number[12:]

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.region_prefix}**********)"


@dataclass(frozen=True, slots=True, repr=False)
class NikResult(_Number):
    """A structurally valid NIK; the year stays two digits until a person says more."""

    number: str
    sex: Sex
    day: int  # day of birth, 1-31: the +40 for women removed
    month: int
    yy: int
    mismatches: tuple[Mismatch, ...] = ()

    def possible_birth_dates(self, today: date | None = None) -> tuple[date, ...]:
        """Every real birth date these digits can mean (19YY, 20YY), none after ``today``."""
        found = _dates(self.day, self.month, self.yy)
        return found if today is None else tuple(d for d in found if d <= today)

    def birth_date_matches(self, declared: date) -> bool:
        """Whether the declared birth date is one the digits can mean; it picks the century."""
        return (declared.day, declared.month, declared.year % 100) == (
            self.day,
            self.month,
            self.yy,
        )

    def birth_date_from_age(self, age: int, today: date) -> date | None:
        """Return the birth date that gives this age (completed years) on ``today``, if any."""
        for born in self.possible_birth_dates(today):
            if today.year - born.year - ((today.month, today.day) < (born.month, born.day)) == age:
                return born
        return None

    def sex_matches(self, sex: str) -> bool:
        """Whether the declared sex ('L'/'P'; 'M'/'F', 'male', 'perempuan'... too) fits."""
        return _sex(sex) == self.sex


@dataclass(frozen=True, slots=True, repr=False)
class KkResult(_Number):
    """A structurally valid KK number.

    Only length, digits, region structure and "not a woman's NIK" are enforced: we know of no
    authoritative rule that digits 7-12 of every KK in circulation form a valid date, and a false
    rejection locks out a household holding the card. So ``registration_date`` may be None.
    """

    number: str

    def registration_date(self, today: date | None = None) -> date | None:
        """Digits 7-12 as DDMMYY in the latest century not after ``today``; None if no date.

        A registration lies in the past, so here (unlike a birth date) a fixed rule is safe. A KK
        issued after the census frame (2019) explains a "pair not found" answer.
        """
        today = today or date.today()
        n = self.number
        past = [d for d in _dates(int(n[6:8]), int(n[8:10]), int(n[10:12])) if d <= today]
        return past[-1] if past else None


def normalise(raw: str) -> str:
    """Drop spaces, dots, dashes, slashes, NBSP and other whitespace; keep the rest.

    Letters and stray symbols stay so that they can be reported rather than silently vanish.
    """
    if not raw.isascii():
        raw = stdnum_nik.compact(raw)  # full-width digits, Unicode dashes and dots to ASCII
    return raw.translate(_DELETE)


def _digits(kind: Kind, raw: str) -> str:
    """Return the 16 ASCII digits in ``raw``, or raise the error telling what to fix."""
    if len(raw) == 16 and raw.isascii() and raw.isdigit():  # the usual case in an import
        return raw
    n = normalise(raw)
    if n and not (n.isascii() and n.isdigit()):
        bad = list(dict.fromkeys(c for c in n if not "0" <= c <= "9"))
        if any(c.isalpha() for c in bad):
            raise _fail(kind + ".letters")
        shown = [c if c.isprintable() else f"U+{ord(c):04X}" for c in bad[:5]]
        raise _fail(kind + ".characters", chars=" ".join(shown))
    if len(n) != 16:
        raise _fail(kind + ".length", num=len(n))
    return n


def _check_structure(kind: Kind, n: str) -> None:
    """Reject placeholders and impossible region codes; one missing from today's list is fine."""
    if n in _DUMMIES:
        raise _fail(kind + ".dummy")
    if n[:2] < "11":
        raise _fail(kind + ".province", province=n[:2])
    if n[2:4] == "00":
        raise _fail(kind + ".regency")
    if n[4:6] == "00":
        raise _fail(kind + ".district")


def _read_date(n: str) -> tuple[Sex, int, int, int] | None:
    """Return (sex, day, month, yy) if digits 7-12 are a NIK birth date in some century."""
    coded, month, yy = int(n[6:8]), int(n[8:10]), int(n[10:12])
    day = coded - 40 if coded > 40 else coded
    if not (1 <= day <= 31 and coded <= 71 and 1 <= month <= 12):
        return None
    if day > 28 and not _dates(day, month, yy):
        return None
    return ("P" if coded > 40 else "L"), day, month, yy


def _other(raw: str | None) -> str | None:
    """The other field's digits, if it holds 16 of them; anything else is its own error."""
    n = None if raw is None else normalise(raw)
    return n if n and len(n) == 16 and n.isascii() and n.isdigit() else None


def _persons(n: str, born: date, sex: str | None) -> bool:
    """Whether ``n``, read as a NIK, carries this birth date (and this sex, if given)."""
    read = _read_date(n)
    return (
        read is not None
        and (sex is None or read[0] == _sex(sex))
        and read[1:] == (born.day, born.month, born.year % 100)
    )


def parse_nik(
    raw: str, *, other: str | None = None, birth_date: date | None = None, sex: str | None = None
) -> NikResult:
    """Read a NIK typed by a person, or raise ``IdentifierError`` saying what to fix.

    ``other`` is what was typed in the KK field, so that a doubled or swapped pair is named.
    ``birth_date`` and ``sex`` are the declared values: they never reject; they fill
    ``mismatches`` for the form to show and let the person confirm.
    """
    n = _digits("nik", raw)
    _check_structure("nik", n)
    read = _read_date(n)
    if read is None:
        raise _fail("nik.date")
    kk = _other(other)
    if kk == n:
        raise _fail("pair.same_number")
    if kk and birth_date and not _persons(n, birth_date, sex) and _persons(kk, birth_date, sex):
        raise _fail("nik.looks_like_kk")
    result = NikResult(n, *read)
    if birth_date is None and sex is None:
        return result
    return NikResult(n, *read, mismatches=tuple(cross_check(result, sex, birth_date)))


def parse_kk(
    raw: str, *, other: str | None = None, birth_date: date | None = None, sex: str | None = None
) -> KkResult:
    """Read a KK number, or raise ``IdentifierError``; ``other`` is what was typed as the NIK.

    A woman's NIK is recognisable (day 41-71) and is named as such; a man's NIK is not, unless
    the declared birth date shows the two numbers were swapped.
    """
    n = _digits("kk", raw)
    _check_structure("kk", n)
    nik = _other(other)
    if nik == n:
        raise _fail("pair.same_number")
    read = _read_date(n)
    if read is not None and read[0] == "P":
        raise _fail("kk.looks_like_nik")
    if nik and birth_date and _persons(n, birth_date, sex) and not _persons(nik, birth_date, sex):
        raise _fail("kk.swapped")
    return KkResult(n)


def cross_check(nik: NikResult, sex: str | None, birth_date: date | None) -> list[Mismatch]:
    """Explain in words where the NIK disagrees with the declared sex and birth date."""
    found = []
    if sex is not None and not nik.sex_matches(sex):
        code = "mismatch.sex_female" if nik.sex == "P" else "mismatch.sex_male"
        found.append(Mismatch("sex", code, _MESSAGES[code]()))
    if birth_date is not None and not nik.birth_date_matches(birth_date):
        code = "mismatch.birth_date"
        message = _MESSAGES[code](
            nik_date=f"{nik.day:02d}-{nik.month:02d}-{nik.yy:02d}",
            given=f"{birth_date.day:02d}-{birth_date.month:02d}-{birth_date.year}",
        )
        found.append(Mismatch("birth_date", code, message))
    return found


@dataclass(frozen=True, slots=True)
class PairResult:
    """Both fields of the entry form, each either read or with the error to show beside it."""

    kk: KkResult | None
    nik: NikResult | None
    kk_error: IdentifierError | None = None
    nik_error: IdentifierError | None = None

    @property
    def ok(self) -> bool:
        """Whether both numbers were read."""
        return self.kk_error is None and self.nik_error is None


def check_pair(
    kk_raw: str, nik_raw: str, *, birth_date: date | None = None, sex: str | None = None
) -> PairResult:
    """Check the KK and NIK fields together, so that a doubled or swapped pair is named.

    The same number typed twice is reported once, on the KK field: people know their NIK from
    the KTP better than the KK number, so the usual slip is the NIK typed in both fields.
    """
    kk_digits = normalise(kk_raw)
    same = kk_digits != "" and kk_digits == normalise(nik_raw)
    kk, nik, kk_error, nik_error = None, None, None, None
    try:
        if same:
            raise _fail("pair.same_number")
        kk = parse_kk(kk_raw, other=nik_raw, birth_date=birth_date, sex=sex)
    except IdentifierError as exc:
        kk_error = exc
    try:
        nik = parse_nik(nik_raw, other=None if same else kk_raw, birth_date=birth_date, sex=sex)
    except IdentifierError as exc:
        nik_error = exc
    return PairResult(kk, nik, kk_error, nik_error)


def quick_valid_nik(raw: str) -> bool:
    """Whether ``raw`` is a structurally valid NIK: for filters and counts needing no message."""
    try:
        parse_nik(raw)
    except IdentifierError:
        return False
    return True


def keyed_hash(kind: Kind, number: str, key: bytes) -> bytes:
    """Return HMAC-SHA256 (32 raw bytes) of a normalised 16-digit NIK or KK, for look-ups.

    The key keeps the small, structured NIK space from being enumerated offline; the ``kind``
    prefix makes a NIK and a KK with the same digits hash differently, so that neither table
    answers for the other.
    """
    prefix = _HASH_PREFIX.get(kind)
    if prefix is None:
        raise ValueError(f"kind must be 'nik' or 'kk', not {kind!r}")
    n = normalise(number)
    if len(n) != 16 or not (n.isascii() and n.isdigit()):
        raise ValueError("keyed_hash needs 16 digits; parse the number first")
    if len(key) < 16:
        raise ValueError("the identity hash key must be at least 16 bytes")
    return hmac.digest(key, prefix + n.encode("ascii"), "sha256")


def keyed_hasher(kind: Kind, key: bytes) -> Callable[[str], bytes]:
    """Return a function giving ``keyed_hash(kind, number, key)`` for already-parsed numbers.

    For bulk imports: the HMAC's padded key blocks are hashed once, so each number costs two
    SHA-256 block updates instead of a full HMAC set-up (about three times faster). The function
    expects the 16 digits ``parse_nik``/``parse_kk`` return; anything else is a programming error.
    """
    keyed_hash(kind, "1101010101019000", key)  # validates kind and key
    block = hashlib.sha256().block_size
    padded = (hashlib.sha256(key).digest() if len(key) > block else key).ljust(block, b"\0")
    inner = hashlib.sha256(bytes(b ^ 0x36 for b in padded))
    outer = hashlib.sha256(bytes(b ^ 0x5C for b in padded))
    inner.update(_HASH_PREFIX[kind])

    def digest(number: str) -> bytes:
        i = inner.copy()
        i.update(number.encode("ascii"))
        o = outer.copy()
        o.update(i.digest())
        return o.digest()

    return digest


def quick_pair(kk_raw: str, nik_raw: str, birth_date: date, sex: str) -> tuple[str, str] | None:
    """Return ``(kk, nik)`` when the pair passes every check at once, else None.

    For bulk imports, where nearly every row is right: plain 16-digit strings are compared with
    the digits the declared birth date and sex (``"L"``/``"P"``) must produce, without building
    results or messages. It accepts exactly the pairs ``parse_kk``/``parse_nik`` accept with
    ``other``, ``birth_date`` and ``sex`` given and no mismatch; on None, call them for the
    message that says what is wrong.
    """
    if len(nik_raw) != 16 or len(kk_raw) != 16 or nik_raw == kk_raw:
        return None
    if not (nik_raw.isascii() and nik_raw.isdigit() and kk_raw.isascii() and kk_raw.isdigit()):
        return None
    if nik_raw in _DUMMIES or kk_raw in _DUMMIES:
        return None
    for n in (nik_raw, kk_raw):
        if n[:2] < "11" or n[2:4] == "00" or n[4:6] == "00":
            return None
    day = birth_date.day + 40 if sex == "P" else birth_date.day
    if nik_raw[6:12] != f"{day:02d}{birth_date.month:02d}{birth_date.year % 100:02d}":
        return None
    if kk_raw[6:8] > "40":
        read = _read_date(kk_raw)
        if read is not None and read[0] == "P":  # a woman's NIK in the KK field
            return None
    return kk_raw, nik_raw
