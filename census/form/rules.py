"""Consistency rules: answers that cannot be right, and answers that are only unusual.

Each rule is a small named function registered with an id, a kind and the words shown to the
person. A *hard* rule refuses the answer (a date of birth in the future); a *soft* rule asks once
and is accepted when the person ticks "Yes, this is right" (a child fewer than 12 years younger
than the head): never a dead end. A confirmation is stored with the person's answers
(``details["confirmed"]``: rule id -> ISO time), so that processing can tell a confirmed oddity
from a typing slip.

Ages are counted in whole years at the census reference date: the first day of the online phase
(``CENSUS_SCHEDULE.online_start``). "In the future" means after today.

The rules read answers only; they never log or store anything themselves.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l

HARD = "hard"
SOFT = "soft"
HEAD = "kepala_keluarga"
SPOUSE = frozenset({"suami", "istri"})
EVER_MARRIED = frozenset({"married", "divorced", "widowed"})
#: The youngest age at which each certificate is possible at all (SD is normally finished at 12).
EDUCATION_MIN_AGE = {"sd": 9, "smp": 12, "sma": 15, "diploma": 18, "s1": 18, "s2": 18, "s3": 18}
Answers = dict[str, Any]


@dataclass(frozen=True)
class Person:
    """One person's answers as the rules see them (codes as stored; dates as dates)."""

    born: date | None
    reference: date
    today: date
    relationship: str | None = None
    marital: str | None = None
    education: str | None = None
    activity: str | None = None
    is_head: bool = False
    registered_born: date | None = None
    head_born: date | None = None

    @property
    def age(self) -> int | None:
        """Whole years at the reference date (0 for a baby born after it), or None."""
        return None if self.born is None else age_at(self.born, self.reference)


@dataclass(frozen=True)
class Rule:
    id: str
    kind: str
    #: The question the rule is about: the member form's field that the words sit beside.
    field: str
    words: Any
    test: Callable[[Person], bool]


RULES: list[Rule] = []


def rule(rule_id: str, kind: str, field: str, words: Any) -> Callable[..., Any]:
    """Register a member rule: ``test(person)`` is True when the rule fires."""

    def register(test: Callable[[Person], bool]) -> Callable[[Person], bool]:
        RULES.append(Rule(rule_id, kind, field, words, test))
        return test

    return register


def age_at(born: date, day: date) -> int:
    years = day.year - born.year - ((day.month, day.day) < (born.month, born.day))
    return max(years, 0)


def _under(person: Person, years: int) -> bool:
    return person.age is not None and person.born is not None and person.age < years


# Hard rules -----------------------------------------------------------------------------------


@rule("birth_in_future", HARD, "birth_day", _l("The date of birth must be in the past."))
def birth_in_future(person: Person) -> bool:
    return person.born is not None and person.born > person.today


@rule(
    "age_over_120",
    HARD,
    "birth_day",
    _l("This date of birth makes the person older than 120. Check the year of birth."),
)
def age_over_120(person: Person) -> bool:
    return person.age is not None and person.age > 120


# Soft rules -----------------------------------------------------------------------------------


@rule(
    "birth_date_register",
    SOFT,
    "birth_day",
    _l(
        "This date of birth is not the one on the family card. Check the year, the month and "
        "the day."
    ),
)
def birth_date_register(person: Person) -> bool:
    return None not in (person.born, person.registered_born) and person.born != (
        person.registered_born
    )


@rule(
    "child_older_than_head",
    SOFT,
    "relationship",
    _l("This person is a child of the head of the household but is older than the head."),
)
def child_older_than_head(person: Person) -> bool:
    return (
        person.relationship == "anak"
        and None not in (person.born, person.head_born)
        and person.born <= person.head_born  # type: ignore[operator]
    )


@rule(
    "child_close_to_head",
    SOFT,
    "relationship",
    _l(
        "This person is a child of the head of the household but is fewer than 12 years "
        "younger than the head."
    ),
)
def child_close_to_head(person: Person) -> bool:
    if person.relationship != "anak" or person.born is None or person.head_born is None:
        return False
    return person.born > person.head_born and age_at(person.head_born, person.born) < 12


@rule(
    "married_under_16",
    SOFT,
    "marital",
    _l(
        "This person is under 16 and is a spouse or has been married. The legal age for "
        "marriage is 19 (UU 16/2019)."
    ),
)
def married_under_16(person: Person) -> bool:
    married = person.relationship in SPOUSE or person.marital in EVER_MARRIED
    return married and _under(person, 16)


@rule(
    "education_for_age",
    SOFT,
    "education",
    _l("This certificate is unusual for the person's age. Check the highest education completed."),
)
def education_for_age(person: Person) -> bool:
    least = EDUCATION_MIN_AGE.get(person.education or "")
    return least is not None and _under(person, least)


@rule("working_under_10", SOFT, "activity", _l("This person is under 10 and working."))
def working_under_10(person: Person) -> bool:
    return person.activity == "work" and _under(person, 10)


@rule(
    "school_under_3",
    SOFT,
    "activity",
    _l("This person is under 3 and going to school."),
)
def school_under_3(person: Person) -> bool:
    return person.activity == "school" and _under(person, 3)


@rule("head_under_15", SOFT, "birth_day", _l("The head of the household is under 15."))
def head_under_15(person: Person) -> bool:
    return person.is_head and _under(person, 15)


BY_ID = {r.id: r for r in RULES}


def fired(person: Person) -> list[Rule]:
    """The member rules that fire for ``person``, hard ones first, in the order above."""
    return [r for r in RULES if r.test(person)]


# The household ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Question:
    """A rule that fired for a member (or for the household, with ``key`` None)."""

    rule: Rule
    key: str | None
    name: str = ""


NO_HEAD = Rule(
    "no_head",
    HARD,
    "head",
    _l("Choose the head of the household: one person who lives here."),
    lambda person: False,
)
TWO_HEADS = Rule(
    "two_heads",
    HARD,
    "head",
    _l("A household has one head. Choose one head of the household."),
    lambda person: False,
)


def day_of(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def head_birth(answers: Answers) -> date | None:
    """The head's date of birth as answered, or as the register has it."""
    key = answers.get("head")
    for member in answers.get("members", []):
        if member.get("key") == key:
            details = member.get("details") or {}
            registered = member.get("registered") or {}
            return day_of(details.get("birth_date") or registered.get("birth_date"))
    return None


def person_of(member: dict[str, Any], answers: Answers, reference: date, today: date) -> Person:
    """A saved member as the rules see them."""
    details = member.get("details") or {}
    registered = member.get("registered") or {}
    is_head = answers.get("head") == member.get("key")
    return Person(
        born=day_of(details.get("birth_date")),
        reference=reference,
        today=today,
        relationship=HEAD if is_head else details.get("relationship"),
        marital=details.get("marital"),
        education=details.get("education"),
        activity=details.get("activity"),
        is_head=is_head,
        registered_born=day_of(registered.get("birth_date")),
        head_born=None if is_head else head_birth(answers),
    )


def open_questions(answers: Answers, reference: date, today: date) -> list[Question]:
    """What must be corrected or confirmed before sending: hard rules that fire, and soft rules
    that fire and were not confirmed, for every member who lives here and for the household."""
    present = [m for m in answers.get("members", []) if m.get("status") == "present"]
    out: list[Question] = []
    keys = {m.get("key") for m in present}
    others = [m for m in present if m.get("key") != answers.get("head")]
    if answers.get("head") not in keys:
        out.append(Question(NO_HEAD, None))
    elif any((m.get("details") or {}).get("relationship") == HEAD for m in others):
        out.append(Question(TWO_HEADS, None))
    for member in present:
        if not member.get("details"):
            continue
        confirmed = (member.get("details") or {}).get("confirmed") or {}
        for found in fired(person_of(member, answers, reference, today)):
            if found.kind == HARD or found.id not in confirmed:
                out.append(Question(found, member["key"], member.get("name", "")))
    return out
