"""``peak``: the deadline rush. Households play the whole journey against the site on PostgreSQL,
offered at three times what it completes, with the waiting room on.

First a capacity run (no waiting room, ``CAPACITY_HOUSEHOLDS`` playing at once) measures how
many households a minute the server completes. Then newcomers arrive at three times that rate
for ``--seconds`` x 6 (at least 30 s) with ``CENSUS_ADMIT_PER_MINUTE`` set to 80% of it; each
newcomer types its numbers, waits its turn when told to (honouring ``Retry-After``), and then
answers every step to the proof. Reported: households admitted and completed (the aim: all
admitted ones finish), the p99 of their steps (aim under 1 s), waiting answers, 5xx (aim 0),
and households completed per hour. Everything runs on 127.0.0.1 and stops by itself.
"""

from __future__ import annotations

import http.client
import math
import random
import re
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import urlencode, urlsplit

from bench.core import OUT, Context, Row, gunicorn, scenario

TABLE = "Deadline peak (PostgreSQL, waiting room on, offered 3x capacity)"
CAPACITY_HOUSEHOLDS = 8
PIN = "135790"
HOUSING = {"tenure": "own", "lighting": "pln_meter", "water": "refill", "toilet": "own"}
HOUSING["floor"] = "ceramic"


def _person(name: str, sex: str, born: str, relationship: str | None = None) -> dict[str, str]:
    day, month, year = born.split("-")
    answers = {"name": name, "sex": sex, "birth_day": day, "birth_month": month}
    answers["birth_year"] = year
    if relationship:
        answers["relationship"] = relationship
    return answers


PEOPLE = (  # tests.factories.DEFAULT_MEMBERS: Budi (head), Siti (wife), Rina (daughter, 2010)
    _person("Budi Santoso", "L", "12-4-1978"),
    _person("Siti Aminah", "P", "3-9-1981", "istri"),
    _person("Rina", "P", "25-1-2010", "anak"),
)
ADULT = {"marital": "married", "religion": "islam", "citizenship": "wni"}
ADULT |= {"education": "sma", "activity": "work"}
CHILD = {**ADULT, "marital": "single", "education": "smp", "activity": "school"}


@dataclass
class Tally:
    """What the households saw, shared by their threads."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    steps: list[float] = field(default_factory=list)
    admitted: int = 0
    completed: int = 0
    waiting_answers: int = 0
    server_errors: int = 0
    failed: int = 0

    def add(self, **counts: int) -> None:
        with self.lock:
            for key, value in counts.items():
                setattr(self, key, getattr(self, key) + value)


class Household:
    """One household's phone: a kept-alive connection, cookies, the page's CSRF token."""

    def __init__(self, base: str, tally: Tally) -> None:
        parts = urlsplit(base)
        self.connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
        self.cookies: dict[str, str] = {}
        self.token = ""
        self.tally = tally
        self.timed = False

    def request(self, method: str, path: str, fields: dict[str, str] | None = None) -> tuple:
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        body = None
        if fields is not None:
            body = urlencode({**fields, "csrf_token": self.token})
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        started = time.perf_counter()
        self.connection.request(method, path, body, headers)
        response = self.connection.getresponse()
        text = response.read().decode()
        took = time.perf_counter() - started
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            self.cookies[name] = rest.split(";", 1)[0]
        found = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', text)
        if found:
            self.token = found.group(1)
        waiting_room = response.status == 503 and (
            path == "/isi/antre"
            or ("Retry-After" in response.headers and path == "/isi" and method == "POST")
        )
        if response.status >= 500 and not waiting_room:
            self.tally.add(server_errors=1)
        if self.timed:
            with self.tally.lock:
                self.tally.steps.append(took)
        return response.status, response.headers, text

    def step(self, path: str, fields: dict[str, str]) -> tuple:
        """GET the page (its version and token), then POST the answers; the POST's answer."""
        _status, _headers, page = self.request("GET", path)
        version = re.search(r'name="version"[^>]*value="(\d+)"', page)
        return self.request(
            "POST", path, {**fields, "version": version.group(1) if version else ""}
        )

    def enter(self, kk: str, nik: str, deadline: float) -> bool:
        """The numbers; when told to wait, come back after Retry-After. Whether it got in."""
        self.request("GET", "/isi")
        status, headers, _ = self.request("POST", "/isi", {"kk": kk, "nik": nik})
        while status == 503:
            self.tally.add(waiting_answers=1)
            wait = float(headers.get("Retry-After", "5"))
            if time.monotonic() + wait > deadline:
                return False
            time.sleep(min(wait, 30))
            status, headers, _ = self.request("GET", "/isi/antre")
        return status == 303

    def answer_everything(self) -> bool:
        """From the PIN to the proof; whether the proof came."""
        self.request("GET", "/isi/pin")
        self.request("POST", "/isi/pin", {"pin": PIN, "confirm": PIN})
        self.step("/isi/alamat", {"at_kk_address": "yes"})
        self.step("/isi/rumah", HOUSING)
        _status, _headers, page = self.request("GET", "/isi/anggota")
        keys = list(dict.fromkeys(re.findall(r'name="status_([a-z0-9]+)"', page)))
        fields = {f"status_{key}": "present" for key in keys}
        self.step("/isi/anggota", {**fields, "head": keys[0], "action": "save"})
        for index, key in enumerate(keys):
            answers = {**PEOPLE[index], **(CHILD if index == 2 else ADULT)}
            if index == 0:
                answers.pop("relationship", None)
            self.step(f"/isi/anggota/{key}", answers)
        status, headers, _ = self.step("/isi/periksa", {})
        return status == 303 and "/isi/bukti" in headers.get("Location", "")


def _households(url: str, count: int) -> list[tuple[str, str]]:
    """``count`` households of three in the register; their KK and first NIK."""
    from sqlalchemy import select

    from census import create_app
    from census.core import db
    from census.core.models import Region, RegionLevel
    from tests.factories import add_household

    app = create_app({"DATABASE_URL": url})
    with app.app_context():
        # Outside the demo register's regency (33.16), whose serials 9000-9999 it would meet.
        village = db.session().scalar(
            select(Region.code)
            .where(Region.level == RegionLevel.VILLAGE, Region.code.startswith("33.74."))
            .order_by(Region.code)
            .limit(1)
        )
        made = [add_household(db.session(), village, commit=False) for _ in range(count)]
        db.session().commit()
        db.engine().dispose()
    return [(m.kk, m.niks[0]) for m in made]


def _play(base: str, numbers: tuple[str, str], tally: Tally, deadline: float) -> None:
    phone = Household(base, tally)
    try:
        if not phone.enter(*numbers, deadline):
            return
        tally.add(admitted=1)
        phone.timed = True
        if phone.answer_everything():
            tally.add(completed=1)
        else:
            tally.add(failed=1)
    except (OSError, http.client.HTTPException, AttributeError, IndexError):
        tally.add(failed=1)


def capacity(base: str, numbers: list[tuple[str, str]], seconds: float) -> float:
    """Households completed per minute with ``CAPACITY_HOUSEHOLDS`` playing back to back."""
    tally, stop = Tally(), time.monotonic() + seconds
    pool = iter(numbers)
    lock = threading.Lock()

    def worker() -> None:
        while time.monotonic() < stop:
            with lock:
                pair = next(pool, None)
            if pair is None:
                return
            _play(base, pair, tally, stop + 60)

    threads = [threading.Thread(target=worker) for _ in range(CAPACITY_HOUSEHOLDS)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return tally.completed / ((time.monotonic() - started) / 60)


def rush(base: str, numbers: list[tuple[str, str]], per_minute: float, seconds: float) -> Tally:
    """Newcomers arriving at ``per_minute`` (Poisson) for ``seconds``; then they all finish."""
    tally, threads = Tally(), []
    arrivals_end = time.monotonic() + seconds
    deadline = arrivals_end + 120  # who is still waiting then gives up
    pool, rng = iter(numbers), random.Random(7)
    while time.monotonic() < arrivals_end:
        pair = next(pool, None)
        if pair is None:
            break
        thread = threading.Thread(target=_play, args=(base, pair, tally, deadline))
        thread.start()
        threads.append(thread)
        time.sleep(rng.expovariate(per_minute / 60))
    for thread in threads:
        thread.join(timeout=max(1, deadline - time.monotonic() + 60))
    return tally


@scenario("peak")
def peak(ctx: Context) -> list[Row]:
    from bench.__main__ import drop_postgres, postgres_url, prepare_site_database

    url = postgres_url()
    if url is None:
        ctx.notes.append("peak: PostgreSQL not available, table skipped")
        return []
    try:
        prepare_site_database(url)
        numbers = _households(url, 2400)
        env = {"DATABASE_URL": url, "LIMITS_ENABLED": "0"}
        server, base = gunicorn("app:app", env, OUT / "peak-capacity.log")
        try:
            measured = capacity(base, numbers[:400], max(20.0, ctx.seconds * 4))
        finally:
            server.terminate()
            server.wait(timeout=30)
        admit = max(1, math.floor(measured * 0.8))
        env["CENSUS_ADMIT_PER_MINUTE"] = str(admit)
        server, base = gunicorn("app:app", env, OUT / "peak-rush.log")
        seconds = max(30.0, ctx.seconds * 6)
        try:
            started = time.monotonic()
            tally = rush(base, numbers[400:], measured * 3, seconds)
            elapsed = time.monotonic() - started
        finally:
            server.terminate()
            server.wait(timeout=30)
    finally:
        drop_postgres(url)
    steps = sorted(tally.steps)
    p99 = steps[min(len(steps) - 1, int(len(steps) * 0.99))] * 1000 if steps else float("nan")
    offered = round(measured * 3 * seconds / 60)
    ctx.notes.append(
        f"peak: capacity {measured:.0f} households/min with {CAPACITY_HOUSEHOLDS} at once; "
        f"waiting room at {admit}/min; {offered} newcomers offered in {seconds:.0f} s"
    )
    return [
        Row(
            TABLE,
            "households playing the whole journey",
            {
                "capacity/min": f"{measured:.0f}",
                "admit/min": str(admit),
                "offered/min": f"{measured * 3:.0f}",
                "admitted": str(tally.admitted),
                "completed": str(tally.completed),
                "completion": f"{tally.completed / tally.admitted:.0%}" if tally.admitted else "-",
                "step p99 ms": f"{p99:.0f}",
                "waiting answers": str(tally.waiting_answers),
                "5xx": str(tally.server_errors),
                "completed/hour": f"{tally.completed / elapsed * 3600:.0f}",
            },
        )
    ]
