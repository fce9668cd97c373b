"""Demo mode: a sandbox household that works like any other and is never in a figure."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from census.core import db
from census.core.identity import check_pair
from census.core.models import CountStatus, Household, Member, utcnow
from census.demo.service import DEMO_LIFETIME, cleanup, start_demo
from tests.factories import household_of, make_kk
from tests.outreach_helpers import add_many

PAGES = ("/wilayah/33.16", "/wilayah/33", "/wilayah", "/presentasi/33.16")
EXPORTS = ("/wilayah/33.16.json", "/wilayah/33.json", "/wilayah/33.16.01.json")


@pytest.fixture
def fresh(app):
    app.config["CENSUS_CACHE_SECONDS"] = 0
    with app.app_context():
        add_many(db.session(), "33.16.01.2002", online=15, officer=12, waiting=20)
        add_many(db.session(), "33.16.02.2001", online=20, waiting=10)
    return app


def published(client) -> dict[str, object]:
    """Every figure a visitor can see for Blora, its province and its districts."""
    out: dict[str, object] = {}
    for path in EXPORTS:
        data = client.get(path).json
        data.pop("updated_at")
        out[path] = data
    for code in ("33.16", "33"):
        csv_text = client.get(f"/wilayah/{code}.csv").get_data(as_text=True)
        out[code + ".csv"] = re.sub(r",[0-9T:+-]+\n", "\n", csv_text)
        badge = client.get(f"/badge/{code}.svg?lang=en").get_data(as_text=True)
        out[code + ".svg"] = re.sub(r"<desc>.*?</desc>", "", badge)
    for path in PAGES:
        html = client.get(path + "?lang=en").get_data(as_text=True)
        html = re.sub(r"chart\d+", "chart", html)
        html = re.sub(r"hx-headers='[^']*'", "", html)
        html = re.sub(r"Updated [^.<]*", "Updated", html)
        out[path] = html
    return out


def demo_household(app, household_id: int) -> Household:
    with app.app_context():
        return db.session().get(Household, household_id)


def test_demo_page_starts_a_sandbox_and_shows_its_numbers(client, app) -> None:
    page = client.get("/demo?lang=en").get_data(as_text=True)
    assert 'method="post" action="/demo' in page and "DEMO —" not in page
    response = client.post("/demo", data={"wilayah": "33.16"})
    assert response.status_code == 303 and response.headers["Location"].endswith("/demo")
    page = client.get("/demo?lang=en")
    assert page.headers["Cache-Control"] == "no-store"
    html = page.get_data(as_text=True)
    numbers = re.findall(r"<dd>(\d{4} \d{4} \d{4} \d{4})</dd>", html)
    assert len(numbers) == 4, "the KK and three NIKs, grouped for typing"
    kk, nik = numbers[0].replace(" ", ""), numbers[1].replace(" ", "")
    assert kk.startswith("339899") and kk[6:12] == "010100" and kk[12:14] == "99"
    assert check_pair(kk, nik).nik_error is None and check_pair(kk, nik).kk_error is None
    with app.app_context():
        found = household_of(db.session(), kk, nik)
        assert found is not None and found.is_demo and found.regency_code == "33.16"
    for path in ("/", "/wilayah/33.16", "/untuk-pemda", "/embed/cek"):
        assert "DEMO —" in client.get(path + "?lang=en").get_data(as_text=True), path


def test_no_figure_export_or_badge_changes_with_a_counted_demo_household(client, fresh) -> None:
    before = published(client)
    client.post("/demo", data={"wilayah": "33.16"})
    with client.session_transaction() as state:
        household_id = state["demo"]["household_id"]
    # The demo household goes through the whole journey: started, then sent online today.
    # (Once the census form is merged, its test sends this household through the real form
    # and then compares ``published`` the same way.)
    with fresh.app_context():
        household = db.session().get(Household, household_id)
        assert household.is_demo and household.village_code.startswith("33.16.")
        household.set_status(CountStatus.IN_PROGRESS)
        household.set_status(CountStatus.COUNTED_ONLINE)
        db.session().commit()
    client.post("/demo/selesai")  # the banner would otherwise differ
    client.post("/demo", data={"wilayah": "33.16"})  # and an uncounted one too
    client.post("/demo/selesai")
    with fresh.app_context():
        again = db.session().get(Household, household_id)
        assert again is None, "ending the demo deletes its household"
    # Keep a counted demo household in the database while comparing.
    client.post("/demo", data={"wilayah": "33.16"})
    with client.session_transaction() as state:
        household_id = state["demo"]["household_id"]
        state.pop("demo")
    with fresh.app_context():
        db.session().get(Household, household_id).set_status(CountStatus.COUNTED_ONLINE)
        db.session().commit()
    after = published(client)
    for key in before:
        assert after[key] == before[key], key
    # The comparison can fail: a real household counted the same way changes the figures.
    with fresh.app_context():
        add_many(db.session(), "33.16.01.2002", online=1)
    changed = published(client)
    assert changed["/wilayah/33.16.json"] != before["/wilayah/33.16.json"]
    assert changed["33.16.csv"] != before["33.16.csv"]
    assert changed["/wilayah/33.16"] != before["/wilayah/33.16"]


def test_each_demo_starts_clean_and_old_ones_are_deleted(client, app) -> None:
    demo_rows = select(func.count()).select_from(Household).where(Household.is_demo.is_(True))
    client.post("/demo")
    with client.session_transaction() as state:
        first = state["demo"]["household_id"]
    with app.app_context():
        db.session().get(Household, first).set_status(CountStatus.IN_PROGRESS)
        db.session().commit()
    client.post("/demo")
    with client.session_transaction() as state:
        second = state["demo"]["household_id"]
    with app.app_context():
        session = db.session()
        assert session.scalar(demo_rows) == 1, "the earlier demo of this browser is gone"
        assert session.get(Household, second).status == CountStatus.NOT_STARTED
        other = start_demo(session)  # another presenter's demo, started four hours ago
        session.get(Household, other.household_id).created_at = utcnow() - timedelta(hours=4)
        session.commit()
        assert session.scalar(demo_rows) == 2
        kept = start_demo(session)  # starting a demo cleans up what is too old
        assert household_of(session, kept.kk, kept.members[0]["nik"]) is not None
        assert session.scalar(demo_rows) == 2, "this browser's demo and the new one, not the old"
        assert session.scalar(select(func.count()).select_from(Member)) == 2 * 3, "no orphans"


def test_cleanup_never_touches_real_households(app) -> None:
    with app.app_context():
        session = db.session()
        real = add_many(session, "33.16.01.2002", waiting=1)[0].household
        real.created_at = utcnow() - DEMO_LIFETIME * 10
        session.commit()
        assert cleanup(session) == 0
        assert session.get(Household, real.id) is not None


def test_a_whole_demo_household_sent_through_the_form_changes_no_figure(
    client, fresh, monkeypatch
) -> None:
    """The demo household is found, filled in and sent like any other; no figure moves."""
    from census.demo.service import DEMO_MEMBERS
    from tests.factories import MadeHousehold
    from tests.form_helpers import enter, fill_until_check, version_of

    before = published(client)
    client.post("/demo", data={"wilayah": "33.16"})
    with client.session_transaction() as state:
        demo = state["demo"]
    with fresh.app_context():
        household = db.session().get(Household, demo["household_id"])
    made = MadeHousehold(household, demo["kk"], [m["nik"] for m in demo["members"]])
    # The form helpers answer for the factories' members; here they answer for the demo's.
    monkeypatch.setattr(
        "tests.factories.DEFAULT_MEMBERS", tuple((n, s, b, r) for n, s, b, r in DEMO_MEMBERS)
    )
    assert enter(client, made).status_code == 303
    fill_until_check(client, fresh, made)
    html = client.get("/isi/periksa").get_data(as_text=True)
    sent = client.post("/isi/periksa", data={"version": version_of(html)})
    assert sent.status_code == 303 and sent.headers["Location"].endswith("/isi/bukti")
    with fresh.app_context():
        counted = db.session().get(Household, demo["household_id"])
        assert counted.status is CountStatus.COUNTED_ONLINE and counted.is_demo
    with client.session_transaction() as state:
        state.pop("demo")  # the banner is not a figure
    after = published(client)
    for key in before:
        assert after[key] == before[key], key


@pytest.mark.parametrize("wilayah", ["33.16\x00", "33.16\n", "%00", "x" * 300, "33.16.01.2002"])
def test_any_region_asked_for_starts_a_demo(client, wilayah) -> None:
    assert client.post("/demo", data={"wilayah": wilayah}).status_code == 303


def test_when_every_practice_household_is_in_use_a_demo_waits(client, app, monkeypatch) -> None:
    from census.demo import service as demo_service

    monkeypatch.setattr(demo_service.random, "shuffle", lambda serials: serials.reverse())
    with app.app_context():
        for _ in range(100):  # every serial taken (each lives three hours)
            start_demo(db.session())
    response = client.post("/demo", data={})
    assert response.status_code == 503 and int(response.headers["Retry-After"]) > 0
    assert "try again" in client.post("/demo?lang=en").get_data(as_text=True)


def test_demo_checks_are_not_in_the_published_outcome_counts(client, app) -> None:
    from census.status.service import counts

    client.post("/demo", data={"wilayah": "33.16"})
    with client.session_transaction() as state:
        demo = dict(state["demo"])
    kk, nik = demo["kk"], demo["members"][0]["nik"]
    with app.test_request_context():
        before = counts()
    assert client.post("/cek?lang=en", data={"kk": kk, "nik": nik}).status_code == 200
    with app.test_request_context():
        assert counts() == before


def test_a_room_on_one_address_can_all_try_the_demo_numbers(client, app) -> None:
    # A presenter shows the demo numbers and the whole room, behind one venue's Wi-Fi, types them.
    app.config["LOOKUP_LIMITS"] = "3/minute"
    client.post("/demo", data={"wilayah": "33.16"})
    with client.session_transaction() as state:
        demo = dict(state["demo"])
    kk, nik = demo["kk"], demo["members"][0]["nik"]
    typed = [kk, " ".join(kk[i : i + 4] for i in range(0, 16, 4))]  # as read off the screen
    room = app.test_client()  # the same address as the presenter, another phone
    codes = [room.post("/cek", data={"kk": typed[i % 2], "nik": nik}).status_code for i in range(8)]
    assert codes == [200] * 8
    # Any other try from that address still counts.
    wrong = {"kk": make_kk("33.16.01"), "nik": nik}
    codes = [room.post("/cek", data=wrong).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
