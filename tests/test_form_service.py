"""The form's storage rules: versioned saves, idempotent repeats, resume, sending, proofs."""

from __future__ import annotations

import pytest

from census.core import db
from census.core.models import CountStatus, Household
from census.form import service
from census.form.service import Saved
from tests.factories import add_household


@pytest.fixture
def started(app):
    """A household with its response created (PIN set), inside an app context."""
    with app.app_context():
        session = db.session()
        made = add_household(session)
        response = service.create_response(session, made.household, "pin-hash")
        assert response is not None
        yield session, made, response


def _set(key, value):
    return lambda answers: answers.__setitem__(key, value)


def test_creating_the_response_starts_the_household(started) -> None:
    session, made, response = started
    household = session.get(Household, made.household.id)
    assert household.status is CountStatus.IN_PROGRESS and household.started_at is not None
    assert [m["name"] for m in response.answers["members"]] == [
        "Budi Santoso",
        "Siti Aminah",
        "Rina",
    ]
    assert response.answers["head"] == response.answers["members"][0]["key"]
    # A second phone setting a PIN at the same moment does not replace the first one's.
    assert service.create_response(session, household, "other-hash") is None
    assert service.get_response(session, household.id).pin_hash == "pin-hash"


def test_a_save_is_written_and_the_version_grows(started) -> None:
    session, _made, response = started
    result = service.save(session, response, 1, _set("housing", {"tenure": "own"}))
    assert result.outcome is Saved.WRITTEN and result.response.version == 2
    assert service.get_response(session, response.household_id).answers["housing"] == {
        "tenure": "own"
    }


def test_a_repeated_post_is_harmless(started) -> None:
    session, _made, response = started
    first = service.save(session, response, 1, _set("housing", {"tenure": "own"}))
    # The same POST again (double tap, retry after a time-out), built from version 1.
    again = service.save(session, first.response, 1, _set("housing", {"tenure": "own"}))
    assert again.outcome is Saved.SAME and again.ok
    assert service.get_response(session, response.household_id).version == 2


def test_a_stale_save_is_refused_and_nothing_is_overwritten(started) -> None:
    session, _made, response = started
    phone_a = service.save(session, response, 1, _set("housing", {"tenure": "own"}))
    phone_b = service.save(session, phone_a.response, 1, _set("housing", {"tenure": "rent"}))
    assert phone_b.outcome is Saved.STALE and not phone_b.ok
    assert phone_b.response.answers["housing"] == {"tenure": "own"}, "the newer answers are shown"
    assert service.get_response(session, response.household_id).version == 2


def test_a_save_claiming_a_version_from_the_future_is_refused(started) -> None:
    session, _made, response = started
    forged = service.save(session, response, response.version + 5, _set("housing", {"x": "1"}))
    assert forged.outcome is Saved.STALE
    assert "housing" not in service.get_response(session, response.household_id).answers


def _set_member(index, key, value):
    def change(answers):
        answers["members"][index][key] = value

    return change


def test_two_phones_on_different_steps_both_keep_their_answers(started) -> None:
    # Both pages were built from version 1; the housing save came first. The address save
    # changes nothing the housing save changed, so it is applied to the newer answers.
    session, _made, response = started
    housing = service.save(session, response, 1, _set("housing", {"tenure": "own"}))
    address = service.save(session, housing.response, 1, _set("address", {"at_kk_address": "yes"}))
    assert address.outcome is Saved.WRITTEN
    stored = service.get_response(session, response.household_id)
    assert stored.version == 3
    assert stored.answers["housing"] == {"tenure": "own"}
    assert stored.answers["address"] == {"at_kk_address": "yes"}
    # A third phone, still on version 1, changing the housing answers again is refused.
    late = service.save(session, stored, 1, _set("housing", {"tenure": "rent"}))
    assert late.outcome is Saved.STALE
    # A page built from version 2 has not seen the address of version 3: refused too.
    later = service.save(session, stored, 2, _set("address", {"at_kk_address": "no"}))
    assert later.outcome is Saved.STALE
    assert service.get_response(session, response.household_id).version == 3


def test_two_phones_on_different_people_both_keep_their_answers(started) -> None:
    session, _made, response = started
    first = service.save(session, response, 1, _set_member(0, "status", "present"))
    second = service.save(session, first.response, 1, _set_member(1, "status", "moved"))
    assert second.outcome is Saved.WRITTEN
    members = service.get_response(session, response.household_id).answers["members"]
    assert [m["status"] for m in members[:2]] == ["present", "moved"]
    # The same person changed from an older page: refused, the newer answer is kept.
    third = service.save(session, second.response, 1, _set_member(1, "status", "died"))
    assert third.outcome is Saved.STALE
    assert third.response.answers["members"][1]["status"] == "moved"


def test_answers_saved_without_stamps_are_judged_strictly(started) -> None:
    # Answers written before parts were stamped: what changed since an old page cannot be told.
    session, _made, response = started
    written = service.save(session, response, 1, _set("housing", {"tenure": "own"}))
    answers = dict(written.response.answers)
    del answers[service.STAMPS]
    written.response.answers = answers
    session.commit()
    refused = service.save(session, written.response, 1, _set("address", {"at_kk_address": "yes"}))
    assert refused.outcome is Saved.STALE


def test_a_race_lost_inside_the_update_is_refused(started) -> None:
    """Both phones read version 1; the second UPDATE ... WHERE version = 1 matches no row."""
    session, _made, response = started
    stale_copy = service.get_response(session, response.household_id)
    session.expunge(stale_copy)
    service.save(session, response, 1, _set("housing", {"tenure": "own"}))
    lost = service.save(session, stale_copy, 1, _set("housing", {"tenure": "rent"}))
    assert lost.outcome is Saved.STALE
    assert service.get_response(session, response.household_id).answers["housing"] == {
        "tenure": "own"
    }


def test_resume_goes_to_the_first_unfinished_step(started) -> None:
    _session, _made, response = started
    answers = response.answers
    assert service.next_step(answers) == ("form.address", {})
    answers["address"] = {"at_kk_address": "no"}
    assert service.next_step(answers) == ("form.address_where", {})
    answers["address"] = {"at_kk_address": "yes"}
    assert service.next_step(answers) == ("form.housing", {})
    answers["housing"] = {"tenure": "own"}
    assert service.next_step(answers) == ("form.members_step", {})
    answers["members_done"] = True
    for member in answers["members"]:
        member["status"] = "present"
    answers["members"][2]["status"] = "moved"
    first = answers["members"][0]["key"]
    assert service.next_step(answers) == ("form.member", {"key": first})
    answers["members"][0]["details"] = {"relationship": "kepala_keluarga"}
    second = answers["members"][1]["key"]
    assert service.next_step(answers) == ("form.member", {"key": second})
    answers["members"][1]["details"] = {"relationship": "istri"}
    assert service.next_step(answers) == ("form.check", {}), "who moved out needs no answers"
    assert service.next_step(answers, submitted=True) == ("form.done", {})


def _complete(session, response):
    def fill(answers):
        answers["address"] = {"at_kk_address": "yes"}
        answers["housing"] = {"tenure": "own"}
        answers["members_done"] = True
        for member in answers["members"]:
            member["status"] = "present"
            member["details"] = {"relationship": "anak"}

    return service.save(session, response, response.version, fill).response


def test_sending_twice_gives_the_same_proof(started) -> None:
    session, made, response = started
    response = _complete(session, response)
    sent = service.submit(session, response, response.version)
    assert sent.outcome is Saved.WRITTEN
    household = session.get(Household, made.household.id)
    code = household.proof_code
    assert household.status is CountStatus.COUNTED_ONLINE and household.counted_at
    assert len(code) == 10 and set(code) <= set(service.PROOF_ALPHABET)
    again = service.submit(session, sent.response, response.version)
    assert again.outcome is Saved.SAME
    assert session.get(Household, made.household.id).proof_code == code
    proof = service.find_proof(session, service.format_code(code).lower())
    assert proof is not None and proof.members == 3
    # After sending, answers cannot change online.
    closed = service.save(session, again.response, again.response.version, _set("housing", {}))
    assert closed.outcome is Saved.CLOSED


def test_an_incomplete_or_stale_form_is_not_sent(started) -> None:
    session, _made, response = started
    assert service.submit(session, response, response.version).outcome is Saved.STALE
    response = _complete(session, response)
    assert service.submit(session, response, response.version - 1).outcome is Saved.STALE
    assert service.get_response(session, response.household_id).submitted_at is None


def test_unknown_and_malformed_codes_find_nothing(started) -> None:
    session, _made, _response = started
    for code in ("", "ABC", "AAAAAAAAAA", "x" * 500, "'; drop table household; --"):
        assert service.find_proof(session, code) is None


def test_pins_are_forgotten_only_after_the_census(app, runner) -> None:
    from datetime import timedelta

    from census.core.config import Schedule, census_today

    with app.app_context():
        made = add_household(db.session())
        service.create_response(db.session(), made.household, "pin-hash")
    refused = runner.invoke(args=["form", "forget-pins"])
    assert refused.exit_code != 0 and "still needed" in refused.output
    today = census_today()
    app.config["CENSUS_SCHEDULE"] = Schedule(
        today - timedelta(days=90),
        today - timedelta(days=60),
        today - timedelta(days=40),
        today - timedelta(days=10),
    )
    done = runner.invoke(args=["form", "forget-pins"])
    assert done.exit_code == 0 and "1 PIN hashes deleted" in done.output
    with app.app_context():
        assert service.get_response(db.session(), made.household.id).pin_hash == ""
        from census.form.pins import pin_matches

        assert not pin_matches("", "")
