"""Chromium through Playwright: Debian's /usr/bin/chromium, never a downloaded browser.

Contexts come with JavaScript on and off at 320x568 (a small Android phone). ``emulate_2g`` slows
a page to about 250 kbit/s down with 800 ms latency through the DevTools protocol.
"""

from __future__ import annotations

import gzip
import os
import re
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = os.environ.get("CENSUS_CHROMIUM", "/usr/bin/chromium")
VIEWPORT = {"width": 320, "height": 568}
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """One headless Chromium for the session."""
    if not Path(CHROMIUM).exists():
        from tests.conftest import unavailable

        unavailable("browser", f"{CHROMIUM} is not installed (Debian package 'chromium')")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


def new_context(browser: Any, javascript: bool, **kwargs: Any) -> Any:
    """A fresh context (its own cookies) at 320x568 with JavaScript on or off."""
    return browser.new_context(
        viewport=VIEWPORT,
        java_script_enabled=javascript,
        locale="id-ID",
        **kwargs,
    )


@pytest.fixture(params=[True, False], ids=["js", "nojs"])
def page(request: pytest.FixtureRequest, browser: Any) -> Iterator[Any]:
    """A page in a fresh context, once with JavaScript on and once with it off."""
    context = new_context(browser, javascript=request.param)
    tab = context.new_page()
    tab.javascript = request.param
    yield tab
    context.close()


@pytest.fixture
def page_js(browser: Any) -> Iterator[Any]:
    """A page with JavaScript on."""
    context = new_context(browser, javascript=True)
    tab = context.new_page()
    tab.javascript = True
    yield tab
    context.close()


@pytest.fixture
def page_nojs(browser: Any) -> Iterator[Any]:
    """A page with JavaScript off."""
    context = new_context(browser, javascript=False)
    tab = context.new_page()
    tab.javascript = False
    yield tab
    context.close()


def emulate_2g(page: Any) -> None:
    """About 250 kbit/s down, 50 kbit/s up, 800 ms round trips (CDP network emulation)."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send(
        "Network.emulateNetworkConditions",
        {
            "offline": False,
            "latency": 800,
            "downloadThroughput": 250 * 1024 / 8,
            "uploadThroughput": 50 * 1024 / 8,
        },
    )


STYLESHEET = re.compile(rb"<link[^>]+rel=[\"']?stylesheet[^>]*>", re.I)
HREF = re.compile(rb"href=[\"']([^\"']+)")


def gzipped_size(data: bytes) -> int:
    """The size of ``data`` gzipped at the level servers commonly use."""
    return len(gzip.compress(data, compresslevel=6))


#: HTML plus blocking CSS of a first load, gzipped: what fits in the first round trip.
BUDGET = 14 * 1024


def first_load(client: Any, path: str) -> tuple[str, int]:
    """The page's HTML and the gzipped bytes of it plus every render-blocking stylesheet, through
    a Flask test client (``first_load_bytes`` measures the same over HTTP)."""
    response = client.get(path, follow_redirects=True)
    assert response.status_code < 400, f"{path} answered {response.status_code}"
    if response.mimetype != "text/html":
        pytest.skip(f"{path} is not a page ({response.mimetype})")
    total = gzipped_size(response.data)
    for tag in STYLESHEET.findall(response.data):
        if b'media="print"' in tag:
            continue
        href = HREF.search(tag)
        assert href, tag
        target = href.group(1).decode()
        assert target.startswith("/static/"), f"external stylesheet {target} on {path}"
        total += gzipped_size(client.get(target).data)
    return response.get_data(as_text=True), total


def first_load_bytes(base_url: str, path: str) -> int:
    """Gzipped bytes of a page's HTML plus every stylesheet that blocks its first paint."""

    def fetch(url: str) -> bytes:
        request = urllib.request.Request(url, headers={"Accept-Encoding": "identity"})
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.read()

    html = fetch(base_url + path)
    total = gzipped_size(html)
    for tag in STYLESHEET.findall(html):
        if b'media="print"' in tag:
            continue
        href = HREF.search(tag)
        if href:
            target = href.group(1).decode()
            total += gzipped_size(fetch(target if "://" in target else base_url + target))
    return total


def wait_until_true(page: Any, expression: str, timeout: float = 5.0) -> None:
    """Poll ``expression`` in the page until it is true.

    Playwright's ``wait_for_function`` polls through ``eval`` inside the page, which our CSP
    (no 'unsafe-eval') refuses once the first check fails; ``evaluate`` is not subject to it.
    """
    deadline = time.monotonic() + timeout
    while not page.evaluate(expression):
        assert time.monotonic() < deadline, f"never true: {expression}"
        page.wait_for_timeout(50)


def refreshes_by_itself(page: Any, url: str, change: Any, seconds: float = 10) -> None:
    """Open ``url`` without JavaScript, make ``change``, and check that the page's meta refresh
    loads it again (at least twice in all) with no htmx request."""
    loads: list[float] = []
    polls: list[str] = []
    page.on("load", lambda _page: loads.append(time.monotonic()))
    page.on("request", lambda r: polls.append(r.url) if r.headers.get("hx-request") else None)
    page.goto(url)
    change()
    deadline = time.monotonic() + seconds
    while len(loads) < 2 and time.monotonic() < deadline:
        page.wait_for_timeout(200)
    assert len(loads) >= 2, "the meta refresh reloaded the page"
    assert not polls, "no htmx without JavaScript"
    page.wait_for_load_state()


def screenshot(page: Any, name: str) -> Path:
    """Save a full-page screenshot under tests/artifacts/ and return its path."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
