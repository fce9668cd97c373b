"""Templates compiled once per language, with their fixed messages already translated.

A template says ``{{ _("Back") }}`` a few dozen times; translated at run time, each is a context
call, a catalogue look-up and a ``%`` on every page. Here a template is compiled separately for
each language (an overlay of the site's Jinja environment, one per language, with templates of
its own), and a ``_()`` or ``gettext()`` of a literal message is replaced, while compiling, by
what it gives at run time: the message from that language's catalogue, marked safe when the
template escapes, then formatted with its variables, which are still escaped. What stays a call:
``ngettext`` and every message that is not a literal.

The language is the one Flask-Babel selects for the request (``force_locale`` included), read
whenever a template is loaded (a template object kept and rendered later under another language
would keep its own); outside a request, templates are compiled as Jinja does, with every
message translated at run time. ``_`` and ``gettext`` are the site's own everywhere: a template
that binds either itself is left as written, and no view passes either as a variable. Each
language's environment copies the site's settings when the first request in that language
makes it (filters, tests, globals and policies stay shared): set them in ``create_app``.

Its templates also import a macro file (``{% from "macros/forms.html" import ... %}``) without
Jinja's slow check, when the check cannot find anything: see :class:`_Template`.
"""

from __future__ import annotations

from collections import ChainMap
from collections.abc import Callable, Mapping, MutableMapping
from typing import Any

from flask import Flask, has_request_context
from flask.templating import Environment
from flask_babel import force_locale, get_locale
from jinja2 import Template, nodes
from jinja2.environment import TemplateModule
from jinja2.runtime import Context, new_context
from jinja2.visitor import NodeTransformer

from census.core.i18n import translations

#: The names a template translates a single message with (both installed by census.core.i18n).
GETTEXT_NAMES = frozenset({"_", "gettext"})


class _Template(Template):
    """Jinja's template, with its context made and a macro file imported faster where they can be.

    A template's globals are a ``ChainMap`` of its own (none, on this site) over the
    environment's: Jinja copies them into every context it makes (each page, each include) one
    Python call per name. With none of its own, the environment's dict itself is copied, in C.
    ``{% from "macros/forms.html" import ... %}`` checks whether the importing template sees
    globals the macro file does not (then the file is run again for it): Jinja compares them
    through a ``ChainMap``'s keys, one Python call per name, on every import. When every global
    the importer sees is one of the environment's, there are none; that is asked of the
    environment's dict in one C call, and the module already made is used, as Jinja would.
    """

    def new_context(
        self,
        vars: dict[str, Any] | None = None,
        shared: bool = False,
        locals: Mapping[str, Any] | None = None,
    ) -> Context:
        seen: MutableMapping[str, Any] = self.globals
        if isinstance(seen, ChainMap) and len(seen.maps) == 2 and not seen.maps[0]:
            seen = seen.maps[1]  # the same names and values, as one dict
        return new_context(self.environment, self.name, self.blocks, vars, shared, seen, locals)

    def _get_default_module(self, ctx: Context | None = None) -> TemplateModule:
        if ctx is not None and ctx.globals_keys <= self.environment.globals.keys():
            ctx = None  # nothing it sees that the macro file does not: Jinja's cached module
        return super()._get_default_module(ctx)


class TranslatedEnvironment(Environment):
    """Flask's Jinja environment that loads each template from its request's language."""

    template_class = _Template

    #: The language this environment compiles for; None in the site's own environment.
    language: str | None = None
    #: The catalogue's ``gettext`` of that language (set with the language).
    translate: Callable[[str], str] | None = None

    def in_language(self, language: str) -> TranslatedEnvironment:
        """This environment's overlay for ``language`` (made once, in a request of it)."""
        overlays: dict[str, TranslatedEnvironment] = self.__dict__.setdefault(
            "census_languages", {}
        )
        overlay = overlays.get(language)
        if overlay is None:
            # A cache of its own (a copy would hold templates compiled for no language), and no
            # bytecode cache: it keys compiled code by name and source, not by language.
            size = 0 if self.cache is None else getattr(self.cache, "capacity", -1)  # -1: a dict
            made = self.overlay(cache_size=size, bytecode_cache=None)
            assert isinstance(made, TranslatedEnvironment)
            with force_locale(language):
                made.translate = translations().ugettext
            made.language = language
            overlay = overlays.setdefault(language, made)
        return overlay

    def _load_template(self, name: str, globals: MutableMapping[str, Any] | None) -> Template:
        if self.language is None:
            language = _request_language()
            if language is not None:
                return self.in_language(language)._load_template(name, globals)
        return super()._load_template(name, globals)

    def _parse(self, source: str, name: str | None, filename: str | None) -> nodes.Template:
        tree = super()._parse(source, name, filename)
        if self.translate is not None and not _names_its_own_gettext(tree):
            tree = _Translate(self.translate).visit(tree)
        return tree


def _request_language() -> str | None:
    if not has_request_context():
        return None
    locale = get_locale()
    return None if locale is None else str(locale)


def _names_its_own_gettext(tree: nodes.Template) -> bool:
    """True when the template binds a ``_`` or ``gettext`` of its own (sets it, takes it as an
    argument, defines or imports it): such a template is left to run time, as written."""
    names = {name.name for name in tree.find_all(nodes.Name) if name.ctx != "load"}
    names |= {macro.name for macro in tree.find_all(nodes.Macro)}
    names |= {target.target for target in tree.find_all(nodes.Import)}
    for imported in tree.find_all(nodes.FromImport):
        names |= {name[1] if isinstance(name, tuple) else name for name in imported.names}
    return not names.isdisjoint(GETTEXT_NAMES)


class _Translate(NodeTransformer):
    """Replace ``_("literal", name=value)`` by the call's value, computed where it can be."""

    def __init__(self, translate: Callable[[str], str]) -> None:
        self.translate = translate

    def visit_Call(self, node: nodes.Call) -> nodes.Node:
        node = self.generic_visit(node)  # messages inside the arguments first
        message = _literal_message(node)
        if message is None:
            return node
        text = self.translate(message)
        if not node.kwargs:
            try:  # what the call does: the message is always a format string
                text = text % {}
            except (KeyError, TypeError, ValueError):
                return node  # fails as it would have at run time
            return nodes.MarkSafeIfAutoescape(nodes.Const(text), lineno=node.lineno)
        variables = nodes.Dict(
            [nodes.Pair(nodes.Const(kw.key), kw.value, lineno=kw.lineno) for kw in node.kwargs],
            lineno=node.lineno,
        )
        marked = nodes.MarkSafeIfAutoescape(nodes.Const(text), lineno=node.lineno)
        return nodes.Mod(marked, variables, lineno=node.lineno)


def _literal_message(node: nodes.Call) -> str | None:
    if not (isinstance(node.node, nodes.Name) and node.node.name in GETTEXT_NAMES):
        return None
    if node.dyn_args is not None or node.dyn_kwargs is not None or len(node.args) != 1:
        return None
    argument = node.args[0]
    if not (isinstance(argument, nodes.Const) and isinstance(argument.value, str)):
        return None
    return argument.value


def init_app(app: Flask) -> None:
    """Make ``app``'s Jinja environment a :class:`TranslatedEnvironment` (before it exists)."""
    if "jinja_env" in app.__dict__:
        raise RuntimeError("census.core.templating.init_app must run before jinja_env is used")
    app.jinja_environment = TranslatedEnvironment
