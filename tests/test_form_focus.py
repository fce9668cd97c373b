"""Focus without JavaScript: the error summary after a refused page, a radio group linked by its
first option, and a Change link on the check page that lands on its field."""

from __future__ import annotations

import html as html_lib
import re

from tests.form_helpers import (
    enter,
    fill_until_check,
    make_household,
    member_keys,
    person_data,
    post_step,
)


def test_the_error_summary_takes_focus_and_links_radios_by_their_first_option(app, client):
    made = make_household(app)
    enter(client, made)
    refused = post_step(client, "/isi/alamat?lang=en", {})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 200
    assert re.search(r'<div class="error-summary"[^>]*tabindex="-1"[^>]*autofocus', html)
    assert 'href="#at_kk_address-0"' in html and 'id="at_kk_address-0"' in html


def test_change_links_name_their_field_and_the_page_focuses_it(app, client):
    made = make_household(app)
    enter(client, made)
    fill_until_check(client, app, made)
    keys = member_keys(app, made.household.id)
    html = client.get("/isi/periksa?lang=en").get_data(as_text=True)
    links = {html_lib.unescape(h) for h in re.findall(r'href="([^"]*return_to=check[^"]*)"', html)}
    sex = next(h for h in links if f"/isi/anggota/{keys[1]}?" in h and "focus=sex" in h)
    assert sex.endswith("#sex-0")
    assert any(h.startswith("/isi/rumah?") and h.endswith("#tenure-0") for h in links)
    assert any(h.startswith("/isi/rumah?") and h.endswith("#water") for h in links)
    # The head's relationship cannot be changed on the head's page: no Change link for it.
    assert not any(f"/isi/anggota/{keys[0]}?" in h and "focus=relationship" in h for h in links)
    assert any(f"/isi/anggota/{keys[1]}?" in h and "focus=relationship" in h for h in links)
    page = client.get(sex).get_data(as_text=True)
    assert re.search(r'id="sex-0"[^>]*autofocus', page)
    assert page.count("autofocus") == 1
    page = client.get(f"/isi/anggota/{keys[1]}?return_to=check&focus=birth_day").get_data(
        as_text=True
    )
    assert re.search(r'<input[^>]*autofocus[^>]*id="birth_day"|id="birth_day"[^>]*autofocus', page)
    assert (
        client.get("/isi/rumah?return_to=check&focus=version")
        .get_data(as_text=True)
        .count("autofocus")
        == 0
    )


def test_soft_rule_questions_are_in_the_error_summary(app, client):
    made = make_household(app)
    enter(client, made)
    fill_until_check(client, app, made)
    keys = member_keys(app, made.household.id)
    refused = post_step(
        client, f"/isi/anggota/{keys[2]}?lang=en", person_data(made, 2, birth_year="2009")
    )
    html = refused.get_data(as_text=True)
    assert refused.status_code == 200
    assert 'href="#confirm-birth_date_register"' in html
    assert "not the one on the family card" in html


def test_htmx_never_adds_its_inline_indicator_styles(client):
    """The CSP refuses htmx's inline <style>: every page that loads htmx says so in its config."""
    for path in ("/embed/cek", "/isi"):
        html = client.get(path).get_data(as_text=True)
        if "htmx-1.9.12.min.js" in html:
            assert '<meta name="htmx-config"' in html and '"includeIndicatorStyles":false' in html
    assert "htmx-1.9.12.min.js" in client.get("/embed/cek").get_data(as_text=True)
