"""The floor of a status check: what a ``POST /cek`` costs before any page is made.

A bare Flask app, served by the same gunicorn settings as the site, whose POST reads the two
numbers from the form, hashes them with the identity key (two HMACs, as the site does) and runs
the site's own look-up statement on the bench's PostgreSQL register, then answers with the bare
page's static HTML: no template, translation, session, CSRF or form validation. Its ratio to the
bare page is the best any status check with a database look-up can reach on this machine.
"""

from __future__ import annotations

import os

from flask import Flask, Response, request
from sqlalchemy import bindparam, create_engine, select

from bench.bare import HTML
from census.core.identity import keyed_hash
from census.core.models import Household, Member

KEY = os.environ.get("IDENTITY_HASH_KEY", "bench-identity-hash-key").encode()
engine = create_engine(os.environ.get("BENCH_FLOOR_DATABASE_URL", "sqlite://"), pool_size=2)
BY_PAIR = (
    select(Household.id)
    .join(Member, Member.household_id == Household.id)
    .where(Household.kk_hash == bindparam("kk_hash"))
    .where(Member.nik_hash == bindparam("nik_hash"))
    .limit(1)
)

app = Flask(__name__)


@app.get("/")
def ready() -> Response:
    """What the bench waits for before it sends load."""
    return Response(HTML, mimetype="text/html")


@app.post("/")
def look_up() -> Response:
    """Two keyed hashes and one look-up, then the same bytes every time."""
    kk, nik = request.form.get("kk", ""), request.form.get("nik", "")
    hashes = {"kk_hash": keyed_hash("kk", kk, KEY), "nik_hash": keyed_hash("nik", nik, KEY)}
    with engine.connect() as connection:
        connection.execute(BY_PAIR, hashes).first()
    return Response(HTML, mimetype="text/html")
