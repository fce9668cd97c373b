"""Two phones saving the same step from the same version at the same moment: one wins.

The other is refused with the explanation and shown the winner's answers; nothing is silently
overwritten. Runs against PostgreSQL (row locks under READ COMMITTED) and SQLite (one writer).
"""

from __future__ import annotations

import threading

from census.core.models import FormResponse
from tests.form_helpers import HOUSING, enter, make_household, stored, version_of


def test_two_devices_cannot_silently_overwrite_each_other(app) -> None:
    made = make_household(app)
    phones = [app.test_client(), app.test_client()]
    for phone in phones:
        enter(phone, made)
    pages = [phone.get("/isi/rumah").get_data(as_text=True) for phone in phones]
    assert version_of(pages[0]) == version_of(pages[1])
    answers = [dict(HOUSING, tenure="own"), dict(HOUSING, tenure="rent")]
    barrier = threading.Barrier(2)
    results: list = [None, None]

    def save(index: int) -> None:
        barrier.wait()
        results[index] = phones[index].post(
            "/isi/rumah?lang=en", data={"version": version_of(pages[index]), **answers[index]}
        )

    threads = [threading.Thread(target=save, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    codes = sorted(r.status_code for r in results)
    assert codes == [303, 409], codes
    winner = next(i for i, r in enumerate(results) if r.status_code == 303)
    loser = results[1 - winner].get_data(as_text=True)
    assert "Someone else changed these answers" in loser
    _household, response = stored(app, made.household.id)
    assert isinstance(response, FormResponse)
    assert response.answers["housing"]["tenure"] == answers[winner]["tenure"]
    assert response.version == int(version_of(pages[0])) + 1, "exactly one save was written"


def test_many_saves_at_once_each_win_or_are_refused(app) -> None:
    made = make_household(app)
    phones = [app.test_client() for _ in range(4)]
    for phone in phones:
        enter(phone, made)
    base = version_of(phones[0].get("/isi/rumah").get_data(as_text=True))
    tenures = ["own", "rent", "free", "official"]
    barrier = threading.Barrier(len(phones))
    codes: list[int] = []

    def save(index: int) -> None:
        barrier.wait()
        response = phones[index].post(
            "/isi/rumah", data={"version": base, **dict(HOUSING, tenure=tenures[index])}
        )
        codes.append(response.status_code)

    threads = [threading.Thread(target=save, args=(i,)) for i in range(len(phones))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(codes) == [303, 409, 409, 409], codes
    assert stored(app, made.household.id)[1].version == int(base) + 1


def test_two_devices_on_different_steps_both_keep_their_answers(app) -> None:
    # A family fills in the form on two phones at once: one the housing step, the other the
    # address. Both pages come from the same version; both saves land, in either order.
    made = make_household(app)
    phones = [app.test_client(), app.test_client()]
    for phone in phones:
        enter(phone, made)
    steps = [("/isi/rumah", HOUSING), ("/isi/alamat", {"at_kk_address": "yes"})]
    pages = [
        phone.get(path).get_data(as_text=True)
        for phone, (path, _data) in zip(phones, steps, strict=True)
    ]
    base = version_of(pages[0])
    assert version_of(pages[1]) == base
    barrier = threading.Barrier(2)
    codes: list[int] = [0, 0]

    def save(index: int) -> None:
        path, data = steps[index]
        barrier.wait()
        codes[index] = phones[index].post(path, data={"version": base, **data}).status_code

    threads = [threading.Thread(target=save, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert codes == [303, 303], codes
    _household, response = stored(app, made.household.id)
    assert response.answers["housing"] == HOUSING
    assert response.answers["address"]["at_kk_address"] == "yes"
    assert response.version == int(base) + 2
