"""The hot paths of the deadline peak in one run, each as a ratio to the bare page.

``make bench BENCH_ARGS="-k hot"``: the information pages, the entry pages of the check and the
form, a found ``POST /cek``, a form step's GET and POST, and the cached region page, its JSON and
its badge (and, with no aim of their own, a person's step, the embed that local government
sites frame and a region's check), all on the site that ``make run`` serves (SQLite, the demo
register, throttles off), every request accepting gzip, as phones do. ``POST /cek`` on
PostgreSQL with 1,000,000 persons is the ``status`` scenario; the register import is
``import``. See docs/benchmarks.md.
"""

from __future__ import annotations

from bench.core import Context, Row, scenario, with_aim
from bench.form import _half_way, _household
from bench.status import _post_args

#: The aims of the performance work (ratio to the bare page), by row.
AIMS = {
    "GET /": 0.6,
    "GET /jadwal": 0.6,
    "GET /tanya-jawab": 0.6,
    "GET /cek": 0.5,
    "GET /isi": 0.5,
    "POST /cek (found, SQLite)": 0.2,
    "GET /isi/rumah (a form step)": 0.2,
    "POST /isi/rumah (a form step)": 0.15,
    "GET /wilayah/33.16 (cached)": 0.5,
    "GET /wilayah/33.16.json": 0.6,
    "GET /badge/33.16.svg": 0.6,
}


#: Hot paths of the peak that the aims do not name: shown for comparison.
OTHERS = {
    "GET /embed/cek?wilayah=33.16 (framed on other sites)": "/embed/cek?wilayah=33.16",
    "GET /cek?wilayah=33.16.01.2001 (a region's check)": "/cek?wilayah=33.16.01.2001",
}


#: A step that is rendered on every request (its page shows the household's names): no aim.
PERSON_ROW = "GET /isi/anggota/<key> (a person's step, never kept)"


def _with_aim(row: Row) -> Row:
    return with_aim(row, AIMS.get(row.name))


@scenario("hot")
def hot_paths(ctx: Context) -> list[Row]:
    """Every hot path against the bare page, in one run."""
    rows = [ctx.compare(path, path.removeprefix("GET ")) for path in list(AIMS)[:5]]
    kk, nik = _household(ctx.sqlite_url)
    rows.append(
        ctx.compare("POST /cek (found, SQLite)", "/cek", **_post_args(ctx.app_url, (kk, nik), "")),
    )
    cookie, resave, keys = _half_way(ctx.app_url, *_household(ctx.sqlite_url))
    rows.append(
        ctx.compare("GET /isi/rumah (a form step)", "/isi/rumah", headers={"Cookie": cookie})
    )
    # A person's questions show the household's own names and answers: never kept, for comparison.
    person = f"/isi/anggota/{keys[0]}"
    others = [ctx.compare(PERSON_ROW, person, headers={"Cookie": cookie})]
    rows.append(
        ctx.compare(
            "POST /isi/rumah (a form step)",
            "/isi/rumah",
            method="POST",
            body=resave,
            headers={"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"},
        )
    )
    for name in list(AIMS)[8:]:
        path = name.removeprefix("GET ").removesuffix(" (cached)")
        ctx.load(ctx.app_url + path, seconds=1)  # the figures computed once
        rows.append(ctx.compare(name, path))
    rows += others + [ctx.compare(name, path) for name, path in OTHERS.items()]
    return [_with_aim(row) for row in rows]
