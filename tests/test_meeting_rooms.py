"""A meeting's room of practice households: one QR code, a household per phone, a live count,
and "End the meeting" leaves nothing behind."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from census.core import db
from census.core.models import Household, MeetingRoom, MeetingSeat

SITE = "http://10.1.2.3:8000"


@pytest.fixture
def room_app(app):
    app.config["SITE_URL"] = SITE
    return app


def open_room(client, size: int = 3) -> tuple[int, str]:
    """Open a room from ``client`` (the presenter); its id and the join path in its QR code."""
    response = client.post("/ruang", data={"size": str(size)})
    assert response.status_code == 303, response.get_data(as_text=True)[:300]
    room_id = int(response.headers["Location"].rsplit("/", 1)[1])
    screen = client.get(f"/ruang/{room_id}?lang=en").get_data(as_text=True)
    found = re.search(re.escape(SITE) + r"(/ruang/masuk/[A-Za-z0-9_-]+)", screen)
    assert found, screen[:2000]
    return room_id, found.group(1)


def numbers_on(client) -> str:
    """The KK number on this phone's demo page."""
    page = client.get("/demo?lang=en").get_data(as_text=True)
    found = re.search(r"<dd>(3398 [0-9 ]+)</dd>", page)
    assert found, page[:2000]
    return found.group(1)


def room_households(app, room_id: int) -> list[Household]:
    with app.app_context():
        query = (
            select(Household)
            .join(MeetingSeat, MeetingSeat.household_id == Household.id)
            .where(MeetingSeat.room_id == room_id)
        )
        return list(db.session().scalars(query))


def test_each_phone_gets_its_own_practice_household(room_app) -> None:
    presenter = room_app.test_client()
    room_id, join = open_room(presenter, size=3)
    phones = [room_app.test_client() for _ in range(3)]
    seen = set()
    for phone in phones:
        landing = phone.get(join + "?lang=en")
        assert landing.status_code == 200
        assert "Give me a practice household" in landing.get_data(as_text=True)
        joined = phone.post(join)
        assert joined.status_code == 303 and joined.headers["Location"].endswith("/demo")
        seen.add(numbers_on(phone))
    assert len(seen) == 3  # nobody else's numbers
    for phone, mine in zip(phones, seen, strict=False):
        page = phone.get("/demo?lang=en").get_data(as_text=True)
        assert sum(number in page for number in seen) == 1, mine
    households = room_households(room_app, room_id)
    assert len(households) == 3 and all(h.is_demo for h in households)
    # A phone that scans again keeps its household; a fourth phone finds the room full.
    again = phones[0].post(join)
    assert again.status_code == 303 and len(room_households(room_app, room_id)) == 3
    late = room_app.test_client().post(join + "?lang=en")
    assert late.status_code == 409
    assert "has been handed out" in late.get_data(as_text=True)


def test_the_screen_counts_households_sent(room_app) -> None:
    presenter = room_app.test_client()
    room_id, join = open_room(presenter, size=4)
    for _ in range(3):
        assert room_app.test_client().post(join).status_code == 303
    with room_app.app_context():
        ids = [h.id for h in room_households(room_app, room_id)]
        for n, household_id in enumerate(ids[:2]):
            db.session().get(Household, household_id).proof_code = f"ABCDEFGH{n}X"
        db.session().commit()
    fragment = presenter.get(f"/ruang/{room_id}?lang=en", headers={"HX-Request": "true"})
    html = fragment.get_data(as_text=True)
    assert fragment.status_code == 200 and "<html" not in html
    assert re.search(r'class="big">2<span class="of"> / 4</span>', html), html
    assert "3 phones have their household" in html
    page = presenter.get(f"/ruang/{room_id}?lang=en").get_data(as_text=True)
    assert 'http-equiv="refresh"' in page and "hx-trigger=" in page  # JS off and on


def test_only_the_presenter_sees_and_ends_the_room(room_app) -> None:
    presenter = room_app.test_client()
    room_id, join = open_room(presenter)
    stranger = room_app.test_client()
    assert stranger.get(f"/ruang/{room_id}").status_code == 404
    assert stranger.post(f"/ruang/{room_id}/selesai").status_code == 404
    assert room_app.test_client().post(join).status_code == 303
    assert len(room_households(room_app, room_id)) == 1


def test_ending_the_meeting_leaves_no_practice_household(room_app) -> None:
    presenter = room_app.test_client()
    room_id, join = open_room(presenter, size=5)
    phones = [room_app.test_client() for _ in range(5)]
    for phone in phones:
        assert phone.post(join).status_code == 303
    with room_app.app_context():
        before = db.session().scalar(select(func.count()).select_from(Household))
    ended = presenter.post(f"/ruang/{room_id}/selesai")
    assert ended.status_code == 303
    page = presenter.get(ended.headers["Location"] + "&lang=en").get_data(as_text=True)
    assert "5 practice households were deleted" in page
    with room_app.app_context():
        session = db.session()
        after = session.scalar(select(func.count()).select_from(Household))
        assert before - after == 5
        assert session.scalar(select(func.count()).select_from(MeetingSeat)) == 0
        assert session.get(MeetingRoom, room_id) is None
    gone = phones[0].get(join + "?lang=en")
    assert gone.status_code == 404 and "This meeting has ended" in gone.get_data(as_text=True)


@pytest.mark.parametrize("size", ["", "0", "61", "abc", "3.5", "٣"])
def test_a_room_size_must_be_a_whole_number_up_to_60(room_app, size: str) -> None:
    response = room_app.test_client().post("/ruang?lang=en", data={"size": size})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'class="error-summary"' in html and 'aria-invalid="true"' in html
    assert f'value="{size}"' in html  # what was typed is kept
    with room_app.app_context():
        assert db.session().scalar(select(func.count()).select_from(MeetingRoom)) == 0


def test_the_room_pages_read_in_indonesian(room_app) -> None:
    presenter = room_app.test_client()
    room_id, join = open_room(presenter)
    screen = presenter.get(f"/ruang/{room_id}?lang=id").get_data(as_text=True)
    assert "Coba sensus di ponsel Anda" in screen
    landing = room_app.test_client().get(join + "?lang=id").get_data(as_text=True)
    assert "Minta rumah tangga latihan" in landing


def test_the_room_pages_are_small_on_first_load(room_app) -> None:
    from tests.browser_fixtures import BUDGET, first_load

    presenter = room_app.test_client()
    room_id, join = open_room(presenter, size=30)
    for lang in ("id", "en"):
        for client, path in (
            (presenter, f"/ruang/{room_id}"),
            (presenter, "/ruang"),
            (room_app.test_client(), join),
        ):
            _html, size = first_load(client, f"{path}?lang={lang}")
            assert size <= BUDGET, (path, lang, size)
