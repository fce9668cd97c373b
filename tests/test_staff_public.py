"""What staff change shows at once on the public pages, in both languages, and is audited."""

from __future__ import annotations

import io
from datetime import date, timedelta

from sqlalchemy import select

from census.core import db
from census.core.config import Schedule, census_today
from census.core.local_models import AuditEntry, HelpPoint
from tests.factories import make_kk, make_nik
from tests.kept_helpers import add_help_point
from tests.staff_helpers import staff_client

HELP_CSV = (
    "\ufeffvillage_code;name;address;hours;phone\r\n"
    "33.16.01.2001;Balai Desa Bangkleyan;Jl. Raya Jati 1;Senin-Jumat 08.00-14.00;0296 123\r\n"
    "3316012002;Pojok Statistik BPS;Jl. Pemuda 5;08.00-15.00;\r\n"
    "33.17.01.2001;Balai Desa Ronggo Mulyo;Jl. Rembang;;\r\n"
    "33.16.01.9999;Tidak Ada;Jl. Entah;;\r\n"
    "33.16.01.2001;;Jl. Kosong;;\r\n"
)


def audit(app) -> list[tuple[str, str, str, str]]:
    with app.app_context():
        rows = db.session().scalars(select(AuditEntry).order_by(AuditEntry.id))
        return [(e.actor, e.action, e.target, e.source) for e in rows]


def test_a_regency_sets_its_target_posts_a_notice_and_imports_help_points(app) -> None:
    staff = staff_client(app, "blora@blora.go.id", "region", "33.16")
    public = app.test_client()
    assert public.get("/wilayah/33.16.json").json["target_percent"] == 23.0  # warm the caches
    assert (
        staff.post("/staf/wilayah/33.16/target", data={"target-percent": "45"}).status_code == 303
    )
    for path in ("/wilayah/33.16.json", "/wilayah/33.16.01.json"):  # a district takes its parent's
        assert public.get(path).json["target_percent"] == 45.0
    assert "45" in public.get("/wilayah/33.16.csv").text.splitlines()[1]
    assert "45.0%" in public.get("/wilayah/33.16?lang=en").text
    assert "45.0%" in public.get("/presentasi/33.16?lang=en").text
    assert public.get("/wilayah/33.17.json").json["target_percent"] == 23.0

    posted = staff.post(
        "/staf/wilayah/33.16/pengumuman",
        data={"notice-text_id": "Pojok bantuan dibuka Sabtu", "notice-text_en": ""},
    )
    assert posted.status_code == 303
    english = public.get("/wilayah/33.16.01?lang=en").text
    assert (
        '<p class="notice warn announcement" role="note" lang="id">Pojok bantuan dibuka Sabtu'
        in english
    )
    assert "Pojok bantuan dibuka Sabtu" in public.get("/wilayah/33.16?lang=id").text
    assert "Pojok bantuan" not in public.get("/wilayah/33.17?lang=id").text
    assert "Pojok bantuan" not in public.get("/?lang=id").text  # a region's notice stays there

    upload = {"import-file": (io.BytesIO(HELP_CSV.encode()), "bantuan.csv")}
    imported = staff.post("/staf/wilayah/33.16/bantuan/impor?lang=en", data=upload)
    assert imported.status_code == 200
    assert "2 of 5 rows added." in imported.text
    assert "line 4: village_code is outside your region" in imported.text
    assert "line 5: village_code is not a known village" in imported.text
    assert "line 6: name is empty" in imported.text
    page = public.get("/wilayah/33.16?lang=en").text
    assert "Where to get help" in page and "Balai Desa Bangkleyan" in page
    assert "Tempat bantuan" in public.get("/wilayah/33.16.01?lang=id").text
    data = public.get("/wilayah/33.16.json").json
    assert [p["name"] for p in data["help_points"]] == [
        "Balai Desa Bangkleyan",
        "Pojok Statistik BPS",
    ]
    assert "Pojok Statistik BPS" in public.get("/wilayah/33.16/bantuan.csv").text

    actions = [(a, b, c) for a, b, c, _source in audit(app)]
    assert ("blora@blora.go.id", "target.set", "33.16") in actions
    assert ("blora@blora.go.id", "announcement.add", "33.16") in actions
    assert ("blora@blora.go.id", "help_point.import", "") in actions
    assert all(source == "127.0.0.1" for actor, _a, _t, source in audit(app) if "@" in actor)


def test_bad_input_is_explained_next_to_the_field_and_nothing_is_saved(app) -> None:
    staff = staff_client(app, "blora@blora.go.id", "region", "33.16")
    for value in ("0", "101", "abc", "12.5"):
        response = staff.post("/staf/wilayah/33.16/target?lang=en", data={"target-percent": value})
        assert response.status_code == 200
        assert 'href="#target-percent"' in response.text
        assert "Enter a whole number from 1 to 100." in response.text
    long = staff.post("/staf/wilayah/33.16/pengumuman?lang=en", data={"notice-text_id": "x" * 281})
    assert "Keep the notice to 280 characters or fewer." in long.text
    backwards = staff.post(
        "/staf/wilayah/33.16/pengumuman?lang=en",
        data={
            "notice-text_id": "ok",
            "notice-starts_on": "2030-02-02",
            "notice-ends_on": "2030-02-01",
        },
    )
    assert "The last day cannot be before the first day." in backwards.text
    assert 'href="#notice-ends_on"' in backwards.text
    unknown = staff.post(
        "/staf/wilayah/33.16/bantuan?lang=en",
        data={"help-village_code": "33.16.01.9999", "help-name": "x", "help-address": "y"},
    )
    assert "There is no village with this code." in unknown.text
    assert staff.get("/staf/wilayah/33.16.99").status_code == 404
    with app.app_context():
        assert db.session().scalar(select(HelpPoint)) is None
    assert [
        a for a in audit(app) if a[1] not in ("staff.add", "staff.setup", "staff.sign_in")
    ] == []


def test_a_national_notice_shows_on_home_schedule_and_region_pages(app) -> None:
    staff = staff_client(app, "pusat@bps.go.id", "national")
    staff.post(
        "/staf/wilayah/ID/pengumuman",
        data={
            "notice-text_id": "Situs dipelihara malam ini",
            "notice-text_en": "Maintenance tonight",
        },
    )
    public = app.test_client()
    for path in ("/", "/jadwal", "/wilayah/33.16"):
        assert "Situs dipelihara malam ini" in public.get(path + "?lang=id").text, path
        english = public.get(path + "?lang=en").text
        assert "Maintenance tonight" in english and "Situs dipelihara" not in english, path


def test_moving_the_online_end_shows_at_once_everywhere(app) -> None:
    today = census_today()
    app.config["CENSUS_SCHEDULE"] = Schedule(
        today - timedelta(days=30),
        today + timedelta(days=5),
        today + timedelta(days=40),
        today + timedelta(days=60),
    )
    staff = staff_client(app, "pusat@bps.go.id", "national")
    public = app.test_client()
    assert "Isi sensus" in public.get("/?lang=id").text
    closed_yesterday = (today - timedelta(days=1)).isoformat()
    saved = staff.post("/staf/jadwal", data={"phase": "online_end", "new_date": closed_yesterday})
    assert saved.status_code == 303
    home = public.get("/?lang=en").text
    assert "Online counting has closed." in home
    schedule = public.get("/jadwal?lang=en").text
    assert "The online phase was shortened from" in schedule
    kk, nik = make_kk("33.16.01"), make_nik("33.16.01", "L", date(1980, 1, 2))
    answer = public.post("/cek?lang=en", data={"kk": kk, "nik": nik}).text
    assert "Whatever happens, your household will be counted" in answer
    assert "The online census is closed now." in public.get("/isi?lang=en").text
    later = (today + timedelta(days=10)).isoformat()
    staff.post("/staf/jadwal", data={"phase": "online_end", "new_date": later})
    assert "The online census is open now." in public.get("/?lang=en").text
    assert "The online phase was extended from" in public.get("/jadwal?lang=en").text
    assert "Tahap daring diperpanjang dari" in public.get("/jadwal?lang=id").text


def test_a_phase_cannot_end_before_it_starts(app) -> None:
    staff = staff_client(app, "pusat@bps.go.id", "national")
    start = app.config["CENSUS_SCHEDULE"].online_start
    response = staff.post(
        "/staf/jadwal?lang=en",
        data={"phase": "online_end", "new_date": (start - timedelta(days=1)).isoformat()},
    )
    assert response.status_code == 200
    assert "A phase cannot end before it starts." in response.text
    assert 'href="#new_date"' in response.text
    assert "schedule.set" not in [a[1] for a in audit(app)]


def test_the_not_found_answers_offer_help_points_of_the_typed_kks_region(app) -> None:
    runner = app.test_cli_runner()
    add_help_point(app)
    assert runner  # no command needed: a help point in another district of the same regency
    kk, nik = make_kk("33.16.01"), make_nik("33.16.01", "L", date(1980, 1, 2))
    client = app.test_client()
    answer = client.post("/cek?lang=en", data={"kk": kk, "nik": nik}).text
    assert "We could not find these two numbers together" in answer
    assert "Get help near you" in answer and "Perpustakaan Daerah" in answer
    entry = client.post("/isi?lang=id", data={"kk": kk, "nik": nik}).text
    assert "Perpustakaan Daerah" in entry
    other_kk = make_kk("33.17.01")
    other = client.post(
        "/cek?lang=en", data={"kk": other_kk, "nik": make_nik("33.17.01", "L", date(1980, 1, 2))}
    ).text
    assert "Perpustakaan Daerah" not in other


def test_help_points_imported_by_staff_show_at_once_on_a_wrong_pair(app) -> None:
    """A wrong pair's help points are kept per district, and a change by staff shows at once."""
    staff = staff_client(app, "blora@blora.go.id", "region", "33.16")
    kk, nik = make_kk("33.16.01"), make_nik("33.16.01", "L", date(1980, 1, 2))
    public = app.test_client()
    for _ in range(2):  # the second answer from what was kept
        answer = public.post("/cek?lang=en", data={"kk": kk, "nik": nik}).text
        assert "We could not find these two numbers together" in answer
        assert "Get help near you" not in answer
    upload = {"import-file": (io.BytesIO(HELP_CSV.encode()), "bantuan.csv")}
    assert staff.post("/staf/wilayah/33.16/bantuan/impor?lang=en", data=upload).status_code == 200
    for path in ("/cek?lang=en", "/isi?lang=en"):
        answer = public.post(path, data={"kk": kk, "nik": nik}).text
        assert "Get help near you" in answer and "Balai Desa Bangkleyan" in answer


def test_commands_change_targets_notices_and_phases_and_are_audited(app, tmp_path) -> None:
    runner = app.test_cli_runner()
    assert runner.invoke(args=["census", "set-target", "33.16", "40"]).exit_code == 0
    refused = runner.invoke(args=["census", "set-target", "33.16", "120"])
    assert refused.exit_code != 0 and "Enter a whole number from 1 to 100." in refused.output
    missing = runner.invoke(args=["census", "set-target", "33.99", "40"])
    assert missing.exit_code != 0 and "There is no region with this code." in missing.output
    until = (census_today() + timedelta(days=3)).isoformat()
    ok = runner.invoke(args=["census", "announce", "Halo", "--en", "Hello", "--until", until])
    assert ok.exit_code == 0, ok.output
    too_long = runner.invoke(args=["census", "announce", "x" * 300])
    assert too_long.exit_code != 0 and "280 characters" in too_long.output
    end = app.config["CENSUS_SCHEDULE"].online_end + timedelta(days=7)
    moved = runner.invoke(args=["census", "set-phase", "online-end", end.isoformat()])
    assert moved.exit_code == 0, moved.output
    start = app.config["CENSUS_SCHEDULE"].field_start
    wrong = runner.invoke(
        args=["census", "set-phase", "field-end", (start - timedelta(days=1)).isoformat()]
    )
    assert wrong.exit_code != 0 and "A phase cannot end before it starts." in wrong.output
    path = tmp_path / "bantuan.csv"
    path.write_text(HELP_CSV, encoding="utf-8")
    imported = runner.invoke(args=["census", "import-help-points", str(path)])
    assert imported.exit_code == 0
    assert "line 5: village_code is not a known village" in imported.output
    assert "5 rows read: 3 added, 2 rejected" in imported.output
    public = app.test_client()
    assert public.get("/wilayah/33.16.json").json["target_percent"] == 40.0
    assert "Hello" in public.get("/?lang=en").text
    assert "extended" in public.get("/jadwal?lang=en").text
    entries = audit(app)
    assert {a[1] for a in entries} == {
        "target.set",
        "announcement.add",
        "schedule.set",
        "help_point.import",
    }
    assert {(a[0], a[3]) for a in entries} == {("command line", "command line")}


def test_the_audit_log_is_readable_and_exportable_by_national_staff(app) -> None:
    staff = staff_client(app, "pusat@bps.go.id", "national")
    staff.post("/staf/wilayah/33.16/target", data={"target-percent": "30"})
    page = staff.get("/staf/audit?lang=en").text
    assert "target.set" in page and "pusat@bps.go.id" in page
    exported = staff.get("/staf/audit.csv")
    assert exported.mimetype == "text/csv"
    lines = exported.text.splitlines()
    assert lines[0] == "at,actor,action,target,detail,source"
    assert any("target.set,33.16,target 30%,127.0.0.1" in line for line in lines)


def test_a_new_target_shows_at_once_with_the_figures_cached_in_redis(redis_app) -> None:
    public = redis_app.test_client()
    assert "23.0%" in public.get("/wilayah/33.16?lang=en").text  # the body is cached now
    assert public.get("/wilayah/33.16.json").json["target_percent"] == 23.0
    result = redis_app.test_cli_runner().invoke(args=["census", "set-target", "33.16", "61"])
    assert result.exit_code == 0, result.output
    page = public.get("/wilayah/33.16?lang=en").text
    assert "61.0%" in page and "23.0%" not in page
    assert public.get("/wilayah/33.16.json").json["target_percent"] == 61.0
    assert "61.0%" in public.get("/presentasi/33.16?lang=en").text
