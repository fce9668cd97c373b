"""Region pages, open data, charts, badges, QR codes, flyer and presenter view."""

from __future__ import annotations

import csv
import io
import re
import xml.etree.ElementTree as ET

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from census.core import db
from census.outreach.service import MEASURES, SMALL, WITHHELD, protect
from tests.outreach_helpers import add_many

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture
def fresh(app):
    """The app with the figure cache off, so each request sees the database as it is."""
    app.config["CENSUS_CACHE_SECONDS"] = 0
    return app


@pytest.fixture
def seed(app):
    """Add households in an application context of their own (requests get a fresh one each)."""

    def add(village: str, **counts: int) -> None:
        with app.app_context():
            add_many(db.session(), village, **counts)

    return add


@pytest.fixture
def register(fresh, seed):
    """Blora (33.16): Jati 40 households, Randublatung 30, Cepu 22; no count below 10."""
    seed("33.16.01.2001", online=12, officer=10, waiting=18)
    seed("33.16.02.2001", online=15, officer=11, waiting=4, days_ago=2)
    seed("33.16.05.2001", online=20, waiting=2)


def rows_by_code(csv_text: str) -> dict[str, dict[str, str]]:
    return {row["code"]: row for row in csv.DictReader(io.StringIO(csv_text))}


# --- protection ------------------------------------------------------------------------------


def row(register=0, online=0, officer=0):
    return {"register": register, "online": online, "officer": officer, "counted": online + officer}


def test_small_counts_are_hidden_and_zero_is_not() -> None:
    marks = protect([row(40, 12, 10), row(0)])
    assert marks[0] == {}
    marks = protect([row(5, 3, 0)])
    assert marks[0] == {"register": SMALL, "online": SMALL, "counted": SMALL}


def test_one_hidden_part_of_a_row_hides_another() -> None:
    # 25 counted = 20 online + 5 officer: showing 20 and 25 would give the 5 away.
    marks = protect([row(60, 20, 5)])
    assert marks[0]["officer"] == SMALL
    assert marks[0]["online"] == WITHHELD
    assert "counted" not in marks[0]


def test_one_hidden_child_hides_the_next_smallest() -> None:
    parent = row(150, 80, 0)
    kids = [row(50, 40), row(95, 35), row(5, 5)]
    parent["online"] = sum(k["online"] for k in kids)
    parent["register"] = sum(k["register"] for k in kids)
    parent["counted"] = parent["online"]
    marks = protect([parent, *kids])
    assert marks[3]["online"] == SMALL
    assert marks[2]["online"] == WITHHELD, "35 is the smallest child shown; it must go too"
    assert "online" not in marks[1]


def test_seed_from_the_parent_page_is_kept() -> None:
    marks = protect([row(100, 50, 20), row(100, 50, 20)], seed={"online": WITHHELD})
    assert marks[0]["online"] == WITHHELD
    assert marks[0]["officer"] == WITHHELD  # else 70 - 20 gives the online count back


counts = st.integers(min_value=0, max_value=40)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(counts, counts, counts), min_size=1, max_size=6))
def test_no_hidden_cell_can_be_worked_out_by_subtraction(children) -> None:
    kids = [
        row(online + officer + waiting, online, officer) for online, officer, waiting in children
    ]
    parent = {m: sum(k[m] for k in kids) for m in MEASURES}
    rows = [parent, *kids]
    marks = protect(rows)
    for values, hidden in zip(rows, marks, strict=True):
        for measure, value in values.items():
            if 0 < value < 10:
                assert hidden.get(measure) == SMALL
        trio = [m for m in ("online", "officer", "counted") if m in hidden]
        assert len(trio) != 1, "online + officer = counted would reveal the hidden one"
    for measure in MEASURES:
        if measure in marks[0]:
            continue
        hidden_kids = [i for i in range(1, len(rows)) if measure in marks[i]]
        assert len(hidden_kids) != 1, "the parent minus the children shown would reveal it"


# --- region pages ----------------------------------------------------------------------------


def test_region_page_shows_the_figures(client, register) -> None:
    response = client.get("/wilayah/33.16?lang=en")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<h1>Kabupaten Blora</h1>" in html
    # 12 + 10 + 15 + 11 + 20 counted of 40 + 30 + 22 in the register.
    assert "<strong>68</strong> of 92 in the register (73.9%)" in html
    assert 'href="/wilayah/33.16.01?lang=en">Jati</a>' in html
    assert 'href="/wilayah/33?lang=en">Jawa Tengah</a>' in html  # breadcrumb
    assert "Counted today</dt><dd>42<" in html
    assert "23.0%" in html  # the target


def test_region_page_numbers_in_indonesian(client, register) -> None:
    html = client.get("/wilayah/33.16?lang=id").get_data(as_text=True)
    assert "73,9%" in html
    assert "Target 23,0%" in html


def test_csv_and_json_agree_with_the_page(client, register) -> None:
    data = client.get("/wilayah/33.16.json").json
    table = rows_by_code(client.get("/wilayah/33.16.csv").get_data(as_text=True))
    assert data["register"] == 92 and data["counted"] == 68 and data["online"] == 47
    assert data["officer"] == 21 and data["percent_counted"] == 73.9
    assert table["33.16"]["counted"] == "68" and table["33.16"]["register"] == "92"
    jati = next(r for r in data["children"] if r["code"] == "33.16.01")
    assert (jati["register"], jati["online"], jati["officer"], jati["counted"]) == (40, 12, 10, 22)
    assert table["33.16.01"]["online"] == "12" and table["33.16.01"]["percent_counted"] == "55.0"
    assert [d["counted"] for d in data["daily"][-3:]] == [26, 0, 42]
    html = client.get("/wilayah/33.16?lang=en").get_data(as_text=True)
    for child in data["children"]:
        for measure in MEASURES:
            assert table[child["code"]][measure] == str(child[measure])
        if child["register"]:
            cells = re.search(rf">{child['name']}</a></th>(.*?)</tr>", html).group(1)
            shown = re.findall(r'<td class="num">(.*?)</td>', cells)
            assert shown[:2] == [str(child["register"]), str(child["counted"])]
    assert client.get("/wilayah/33.16.csv").headers["Access-Control-Allow-Origin"] == "*"


def test_a_small_count_never_appears(client, fresh, seed) -> None:
    seed("33.16.05.2001", online=4, waiting=30)
    data = client.get("/wilayah/33.16.05.json").json
    assert data["online"] == SMALL and data["counted"] == SMALL
    assert data["daily"][-1]["counted"] == SMALL
    badge = client.get("/badge/33.16.05.svg?lang=en").get_data(as_text=True)
    assert "&lt;10 households" in badge
    assert ">4<" not in client.get("/wilayah/33.16.05?lang=en").get_data(as_text=True)
    presenter = client.get("/presentasi/33.16.05").get_data(as_text=True)
    assert 'class="big">&lt;10<' in presenter


def test_the_same_row_is_protected_alike_on_every_page(client, fresh, seed) -> None:
    # Blora's officer count (5) is small; its online count is withheld on the province page,
    # so it must be withheld on Blora's own page as well.
    seed("33.16.01.2001", online=30, officer=5, waiting=10)
    seed("33.17.01.2001", online=40, officer=20, waiting=10)
    province = client.get("/wilayah/33.json").json
    blora = next(r for r in province["children"] if r["code"] == "33.16")
    own = client.get("/wilayah/33.16.json").json
    for measure in MEASURES:
        assert own[measure] == blora[measure], measure
    assert own["officer"] == SMALL and own["online"] == WITHHELD


def test_index_lists_provinces(client, register) -> None:
    html = client.get("/wilayah?lang=en").get_data(as_text=True)
    assert 'href="/wilayah/33?lang=en">Jawa Tengah</a>' in html
    assert html.count('href="/wilayah/') >= 38


@pytest.mark.parametrize("path", ["/wilayah/99", "/wilayah/3316", "/wilayah/33.16.1", "/wilayah/x"])
def test_unknown_or_malformed_codes_are_404(client, path) -> None:
    response = client.get(path + "?lang=en")
    assert response.status_code == 404
    assert "Page not found" in response.get_data(as_text=True)
    for suffix in (".csv", ".json"):
        assert client.get(path + suffix).status_code == 404
    assert client.get("/badge/99.svg").status_code == 404


def test_a_village_goes_to_its_district(client) -> None:
    response = client.get("/wilayah/33.16.01.2001")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/wilayah/33.16.01")
    assert client.get("/wilayah/33.16.01.2001.json").status_code == 404
    assert client.get("/wilayah/33.16.01.9999").status_code == 404


def test_figures_are_cached_for_a_minute_at_most(app, seed, client) -> None:
    assert app.config["CENSUS_CACHE_SECONDS"] == 60
    first = client.get("/wilayah/33.16.json").json
    seed("33.16.01.2001", online=20)
    assert client.get("/wilayah/33.16.json").json["counted"] == first["counted"]
    app.config["CENSUS_CACHE_SECONDS"] = 0
    assert client.get("/wilayah/33.16.json").json["counted"] == 20


# --- charts ----------------------------------------------------------------------------------


def svg_elements(html: str) -> list[ET.Element]:
    return [ET.fromstring(svg) for svg in re.findall(r"<svg.*?</svg>", html, flags=re.S)]


def test_charts_are_valid_svg_with_title_and_desc(client, register) -> None:
    html = client.get("/wilayah/33.16?lang=en").get_data(as_text=True)
    charts = [s for s in svg_elements(html) if "chart" in s.get("class", "")]
    assert len(charts) == 2
    for chart in charts:
        assert re.fullmatch(r"0 0 300 \d+(\.\d+)?", chart.get("viewBox"))
        title, desc = chart.find(SVG + "title"), chart.find(SVG + "desc")
        assert title is not None and title.text and desc is not None and desc.text
        assert chart.get("role") == "img"
        assert title.get("id") in chart.get("aria-labelledby")
    bars = charts[0]
    labels = [t.text for t in bars.iter(SVG + "text")]
    assert labels[0] == "Cepu: 90.9%", "ranked highest first"
    assert labels[2] == "Jati: 55.0%"
    assert any(label == "Target 23.0%" for label in labels)
    assert len(bars.findall(SVG + "rect")) == 1 + 3  # background + three bars
    line = bars.find(SVG + "line")
    assert float(line.get("x1")) == pytest.approx(1 + 23 * 2.98, abs=0.1)


# --- badge and QR ----------------------------------------------------------------------------


def test_badge_is_a_small_valid_svg_for_other_sites(client, register) -> None:
    response = client.get("/badge/33.16.svg?lang=en")
    assert response.status_code == 200
    assert response.mimetype == "image/svg+xml"
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert response.headers["Cross-Origin-Resource-Policy"] == "cross-origin"
    assert "max-age=60" in response.headers["Cache-Control"]
    badge = ET.fromstring(response.data)
    assert (badge.get("width"), badge.get("height")) == ("220", "20")
    texts = [t.text for t in badge.iter(SVG + "text")]
    assert texts == ["Census counted", "73.9%"]
    assert "Kabupaten Blora" in badge.find(SVG + "title").text
    indonesian = ET.fromstring(client.get("/badge/33.16.svg?lang=id").data)
    assert [t.text for t in indonesian.iter(SVG + "text")][1] == "73,9%"


def test_qr_codes_only_for_this_site(client) -> None:
    response = client.get("/qr.svg?to=/wilayah/33.16")
    assert response.status_code == 200
    qr = ET.fromstring(response.data)
    assert qr.find(SVG + "title").text == "http://localhost/wilayah/33.16"
    for foreign in (
        "http://evil.example/",
        "//evil.example/x",
        "/\\evil.example",
        "https:/evil.example",
        "/no-such-page",
        "/wilayah/33.16/../../x",
        "javascript:alert(1)",
        "/static/site.css",
    ):
        assert client.get("/qr.svg", query_string={"to": foreign}).status_code == 404, foreign


def test_qr_uses_the_configured_site_url(app, client) -> None:
    app.config["SITE_URL"] = "https://sensus.example.go.id"
    qr = ET.fromstring(client.get("/qr.svg").data)
    assert qr.find(SVG + "title").text == "https://sensus.example.go.id/"


def test_flyer_has_qr_and_three_steps(client, app) -> None:
    html = client.get("/wilayah/33.16/flyer?lang=en").get_data(as_text=True)
    assert html.count("<li><strong>") == 3
    qr = next(s for s in svg_elements(html) if s.get("class") == "qr")
    assert qr.get("viewBox")
    from census.core.security import style_hash

    extra = str(app.extensions["census_css"])
    style = re.findall(r"<style>(.*?)</style>", html, flags=re.S)
    assert extra in style and len(style) == 2 and "@media print" in style[1]
    csp = client.get("/wilayah/33.16/flyer").headers["Content-Security-Policy"]
    assert style_hash(style[1]) in csp


# --- presenter -------------------------------------------------------------------------------


def test_presenter_polls_a_fragment_and_refreshes_without_script(client, register) -> None:
    html = client.get("/presentasi/33.16?lang=en").get_data(as_text=True)
    assert '<noscript><meta http-equiv="refresh" content="30"></noscript>' in html
    assert 'hx-trigger="every 30s"' in html and 'hx-get="/presentasi/33.16' in html
    assert "htmx-1.9.12.min.js" in html
    assert 'class="big">68<' in html and 'class="big today">42<' in html
    fragment = client.get("/presentasi/33.16", headers={"HX-Request": "true"})
    text = fragment.get_data(as_text=True)
    assert text.lstrip().startswith('<section id="live"') and "<html" not in text
    assert 'hx-trigger="every 30s"' in text, "the fragment keeps polling after it is swapped"
    assert "HX-Request" in fragment.headers["Vary"]


# --- local governments and embeds ------------------------------------------------------------


def test_pemda_picker_works_step_by_step(client) -> None:
    html = client.get("/untuk-pemda?lang=en").get_data(as_text=True)
    assert 'method="get"' in html and '<option value="33">Jawa Tengah</option>' in html
    html = client.get("/untuk-pemda?wilayah=33&lang=en").get_data(as_text=True)
    assert '<option value="33.16">Kabupaten Blora</option>' in html
    html = client.get("/untuk-pemda?wilayah=33.16&lang=en").get_data(as_text=True)
    assert "http://localhost/embed/cek?wilayah=33.16" in html
    assert "http://localhost/badge/33.16.svg" in html
    assert "http://localhost/qr.svg?to=/wilayah/33.16" in html
    assert "&lt;iframe" in html
    html = client.get("/untuk-pemda?wilayah=12.34&lang=en").get_data(as_text=True)
    assert "was not found" in html


def test_embed_has_a_status_form_posting_to_the_check(app, client) -> None:
    app.config["WTF_CSRF_ENABLED"] = True
    html = client.get("/embed/cek?wilayah=33.16").get_data(as_text=True)
    form = re.search(r"<form[^>]*>", html).group(0)
    # With the status check in the site the embed serves it itself (the answer stays in the
    # frame); without it, a plain form posts to /cek in the whole window.
    with_status = "status.check" in app.view_functions
    action = 'action="/embed/cek' if with_status else 'action="/cek" target="_top"'
    assert 'method="post"' in form and action in form
    assert 'name="kk"' in html and 'name="nik"' in html
    assert '<input type="hidden" name="wilayah" value="33.16">' in html


def sample_path(rule) -> str | None:
    """A path for ``rule``: known sample values, and "1" for any other argument (a route that
    then answers 404 or a redirect still sends its framing headers)."""
    values = {"code": "33.16", "filename": "site.css"}
    values = {name: values.get(name, "1") for name in rule.arguments}
    try:
        return rule.build(values, append_unknown=False)[1]
    except Exception:
        return None


def test_only_embed_pages_may_be_framed(app, client, register) -> None:
    checked = 0
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods:
            continue
        path = sample_path(rule)
        assert path is not None, f"no sample values for {rule.rule}"
        if rule.rule.startswith("/embed/"):
            path += "?wilayah=33.16"
        response = client.get(path)
        assert response.status_code < 500, path
        csp = response.headers["Content-Security-Policy"]
        if rule.rule.startswith("/embed/"):
            assert "frame-ancestors *" in csp, path
            assert "X-Frame-Options" not in response.headers, path
        else:
            assert "frame-ancestors 'none'" in csp, path
            assert response.headers["X-Frame-Options"] == "DENY", path
        checked += 1
    assert checked >= 12


def test_embed_works_without_a_session_cookie(app) -> None:
    """Framed on another site the browser sends no cookie of ours: the look-up still answers."""
    app.config["WTF_CSRF_ENABLED"] = True
    client = app.test_client(use_cookies=False)
    response = client.post(
        "/embed/cek?lang=en", data={"kk": "3316010903159001", "nik": "3316014202809001"}
    )
    assert response.status_code == 200
    assert "We could not find these two numbers together" in response.get_data(as_text=True)
    # The site's own check still insists on the token.
    assert (
        client.post("/cek", data={"kk": "3316010903159001", "nik": "3316014202809001"}).status_code
        == 400
    )
