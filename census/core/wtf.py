"""The site's base form: Flask-WTF's, with WTForms' own messages read once per language.

Flask-WTF loads WTForms' message catalogue from disk on the first form of every request, a
twentieth of a form step's time; the catalogue only depends on the language, so it is loaded
once per language and worker here. Every form of the site derives from :class:`Form`.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from babel import support
from flask import current_app
from flask_wtf import FlaskForm
from wtforms.i18n import messages_path

from census.core.i18n import current_language


@cache
def _catalogue(locale: str) -> support.Translations:
    return support.Translations.load(messages_path(), [locale], domain="wtforms")


class Form(FlaskForm):
    """A Flask-WTF form (CSRF, request data) whose WTForms messages are kept per language."""

    class Meta:
        def get_translations(self, form: Any) -> Any:
            if not current_app.config.get("WTF_I18N_ENABLED", True):
                return super().get_translations(form)  # Flask-WTF's own choice
            return _catalogue(current_language())
