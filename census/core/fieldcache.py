"""A question's markup kept per language and answer: most questions read the same for everyone.

A radio group or list whose label, hint and options are fixed where the form declares them
(fields with ``fixed = True``, such as the housing and person questions) renders to the same HTML
for every household whenever its state is the same: the language, the form and field, the field's
id, the answer selected, its errors, its HTML attributes (autofocus) and the macro's arguments.
:func:`kept_field` renders such a field once per state and keeps the markup in the worker
(``FIELD_CACHE_SIZE`` states at most); any other field is rendered as before, every time.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app
from markupsafe import Markup

from census.core.i18n import current_language

#: Most states one worker keeps (each a few hundred bytes).
FIELD_CACHE_SIZE = 4096
MACROS = "macros/forms.html"
#: Options' codes are short; any longer answer sent is rendered every time, never kept.
MAX_ANSWER = 40


def _macro(name: str) -> Any:
    return getattr(current_app.jinja_env.get_template(MACROS).module, name)


def _key(macro: str, field: Any, kwargs: dict[str, Any]) -> tuple[Any, ...] | None:
    if not getattr(field, "fixed", False):
        return None
    data = field.data
    if data is not None and (not isinstance(data, str) or len(data) > MAX_ANSWER):
        return None  # not an option's short code: rendered as before, not kept
    form = getattr(field, "_form", None)
    return (
        current_language(),
        macro,
        type(form).__qualname__ if form is not None else None,
        field.name,
        field.id,
        data,
        tuple(str(error) for error in field.errors),
        tuple(sorted((k, str(v)) for k, v in (field.render_kw or {}).items())),
        tuple(sorted((k, str(v)) for k, v in kwargs.items() if v is not None)),
    )


def kept_field(macro: str, field: Any, **kwargs: Any) -> Markup:
    """The markup of ``macro(field, **kwargs)`` (a macro of ``macros/forms.html``), kept per
    state for a fixed field."""
    key = _key(macro, field, kwargs)
    if key is None:
        return _macro(macro)(field, **kwargs)
    kept: dict[tuple[Any, ...], Markup] = current_app.extensions.setdefault("census_fields", {})
    html = kept.get(key)
    if html is None:
        html = Markup(_macro(macro)(field, **kwargs))
        if len(kept) >= FIELD_CACHE_SIZE:
            kept.clear()
        kept[key] = html
    return html


def init_app(app: Flask) -> None:
    """Make :func:`kept_field` available to the form macros."""
    app.add_template_global(kept_field)
