"""Proof codes: made when a household sends its form, shown on its proof, verified at ``/bukti``.

A code is ``PROOF_LENGTH`` characters from an alphabet without look-alikes (no 0/O, 1/I/L, 2/Z,
5/S): read aloud or typed from paper, it survives. The public proof shows no name, number or
answer: only the code, when it was sent and how many people it counted.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from census.core.models import FormResponse, Household

PROOF_ALPHABET = "346789ABCDEFGHJKMNPQRTUVWXY"
PROOF_LENGTH = 10


def new_proof_code() -> str:
    """A random code of ``PROOF_LENGTH`` unambiguous characters (about 47 bits)."""
    return "".join(secrets.choice(PROOF_ALPHABET) for _ in range(PROOF_LENGTH))


def normalise_code(raw: str) -> str:
    """A code as typed or scanned, in its stored form (no dashes or spaces, upper case)."""
    return "".join(c for c in raw.upper() if c.isalnum())[:32]


@dataclass(frozen=True)
class Proof:
    """What the public proof page may show: no names, no numbers, no answers."""

    code: str
    sent_at: datetime
    members: int


def find_proof(db: Session, raw_code: str) -> Proof | None:
    """The proof with this code, or None."""
    code = normalise_code(raw_code)
    if len(code) != PROOF_LENGTH:
        return None
    row = db.execute(
        select(Household.proof_code, FormResponse.submitted_at, FormResponse.members_counted)
        .join(FormResponse, FormResponse.household_id == Household.id)
        .where(Household.proof_code == code)
    ).first()
    if row is None or row.submitted_at is None:
        return None
    return Proof(row.proof_code, row.submitted_at, row.members_counted or 0)


def household_proof(db: Session, household_id: int) -> Proof | None:
    """The proof of a household that has sent its form, or None."""
    household = db.get(Household, household_id)
    if household is None or not household.proof_code:
        return None
    return find_proof(db, household.proof_code)


def format_code(code: str) -> str:
    """The code in two groups of five for reading aloud: ``ABCDE-FGHJK``."""
    return f"{code[:5]}-{code[5:]}"
