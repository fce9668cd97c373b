"""Drives through the test client, as a regency's staff and its employees would use them."""

from __future__ import annotations

import io
import re
from datetime import timedelta

from sqlalchemy import func, select

from census.core import db
from census.core.config import census_today
from census.core.local_models import AuditEntry, Drive, DriveConfirmation
from tests.browser_fixtures import BUDGET, first_load
from tests.drive_helpers import agency_ids, confirm, create_drive, sent_household, unsent_household
from tests.staff_helpers import staff_client

TODAY = census_today()
THREE = "Dinas Kesehatan,40\nDinas Pendidikan,120\nBappeda,25\n"


def new_drive(client, **extra) -> object:
    data = {
        "name": "ASN Blora menghitung diri",
        "slug": "asn-blora",
        "starts_on": (TODAY - timedelta(days=1)).isoformat(),
        "ends_on": (TODAY + timedelta(days=30)).isoformat(),
        "target": "80",
        "agencies": THREE,
        **extra,
    }
    return client.post("/staf/wilayah/33.16/kampanye?lang=en", data=data)


def row_of(html: str, agency: str) -> list[str]:
    row = re.search(rf'<th scope="row">{agency}</th>(.*?)</tr>', html)
    assert row, agency
    return re.findall(r'<td class="num">([^<]*)</td>', row.group(1))


def test_the_whole_drive_as_a_regency_and_its_employees_use_it(app) -> None:
    staff = staff_client(app, "blora@blora.go.id", "region", "33.16")
    assert "/staf/wilayah/33.16/kampanye" in staff.get("/staf").text
    made = new_drive(staff)
    assert made.status_code == 303, made.text
    assert made.headers["Location"].startswith("/staf/kampanye/asn-blora")
    manage = staff.get(made.headers["Location"] + "&lang=en")
    assert manage.status_code == 200 and "The drive is ready" in manage.text
    ids = agency_ids(app)
    assert set(ids) == {"Dinas Kesehatan", "Dinas Pendidikan", "Bappeda"}
    home = sent_household(app)
    outsider = sent_household(app)
    demo = sent_household(app, demo=True)
    client = app.test_client()
    page = client.get("/kampanye/asn-blora?lang=en")
    assert page.status_code == 200 and "<svg" in page.text
    assert row_of(page.text, "Dinas Kesehatan") == ["40", "0", "0.0%"]
    # Two members of one sent household confirm, for two agencies.
    first = confirm(client, home.proof, home.niks[0], ids["Dinas Kesehatan"])
    assert first.status_code == 303 and "terkonfirmasi=1" in first.headers["Location"]
    thanks = client.get(first.headers["Location"])
    assert "your confirmation is counted" in thanks.text
    assert confirm(client, home.proof, home.niks[1], ids["Bappeda"]).status_code == 303
    page = client.get("/kampanye/asn-blora?lang=en").text
    assert row_of(page, "Dinas Kesehatan") == ["40", "&lt;10", "–"]
    assert row_of(page, "Bappeda") == ["25", "&lt;10", "–"]
    assert row_of(page, "Dinas Pendidikan") == ["120", "0", "0.0%"]
    # The shared proof with an outsider's NIK, a second try and the demo proof: refused.
    for proof, nik, message in (
        (home.proof, outsider.niks[0], "This NIK is not one of the people counted"),
        (home.proof, home.niks[0], "This NIK has already confirmed in this drive"),
        (demo.proof, demo.niks[0], "practice forms never count in a drive"),
        ("ABCDEFGHJK", home.niks[2], "No sent census form has this proof code"),
    ):
        refused = confirm(client, proof, nik, ids["Dinas Pendidikan"])
        assert refused.status_code == 200 and message in refused.text
        assert 'class="error-summary"' in refused.text
        # Only what was typed comes back, in its own field; no name, no one else's number.
        assert refused.text.count(nik) == 1 and f'value="{nik}"' in refused.text
        assert "Budi" not in refused.text and "Siti" not in refused.text
        assert refused.headers["Cache-Control"] == "no-store"
    with app.app_context():
        assert db.session().scalar(select(func.count()).select_from(DriveConfirmation)) == 2
        actions = db.session().scalars(select(AuditEntry.action)).all()
        assert "drive.create" in actions


def test_bad_input_is_explained_next_to_each_field(app) -> None:
    assert create_drive(app).exit_code == 0
    unsent = unsent_household(app)
    client = app.test_client()
    empty = client.post("/kampanye/asn-blora?lang=en", data={})
    assert empty.status_code == 200
    for message in ("Enter the proof code", "Enter your own NIK", "Choose your agency"):
        assert message in empty.text
    wrong = client.post(
        "/kampanye/asn-blora?lang=en", data={"proof": "ABC", "nik": "12", "agency": "zz"}
    )
    assert "A proof code has 10 letters and digits" in wrong.text
    assert wrong.status_code == 200
    ids = agency_ids(app)
    unsent_try = confirm(client, "ABCDEFGHJK", unsent.niks[0], ids["Bappeda"])
    assert "No sent census form has this proof code" in unsent_try.text
    assert client.get("/kampanye/no-such-drive").status_code == 404
    assert client.get("/kampanye/BAD..").status_code == 404


def test_the_staff_form_explains_and_numbers_rejected_agency_lines(app) -> None:
    staff = staff_client(app, "blora@blora.go.id", "region", "33.16")
    bad = new_drive(staff, agencies="Dinas Kesehatan,40\nBappeda,lots\n,3\n", target="0")
    assert bad.status_code == 200
    assert "Enter a whole number from 1 to 100." in bad.text
    upload = {
        "file": (io.BytesIO(b"agency,headcount\nDinas A,10\nDinas B,-1\n"), "opd.csv"),
        "agencies": "",
    }
    bad_file = new_drive(staff, **upload)
    assert bad_file.status_code == 200
    assert "line 3: the headcount must be a whole number" in bad_file.text
    with app.app_context():
        assert db.session().scalar(select(func.count()).select_from(Drive)) == 0
    good_file = new_drive(
        staff, file=(io.BytesIO(b"\xef\xbb\xbfagency;headcount\r\nDinas A;10\r\n"), "opd.csv")
    )
    assert good_file.status_code == 303
    more = staff.post(
        "/staf/kampanye/asn-blora/instansi?lang=en",
        data={"agencies": "Dinas C,5\nDinas A,3\nDinas D,x\n"},
    )
    assert more.status_code == 200
    assert "1 of 3 lines added." in more.text
    assert "line 2: this agency is already listed" in more.text
    assert "line 3: the headcount must be" in more.text
    assert staff.get("/staf/wilayah/33.16.01/kampanye").status_code == 404


def test_a_regency_account_cannot_manage_its_neighbours_drive(app, tmp_path) -> None:
    assert create_drive(app, tmp_path, slug="asn-rembang", region="33.17").exit_code == 0
    staff = staff_client(app, "blora@blora.go.id", "region", "33.16")
    assert staff.get("/staf/kampanye/asn-rembang").status_code == 403
    assert staff.get("/staf/wilayah/33.17/kampanye").status_code == 403
    assert staff.post("/staf/wilayah/33.17/kampanye", data={"name": "x"}).status_code == 403
    added = staff.post("/staf/kampanye/asn-rembang/instansi", data={"agencies": "A,1"})
    assert added.status_code == 403
    changed = staff.post("/staf/kampanye/asn-rembang/ubah", data={"name": "x", "target": "90"})
    assert changed.status_code == 403
    assert staff.get("/staf/kampanye/no-such-drive").status_code == 403
    national = staff_client(app, "admin@bps.go.id", "national")
    assert national.get("/staf/kampanye/asn-rembang").status_code == 200
    assert national.get("/staf/kampanye/no-such-drive").status_code == 404


def test_the_command_creates_a_drive_or_says_why_not(app, tmp_path) -> None:
    result = create_drive(app, tmp_path)
    assert result.exit_code == 0 and "3 agencies" in result.output
    again = create_drive(app, tmp_path)
    assert again.exit_code != 0 and "Another drive already has this short name" in again.output
    bad = create_drive(app, tmp_path, slug="other", agencies="A,1\nB,none\n")
    assert bad.exit_code != 0 and "line 2: the headcount must be" in bad.output
    assert "nothing" not in result.output
    with app.app_context():
        entry = db.session().scalar(select(AuditEntry).where(AuditEntry.action == "drive.create"))
        assert entry.actor == "command line" and entry.target == "asn-blora"


def test_open_data_withholds_small_counts(app, tmp_path) -> None:
    assert create_drive(app, tmp_path).exit_code == 0
    home = sent_household(app)
    client = app.test_client()
    ids = agency_ids(app)
    assert confirm(client, home.proof, home.niks[0], ids["Bappeda"]).status_code == 303
    data = client.get("/kampanye/asn-blora.json").get_json()
    bappeda = next(a for a in data["agencies"] if a["agency"] == "Bappeda")
    assert bappeda == {
        "agency": "Bappeda",
        "headcount": 25,
        "confirmed": "<10",
        "percent_confirmed": None,
    }
    assert data["confirmed"] == "<10" and data["percent_confirmed"] is None
    assert data["target_percent"] == 80 and data["headcount"] == 185
    text = client.get("/kampanye/asn-blora.csv").text
    lines = text.splitlines()
    assert lines[0] == "agency,headcount,confirmed,percent_confirmed,target_percent,updated_at"
    assert any(line.startswith("Bappeda,25,<10,,80,") for line in lines)
    assert lines[-1].startswith("total,185,<10,,80,")
    for body in (text, str(data)):
        assert home.niks[0] not in body and home.proof not in body


def test_short_link_poster_and_presenter(app, tmp_path) -> None:
    assert create_drive(app, tmp_path).exit_code == 0
    client = app.test_client()
    short = client.get("/k/asn-blora")
    assert short.status_code == 302 and short.headers["Location"].endswith("/kampanye/asn-blora")
    poster = client.get("/kampanye/asn-blora/poster?lang=en")
    assert (
        poster.status_code == 200 and 'class="qr"' in poster.text and "/k/asn-blora" in poster.text
    )
    page = client.get("/presentasi/kampanye/asn-blora?lang=en")
    assert page.status_code == 200
    assert '<meta http-equiv="refresh" content="30">' in page.text  # inside <noscript>
    assert 'data-hx-get="/presentasi/kampanye/asn-blora?lang=en"' in page.text
    assert 'data-hx-trigger="every 30s"' in page.text
    fragment = client.get("/presentasi/kampanye/asn-blora", headers={"HX-Request": "true"})
    assert fragment.text.lstrip().startswith('<section id="live"')
    assert "<html" not in fragment.text and "HX-Request" in fragment.headers["Vary"]


def test_drive_pages_fit_in_14_kb(app, tmp_path) -> None:
    agencies = "".join(f"Dinas Nomor {n} Kabupaten Blora,{100 + n}\n" for n in range(40))
    assert create_drive(app, tmp_path, agencies=agencies).exit_code == 0
    staff = staff_client(app, "blora@blora.go.id", "region", "33.16")
    client = app.test_client()
    for lang in ("id", "en"):
        for path in (
            "/kampanye/asn-blora",
            "/kampanye/asn-blora/poster",
            "/presentasi/kampanye/asn-blora",
        ):
            _html, size = first_load(client, f"{path}?lang={lang}")
            assert size <= BUDGET, (path, size)
        for path in ("/staf/kampanye/asn-blora", "/staf/wilayah/33.16/kampanye"):
            _html, size = first_load(staff, f"{path}?lang={lang}")
            assert size <= BUDGET, (path, size)


def test_a_closed_drive_takes_no_confirmation(app, tmp_path) -> None:
    assert create_drive(app, tmp_path).exit_code == 0
    home = sent_household(app)
    with app.app_context():
        drive = db.session().scalar(select(Drive))
        drive.ends_on = TODAY - timedelta(days=1)
        drive.starts_on = TODAY - timedelta(days=10)
        db.session().commit()
    client = app.test_client()
    ids = agency_ids(app)
    closed = confirm(client, home.proof, home.niks[0], ids["Bappeda"])
    assert closed.status_code == 200 and "This drive has ended" in closed.text
    with app.app_context():
        assert db.session().scalar(select(func.count()).select_from(DriveConfirmation)) == 0


def test_confirmations_share_the_status_checks_throttle(app) -> None:
    app.config["LOOKUP_LIMITS"] = "3/minute"
    assert create_drive(app).exit_code == 0
    home = sent_household(app)
    ids = agency_ids(app)
    client = app.test_client()
    assert client.post("/cek", data={"kk": "1", "nik": "2"}).status_code == 200
    assert confirm(client, "ABCDEFGHJK", home.niks[0], ids["Bappeda"]).status_code == 200
    assert confirm(client, "ABCDEFGHJK", home.niks[0], ids["Bappeda"]).status_code == 200
    refused = confirm(client, home.proof, home.niks[0], ids["Bappeda"])
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    assert "Too many tries" in refused.text
    assert client.get("/kampanye/asn-blora").status_code == 200  # reading is not throttled
    with app.app_context():
        assert db.session().scalar(select(func.count()).select_from(DriveConfirmation)) == 0


def change_data(app, **extra) -> dict[str, str]:
    ids = agency_ids(app)
    return {
        "name": "ASN Blora menghitung diri",
        "starts_on": (TODAY - timedelta(days=1)).isoformat(),
        "ends_on": (TODAY + timedelta(days=30)).isoformat(),
        "target": "80",
        **{f"headcount_{i}": str(n) for i, n in zip(ids.values(), (40, 120, 25), strict=True)},
        **extra,
    }


def test_staff_change_a_drives_name_days_target_and_headcounts(app) -> None:
    staff = staff_client(app, "blora@blora.go.id", "region", "33.16")
    assert new_drive(staff).status_code == 303
    page = staff.get("/staf/kampanye/asn-blora?lang=en").text
    assert "Change the drive" in page and 'value="ASN Blora menghitung diri"' in page
    ids = agency_ids(app)
    later = (TODAY + timedelta(days=45)).isoformat()
    data = change_data(
        app,
        name="ASN Blora  menghitung diri 2026",
        ends_on=later,
        target="90",
        **{f"headcount_{ids['Bappeda']}": "1.250"},
    )
    changed = staff.post("/staf/kampanye/asn-blora/ubah", data=data)
    assert changed.status_code == 303 and changed.headers["Location"].endswith("changed=1")
    assert "The drive is changed" in staff.get(changed.headers["Location"] + "&lang=en").text
    with app.app_context():
        drive = db.session().scalar(select(Drive))
        assert drive.name == "ASN Blora menghitung diri 2026" and drive.slug == "asn-blora"
        assert drive.ends_on.isoformat() == later and drive.target_percent == 90
        assert {a.name: a.headcount for a in drive.agencies}["Bappeda"] == 1250
        entry = (
            db.session()
            .scalars(select(AuditEntry).where(AuditEntry.action == "drive.change"))
            .one()
        )
        assert entry.actor == "blora@blora.go.id" and "1 headcounts" in entry.detail
    public = app.test_client().get("/kampanye/asn-blora?lang=en").text
    assert "ASN Blora menghitung diri 2026" in public


def test_a_wrong_change_is_explained_next_to_its_field_and_nothing_is_saved(app) -> None:
    staff = staff_client(app, "blora@blora.go.id", "region", "33.16")
    assert new_drive(staff).status_code == 303
    ids = agency_ids(app)
    earlier = (TODAY - timedelta(days=5)).isoformat()
    data = change_data(
        app, ends_on=earlier, target="101", **{f"headcount_{ids['Bappeda']}": "banyak"}
    )
    refused = staff.post("/staf/kampanye/asn-blora/ubah?lang=en", data=data)
    assert refused.status_code == 200
    assert 'class="error-summary"' in refused.text
    assert "Enter a whole number from 1 to 100." in refused.text
    assert 'value="banyak"' in refused.text, "what was typed is shown back"
    before_start = change_data(app, ends_on=(TODAY - timedelta(days=5)).isoformat())
    refused = staff.post("/staf/kampanye/asn-blora/ubah?lang=en", data=before_start)
    assert "The last day cannot be before the first day." in refused.text
    with app.app_context():
        drive = db.session().scalar(select(Drive))
        assert drive.target_percent == 80 and drive.ends_on > TODAY
        assert {a.name: a.headcount for a in drive.agencies}["Bappeda"] == 25


def test_a_proof_code_cannot_be_used_to_go_through_niks(app) -> None:
    app.config["DRIVE_FAILS_PER_PROOF"] = "3/hour"
    assert create_drive(app).exit_code == 0
    home, outsider = sent_household(app), sent_household(app)
    ids = agency_ids(app)
    tries = [app.test_client() for _ in range(4)]  # as if from four addresses
    codes = [
        confirm(client, home.proof, outsider.niks[i % 3], ids["Bappeda"]).status_code
        for i, client in enumerate(tries)
    ]
    assert codes == [200, 200, 200, 429], "the proof's tries count from any address"
    refused = confirm(app.test_client(), home.proof, home.niks[0], ids["Bappeda"])
    assert refused.status_code == 429, "even a right NIK waits once the proof is held"
    assert int(refused.headers["Retry-After"]) > 0
    assert "Too many tries from here or with this proof code" in refused.text
    assert 'id="proof"' in refused.text and home.proof in refused.text, "the proof stays typed"
    assert home.niks[0] not in refused.text, "the NIK is never shown back"
    other = confirm(app.test_client(), outsider.proof, outsider.niks[0], ids["Bappeda"])
    assert other.status_code == 303, "another proof is not held up"


def test_a_confirmation_that_counts_clears_its_proofs_tries(app) -> None:
    app.config["DRIVE_FAILS_PER_PROOF"] = "3/hour"
    assert create_drive(app).exit_code == 0
    home, outsider = sent_household(app), sent_household(app)
    ids = agency_ids(app)
    client = app.test_client()
    for _ in range(2):
        assert confirm(client, home.proof, outsider.niks[0], ids["Bappeda"]).status_code == 200
    assert confirm(client, home.proof, home.niks[0], ids["Bappeda"]).status_code == 303
    for _ in range(2):
        assert confirm(client, home.proof, outsider.niks[1], ids["Bappeda"]).status_code == 200
    assert confirm(client, home.proof, home.niks[1], ids["Bappeda"]).status_code == 303
