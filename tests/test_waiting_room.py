"""The waiting room: past CENSUS_ADMIT_PER_MINUTE, newcomers wait politely and go in in the order
they arrived; households already inside, the status check and the information pages never wait."""

from __future__ import annotations

import re

import pytest

from census.core import admission
from tests.form_helpers import enter, make_household


class Clock:
    """Time the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1_900_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch) -> Clock:
    moved = Clock()
    monkeypatch.setattr(admission, "clock", moved)
    return moved


def arrive(app, made):
    """A newcomer's phone types the household's numbers; the client and the answer."""
    phone = app.test_client()
    return phone, phone.post("/isi?lang=en", data={"kk": made.kk, "nik": made.niks[0]})


def admitted(response) -> bool:
    return response.status_code == 303 and "/isi/pin" in response.headers["Location"]


def _limited(app, per_minute: int = 6) -> None:
    app.config["CENSUS_ADMIT_PER_MINUTE"] = per_minute  # a turn every 10 s


def test_newcomers_wait_and_go_in_in_the_order_they_arrived(app, clock) -> None:
    queue_in_order(app, clock)


def test_the_clock_in_redis_keeps_the_same_order(redis_app, clock) -> None:
    queue_in_order(redis_app, clock)


def queue_in_order(app, clock: Clock) -> None:
    """Four newcomers, a turn every 10 s: one in at once, three wait, and go in in order."""
    _limited(app)
    households = [make_household(app) for _ in range(4)]
    phones, answers = zip(*(arrive(app, made) for made in households), strict=True)
    assert admitted(answers[0])  # a turn due now
    waits = []
    for answer in answers[1:]:
        html = answer.get_data(as_text=True)
        assert answer.status_code == 503
        assert re.search(r'http-equiv="refresh" content="\d+;url=/isi/antre', html)
        assert "Please wait your turn" in html and "you will not need to type them again" in html
        assert answer.headers["Cache-Control"] == "no-store"
        waits.append(int(answer.headers["Retry-After"]))
    assert waits == [10, 20, 30]  # first come, first served, a turn every 10 s
    assert "About 1 household is ahead of you" in answers[2].get_data(as_text=True)
    # The refresh comes back: still waiting until the turn, then on to the PIN, in order.
    clock.now += 5.5
    assert admitted(phones[1].get("/isi/antre"))
    assert phones[2].get("/isi/antre").status_code == 503
    clock.now += 10
    assert admitted(phones[2].get("/isi/antre"))
    assert phones[3].get("/isi/antre").status_code == 503
    clock.now += 10
    assert admitted(phones[3].get("/isi/antre"))
    page = phones[3].get("/isi/pin?lang=en").get_data(as_text=True)
    assert 'name="confirm"' in page  # the numbers were not typed again


def test_households_already_inside_never_wait(app, clock) -> None:
    made = make_household(app)
    phone = app.test_client()
    assert enter(phone, made).status_code == 303  # PIN set: the household is inside
    _limited(app, per_minute=1)
    for _ in range(3):
        arrive(app, make_household(app))  # the queue grows
    again = app.test_client()
    response = again.post("/isi", data={"kk": made.kk, "nik": made.niks[0]})
    assert admitted(response)


def test_the_status_check_and_the_pages_are_served_while_people_wait(app, clock) -> None:
    _limited(app, per_minute=1)
    for _ in range(3):
        arrive(app, make_household(app))
    made = make_household(app)
    client = app.test_client()
    assert client.post("/cek", data={"kk": made.kk, "nik": made.niks[0]}).status_code == 200
    for path in ("/", "/jadwal", "/tanya-jawab", "/cek"):
        assert client.get(path).status_code == 200


def test_the_waiting_page_speaks_indonesian(app, clock) -> None:
    _limited(app, per_minute=2)
    arrive(app, make_household(app))
    made = make_household(app)
    phone = app.test_client()
    answer = phone.post("/isi?lang=id", data={"kk": made.kk, "nik": made.niks[0]})
    html = answer.get_data(as_text=True)
    assert answer.status_code == 503 and "Mohon tunggu giliran Anda" in html
    assert 'lang="id"' in html


def test_no_ticket_means_the_entry_page(app) -> None:
    response = app.test_client().get("/isi/antre")
    assert response.status_code == 303 and response.headers["Location"].endswith("/isi")


def test_a_redis_that_does_not_answer_leaves_the_clock_to_the_database(app, clock) -> None:
    app.config["REDIS_URL"] = "redis://127.0.0.1:1/0"  # nothing listens there
    _limited(app)
    first = arrive(app, make_household(app))[1]
    second = arrive(app, make_household(app))[1]
    assert admitted(first)
    assert second.status_code == 503 and second.headers["Retry-After"] == "10"


def test_two_app_servers_share_one_clock(app, clock) -> None:
    from census import create_app

    other = create_app(
        {
            **{k: app.config[k] for k in ("DATABASE_URL", "KEY_PREFIX")},
            "TESTING": True,
            "WTF_CSRF_ENABLED": False,
        }
    )
    for server in (app, other):
        _limited(server)
    answers = [arrive(server, make_household(app))[1] for server in (app, other, app, other)]
    assert admitted(answers[0])
    assert [int(a.headers["Retry-After"]) for a in answers[1:]] == [10, 20, 30]
