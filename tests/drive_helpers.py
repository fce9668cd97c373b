"""Drives in tests: sent households with their proof codes, and drives made on the command line."""

from __future__ import annotations

import itertools
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import select

from census.core import db
from census.core.local_models import Drive
from census.core.models import CountStatus, FormResponse, utcnow
from census.form.proofs import new_proof_code
from tests.factories import MadeHousehold, add_household

AGENCIES = "agency,headcount\nDinas Kesehatan,40\nDinas Pendidikan,120\nBappeda,25\n"
_codes = itertools.count(1)


@dataclass
class SentHousehold:
    """A household whose form was sent: its raw NIKs and the code on its proof."""

    made: MadeHousehold
    proof: str

    @property
    def niks(self) -> list[str]:
        return self.made.niks


def sent_household(
    app: Flask, village: str = "33.16.01.2001", demo: bool = False, present: int | None = None
) -> SentHousehold:
    """A household of three whose form was sent, counting its first ``present`` members (all)."""
    with app.app_context():
        session = db.session()
        made = add_household(session, village=village, commit=False)
        household = made.household
        household.is_demo = demo
        session.flush()
        count = len(household.members) if present is None else present
        people = [
            {
                "key": f"r{member.id}",
                "member_id": member.id,
                "name": member.name,
                "status": "present" if index < count else "moved",
                "details": {},
            }
            for index, member in enumerate(household.members)
        ]
        session.add(
            FormResponse(
                household_id=household.id,
                pin_hash="not a real hash",
                answers={"members": people},
                submitted_at=utcnow(),
                members_counted=count,
            )
        )
        household.proof_code = new_proof_code()
        household.set_status(CountStatus.COUNTED_ONLINE)
        session.commit()
        return SentHousehold(made, household.proof_code)


def unsent_household(app: Flask) -> MadeHousehold:
    """A household of the register that has not sent a form."""
    with app.app_context():
        return add_household(db.session())


def create_drive(
    app: Flask,
    tmp_path: Path | None = None,
    slug: str = "asn-blora",
    region: str = "33.16",
    agencies: str = AGENCIES,
):
    """``flask census drive create``; returns the command's result."""
    folder = tmp_path or Path(tempfile.mkdtemp(prefix="census-drive-"))
    path = folder / f"opd-{next(_codes)}.csv"
    path.write_text(agencies, encoding="utf-8")
    args = ["census", "drive", "create", slug, "--name", f"ASN {slug}", "--region", region]
    return app.test_cli_runner().invoke(args=[*args, "--target", "80", "--agencies", str(path)])


def agency_ids(app: Flask) -> dict[str, int]:
    """The drive's agencies by name: their ids, as the confirmation form posts them."""
    with app.app_context():
        drive = db.session().scalar(select(Drive))
        return {a.name: a.id for a in drive.agencies}


def confirm(client: Any, proof: str, nik: str, agency: int) -> Any:
    """An employee confirms their household for ``agency`` on the drive's public page."""
    return client.post(
        "/kampanye/asn-blora?lang=en", data={"proof": proof, "nik": nik, "agency": str(agency)}
    )
