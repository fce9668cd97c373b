"""The Indonesian catalogue is complete, consistent with its template, and the template is fresh."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.checkers import python_format
from babel.messages.frontend import CommandLineInterface
from babel.messages.pofile import read_po

from census.core.i18n import KEYWORDS, POT, ROOT, TRANSLATIONS

CATALOGUES = sorted(TRANSLATIONS.glob("*/LC_MESSAGES/messages.po"))


def load(path: Path, locale: str | None = None):
    with open(path, "rb") as handle:
        return read_po(handle, locale=locale)


def ids(catalog) -> set:
    return {
        message.id if isinstance(message.id, str) else message.id[0]
        for message in catalog
        if message.id
    }


def test_there_is_an_indonesian_catalogue() -> None:
    assert TRANSLATIONS / "id" / "LC_MESSAGES" / "messages.po" in CATALOGUES


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda p: p.parts[-3])
def test_catalogue_is_complete(path: Path) -> None:
    catalog = load(path, path.parts[-3])
    gaps = []
    for message in catalog:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy or not all(strings):
            gaps.append(message.id)
        else:
            python_format(catalog, message)  # raises when placeholders differ
    assert not gaps, f"untranslated or fuzzy: {gaps}"


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda p: p.parts[-3])
def test_catalogue_matches_template(path: Path) -> None:
    assert ids(load(path)) == ids(load(POT)), "run: flask translate update"


def test_template_is_not_stale(tmp_path: Path) -> None:
    fresh = tmp_path / "messages.pot"
    keywords = [arg for keyword in KEYWORDS for arg in ("-k", keyword)]
    CommandLineInterface().run(
        [
            "pybabel",
            "-q",
            "extract",
            "-F",
            str(ROOT / "babel.cfg"),
            *keywords,
            "--no-location",
            "--omit-header",
            "-o",
            str(fresh),
            str(ROOT / "census"),
        ]
    )
    assert ids(load(fresh)) == ids(load(POT)), (
        "run: flask translate extract && flask translate update"
    )
