"""The proof of filling ("bukti pengisian") and its public check at ``/bukti/<code>``.

The public page says only that the code is valid, when the form was sent and for how many people:
no name, no number, no answer. Unknown codes get a plain 404, like any unknown page.
"""

from __future__ import annotations

from urllib.parse import quote

import segno
from flask import Response, abort, current_app, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from markupsafe import Markup

from census.core import db
from census.core.i18n import date_and_time
from census.core.limits import limiter
from census.core.render import render
from census.form import bp, service
from census.form.common import opened, step_label, step_view


def verify_url(code: str) -> str:
    """The absolute address of the proof's public check (SITE_URL when configured)."""
    path = url_for("form.verify", code=code, lang=None)
    site = current_app.config.get("SITE_URL") or ""
    return site + path if site else url_for("form.verify", code=code, _external=True, lang=None)


def qr_svg(url: str) -> Markup:
    """The QR code of ``url`` as inline SVG (a few hundred bytes gzipped, no extra request)."""
    qr = segno.make(url, error="m")
    # A viewBox (no fixed size): the stylesheet's 180 px then scale the code, centred.
    svg = qr.svg_inline(
        scale=4, border=2, omitsize=True, title=_("QR code of the proof of filling")
    )
    return Markup(svg)


@bp.get("/isi/bukti")
@step_view
def done() -> Response:
    """Step 6: the household's proof, to keep, print or share."""
    household = opened().household
    proof = service.household_proof(db.session(), household.id)
    if proof is None:
        abort(404)
    url = verify_url(proof.code)
    when = date_and_time(proof.sent_at)
    message = ngettext(
        "Our household was counted in the census online on %(when)s WIB (%(num)d person). "
        "Proof: %(url)s",
        "Our household was counted in the census online on %(when)s WIB (%(num)d people). "
        "Proof: %(url)s",
        proof.members,
        when=when,
        url=url,
    )
    return render(
        "form/done.html",
        proof=proof,
        code=service.format_code(proof.code),
        when=when,
        url=url,
        qr=qr_svg(url),
        share_url="https://wa.me/?text=" + quote(message),
        step=step_label(6),
    )


DEFAULT_PROOF_LIMITS = "10/minute;200/day"


def _proof_limits() -> str:
    return current_app.config.get("PROOF_LIMITS", DEFAULT_PROOF_LIMITS)


@bp.get("/bukti/<code>")
@limiter.limit(_proof_limits, scope="proof-check")
def verify(code: str) -> Response:
    """Public check of a proof: valid, when, for how many people. Nothing else."""
    proof = service.find_proof(db.session(), code)
    if proof is None:
        abort(404)
    return render(
        "form/verify.html",
        proof=proof,
        code=service.format_code(proof.code),
        when=date_and_time(proof.sent_at),
    )
