"""The information pages: content in both languages, today's phase, actions, sharing."""

from __future__ import annotations

import html as htmllib
import re
import struct
from datetime import date
from urllib.parse import unquote

import pytest
from flask import Flask
from flask.testing import FlaskClient

from census.core.assets import STATIC_DIR
from census.core.config import Schedule
from census.pages.views import SHARE_IMAGE
from tests.routes import INFORMATION_PAGES

SP2020 = Schedule(date(2020, 2, 15), date(2020, 5, 29), date(2020, 9, 1), date(2020, 9, 30))

H1 = {
    "/": (
        "Pastikan rumah tangga Anda tercacah dalam Sensus Penduduk",
        "Count your household in the population census",
    ),
    "/jadwal": ("Jadwal sensus", "Census schedule"),
    "/persiapan": ("Yang perlu disiapkan", "What to prepare"),
    "/cara": ("Cara mengisi", "How it works"),
    "/tanya-jawab": ("Tanya jawab", "Questions and answers"),
    "/privasi": ("Privasi", "Privacy"),
    "/tentang-data": ("Tentang data", "About the data"),
}


def text(client: FlaskClient, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, path
    return response.get_data(as_text=True)


def visible(html: str) -> str:
    """The page's text without tags, entities decoded, whitespace collapsed."""
    body = re.sub(r"<(style|title)[^>]*>.*?</\1>", " ", html, flags=re.S)
    return " ".join(htmllib.unescape(re.sub(r"<[^>]+>", " ", body)).split())


@pytest.fixture
def on_day(app: Flask, monkeypatch: pytest.MonkeyPatch):
    """Run the site on the 2020 schedule, as if today were the given day."""
    app.config["CENSUS_SCHEDULE"] = SP2020

    def set_day(day: date) -> None:
        monkeypatch.setattr("census.pages.views.census_today", lambda: day)
        monkeypatch.setattr("census.core.pagecache.census_today", lambda: day)  # in the key

    return set_day


def test_every_information_page_is_registered(app: Flask) -> None:
    with app.test_request_context():
        paths = {rule.endpoint: rule.rule for rule in app.url_map.iter_rules()}
    for endpoint, path in INFORMATION_PAGES.items():
        assert paths[endpoint] == path


@pytest.mark.parametrize("path", H1)
def test_each_page_reads_in_both_languages(client: FlaskClient, path: str) -> None:
    indonesian, english = H1[path]
    page_id = text(client, path + "?lang=id")
    page_en = text(client, path + "?lang=en")
    assert f"<h1>{indonesian}</h1>" in page_id
    assert f"<h1>{english}</h1>" in page_en
    assert f"<title>{indonesian} · Sensus Online</title>" in page_id
    assert '<html lang="id">' in page_id and '<html lang="en">' in page_en


def test_home_shows_the_online_phase_with_its_dates(client: FlaskClient, on_day) -> None:
    on_day(date(2020, 5, 28))
    page = visible(text(client, "/?lang=id"))
    assert "Sensus daring sedang dibuka." in page
    assert "Tinggal 2 hari lagi." in page
    assert "Daring: 15 Februari 2020 – 29 Mei 2020" in page
    assert "Kunjungan petugas" not in page, "only today's phase: the rest is on /jadwal"
    english = visible(text(client, "/?lang=en"))
    assert "2 days left." in english
    assert "Online: February 15, 2020 – May 29, 2020" in english


def test_last_day_uses_the_singular(client: FlaskClient, on_day) -> None:
    on_day(date(2020, 5, 29))
    assert "1 day left." in visible(text(client, "/?lang=en"))


@pytest.mark.parametrize(
    ("day", "indonesian", "english"),
    [
        (date(2020, 2, 1), "Sensus belum dimulai.", "Online counting opens on February 15, 2020."),
        (date(2020, 7, 1), "Pengisian daring sudah ditutup.", "starting September 1, 2020."),
        (date(2020, 9, 10), "Petugas sedang mengunjungi rumah tangga.", "an officer will come"),
        (date(2020, 12, 1), "Sensus sudah selesai.", "Thank you to everyone"),
    ],
)
def test_home_follows_the_phase(client: FlaskClient, on_day, day, indonesian, english) -> None:
    on_day(day)
    page = visible(text(client, "/?lang=id"))
    assert indonesian in page
    if day.month in (7, 9):
        assert "Kunjungan petugas: 1 September 2020 – 30 September 2020" in page
    assert english in visible(text(client, "/?lang=en"))


def test_the_form_action_shows_only_while_it_can_be_used(client: FlaskClient, on_day) -> None:
    on_day(date(2020, 3, 1))
    assert 'href="/isi"' in text(client, "/")
    on_day(date(2020, 9, 10))
    html = text(client, "/")
    assert 'href="/isi"' not in html
    assert 'href="/cek"' in html, "checking stays possible in every phase"


def test_schedule_highlights_todays_phase(client: FlaskClient, on_day) -> None:
    on_day(date(2020, 9, 10))
    html = text(client, "/jadwal?lang=en")
    current = re.findall(r'<li class="phase (\w+)"( aria-current="step")?>\s*<h2>([^<]+)', html)
    assert [(state, bool(mark), name.strip()) for state, mark, name in current] == [
        ("past", False, "Online self-count"),
        ("past", False, "Preparing the visits"),
        ("now", True, "Door-to-door visits"),
        ("next", False, "Results"),
    ]
    page = visible(html)
    assert "Door-to-door visits Now September 1, 2020 – September 30, 2020" in page
    assert "Next: an officer carries an ID card" in page


def test_schedule_tells_2020_as_history(client: FlaskClient) -> None:
    page = visible(text(client, "/jadwal?lang=id"))
    assert "diperpanjang dari 31 Maret 2020 hingga 29 Mei 2020" in page
    assert "dari 1 September 2020 hingga 30 September 2020" in page


def test_actions_fall_back_to_paths_and_keep_an_explicit_language(client: FlaskClient) -> None:
    html = text(client, "/?lang=en")
    assert 'href="/isi?lang=en"' in html
    assert 'href="/cek?lang=en"' in html


def test_actions_link_to_the_check_and_the_form(client: FlaskClient) -> None:
    html = client.get("/?lang=id").get_data(as_text=True)
    assert 'href="/cek?lang=id"' in html
    assert 'href="/isi?lang=id"' in html


def test_prepare_shows_where_the_numbers_are(client: FlaskClient) -> None:
    html = text(client, "/persiapan?lang=id")
    svg = re.search(r"<svg[^>]*>.*?</svg>", html, re.S).group(0)
    assert 'role="img"' in svg and 'aria-labelledby="kk-t kk-d"' in svg
    assert '<title id="kk-t">Letak nomor-nomor pada Kartu Keluarga</title>' in svg
    assert "KARTU KELUARGA" in svg
    assert len(svg.encode()) < 4000, "keep the illustration tiny"
    page = visible(html)
    for words in ("Nomor KK: 16 angka", "NIK setiap anggota", "buku nikah", "Akta kelahiran"):
        assert words in page


def test_faq_answers_the_common_questions(client: FlaskClient) -> None:
    page = visible(text(client, "/tanya-jawab?lang=en"))
    for words in (
        "My NIK and KK number are rejected",
        "Try the NIK of another member",
        "an officer will visit your household",
        "The census has no app",
        "I have no internet",
        "Who sees my answers?",
        "What if I make a mistake?",
    ):
        assert words in page
    indonesian = visible(text(client, "/tanya-jawab?lang=id"))
    assert "Sensus tidak memiliki aplikasi" in indonesian


def test_faq_questions_are_linked_from_its_contents(client: FlaskClient) -> None:
    html = text(client, "/tanya-jawab")
    anchors = re.findall(r'<a href="#([\w-]+)">', html)
    assert len(anchors) >= 7
    for anchor in anchors:
        assert f'<h2 id="{anchor}">' in html


def test_privacy_names_the_laws_and_the_protection(client: FlaskClient) -> None:
    page = visible(text(client, "/privasi?lang=en"))
    for words in ("UU 16/1997", "UU 27/2022", "UU 24/2013", "HMAC-SHA256", "never shows names"):
        assert words in page
    assert "Tries are limited" in page
    assert "lasts one year" in page


def test_about_data_credits_the_region_codes(client: FlaskClient) -> None:
    html = text(client, "/tentang-data?lang=id")
    assert '<a href="https://github.com/fityannugroho/idn-area-data">idn-area-data</a>' in html
    assert "Open Database License (ODbL 1.0)" in html
    page = visible(html)
    assert "Permendagri 58/2021" in page
    assert "51,36 juta" in page and "270,2 juta" in page
    assert "htmx 1.9.12" in page
    assert "51.36 million" in visible(text(client, "/tentang-data?lang=en"))


def test_footer_links_and_share_link(client: FlaskClient) -> None:
    html = text(client, "/jadwal?lang=id")
    footer = html[html.index('<footer class="site">') :]
    for path in ("/tanya-jawab?lang=id", "/privasi?lang=id", "/tentang-data?lang=id"):
        assert f'href="{path}"' in footer
    share = re.search(r'href="(https://wa\.me/\?text=[^"]+)"', footer).group(1)
    message = unquote(share.removeprefix("https://wa.me/?text="))
    assert message == "Jadwal sensus · Sensus Online: http://localhost/jadwal"
    assert " " not in share and "&" not in share.split("?", 1)[1]


def test_share_link_uses_the_configured_site_url(app: Flask) -> None:
    app.config["SITE_URL"] = "https://sensus.example.id"
    html = app.test_client().get("/privasi?lang=en").get_data(as_text=True)
    assert "https%3A%2F%2Fsensus.example.id%2Fprivasi" in html
    assert '<meta property="og:url" content="https://sensus.example.id/privasi">' in html
    image = f"https://sensus.example.id/static/{SHARE_IMAGE}"
    assert f'<meta property="og:image" content="{image}">' in html


def test_open_graph_tags(client: FlaskClient) -> None:
    html = text(client, "/persiapan?lang=en")
    og = dict(re.findall(r'<meta property="og:([\w:]+)" content="([^"]*)">', html))
    assert og["title"] == "What to prepare"
    assert og["description"].startswith("Your family card (KK) has everything you need")
    assert og["url"] == "http://localhost/persiapan"
    assert og["image"] == f"http://localhost/static/{SHARE_IMAGE}"
    assert og["locale"] == "en_US"
    assert og["image:width"] == "1200" and og["image:height"] == "630"


def test_share_image_is_a_small_png(client: FlaskClient) -> None:
    data = (STATIC_DIR / SHARE_IMAGE).read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    assert (width, height) == (1200, 630)
    assert len(data) < 50 * 1024
    response = client.get(f"/static/{SHARE_IMAGE}")
    assert response.status_code == 200
    assert response.mimetype == "image/png"
    assert "immutable" in response.headers["Cache-Control"]


def _main_nav(client: FlaskClient, path: str) -> str:
    html = client.get(path).get_data(as_text=True)
    return re.search(r'<nav class="main".*?</nav>', html, re.S).group(0)


def test_the_navigation_follows_the_page_the_language_and_the_phase(
    app: Flask, client: FlaskClient
) -> None:
    # The header is rendered once per combination and reused: each page must still get its own.
    home = _main_nav(client, "/?lang=en")
    assert 'href="/?lang=en" aria-current="page">Home<' in home
    schedule = _main_nav(client, "/jadwal?lang=en")
    assert 'href="/jadwal?lang=en" aria-current="page">Schedule<' in schedule
    assert 'aria-current="page">Home<' not in schedule
    assert 'href="/?lang=id" aria-current="page">Beranda<' in _main_nav(client, "/?lang=id")
    assert ">Fill in the census<" in home
    app.config["CENSUS_SCHEDULE"] = SP2020  # long closed: the form leaves the navigation
    assert ">Fill in the census<" not in _main_nav(client, "/?lang=en")
    assert ">Isi sensus<" not in _main_nav(client, "/?lang=id")
