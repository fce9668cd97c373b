"""The consistency rules of census/form/rules.py, one by one."""

from __future__ import annotations

from datetime import date

import pytest

from census.form import rules
from census.form.rules import Person

REFERENCE = date(2026, 11, 17)
TODAY = date(2026, 12, 1)


def person(born: date | None, **answers) -> Person:
    return Person(born=born, reference=REFERENCE, today=TODAY, **answers)


def years_ago(years: int, days: int = 1) -> date:
    """Born ``years`` whole years before the reference date (and ``days`` more)."""
    return date(REFERENCE.year - years, REFERENCE.month, REFERENCE.day - days)


def fired(subject: Person) -> set[str]:
    return {found.id for found in rules.fired(subject)}


def test_every_rule_has_an_id_a_kind_a_field_and_words() -> None:
    assert len(rules.BY_ID) == len(rules.RULES), "rule ids are unique"
    for found in rules.RULES:
        assert found.kind in (rules.HARD, rules.SOFT)
        assert found.field in ("birth_day", "relationship", "marital", "education", "activity")
        assert str(found.words).endswith(".")


def test_ages_count_whole_years_at_the_reference_date() -> None:
    assert person(date(2016, 11, 17)).age == 10
    assert person(date(2016, 11, 18)).age == 9
    assert person(date(2026, 11, 30)).age == 0, "born after the reference date"
    assert person(None).age is None


def test_a_birth_date_in_the_future_is_refused() -> None:
    assert "birth_in_future" in fired(person(date(2026, 12, 2)))
    assert "birth_in_future" not in fired(person(TODAY))
    assert rules.BY_ID["birth_in_future"].kind == rules.HARD


def test_an_age_over_120_is_refused() -> None:
    assert "age_over_120" in fired(person(years_ago(121)))
    assert "age_over_120" not in fired(person(years_ago(120)))
    assert rules.BY_ID["age_over_120"].kind == rules.HARD


def test_a_birth_date_other_than_the_registers_is_asked() -> None:
    registered = date(2019, 3, 4)
    assert "birth_date_register" in fired(person(date(1919, 3, 4), registered_born=registered))
    assert "birth_date_register" not in fired(person(registered, registered_born=registered))
    assert "birth_date_register" not in fired(person(date(1919, 3, 4)))  # a person added
    assert rules.BY_ID["birth_date_register"].kind == rules.SOFT


def test_a_child_older_than_the_head_is_asked() -> None:
    head = date(1990, 5, 1)
    assert "child_older_than_head" in fired(
        person(date(1919, 3, 4), relationship="anak", head_born=head)
    )
    assert "child_older_than_head" not in fired(
        person(date(1919, 3, 4), relationship="orang_tua", head_born=head)
    )
    assert "child_older_than_head" not in fired(
        person(date(2019, 3, 4), relationship="anak", head_born=head)
    )


def test_a_child_fewer_than_12_years_younger_than_the_head_is_asked() -> None:
    head = date(1990, 5, 1)
    close = person(date(2002, 4, 30), relationship="anak", head_born=head)
    assert fired(close) >= {"child_close_to_head"}
    assert "child_close_to_head" not in fired(
        person(date(2002, 5, 1), relationship="anak", head_born=head)
    )
    assert "child_close_to_head" not in fired(
        person(date(1980, 1, 1), relationship="anak", head_born=head)
    ), "older than the head is the other rule"


@pytest.mark.parametrize(
    ("answers", "asked"),
    [
        ({"marital": "married"}, True),
        ({"marital": "divorced"}, True),
        ({"marital": "widowed"}, True),
        ({"relationship": "istri", "marital": "single"}, True),
        ({"relationship": "suami"}, True),
        ({"relationship": "anak", "marital": "single"}, False),
    ],
)
def test_a_spouse_or_a_married_person_under_16_is_asked(answers, asked) -> None:
    assert ("married_under_16" in fired(person(years_ago(15), **answers))) is asked
    assert "married_under_16" not in fired(person(years_ago(16), **answers))
    assert "19 (UU 16/2019)" in str(rules.BY_ID["married_under_16"].words)


@pytest.mark.parametrize(
    ("education", "least"),
    [("sd", 9), ("smp", 12), ("sma", 15), ("diploma", 18), ("s1", 18), ("s2", 18), ("s3", 18)],
)
def test_an_education_impossible_for_the_age_is_asked(education, least) -> None:
    assert "education_for_age" in fired(person(years_ago(least - 1), education=education))
    assert "education_for_age" not in fired(person(years_ago(least), education=education))


@pytest.mark.parametrize("education", ["none", "sd_now", "sd_incomplete"])
def test_a_child_at_school_has_a_true_education_answer(education) -> None:
    assert "education_for_age" not in fired(person(years_ago(8), education=education))


def test_working_under_10_is_asked() -> None:
    assert "working_under_10" in fired(person(years_ago(9), activity="work"))
    assert "working_under_10" not in fired(person(years_ago(10), activity="work"))
    assert "working_under_10" not in fired(person(years_ago(9), activity="school"))


def test_going_to_school_under_3_is_asked_and_not_at_school_at_7_is_fine() -> None:
    assert "school_under_3" in fired(person(years_ago(2), activity="school"))
    assert "school_under_3" not in fired(person(years_ago(3), activity="school"))
    assert not fired(person(years_ago(7), activity="other", education="none"))


def test_a_head_under_15_is_asked() -> None:
    assert "head_under_15" in fired(
        person(years_ago(14), is_head=True, relationship="kepala_keluarga")
    )
    assert "head_under_15" not in fired(person(years_ago(15), is_head=True))
    assert "head_under_15" not in fired(person(years_ago(14)))


def test_a_plausible_person_fires_nothing() -> None:
    born = date(1981, 9, 3)
    subject = person(
        born,
        relationship="istri",
        marital="married",
        education="sma",
        activity="work",
        registered_born=born,
        head_born=date(1978, 4, 12),
    )
    assert fired(subject) == set()


def _member(key: str, born: str, relationship: str, **details) -> dict:
    return {
        "key": key,
        "name": key.upper(),
        "status": "present",
        "registered": {"birth_date": born},
        "details": {"birth_date": born, "relationship": relationship, **details},
    }


def test_the_household_needs_one_head() -> None:
    head = _member("r1", "1990-05-01", "kepala_keluarga")
    other = _member("r2", "1992-01-01", "kepala_keluarga")
    ids = {
        q.rule.id for q in rules.open_questions({"members": [head], "head": None}, REFERENCE, TODAY)
    }
    assert ids == {"no_head"}
    answers = {"members": [head, other], "head": "r1"}
    assert [q.rule.id for q in rules.open_questions(answers, REFERENCE, TODAY)] == ["two_heads"]
    assert rules.open_questions({"members": [head], "head": "r1"}, REFERENCE, TODAY) == []


def test_cross_member_questions_use_the_heads_answer_and_confirmations() -> None:
    head = _member("r1", "1990-05-01", "kepala_keluarga")
    child = _member("r2", "2019-03-04", "anak")
    child["details"]["birth_date"] = "1919-03-04"
    answers = {"members": [head, child], "head": "r1"}
    questions = rules.open_questions(answers, REFERENCE, TODAY)
    assert {(q.key, q.rule.id) for q in questions} == {
        ("r2", "birth_date_register"),
        ("r2", "child_older_than_head"),
    }
    child["details"]["confirmed"] = {
        "birth_date_register": "2026-12-01T10:00:00+00:00",
        "child_older_than_head": "2026-12-01T10:00:00+00:00",
    }
    assert rules.open_questions(answers, REFERENCE, TODAY) == []
    # The head's date corrected later: the child's own page is asked again on the check page.
    head["details"]["birth_date"] = "2015-01-01"
    child["details"]["birth_date"] = "2019-03-04"
    child["details"]["confirmed"] = {}
    assert {(q.key, q.rule.id) for q in rules.open_questions(answers, REFERENCE, TODAY)} == {
        ("r1", "birth_date_register"),
        ("r1", "head_under_15"),
        ("r2", "child_close_to_head"),
    }
