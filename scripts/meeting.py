"""``make meeting``: serve the site from this laptop to everyone in the meeting room.

The laptop's hotspot or the venue's Wi-Fi is the room's network. This finds the laptop's address
on it (or takes ``MEETING_ADDRESS``), sets ``SITE_URL`` so that every QR code, share link and flyer
points there, prints the address and a QR code for the terminal, and runs gunicorn on all
interfaces (so the laptop itself still reaches it on 127.0.0.1) with the same settings as
``make run`` (``deploy/gunicorn.conf.py``). Nothing it serves needs the internet.
"""

from __future__ import annotations

import ipaddress
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _from_ip() -> list[str]:
    """IPv4 addresses of this machine's interfaces, from iproute2 (Linux)."""
    ip = shutil.which("ip")
    if ip is None:
        return []
    out = subprocess.run(
        [ip, "-4", "-o", "addr", "show", "up"], capture_output=True, text=True, check=False
    ).stdout
    return re.findall(r"\binet (\d+\.\d+\.\d+\.\d+)/", out)


def _from_ifconfig() -> list[str]:
    """IPv4 addresses from ifconfig (macOS and the BSDs)."""
    ifconfig = shutil.which("ifconfig")
    if ifconfig is None:
        return []
    out = subprocess.run([ifconfig], capture_output=True, text=True, check=False).stdout
    return re.findall(r"\binet (?:addr:)?(\d+\.\d+\.\d+\.\d+)\b", out)


def room_address(candidates: list[str]) -> str | None:
    """The address phones in the room can reach: a private LAN address first, then any other
    that is neither loopback nor link-local, then a link-local one; None if there is none."""
    usable = []
    for text in dict.fromkeys(candidates):
        try:
            address = ipaddress.IPv4Address(text)
        except ValueError:
            continue
        if address.is_loopback or address.is_unspecified or address.is_multicast:
            continue
        # (link-local last, private LAN first): phones join a hotspot's or the venue's LAN.
        usable.append((address.is_link_local, not address.is_private, text))
    return min(usable)[2] if usable else None


def main() -> int:
    port = int(os.environ.get("PORT", "8000"))
    workers = os.environ.get("WORKERS", "2")
    address = os.environ.get("MEETING_ADDRESS") or room_address(_from_ip() + _from_ifconfig())
    if address is None:
        print(
            "No network address found. Join the room's Wi-Fi or turn on the laptop's hotspot,"
            " or set MEETING_ADDRESS.",
            file=sys.stderr,
        )
        return 1
    url = f"http://{address}:{port}"
    import segno

    print(f"Phones in the room open: {url}", flush=True)
    segno.make(url, error="m").terminal(out=sys.stdout, compact=True)
    print(f"Meeting rooms of practice households: {url}/ruang  (Ctrl+C to stop)", flush=True)
    env = {**os.environ, "SITE_URL": url, "CENSUS_OFFLINE": "1"}
    gunicorn = str(Path(sys.executable).with_name("gunicorn"))
    # make run's settings (threaded workers for slow and idle phones), on every interface.
    command = [gunicorn, "--config", str(ROOT / "deploy" / "gunicorn.conf.py")]
    command += ["--bind", f"0.0.0.0:{port}", "--workers", workers, "--no-control-socket", "app:app"]
    os.chdir(ROOT)
    os.execve(gunicorn, command, env)
    return 0  # pragma: no cover - execve does not return


if __name__ == "__main__":
    sys.exit(main())
