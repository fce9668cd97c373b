"""What is wrong with a typed NIK or KK number, in words a person can act on.

Messages are lazy strings with English msgids, so they can be built outside a request and are
translated when shown. No message holds the number: it is population data (UU 24/2013).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any, Literal

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext
from flask_babel.speaklater import LazyString

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
        "This NIK is a woman's (in a woman's NIK, 40 is added to the day of birth), but the "
        "sex given is male."
    ),
    "mismatch.sex_male": lambda: _l(
        "This NIK is a man's (in a woman's NIK, 40 is added to the day of birth), but the sex "
        "given is female."
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


def fail(code: str, /, **params: Any) -> IdentifierError:
    return IdentifierError(code, _MESSAGES[code](**params), **params)


@dataclass(frozen=True, slots=True)
class Mismatch:
    """Where a NIK disagrees with what the person declared: shown, then confirmable."""

    field: Literal["sex", "birth_date"]
    code: str
    message: LazyString = field(compare=False)


def message(code: str, /, **params: Any) -> LazyString:
    """The words for ``code`` (a mismatch, shown and then confirmable)."""
    return _MESSAGES[code](**params)
