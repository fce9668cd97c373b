"""What the hot paths do by hand or keep is what the libraries would have given: the hidden
inputs as WTForms writes them, WTForms' messages in the request's language, read once."""

from __future__ import annotations

import re

from flask import Flask, render_template_string
from wtforms import IntegerField

from census.core import wtf
from census.form.forms import HousingForm


def test_the_hidden_inputs_are_written_as_wtforms_writes_them(app: Flask) -> None:
    app.config["WTF_CSRF_ENABLED"] = True
    with app.test_request_context("/isi/rumah"):
        form = HousingForm(formdata=None, data={"version": '4"><script>', "return_to": "check"})
        ours = render_template_string(
            '{% from "macros/forms.html" import hidden %}{{ hidden(form) }}', form=form
        )
        theirs = str(form.csrf_token()) + str(form.version()) + str(form.return_to())
    assert ours == theirs
    assert "&#34;&gt;&lt;script&gt;" in ours, "a value is escaped"


def test_wtforms_messages_are_read_once_per_language(app: Flask) -> None:
    class Count(wtf.Form):
        n = IntegerField()

    wtf._catalogue.cache_clear()
    for _ in range(3):
        with app.test_request_context("/?lang=en", method="POST", data={"n": "x"}):
            form = Count(meta={"csrf": False})
            assert not form.validate()
            assert form.n.errors == ["Not a valid integer value."]
    assert wtf._catalogue.cache_info().misses == 1, "read from disk once, not per request"
    assert wtf._catalogue.cache_info().hits >= 2


def test_a_page_gzipped_from_its_kept_head_is_the_page(app: Flask) -> None:
    import gzip

    from tests.form_helpers import enter, make_household

    client = app.test_client()
    enter(client, make_household(app))
    for _ in range(2):  # the second from the kept head
        plain = client.get("/isi/alamat?lang=en")
        packed = client.get("/isi/alamat?lang=en", headers={"Accept-Encoding": "gzip"})
        assert packed.headers["Content-Encoding"] == "gzip"
        assert "Accept-Encoding" in packed.headers["Vary"]
        assert int(packed.headers["Content-Length"]) == len(packed.data)

        # The CSRF token is signed with the second it was made in: left out of the comparison.
        def strip(body: bytes) -> bytes:
            body = re.sub(rb'X-CSRFToken": "[^"]*"', b"", body)
            return re.sub(rb'name="csrf_token"[^>]*>', b"", body)

        assert strip(gzip.decompress(packed.data)) == strip(plain.data)
        whole = gzip.compress(gzip.decompress(packed.data), compresslevel=6)
        assert len(packed.data) <= len(whole) + 16, "no heavier than compressing it whole"
    assert app.extensions["census_heads"], "the head's compressor was kept"


def test_a_day_is_written_once_per_language_and_a_moment_every_time(app: Flask) -> None:
    from datetime import date, datetime

    from flask_babel import format_date

    from census.core import i18n

    i18n._days.clear()
    day, moment = date(2026, 3, 31), datetime(2026, 3, 31, 20, 30)
    for lang, words in (("id", "31 Maret 2026"), ("en", "March 31, 2026")):
        with app.test_request_context(f"/?lang={lang}"):
            assert i18n.dateformat(day, "long") == format_date(day, "long") == words
            assert i18n.dateformat(day, "long") == words, "the kept one"
            assert i18n.dateformat(moment, "long") == format_date(moment, "long")
    assert len(i18n._days) == 2, "one per language; the moment not kept"
