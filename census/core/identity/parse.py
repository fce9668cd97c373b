"""Reading a typed NIK or KK number: normalise, check the structure, say what is wrong."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from stdnum.id import nik as stdnum_nik

from census.core.identity.errors import IdentifierError, Mismatch, fail, message
from census.core.identity.numbers import Kind, KkResult, NikResult, Sex, dates, sex_of

_DELETE = {cp: None for cp in range(0x3001) if chr(cp).isspace()}
_DELETE.update({ord(c): None for c in ".-/\u200b\u200c\u200d\u2060\ufeff"})  # zero-width too


def _placeholders() -> frozenset[str]:
    """Numbers typed to probe a look-up: 3333..., 1212..., and 0123.../9876... runs."""
    digits = "0123456789"
    out = {(a + b) * 8 for a in digits for b in digits}
    for start in range(10):
        run = "".join(digits[(start + i) % 10] for i in range(16))
        out.update((run, run[::-1]))
    return frozenset(out)


_DUMMIES = _placeholders()


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
            raise fail(kind + ".letters")
        shown = [c if c.isprintable() else f"U+{ord(c):04X}" for c in bad[:5]]
        raise fail(kind + ".characters", chars=" ".join(shown))
    if len(n) != 16:
        raise fail(kind + ".length", num=len(n))
    return n


def _check_structure(kind: Kind, n: str) -> None:
    """Reject placeholders and impossible region codes; one missing from today's list is fine."""
    if n in _DUMMIES:
        raise fail(kind + ".dummy")
    if n[:2] < "11":
        raise fail(kind + ".province", province=n[:2])
    if n[2:4] == "00":
        raise fail(kind + ".regency")
    if n[4:6] == "00":
        raise fail(kind + ".district")


def _read_date(n: str) -> tuple[Sex, int, int, int] | None:
    """Return (sex, day, month, yy) if digits 7-12 are a NIK birth date in some century."""
    coded, month, yy = int(n[6:8]), int(n[8:10]), int(n[10:12])
    day = coded - 40 if coded > 40 else coded
    if not (1 <= day <= 31 and coded <= 71 and 1 <= month <= 12):
        return None
    if day > 28 and not dates(day, month, yy):
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
        and (sex is None or read[0] == sex_of(sex))
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
        raise fail("nik.date")
    kk = _other(other)
    if kk == n:
        raise fail("pair.same_number")
    if kk and birth_date and not _persons(n, birth_date, sex) and _persons(kk, birth_date, sex):
        raise fail("nik.looks_like_kk")
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
        raise fail("pair.same_number")
    read = _read_date(n)
    if read is not None and read[0] == "P":
        raise fail("kk.looks_like_nik")
    if nik and birth_date and _persons(n, birth_date, sex) and not _persons(nik, birth_date, sex):
        raise fail("kk.swapped")
    return KkResult(n)


def cross_check(nik: NikResult, sex: str | None, birth_date: date | None) -> list[Mismatch]:
    """Explain in words where the NIK disagrees with the declared sex and birth date."""
    found = []
    if sex is not None and not nik.sex_matches(sex):
        code = "mismatch.sex_female" if nik.sex == "P" else "mismatch.sex_male"
        found.append(Mismatch("sex", code, message(code)))
    if birth_date is not None and not nik.birth_date_matches(birth_date):
        code = "mismatch.birth_date"
        words = message(
            code,
            nik_date=f"{nik.day:02d}-{nik.month:02d}-{nik.yy:02d}",
            given=f"{birth_date.day:02d}-{birth_date.month:02d}-{birth_date.year}",
        )
        found.append(Mismatch("birth_date", code, words))
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
            raise fail("pair.same_number")
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
    both = nik_raw + kk_raw
    if not (both.isascii() and both.isdigit()) or nik_raw in _DUMMIES or kk_raw in _DUMMIES:
        return None
    # (For 16 digits, ``n < "11"`` is ``n[:2] < "11"``.)
    if nik_raw < "11" or nik_raw[2:4] == "00" or nik_raw[4:6] == "00":
        return None
    if kk_raw < "11" or kk_raw[2:4] == "00" or kk_raw[4:6] == "00":
        return None
    day = birth_date.day + 40 if sex == "P" else birth_date.day
    # %-formatting: half the time of an f-string's format specifications, on every row.
    if nik_raw[6:12] != "%02d%02d%02d" % (day, birth_date.month, birth_date.year % 100):  # noqa: UP031
        return None
    if kk_raw[6:8] > "40":
        read = _read_date(kk_raw)
        if read is not None and read[0] == "P":  # a woman's NIK in the KK field
            return None
    return kk_raw, nik_raw
