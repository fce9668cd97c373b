"""Benchmarks for the information pages: first-load weight and the home page's load on 2G.

Interface for the bench runner: ``scenarios(ctx)`` where ``ctx`` has (as attributes or keys)

- ``base_url``: a running server of the app (for example ``tests.live.start_server``);
- ``browser`` (optional): a Playwright Chromium ``Browser``; one is launched when absent;
- ``baseline_url`` (optional): a bare Flask page on the same gunicorn settings; when given, the
  2G load time of that page is measured too and the home page's time is also given as a ratio.

It returns a list of results, each ``{"name", "value", "unit"}`` plus ``"budget"`` where there is
one. Times are medians of ``runs`` cold loads (a fresh browser context each: no cache, new
connection), read from the page's own Performance API (navigation and paint timing).
"""

from __future__ import annotations

import statistics
from contextlib import ExitStack
from typing import Any

from bench.core import Context, Row, scenario
from tests.browser_fixtures import (
    CHROMIUM,
    CHROMIUM_ARGS,
    VIEWPORT,
    emulate_2g,
    first_load_bytes,
    wait_until_true,
)

#: The information pages, weighed one by one.
PAGES = ("/", "/jadwal", "/persiapan", "/cara", "/tanya-jawab", "/privasi", "/tentang-data")
BUDGET = 14 * 1024

TIMING = """() => {
  const nav = performance.getEntriesByType('navigation')[0];
  const paint = Object.fromEntries(
    performance.getEntriesByType('paint').map(entry => [entry.name, entry.startTime]));
  return {
    response_start: nav.responseStart,
    first_paint: paint['first-paint'] ?? null,
    first_contentful_paint: paint['first-contentful-paint'] ?? null,
    dom_content_loaded: nav.domContentLoadedEventEnd,
    load: nav.loadEventEnd,
    transfer_bytes: nav.transferSize,
  };
}"""


def page_weights(base_url: str, paths: tuple[str, ...] = PAGES) -> dict[str, int]:
    """Gzipped bytes of each page's first load (HTML plus blocking CSS), in Indonesian."""
    return {path: first_load_bytes(base_url, path + "?lang=id") for path in paths}


def load_timing_2g(browser: Any, url: str) -> dict[str, float]:
    """One cold load of ``url`` over emulated 2G at 320x568; milliseconds from navigation start.

    JavaScript is on in the context because the Performance API is read from inside the page;
    the pages themselves run no script, so the load is the same as with JavaScript off.
    """
    context = browser.new_context(viewport=VIEWPORT, java_script_enabled=True, locale="id-ID")
    try:
        page = context.new_page()
        emulate_2g(page)
        page.goto(url, wait_until="load")
        # A page this small may paint just after its load event: wait for both.
        wait_until_true(
            page,
            "performance.getEntriesByType('navigation')[0].loadEventEnd > 0 && "
            "performance.getEntriesByType('paint').some(e => e.name === 'first-contentful-paint')",
        )
        return page.evaluate(TIMING)
    finally:
        context.close()


def median_timing_2g(browser: Any, url: str, runs: int = 5) -> dict[str, float]:
    """The median of each timing over ``runs`` cold loads."""
    samples = [load_timing_2g(browser, url) for _ in range(runs)]
    return {
        key: statistics.median(s[key] for s in samples if s[key] is not None)
        for key in samples[0]
        if any(s[key] is not None for s in samples)
    }


def _get(ctx: Any, name: str, default: Any = None) -> Any:
    if isinstance(ctx, dict):
        return ctx.get(name, default)
    return getattr(ctx, name, default)


def scenarios(ctx: Any, runs: int = 5) -> list[dict[str, Any]]:
    """Each page's gzipped first-load weight, and the home page's load time under 2G."""
    base_url = _get(ctx, "base_url")
    results: list[dict[str, Any]] = [
        {"name": f"first load {path}", "value": size, "unit": "bytes gzip", "budget": BUDGET}
        for path, size in page_weights(base_url).items()
    ]
    with ExitStack() as stack:
        browser = _get(ctx, "browser")
        if browser is None:
            from playwright.sync_api import sync_playwright

            playwright = stack.enter_context(sync_playwright())
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
            )
            stack.callback(browser.close)
        home = median_timing_2g(browser, base_url + "/?lang=id", runs)
        for key in ("first_contentful_paint", "dom_content_loaded", "load"):
            results.append({"name": f"home on 2G: {key}", "value": round(home[key]), "unit": "ms"})
        baseline_url = _get(ctx, "baseline_url")
        if baseline_url:
            bare = median_timing_2g(browser, baseline_url, runs)
            ratio = home["load"] / bare["load"]
            results.append(
                {
                    "name": "home on 2G: load vs bare Flask page",
                    "value": round(ratio, 2),
                    "unit": "x",
                }
            )
    return results


TABLE_2G = "Home page on emulated 2G (250 kbit/s, 800 ms RTT; median of 5 cold loads, ms)"


@scenario("home-2g")
def home_on_2g(ctx: Context) -> list[Row]:
    """The home page's paint and load times on 2G, next to the bare Flask page's."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        try:
            home = median_timing_2g(browser, ctx.app_url + "/?lang=id")
            bare = median_timing_2g(browser, ctx.bare_url + "/")
        finally:
            browser.close()
    keys = ("first_contentful_paint", "dom_content_loaded", "load")
    return [
        Row(TABLE_2G, name, {key: f"{timing[key]:.0f}" for key in keys if key in timing})
        for name, timing in (("GET / (home)", home), ("bare Flask page", bare))
    ]


if __name__ == "__main__":
    import sys

    for result in scenarios({"base_url": sys.argv[1]}):
        budget = f"  (budget {result['budget']})" if "budget" in result else ""
        print(f"{result['name']:<40} {result['value']:>8} {result['unit']}{budget}")
