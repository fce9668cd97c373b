"""``Retry-After`` means "not now": only on a refusal (429) or the busy page (503)."""

from __future__ import annotations

from datetime import date

from flask import Flask

from census import create_app
from tests.factories import make_kk, make_nik
from tests.form_helpers import make_household


def test_successful_posts_carry_no_retry_after(app: Flask) -> None:
    made = make_household(app)
    client = app.test_client()
    checked = client.post("/cek?lang=en", data={"kk": made.kk, "nik": made.niks[0]})
    assert checked.status_code == 200
    assert "Retry-After" not in checked.headers
    entered = client.post("/isi", data={"kk": made.kk, "nik": made.niks[0]})
    assert entered.status_code == 303
    assert "Retry-After" not in entered.headers


def test_the_busy_page_keeps_its_own_retry_after() -> None:
    # Nothing listens there: the look-up fails with the database's OperationalError, on a route
    # whose throttle (10 a minute) would otherwise have set the wait to its window's end.
    app = create_app(
        {
            "DATABASE_URL": "postgresql+psycopg://nobody@127.0.0.1:1/none",
            "TESTING": True,
            "WTF_CSRF_ENABLED": False,
        }
    )
    numbers = {"kk": make_kk("33.16.01"), "nik": make_nik("33.16.01", "L", date(1980, 1, 2))}
    response = app.test_client().post("/cek?lang=en", data=numbers)
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "30"
    assert "Content-Security-Policy" in response.headers
