"""Small pieces the staff and drive forms share: trimmed text, and a field that must be filled."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask_wtf import FlaskForm
from wtforms.validators import ValidationError


def trimmed(limit: int) -> Callable[[Any], Any]:
    """A filter: the text without surrounding spaces, cut at ``limit`` characters."""
    return lambda v: v.strip()[:limit] if isinstance(v, str) else v


def required(message: Any) -> Callable[[FlaskForm, Any], None]:
    """A validator: ``message`` when the field is empty or only spaces."""

    def check(_form: FlaskForm, field: Any) -> None:
        if not (field.data or "").strip():
            raise ValidationError(message)

    return check
