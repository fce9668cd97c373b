"""The form's field rules: bounded text without control characters, and choices that must be
one of their own list, each with a message that says what to type or choose."""

from __future__ import annotations

import unicodedata
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectField, StringField
from wtforms.validators import ValidationError

from census.form import choices as c

MAX_NAME = 120
MAX_STREET = 200
MAX_PIN = 64
MIN_PIN = 6
_BAD_CATEGORIES = {"Cc", "Cs", "Co", "Cn", "Zl", "Zp"}


def clean(value: Any) -> Any:
    """Strip and NFC-normalise text; cut absurd lengths so validation stays cheap."""
    if not isinstance(value, str):
        return value
    return unicodedata.normalize("NFC", value[:2000]).strip()


def has_control(text: str) -> bool:
    return any(unicodedata.category(ch) in _BAD_CATEGORIES for ch in text)


class Text:
    """A bounded text answer without control characters; ``required`` gives the empty message."""

    def __init__(self, max_length: int, required: object | None = None) -> None:
        self.max_length, self.required = max_length, required

    def __call__(self, form: FlaskForm, field: StringField) -> None:
        value = field.data or ""
        if not value:
            if self.required:
                raise ValidationError(str(self.required))
            return
        if has_control(value):
            raise ValidationError(
                _l("Remove the special or invisible characters from this answer.")
            )
        if len(value) > self.max_length:
            raise ValidationError(
                _l(
                    "Use at most %(max)d characters; this has %(num)d.",
                    max=self.max_length,
                    num=len(value),
                )
            )


class Choice:
    """The answer must be one of the field's choices; ``message`` asks for it when missing."""

    def __init__(self, message: object) -> None:
        self.message = message

    def __call__(self, form: FlaskForm, field: Any) -> None:
        # A list's "Choose…" placeholder is one of its options, with an empty value: not an answer.
        if not field.data or field.data not in {str(option.value) for option in field.choices}:
            raise ValidationError(str(self.message))


class FixedRadioField(RadioField):
    """Radios whose label, hint and options are fixed where they are declared: the markup
    depends only on the language and the answer, so it is kept (``census.core.fieldcache``)."""

    fixed = True

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.type = "RadioField"  # what the templates know it as


class FixedSelectField(SelectField):
    """A list whose label, hint and options are fixed where they are declared (as above)."""

    fixed = True

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.type = "SelectField"


def radio(label: object, options: c.Choices, message: object, **kwargs: Any) -> RadioField:
    return FixedRadioField(
        label,
        choices=c.options(options),
        validators=[Choice(message)],
        validate_choice=False,
        **kwargs,
    )


def select(label: object, options: c.Choices, message: object, **kwargs: Any) -> SelectField:
    placeholder = [("", _l("Choose…"))]
    return FixedSelectField(
        label,
        choices=c.options(placeholder + options),
        validators=[Choice(message)],
        validate_choice=False,
        **kwargs,
    )
