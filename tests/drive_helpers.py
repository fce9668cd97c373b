"""Drives in tests: sent households with their proof codes, and drives made on the command line."""

from __future__ import annotations

import itertools
import tempfile
from dataclasses import dataclass
from pathlib import Path

from flask import Flask

from census.core import db
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
