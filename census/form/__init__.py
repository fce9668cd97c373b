"""The census form at ``/isi``: a household counts itself, step by step, and loses nothing.

``entry`` opens a household (numbers, then its shared PIN), ``steps`` asks the questions and
``proof`` shows and verifies the proof of filling. ``service`` stores versioned answers and
``access`` keeps the session. See docs/census-form.md.
"""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("form", __name__)

from census.form import entry, proof, retention, steps  # noqa: E402, F401 - they register on bp
