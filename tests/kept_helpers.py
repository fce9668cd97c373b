"""Helpers for the tests of pages kept with holes (census/core/holes.py)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from flask import Flask, template_rendered
from werkzeug.test import TestResponse

from census.core import db, holes
from census.core.local_models import HelpPoint


def gzipped_whole(app: Flask, response: TestResponse) -> bytes:
    """The page of a gzipped response, once its headers say so and its bytes are those of
    compressing that page whole (as Flask-Compress would, at the site's level)."""
    import gzip
    import zlib

    from census.core.assets import GZIP_WBITS

    assert response.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response.headers["Vary"]
    assert response.headers["Content-Length"] == str(len(response.data))
    page = gzip.decompress(response.data)
    compressor = zlib.compressobj(app.config["COMPRESS_LEVEL"], zlib.DEFLATED, GZIP_WBITS)
    assert response.data == compressor.compress(page) + compressor.flush()
    return page


def same_page(kept_page: str, rendered: str) -> None:
    """Byte for byte, but for the CSRF token (signed with the second it was made in)."""

    def blank(html: str) -> str:
        return re.sub(r'(X-CSRFToken": "|name="csrf_token"[^>]* value=")[^"]+', r"\1T", html)

    assert not holes.is_marked(kept_page)
    assert blank(kept_page) == blank(rendered)


@pytest.fixture
def templates(app: Flask) -> Iterator[list[str]]:
    """The names of the templates rendered (each page or fragment, not its includes), in order."""
    names: list[str] = []

    def record(_sender, template, context, **extra):
        names.append(template.name)

    template_rendered.connect(record, app)
    yield names
    template_rendered.disconnect(record, app)


def add_help_point(app: Flask, name: str = "Perpustakaan Daerah") -> None:
    """A help point in Blora's district 33.16.02, added straight to the database."""
    with app.app_context():
        db.session().add(
            HelpPoint(
                village_code="33.16.02.2001",
                district_code="33.16.02",
                regency_code="33.16",
                name=name,
                address="Jl. Blora 3",
                hours="",
                phone="",
            )
        )
        db.session().commit()
