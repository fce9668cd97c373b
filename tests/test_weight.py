"""Every page arrives in one round trip: HTML plus blocking CSS at most 14 KB gzipped.

The test walks ``app.url_map`` (see tests/routes.py), so pages that other capabilities add are
weighed too. It also keeps out what would make a first load heavier or slower: web fonts, external
stylesheets, and htmx on a page that does not use it.
"""

from __future__ import annotations

import re

import pytest
from flask.testing import FlaskClient

from tests.browser_fixtures import BUDGET, first_load, gzipped_size
from tests.routes import INFORMATION_PAGES, PAGE_ROUTES, PageRoute

HTMX_SCRIPT = re.compile(r"<script[^>]+htmx[^>]*>")
#: Attributes that only do something with htmx loaded (hx-headers alone does not count).
HTMX_USE = re.compile(
    r"\s((data-)?hx-(get|post|put|patch|delete|boost|trigger|swap|target|select)|sse-)"
)


@pytest.mark.parametrize("route", PAGE_ROUTES, ids=str)
@pytest.mark.parametrize("lang", ["id", "en"])
def test_first_load_fits_in_14_kb(client: FlaskClient, route: PageRoute, lang: str) -> None:
    if route.path is None:
        pytest.skip(f"{route.rule}: {route.reason}")
    sep = "&" if "?" in route.path else "?"
    html, size = first_load(client, f"{route.path}{sep}lang={lang}")
    assert size <= BUDGET, f"{route.rule} weighs {size} bytes gzipped (budget {BUDGET})"
    assert "@font-face" not in html and ".woff" not in html, "no web fonts"
    if HTMX_SCRIPT.search(html):
        assert HTMX_USE.search(html), f"{route.rule} loads htmx but uses none of it"


def test_every_information_page_is_weighed() -> None:
    weighed = {route.endpoint: route.path for route in PAGE_ROUTES if route.path}
    for endpoint, path in INFORMATION_PAGES.items():
        assert weighed.get(endpoint) == path


@pytest.mark.parametrize("path", INFORMATION_PAGES.values())
def test_information_pages_load_no_script(client: FlaskClient, path: str) -> None:
    html = client.get(path).get_data(as_text=True)
    assert "<script" not in html
    assert "hx-" not in html


def test_the_stylesheet_stays_small(app) -> None:
    """The CSS rides along with every page: keep it a small part of the budget."""
    # About a fifth of the budget at most: every capability adds a few rules.
    assert gzipped_size(str(app.extensions["census_css"]).encode()) <= 3 * 1024
