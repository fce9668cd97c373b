"""``/ruang``: a meeting's room of practice households (see :mod:`census.demo.rooms`).

The presenter opens a room on the laptop (``/ruang``) and shows its screen on the projector: one
QR code, the room's live count of practice households sent (htmx polling, a meta refresh without
JavaScript) and "End the meeting". Each phone that scans the code presses one button and gets a
practice household of its own, shown on the demo page with its numbers; nobody sees another
phone's numbers. The presenter owns the room through the browser session that opened it.
"""

from __future__ import annotations

from flask import Response, abort, current_app, redirect, request, session, url_for
from werkzeug.wrappers import Response as WResponse

from census.core import db
from census.core.limits import limiter
from census.core.qr import qr_markup, site_url
from census.core.regions import level_of
from census.core.render import render
from census.demo import rooms
from census.demo.forms import RoomForm
from census.demo.views import SESSION_KEY, bp

ROOMS_KEY = "rooms"  # the rooms this browser opened (the presenter's)
ROOM_KEY = "room"  # the room whose practice household this browser holds (a phone's)


def _owned(room_id: int) -> bool:
    return room_id in session.get(ROOMS_KEY, [])


@bp.route("/ruang", methods=["GET", "POST"])
@limiter.limit("20 per hour", methods=["POST"])
def rooms_start() -> Response | WResponse:
    """Open a room for the meeting; the rooms this browser opened are listed to go back to."""
    form = RoomForm()
    wilayah = request.values.get("wilayah", "").strip()[:13]
    if form.validate_on_submit():
        region = wilayah if level_of(wilayah) is not None else None
        room = rooms.open_room(db.session(), form.number, region)
        session[ROOMS_KEY] = [*session.get(ROOMS_KEY, [])[-4:], room.id]
        return redirect(url_for("demo.room", room_id=room.id), 303)
    open_rooms = [
        (room.id, rooms.count(db.session(), room))
        for room_id in session.get(ROOMS_KEY, [])
        if (room := rooms.get_room(db.session(), room_id)) is not None
    ]
    response = render(
        "demo/rooms.html",
        form=form,
        wilayah=wilayah,
        open_rooms=open_rooms,
        ended=request.args.get("selesai", type=int),
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/ruang/<int:room_id>")
def room(room_id: int) -> Response:
    """The presenter's screen: the room's QR code and its live count (only for its presenter)."""
    room = rooms.get_room(db.session(), room_id) if _owned(room_id) else None
    if room is None:
        abort(404)
    count = rooms.count(db.session(), room)
    path = url_for("demo.join", token=room.join_token)
    response = render(
        "demo/room.html",
        "demo/_room_count.html",
        room_id=room_id,
        count=count,
        qr=qr_markup(path, site_url(path)),
        join_url=site_url(path),
        refresh=current_app.config["CENSUS_ROOM_REFRESH_SECONDS"],
        uses_htmx=True,
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/ruang/<int:room_id>/selesai")
def room_end(room_id: int) -> WResponse:
    """End the meeting: every practice household of the room is deleted."""
    if not _owned(room_id):
        abort(404)
    deleted = rooms.end_room(db.session(), room_id)
    session[ROOMS_KEY] = [r for r in session.get(ROOMS_KEY, []) if r != room_id]
    return redirect(url_for("demo.rooms_start", selesai=deleted), 303)


@bp.route("/ruang/masuk/<token>", methods=["GET", "POST"])
@limiter.limit("120 per hour", methods=["POST"])
def join(token: str) -> Response | WResponse:
    """A phone in the room: one button, then its own practice household on the demo page."""
    room = rooms.room_by_token(db.session(), token)
    if room is None:
        return render("demo/join.html", room=None, status=404)
    if session.get(ROOM_KEY) == room.id and SESSION_KEY in session:
        return redirect(url_for("demo.start"), 303)
    full = False
    if request.method == "POST":
        try:
            made = rooms.join(db.session(), room)
        except rooms.RoomFull:
            full = True
        else:
            session[SESSION_KEY] = made.to_session()
            session[ROOM_KEY] = room.id
            return redirect(url_for("demo.start"), 303)
    response = render("demo/join.html", room=room, full=full, status=409 if full else 200)
    response.headers["Cache-Control"] = "no-store"
    return response
