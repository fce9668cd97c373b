"""A NIK or KK number once read: its region prefix, serial, and (for a NIK) the birth date and sex
it encodes. Their ``repr`` shows only the region prefix, so a result is safe in a log line."""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Literal

from census.core.identity.errors import Mismatch

Kind = Literal["nik", "kk"]
Sex = Literal["L", "P"]  # laki-laki (male), perempuan (female), as printed on the KTP

SEXES: dict[str, Sex] = {"l": "L", "m": "L", "male": "L", "laki-laki": "L"}
SEXES.update({"p": "P", "f": "P", "female": "P", "perempuan": "P"})


def sex_of(value: str) -> Sex:
    try:
        return SEXES[value.strip().lower()]
    except KeyError:
        raise ValueError(f"unknown sex {value!r}; expected 'L' or 'P'") from None


@lru_cache(maxsize=4096)
def dates(day: int, month: int, yy: int) -> tuple[date, ...]:
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
        found = dates(self.day, self.month, self.yy)
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
        return sex_of(sex) == self.sex


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
        past = [d for d in dates(int(n[6:8]), int(n[8:10]), int(n[10:12])) if d <= today]
        return past[-1] if past else None
