"""Throttles that a client cannot talk its way around, and the proof check's own throttle.

The demo exemption of the per-address look-up limit is decided from the server's own rows (a
demo household the register holds, or the one this session opened), never from a field sent.
"""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from census.demo.service import demo_kk
from tests.factories import make_kk
from tests.form_helpers import PIN, enter, make_household

#: A number in the demo range that no presenter started (no row in the register).
UNSTARTED_DEMO_KK = "3398990101009901"


def start_demo(client: FlaskClient) -> dict[str, object]:
    assert client.post("/demo", data={"wilayah": "33.16"}).status_code == 303
    with client.session_transaction() as state:
        return dict(state["demo"])


def test_a_demo_kk_sent_with_the_pin_does_not_skip_the_address_throttle(app: Flask) -> None:
    app.config["LOOKUP_LIMITS"] = "4/minute"
    app.config["FORM_PIN_FAILS"] = "100/hour"  # the household's own PIN throttle stays out of it
    made = make_household(app)
    client = app.test_client()
    enter(client, made)  # the numbers (1 try) and the new PIN (2 tries)
    client.post("/isi/keluar")
    assert client.post("/isi", data={"kk": made.kk, "nik": made.niks[0]}).status_code == 303
    wrong = {"pin": "999999", "kk": UNSTARTED_DEMO_KK}
    assert client.post("/isi/pin", data=wrong).status_code == 200  # the 4th try: wrong PIN
    assert client.post("/isi/pin", data=wrong).status_code == 429
    # and the demo KK of a demo household that really exists does not help either
    other = app.test_client()
    demo = start_demo(other)
    assert client.post("/isi/pin", data={**wrong, "kk": demo["kk"]}).status_code == 429


def test_a_kk_in_the_demo_range_that_nobody_started_is_counted(app: Flask) -> None:
    app.config["LOOKUP_LIMITS"] = "3/minute"
    nik = "3398994101800001"
    for number, path in enumerate(("/cek", "/isi", "/embed/cek")):
        client, address = app.test_client(), {"REMOTE_ADDR": f"10.0.0.{number + 1}"}
        codes = [
            client.post(
                path, data={"kk": demo_kk(serial), "nik": nik}, environ_base=address
            ).status_code
            for serial in range(9990, 9994)
        ]
        assert codes[-1] == 429, (path, codes)


def test_a_room_can_still_open_a_started_demo_household_and_its_pin(app: Flask) -> None:
    app.config["LOOKUP_LIMITS"] = "3/minute"
    presenter = app.test_client()
    demo = start_demo(presenter)
    members = demo["members"]
    assert isinstance(members, list)
    numbers = {"kk": demo["kk"], "nik": members[0]["nik"]}
    first = app.test_client()
    assert first.post("/isi", data=numbers).status_code == 303
    assert (
        first.post("/isi/pin", data={"pin": "Kq7!mZ2x", "confirm": "Kq7!mZ2x"}).status_code == 303
    )
    for _ in range(4):  # more phones behind the same address than the limit allows
        phone = app.test_client()
        assert phone.post("/cek", data=numbers).status_code == 200
        assert phone.post("/isi", data=numbers).status_code == 303
        assert phone.post("/isi/pin", data={"pin": "Kq7!mZ2x"}).status_code == 303
    # A real household's tries from that address are still counted.
    made = make_household(app)
    real = app.test_client()
    codes = [
        real.post("/isi", data={"kk": made.kk, "nik": made.niks[0]}).status_code,
        real.post("/isi/pin", data={"pin": PIN, "confirm": PIN}).status_code,
        real.post("/cek", data={"kk": make_kk("33.16.01"), "nik": made.niks[0]}).status_code,
        real.post("/cek", data={"kk": make_kk("33.16.01"), "nik": made.niks[0]}).status_code,
    ]
    assert codes == [303, 303, 200, 429]


def test_proof_checks_are_throttled_per_address_with_the_sites_page(app: Flask) -> None:
    assert app.config["PROOF_LIMITS"] == "10/minute;200/day"
    client = app.test_client()
    codes = [client.get(f"/bukti/ABCDE-FGH{c}K").status_code for c in "JKMNPQRTUVW"]
    assert codes == [404] * 10 + [429]
    answer = client.get("/bukti/ABCDEFGHJK?lang=en")
    assert answer.status_code == 429 and int(answer.headers["Retry-After"]) > 0
    page = answer.get_data(as_text=True)
    assert "<h1>Too many tries</h1>" in page and "Error code: 429" in page
    assert "frame-ancestors 'none'" in answer.headers["Content-Security-Policy"]
    assert "Terlalu banyak percobaan" in client.get("/bukti/ABCDEFGHJK?lang=id").get_data(
        as_text=True
    )
    other = app.test_client()
    address = {"REMOTE_ADDR": "10.0.0.9"}
    assert other.get("/bukti/ABCDEFGHJK", environ_base=address).status_code == 404


def test_the_proof_limit_comes_from_the_configuration(app: Flask) -> None:
    app.config["PROOF_LIMITS"] = "2/minute"
    client = app.test_client()
    assert [client.get("/bukti/ABCDEFGHJK").status_code for _ in range(3)] == [404, 404, 429]
