"""Drives' service: agency lists, creating a drive, confirmations and their figures."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from census.core import db
from census.core.local_models import AuditEntry, DriveConfirmation
from census.core.models import FormResponse
from census.drives import confirm as confirming
from census.drives import service
from census.drives.agencies import read_agencies
from census.drives.confirm import Outcome
from census.drives.figures import drive_figures
from tests.drive_helpers import create_drive, sent_household, unsent_household
from tests.factories import make_nik


def test_agency_lines_are_checked_with_their_line_numbers(app) -> None:
    text = (
        "agency;headcount\nDinas Kesehatan;40\n;12\nBappeda;many\nDinas Kesehatan;3\n\n"
        "Satpol PP;0\nInspektorat;1.200\nOne field only\n"
    )
    with app.test_request_context("/?lang=en"):
        read = read_agencies(text)
        reasons = {line: str(reason) for line, reason in read.rejected}
    assert [(line, name, count) for line, name, count in read.rows] == [
        (2, "Dinas Kesehatan", 40),
        (8, "Inspektorat", 1200),
    ]
    assert reasons == {
        3: "the agency's name is empty",
        4: "the headcount must be a whole number from 1 to 1,000,000",
        5: "this agency is already listed",
        7: "the headcount must be a whole number from 1 to 1,000,000",
        9: "write the agency, a comma and its headcount",
    }


def test_a_drive_is_made_with_every_agency_or_not_at_all(app, session) -> None:
    with pytest.raises(service.DriveRefused) as refused:
        service.create(
            session,
            "x@y",
            slug="",
            name="ASN Blora",
            region_code="33.16",
            starts_on=date(2026, 3, 1),
            ends_on=date(2026, 3, 31),
            target=80,
            agencies="A,10\nB,zero\n",
        )
    assert refused.value.field == "agencies" and [r[0] for r in refused.value.rejected] == [2]
    session.rollback()
    drive = service.create(
        session,
        "x@y",
        slug="",
        name="ASN Blora 2026",
        region_code="33.16",
        starts_on=date(2026, 3, 1),
        ends_on=date(2026, 3, 31),
        target=80,
        agencies="A,10\nB,20\n",
    )
    assert drive.slug == "asn-blora-2026" and [a.name for a in drive.agencies] == ["A", "B"]
    actions = session.scalars(select(AuditEntry.action)).all()
    assert actions == ["drive.create"]
    for kwargs, field in (
        ({"slug": "asn-blora-2026"}, "slug"),
        ({"slug": "Bad Slug!"}, "slug"),
        ({"region_code": "33.16.01"}, "region"),
        ({"region_code": "99.99"}, "region"),
        ({"target": 0}, "target"),
        ({"ends_on": date(2026, 2, 1)}, "ends_on"),
        ({"name": "  "}, "name"),
    ):
        values = {
            "slug": "other",
            "name": "ASN",
            "region_code": "33.16",
            "starts_on": date(2026, 3, 1),
            "ends_on": date(2026, 3, 31),
            "target": 50,
            "agencies": "A,1",
        }
        with pytest.raises(service.DriveRefused) as error:
            service.create(session, "x@y", **{**values, **kwargs})
        assert error.value.field == field, kwargs


def test_confirmations_follow_the_rules_and_keep_no_number(app, tmp_path) -> None:
    assert create_drive(app, tmp_path).exit_code == 0
    home = sent_household(app, present=2)
    other = sent_household(app)
    demo = sent_household(app, demo=True)
    unsent = unsent_household(app)
    with app.app_context():
        session = db.session()
        drive = service.find(session, "asn-blora")
        health, school, plan = (a.id for a in drive.agencies)

        def try_(proof: str, nik: str, agency: int = health) -> Outcome:
            return confirming.confirm(session, drive, proof, nik, agency)

        assert try_("AAAAAAAAAA", home.niks[0]) is Outcome.NO_PROOF
        assert try_(home.proof, other.niks[0]) is Outcome.NOT_MEMBER  # an outsider's NIK
        assert try_(home.proof, unsent.niks[0]) is Outcome.NOT_MEMBER
        assert try_(home.proof, home.niks[2]) is Outcome.NOT_MEMBER  # not counted (moved)
        assert try_(home.proof, make_nik("33.16.01", "L", date(1990, 1, 1))) is Outcome.NOT_MEMBER
        assert try_(demo.proof, demo.niks[0]) is Outcome.DEMO
        assert try_(home.proof.lower()[:5] + "-" + home.proof[5:], home.niks[0]) is Outcome.COUNTED
        assert try_(home.proof, home.niks[0], school) is Outcome.ALREADY
        assert try_(home.proof, home.niks[1], school) is Outcome.COUNTED
        assert try_(other.proof, other.niks[0], 99999) is Outcome.NO_AGENCY
        rows = session.scalars(select(DriveConfirmation)).all()
        assert len(rows) == 2 and {r.agency_id for r in rows} == {health, school}
        for row in rows:
            for nik in home.niks:
                assert nik.encode() not in row.nik_key
        assert plan


def test_a_proof_counts_as_often_as_it_counted_people(app, tmp_path) -> None:
    assert create_drive(app, tmp_path).exit_code == 0
    home = sent_household(app, present=3)
    with app.app_context():
        session = db.session()
        drive = service.find(session, "asn-blora")
        agency = drive.agencies[0].id
        response = session.scalar(
            select(FormResponse).where(FormResponse.household_id == home.made.household.id)
        )
        response.members_counted = 1  # the form counted one person of three on the register
        session.commit()
        assert (
            confirming.confirm(session, drive, home.proof, home.niks[0], agency) is Outcome.COUNTED
        )
        assert (
            confirming.confirm(session, drive, home.proof, home.niks[1], agency) is Outcome.USED_UP
        )


def test_small_counts_are_withheld_in_the_figures(app, tmp_path) -> None:
    assert create_drive(app, tmp_path).exit_code == 0
    with app.app_context():
        session = db.session()
        drive = service.find(session, "asn-blora")
        health, school, plan = drive.agencies
        for index in range(25):
            agency = health if index < 12 else school if index < 22 else plan
            session.add(
                DriveConfirmation(
                    drive_id=drive.id,
                    agency_id=agency.id,
                    nik_key=index.to_bytes(32, "big"),
                    household_key=index.to_bytes(32, "big"),
                )
            )
        session.commit()
        figures = drive_figures(session, drive)
    by_name = {row["name"]: row for row in figures["rows"]}
    assert by_name["Dinas Kesehatan"]["confirmed"] == 12
    assert by_name["Dinas Kesehatan"]["percent"] == 30.0
    # Bappeda's 3 is "<10"; with the total shown, the smallest other count is withheld too.
    assert by_name["Bappeda"]["confirmed"] == "<10" and by_name["Bappeda"]["percent"] is None
    assert by_name["Dinas Pendidikan"]["confirmed"] == "x"
    assert figures["total"]["confirmed"] == 25
    assert figures["rows"][0]["name"] == "Dinas Kesehatan"


def test_a_confirmation_beyond_the_proofs_count_made_at_the_same_moment_is_taken_back(
    app, tmp_path
) -> None:
    assert create_drive(app, tmp_path).exit_code == 0
    home = sent_household(app, present=1)
    with app.app_context():
        session = db.session()
        drive = service.find(session, "asn-blora")
        agency = drive.agencies[0]
        # Another phone's confirmation of the same household, committed after this one counted.
        session.add(
            DriveConfirmation(
                drive_id=drive.id,
                agency_id=agency.id,
                nik_key=b"\x01" * 32,
                household_key=confirming.household_key(drive, home.made.household.id),
            )
        )
        session.flush()
        outcome = confirming._record(
            session,
            drive,
            agency,
            confirming.nik_key(drive, home.niks[0]),
            confirming.household_key(drive, home.made.household.id),
            1,
        )
        assert outcome is Outcome.USED_UP
        assert session.scalar(select(func.count()).select_from(DriveConfirmation)) == 1
