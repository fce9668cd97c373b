"""Templates compiled per language (census/core/templating.py): the same pages, fewer calls."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask, render_template_string
from flask.templating import Environment
from flask_babel import force_locale
from jinja2 import ChoiceLoader, DictLoader, FileSystemBytecodeCache
from wtforms import StringField

from census import create_app
from census.core import db, templating
from census.core.wtf import Form
from tests.form_helpers import HOUSING, enter, make_household

#: Pages in both languages, with what a visitor may send: errors and answers included.
PAGES = (
    ("GET", "/", None),
    ("GET", "/jadwal", None),
    ("GET", "/tanya-jawab", None),
    ("GET", "/privasi", None),
    ("GET", "/cek", None),
    ("POST", "/cek", {"kk": "", "nik": "12"}),
    ("POST", "/cek", {"kk": "3316010101010001", "nik": "3316010101800001"}),
    ("GET", "/isi", None),
    ("POST", "/isi", {"kk": "33", "nik": ""}),
    ("GET", "/wilayah/33.16", None),
    ("GET", "/embed/cek?wilayah=33.16", None),
    ("GET", "/badge/33.16.svg", None),
    ("GET", "/tidak-ada", None),
    ("GET", "/staf/masuk", None),
)


def _same_shape(html: str) -> str:
    """A page with what differs on every answer (tokens, a form's version, chart ids, the time)
    blanked."""
    html = re.sub(r'(name="csrf_token"[^>]*value=|X-CSRFToken": )"[^"]+"', r"\1T", html)
    html = re.sub(r'(name="version"[^>]*value=)"[^"]+"', r"\1V", html)
    html = re.sub(r"\d\d:\d\d(:\d\d)?", "hh:mm", html)
    return re.sub(r"chart\d+", "chart", html)


@pytest.fixture
def plain_app(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Flask]:
    """The same site with Jinja's own environment: every message translated at run time."""
    monkeypatch.setattr(templating, "init_app", lambda app: None)
    application = create_app(
        {"DATABASE_URL": database_url, "TESTING": True, "WTF_CSRF_ENABLED": False}
    )
    assert type(application.jinja_env) is Environment
    yield application
    with application.app_context():
        db.engine().dispose()


@pytest.mark.parametrize("lang", ["id", "en"])
def test_every_page_reads_the_same_as_translated_at_run_time(
    app: Flask, plain_app: Flask, lang: str
) -> None:
    assert isinstance(app.jinja_env, templating.TranslatedEnvironment)
    for method, path, data in PAGES:
        pages = []
        for application in (app, plain_app):
            client = application.test_client()
            url = path + ("&" if "?" in path else "?") + f"lang={lang}"
            response = client.open(url, method=method, data=data)
            pages.append((response.status_code, _same_shape(response.get_data(as_text=True))))
        assert pages[0] == pages[1], (method, path)
    assert set(app.jinja_env.__dict__["census_languages"]) == {lang}


@pytest.mark.parametrize("lang", ["id", "en"])
def test_a_question_page_with_its_errors_reads_the_same(
    app: Flask, plain_app: Flask, lang: str
) -> None:
    pages = []
    for application in (app, plain_app):
        client = application.test_client()
        client.get(f"/?lang={lang}")  # the language cookie
        enter(client, make_household(application))
        client.post("/isi/alamat", data={"at_kk_address": "yes"})
        shown = client.get("/isi/rumah").get_data(as_text=True)
        half = {name: HOUSING[name] for name in ("tenure", "water")}
        refused = client.post("/isi/rumah", data={**half, "floor": "marble"})
        pages += [_same_shape(shown), _same_shape(refused.get_data(as_text=True))]
    assert 'class="error-summary"' in pages[1]
    assert pages[:2] == pages[2:]


SOURCE = (
    '{{ _("Back") }}|{{ _("Back to %(name)s", name=who) }}|{{ _("100%%") }}'
    '|{% autoescape false %}{{ _("Back to %(name)s", name=who) }}{% endautoescape %}'
    '|{{ ngettext("%(num)d day left.", "%(num)d days left.", 2) }}'
)


def test_a_literal_message_is_translated_while_compiling(app: Flask) -> None:
    with app.test_request_context("/?lang=id"):
        env = app.jinja_env.in_language("id")  # type: ignore[attr-defined]
        code = env.compile(SOURCE, raw=True)
    assert "Kembali" in code  # "Back", in the code itself
    assert "'Back'" not in code and "'_'" not in code
    assert "ngettext" in code  # a plural is still chosen at run time
    with app.test_request_context("/?lang=id"):
        html = env.from_string(SOURCE).render(who="<i>")
        at_run_time = app.jinja_env.from_string(SOURCE).render(
            who="<i>"
        )  # not compiled per language
    assert html == at_run_time
    assert html.split("|") == [
        "Kembali",
        "Kembali ke &lt;i&gt;",
        "100%",
        "Kembali ke <i>",
        "Tinggal 2 hari lagi.",
    ]


OWN_GETTEXT = {  # a template that binds _ or gettext itself, and what it then shows
    "set": ('{% set _ = "x".upper %}{{ _() }}|{{ gettext("Back") }}', "X|Kembali"),
    "macro": ('{% macro _(s) %}[{{ s }}]{% endmacro %}{{ _("Back") }}', "[Back]"),
    "imported": ('{% from "m.html" import show as gettext %}{{ gettext("Back") }}', "<Back>"),
    "module": (
        '{% import "m.html" as _ %}{{ _.show("Back") }}|{{ gettext("Back") }}',
        "<Back>|Kembali",
    ),
    "loop": ('{% for _ in ["a"] %}{{ _ }}{% endfor %}|{{ gettext("Back") }}', "a|Kembali"),
}


@pytest.mark.parametrize("how", list(OWN_GETTEXT))
def test_a_template_that_binds_its_own_gettext_is_left_as_written(app: Flask, how: str) -> None:
    source, shown = OWN_GETTEXT[how]
    with app.test_request_context("/?lang=id"):
        env = app.jinja_env.in_language("id")  # type: ignore[attr-defined]
        files = DictLoader({"m.html": "{% macro show(s) %}<{{ s }}>{% endmacro %}"})
        own = env.overlay(loader=ChoiceLoader([files, env.loader]))
        assert own.from_string(source).render() == shown
        assert "Kembali" not in own.compile(source, raw=True)


def test_no_bytecode_cache_or_an_unbounded_cache_mixes_the_languages(
    database_url: str, tmp_path: Path
) -> None:
    application = create_app({"DATABASE_URL": database_url, "TESTING": True})
    application.jinja_env.cache = {}  # what Jinja makes of cache_size=-1: unbounded
    application.jinja_env.bytecode_cache = FileSystemBytecodeCache(str(tmp_path))
    client = application.test_client()
    try:
        assert "Skip to main content" in client.get("/?lang=en").get_data(as_text=True)
        assert "Langsung ke isi utama" in client.get("/?lang=id").get_data(as_text=True)
        assert "Skip to main content" in client.get("/jadwal?lang=en").get_data(as_text=True)
    finally:
        with application.app_context():
            db.engine().dispose()


def test_each_language_compiles_its_own_templates(app: Flask) -> None:
    with app.test_request_context("/?lang=en"):
        english = app.jinja_env.get_template("form/housing.html")
        with force_locale("id"):  # as Flask-Babel's force_locale switches the language
            indonesian = app.jinja_env.get_template("form/housing.html")
        again = app.jinja_env.get_template("form/housing.html")
    assert english is again and english is not indonesian
    assert english.environment.language == "en"  # type: ignore[attr-defined]
    assert indonesian.environment.language == "id"  # type: ignore[attr-defined]


def test_outside_a_request_templates_translate_at_run_time(app: Flask) -> None:
    with app.app_context():
        template = app.jinja_env.get_template("base.html")
    assert template.environment is app.jinja_env


def test_it_must_come_before_the_environment() -> None:
    application = Flask(__name__)
    assert application.jinja_env is not None
    with pytest.raises(RuntimeError):
        templating.init_app(application)


def test_a_macro_file_is_made_once_and_still_sees_an_importers_own_globals(app: Flask) -> None:
    with app.test_request_context("/?lang=en"):
        env = app.jinja_env.in_language("en")  # type: ignore[attr-defined]
        macros = env.get_template("macros/notices.html")
        importer = env.from_string('{% from "macros/notices.html" import help_list %}')
        importer.render()
        made = macros._module
        importer.render()
        assert made is not None and macros._module is made  # not run again for each import
        files = DictLoader({"m.html": "{% macro show() %}[{{ extra }}]{% endmacro %}"})
        own = env.overlay(loader=ChoiceLoader([files, env.loader]))
        source = '{% from "m.html" import show %}{{ show() }}'
        assert own.from_string(source, globals={"extra": "seen"}).render() == "[seen]"
        assert own.from_string(source).render() == "[]"


def test_a_context_sees_the_environments_globals_and_a_templates_own(app: Flask) -> None:
    env = app.jinja_env
    source = "{{ extra is defined }} {{ link is defined }} {{ range(2) | list }}"
    assert env.from_string(source).render() == "False True [0, 1]"
    assert env.from_string(source, globals={"extra": 1}).render() == "True True [0, 1]"
    env.globals["extra"] = 2  # a global added later is seen too, as Jinja shares the dict
    try:
        assert env.from_string("{{ extra }}").render() == "2"
    finally:
        del env.globals["extra"]


def test_a_text_field_without_a_description_has_no_hint(app: Flask) -> None:
    class Named(Form):
        given = StringField("Name", description=None)  # type: ignore[arg-type]
        plain = StringField("Name")

    source = '{% from "macros/forms.html" import text_field %}{{ text_field(f.given) }}'
    with app.test_request_context("/?lang=en"):
        form = Named(meta={"csrf": False})
        for field in ("given", "plain"):
            html = app.jinja_env.from_string(source.replace("given", field)).render(f=form)
            assert 'class="hint"' not in html and "aria-describedby" not in html
            assert f'<input id="{field}" name="{field}" type="text" value="">' in html


@pytest.mark.parametrize("error", [False, True], ids=["plain", "error"])
@pytest.mark.parametrize("focused", [False, True], ids=["", "focused"])
def test_the_date_of_birth_is_what_wtforms_widgets_write(app: Flask, error, focused) -> None:
    """``date_field`` writes its label and inputs itself: the same bytes as WTForms' widgets."""
    from census.form.forms import MemberForm

    reference = (
        "{%- for part in (day, month, year) %}<div>{{ part.label() }}"
        '{{ part(**{"aria-invalid": "true" if error else False}) }}</div>{% endfor %}'
    )
    with app.test_request_context("/?lang=en"):
        form = MemberForm(
            formdata=None, data={"birth_day": '3"<', "birth_month": "&12", "birth_year": "1985"}
        )
        if error:
            form.birth_day.errors = ["Enter a real date."]
        if focused:
            form.birth_day.render_kw = {**form.birth_day.render_kw, "autofocus": True}
        ours = render_template_string(
            '{% from "macros/forms.html" import date_field %}'
            "{{ date_field('Date of birth', form.birth_day, form.birth_month, form.birth_year) }}",
            form=form,
        )
        theirs = render_template_string(
            reference,
            day=form.birth_day,
            month=form.birth_month,
            year=form.birth_year,
            error=form.birth_day.errors,
        )
    parts = re.search(r'<div class="date-parts">\s*(.*?)\s*</div>\s*</fieldset>', ours, re.S)
    assert parts.group(1).replace("\n", "") == theirs
    assert ('aria-invalid="true"' in ours) is error and ("autofocus" in ours) is focused
    assert "&#34;&lt;" in ours and "&amp;12" in ours
