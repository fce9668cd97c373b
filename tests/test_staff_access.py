"""A region account acts on its region and below it, and on nothing else.

Every staff route of the application (drives' too) is tried with an account of Blora (33.16)
against its neighbour Rembang (33.17): each must answer 403 and change nothing.
"""

from __future__ import annotations

import io

from sqlalchemy import func, select

from census.core import db
from census.core.local_models import (
    Announcement,
    AuditEntry,
    Drive,
    DriveAgency,
    HelpPoint,
    RegionTarget,
    StaffAccount,
)
from census.staff.auth import covers
from tests.drive_helpers import create_drive
from tests.staff_helpers import staff_client

NEIGHBOUR = "33.17"
HELP_CSV = "village_code,name,address,hours,phone\n33.17.01.2001,Balai Desa,Jl. Raya 1,08-12,0295\n"
DRIVE = {
    "name": "ASN",
    "starts_on": "2026-03-01",
    "ends_on": "2026-03-31",
    "target": "80",
    "agencies": "Dinas A,10",
}
#: Routes anyone may use: signing in, setting up an account, signing out, the staff home.
OPEN_TO_EVERY_ACCOUNT = {
    "staff.sign_in",
    "staff.setup",
    "staff.sign_out",
    "staff.sign_out_everywhere",
    "staff.home",
}


def neighbour_records(app, tmp_path) -> tuple[int, int]:
    """A notice, a help point and a drive of Rembang, made on the command line."""
    assert create_drive(app, tmp_path, slug="asn-rembang", region=NEIGHBOUR).exit_code == 0
    runner = app.test_cli_runner()
    posted = runner.invoke(args=["census", "announce", "Info Rembang", "--region", NEIGHBOUR])
    assert posted.exit_code == 0, posted.output
    path = tmp_path / "bantuan.csv"
    path.write_text(HELP_CSV, encoding="utf-8")
    result = runner.invoke(args=["census", "import-help-points", str(path)])
    assert result.exit_code == 0, result.output
    with app.app_context():
        notice = db.session().scalar(select(Announcement.id))
        point = db.session().scalar(select(HelpPoint.id))
    return notice, point


def requests_for(rule: str, notice: int, point: int) -> list[tuple[str, str, dict]]:
    """What to send to ``rule`` as Blora's account, aimed at Rembang."""
    upload = {"import-file": (io.BytesIO(HELP_CSV.encode()), "bantuan.csv")}
    samples = {
        "/staf/wilayah/<code>": [
            ("GET", f"/staf/wilayah/{NEIGHBOUR}", {}),
            ("GET", "/staf/wilayah/33.17.01", {}),
            ("GET", "/staf/wilayah/ID", {}),
        ],
        "/staf/wilayah/<code>/target": [
            ("POST", f"/staf/wilayah/{NEIGHBOUR}/target", {"target-percent": "50"}),
            ("POST", "/staf/wilayah/33.17.01/target", {"target-percent": "50"}),
            ("POST", "/staf/wilayah/33/target", {"target-percent": "50"}),
        ],
        "/staf/wilayah/<code>/pengumuman": [
            ("POST", f"/staf/wilayah/{NEIGHBOUR}/pengumuman", {"notice-text_id": "x"}),
            ("POST", "/staf/wilayah/ID/pengumuman", {"notice-text_id": "x"}),
        ],
        "/staf/wilayah/<code>/bantuan": [
            (
                "POST",
                f"/staf/wilayah/{NEIGHBOUR}/bantuan",
                {"help-village_code": "33.17.01.2001", "help-name": "x", "help-address": "y"},
            ),
        ],
        "/staf/wilayah/<code>/bantuan/impor": [
            ("POST", f"/staf/wilayah/{NEIGHBOUR}/bantuan/impor", upload),
        ],
        "/staf/pengumuman/<int:notice_id>/hapus": [
            ("POST", f"/staf/pengumuman/{notice}/hapus", {}),
        ],
        "/staf/bantuan/<int:point_id>/hapus": [
            ("POST", f"/staf/bantuan/{point}/hapus", {"back": "33.16"}),
        ],
        "/staf/jadwal": [
            ("GET", "/staf/jadwal", {}),
            ("POST", "/staf/jadwal", {"phase": "online_end", "new_date": "2030-01-01"}),
        ],
        "/staf/audit": [("GET", "/staf/audit", {})],
        "/staf/wilayah/<code>/kampanye": [
            ("GET", f"/staf/wilayah/{NEIGHBOUR}/kampanye", {}),
            ("GET", "/staf/wilayah/33/kampanye", {}),
            ("POST", f"/staf/wilayah/{NEIGHBOUR}/kampanye", {**DRIVE, "slug": "asn-lain"}),
        ],
        "/staf/kampanye/<slug>": [("GET", "/staf/kampanye/asn-rembang", {})],
        "/staf/kampanye/<slug>/instansi": [
            ("POST", "/staf/kampanye/asn-rembang/instansi", {"agencies": "Dinas Baru,5"}),
        ],
        "/staf/kampanye/<slug>/ubah": [
            ("POST", "/staf/kampanye/asn-rembang/ubah", {**DRIVE, "target": "95"}),
        ],
        "/staf/audit.csv": [("GET", "/staf/audit.csv", {})],
    }
    return samples[rule]


def test_a_regency_account_cannot_touch_its_neighbour_on_any_staff_route(app, tmp_path) -> None:
    notice, point = neighbour_records(app, tmp_path)
    client = staff_client(app, "blora@blora.go.id", "region", "33.16")
    with app.app_context():
        before = db.session().scalar(select(func.count()).select_from(AuditEntry))
    tried = set()
    for rule in app.url_map.iter_rules():
        staff_route = rule.endpoint.startswith(("staff.", "staff_drives."))
        if staff_route and rule.endpoint not in OPEN_TO_EVERY_ACCOUNT:
            for method, path, data in requests_for(rule.rule, notice, point):
                response = client.open(path, method=method, data=data)
                assert response.status_code == 403, (method, path, response.status_code)
            tried.add(rule.endpoint)
    assert len(tried) == 14
    with app.app_context():
        session = db.session()
        assert session.scalar(select(func.count()).select_from(AuditEntry)) == before
        assert session.scalar(select(func.count()).select_from(RegionTarget)) == 0
        assert session.scalar(select(func.count()).select_from(Announcement)) == 1
        assert session.scalar(select(func.count()).select_from(HelpPoint)) == 1
        assert session.scalar(select(func.count()).select_from(Drive)) == 1
        assert session.scalar(select(func.count()).select_from(DriveAgency)) == 3


def test_a_regency_account_acts_on_its_districts_and_villages(app) -> None:
    client = staff_client(app, "blora@blora.go.id", "region", "33.16")
    assert client.get("/staf/wilayah/33.16.01").status_code == 200
    saved = client.post("/staf/wilayah/33.16.01/target", data={"target-percent": "35"})
    assert saved.status_code == 303
    # A village of the neighbour typed on its own page is refused next to the field.
    outside = client.post(
        "/staf/wilayah/33.16/bantuan?lang=en",
        data={"help-village_code": "33.17.01.2001", "help-name": "x", "help-address": "y"},
    )
    assert outside.status_code == 200
    assert "This village is not in this region." in outside.text


def test_covers_compares_whole_code_segments() -> None:
    blora = StaffAccount(email="b@x", role="region", region_code="33.16")
    assert covers(blora, "33.16") and covers(blora, "33.16.01") and covers(blora, "33.16.01.2001")
    assert not covers(blora, "33.17") and not covers(blora, "33") and not covers(blora, None)
    assert not covers(blora, "33.160")
    assert covers(StaffAccount(email="n@x", role="national"), None)


def test_signed_out_visitors_are_sent_to_the_sign_in_page(client) -> None:
    for path in ("/staf", "/staf/audit", "/staf/jadwal", "/staf/wilayah/33.16"):
        response = client.get(path)
        assert response.status_code == 303
        assert response.headers["Location"].endswith("/staf/masuk")
    assert (
        client.post("/staf/wilayah/33.16/target", data={"target-percent": "5"}).status_code == 303
    )
