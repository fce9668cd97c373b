"""``make meeting``: the laptop serves the room's network, and every link points at its address.

The server binds to all interfaces; the test reads the room address from what the command prints
and talks to the server only on 127.0.0.1 (the machines this runs on send nothing elsewhere).
"""

from __future__ import annotations

import ipaddress
import os
import re
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.live import ROOT, free_port

SCRIPT = ROOT / "scripts" / "meeting.py"
PAGES = (
    "/",
    "/jadwal",
    "/persiapan",
    "/cara",
    "/tanya-jawab",
    "/privasi",
    "/tentang-data",
    "/cek",
    "/isi",
    "/demo",
    "/ruang",
    "/wilayah",
    "/wilayah/33.16",
    "/wilayah/33.16/flyer",
    "/presentasi/33.16",
    "/untuk-pemda?wilayah=33.16",
)


def listening_on_all_interfaces(port: int) -> bool:
    """Whether a socket listens on 0.0.0.0:``port`` (Linux's table of TCP sockets)."""
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        local, state = line.split()[1], line.split()[3]
        address, hex_port = local.split(":")
        if state == "0A" and int(hex_port, 16) == port and address == "00000000":
            return True
    return False


def fetch(url: str) -> str:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.read().decode()


@pytest.fixture
def meeting(database_url: str, tmp_path: Path):
    """``scripts/meeting.py`` as ``make meeting`` runs it, on a free port; stopped afterwards."""
    port = free_port()
    env = {**os.environ, "DATABASE_URL": database_url, "PORT": str(port), "WORKERS": "1"}
    env.pop("MEETING_ADDRESS", None)
    env.pop("SITE_URL", None)
    log = tmp_path / "meeting.log"
    with open(log, "wb") as handle:
        process = subprocess.Popen(
            [sys.executable, str(SCRIPT)], cwd=ROOT, env=env, stdout=handle, stderr=handle
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, log.read_text()
            try:
                fetch(f"http://127.0.0.1:{port}/healthz")
                break
            except OSError:
                assert time.monotonic() < deadline, log.read_text()
                time.sleep(0.2)
        yield port, log.read_text()
    finally:
        process.terminate()
        process.wait(timeout=20)


def test_meeting_prints_a_room_address_and_a_qr_code_and_listens_beyond_loopback(
    meeting,
) -> None:
    port, printed = meeting
    found = re.search(r"Phones in the room open: http://(\d+\.\d+\.\d+\.\d+):(\d+)", printed)
    assert found, printed
    assert not ipaddress.ip_address(found.group(1)).is_loopback
    assert int(found.group(2)) == port
    assert "█" in printed  # the QR code, drawn for the terminal
    assert listening_on_all_interfaces(port)


def test_every_page_links_only_to_the_room_address(meeting, app) -> None:
    from census.core import db
    from tests.outreach_helpers import add_many

    with app.app_context():
        add_many(db.session(), "33.16.01.2001", online=12, waiting=20)
    port, printed = meeting
    room = re.search(r"Phones in the room open: (http://[\d.]+:\d+)", printed).group(1)
    for path in PAGES:
        for lang in ("id", "en"):
            html = fetch(f"http://127.0.0.1:{port}{path}{'&' if '?' in path else '?'}lang={lang}")
            urls = re.findall(r"(?:https?:)?//[^\s\"'<>)]+", html)
            foreign = [u for u in urls if not u.startswith(room) and "www.w3.org/2000/svg" not in u]
            assert foreign == [], (path, lang, foreign[:5])
    assert room in fetch(f"http://127.0.0.1:{port}/presentasi/33.16")  # the QR link says it too
