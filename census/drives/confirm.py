"""An employee confirms, once, that their household's census form was sent.

They prove it with the household's proof code and their own NIK, which must be a member the sent
form counted. Nothing of the person is kept: the NIK and the household only as keyed hashes
scoped to the drive (``nik_key``, ``household_key``), with the agency chosen and the time.

Every try runs the same queries whatever its outcome (the proof, the member, the drive's earlier
confirmations), and an answer says only what the person proved: a proof that is unknown or not
sent, a NIK that is not counted on this proof, a practice proof, a NIK already confirmed in this
drive, or a proof that every person it counted has already used. Log lines name the outcome only.
"""

from __future__ import annotations

import enum
import logging

from flask import current_app
from limits import RateLimitItem, parse
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from census.core import limits as throttles
from census.core.households import number_hash
from census.core.identity import scoped_hash
from census.core.limits import key_prefix, refuse
from census.core.local_models import Drive, DriveAgency, DriveConfirmation
from census.core.models import FormResponse, Household, Member
from census.form.proofs import PROOF_LENGTH, normalise_code
from census.form.service import present_members

log = logging.getLogger(__name__)
#: Tries per proof code that did not count (``DRIVE_FAILS_PER_PROOF``), from any address: someone
#: holding a shared proof cannot go through NIKs to find who else it counted.
DEFAULT_FAILS_PER_PROOF = "10/hour"


class Outcome(enum.StrEnum):
    """What a confirmation try came to; only ``COUNTED`` writes anything."""

    COUNTED = "counted"
    NO_PROOF = "no_proof"  # no sent form has this code
    NOT_MEMBER = "not_member"  # the NIK is not a person this proof counted
    DEMO = "demo"  # a practice household's proof: never counted
    ALREADY = "already"  # this NIK has confirmed in this drive
    USED_UP = "used_up"  # every person the proof counted has confirmed
    NO_AGENCY = "no_agency"  # the agency is not one of this drive's


def _key(scope: str, digest: bytes) -> bytes:
    return scoped_hash(scope, digest, current_app.config["IDENTITY_HASH_KEY"])


def nik_key(drive: Drive, nik_number: str) -> bytes:
    """The NIK's keyed hash within this drive only."""
    return _key(f"drive:{drive.id}/nik", number_hash("nik", nik_number))


def household_key(drive: Drive, household_id: int) -> bytes:
    """The household's keyed hash within this drive only."""
    return _key(f"drive:{drive.id}/household", str(household_id).encode("ascii"))


def _proof_throttle(code: str) -> tuple[RateLimitItem, tuple[str, ...]]:
    item = parse(current_app.config.get("DRIVE_FAILS_PER_PROOF", DEFAULT_FAILS_PER_PROOF))
    # A keyed hash's hex: the throttle store holds nothing that finds a household.
    digest = _key("drive-proof-fails", code.encode("utf-8")).hex()[:32]
    return item, (key_prefix(), "drive-proof-fails", digest)


def _counted_nik(session: Session, household_id: int, answers: dict, nik_number: str) -> bool:
    """Whether ``nik_number`` is a person the sent form counted (present on the form)."""
    digest = number_hash("nik", nik_number)
    member_id = session.scalar(
        select(Member.id).where(Member.household_id == household_id, Member.nik_hash == digest)
    )
    present = present_members(answers or {})
    ids = {person.get("member_id") for person in present} - {None}
    typed = {(person.get("details") or {}).get("nik_hash") for person in present} - {None}
    return (member_id is not None and member_id in ids) or digest.hex() in typed


def confirm(session: Session, drive: Drive, proof: str, nik_number: str, agency_id: int) -> Outcome:
    """Record the confirmation when every check passes; the outcome either way.

    Raises ``TooManyRequests`` when this proof code had too many tries that did not count. The
    try is counted before anything is looked up (atomically in the store), and a confirmation
    that counts clears the count: only someone holding the proof and a NIK it counted can.
    """
    code = normalise_code(proof)
    item, keys = _proof_throttle(code)
    if not throttles.hit(item, *keys):
        refuse(item, *keys)
    row = session.execute(
        select(
            Household.id,
            Household.is_demo,
            FormResponse.submitted_at,
            FormResponse.members_counted,
            FormResponse.answers,
        )
        .join(FormResponse, FormResponse.household_id == Household.id)
        .where(Household.proof_code == (code if len(code) == PROOF_LENGTH else "-"))
    ).first()
    sent = row is not None and row.submitted_at is not None
    household_id = row.id if sent else 0
    is_member = _counted_nik(session, household_id, row.answers if sent else {}, nik_number)
    own_key, home_key = nik_key(drive, nik_number), household_key(drive, household_id)
    earlier = session.scalar(
        select(func.count())
        .select_from(DriveConfirmation)
        .where(DriveConfirmation.drive_id == drive.id, DriveConfirmation.nik_key == own_key)
    )
    uses = session.scalar(
        select(func.count())
        .select_from(DriveConfirmation)
        .where(DriveConfirmation.drive_id == drive.id, DriveConfirmation.household_key == home_key)
    )
    agency = session.get(DriveAgency, agency_id)
    if not sent:
        outcome = Outcome.NO_PROOF
    elif not is_member:
        outcome = Outcome.NOT_MEMBER
    elif row.is_demo:
        outcome = Outcome.DEMO
    elif earlier:
        outcome = Outcome.ALREADY
    elif uses >= (row.members_counted or 0):
        outcome = Outcome.USED_UP
    elif agency is None or agency.drive_id != drive.id:
        outcome = Outcome.NO_AGENCY
    else:
        outcome = _record(session, drive, agency, own_key, home_key, row.members_counted)
    if outcome is Outcome.COUNTED:
        throttles.clear(item, *keys)
    log.info("drive confirmation: %s", outcome.value)
    return outcome


def _record(
    session: Session,
    drive: Drive,
    agency: DriveAgency,
    own_key: bytes,
    home_key: bytes,
    limit: int,
) -> Outcome:
    row = DriveConfirmation(
        drive_id=drive.id, agency_id=agency.id, nik_key=own_key, household_key=home_key
    )
    session.add(row)
    try:
        session.commit()
    except IntegrityError:  # the same NIK confirmed at the same moment from another phone
        session.rollback()
        return Outcome.ALREADY
    # Two members of one household confirming at the same moment may both have passed the
    # count above: counted again once committed, a confirmation beyond the limit is taken back
    # (both may be, and then a try again succeeds: never more than the proof counted).
    uses = session.scalar(
        select(func.count())
        .select_from(DriveConfirmation)
        .where(DriveConfirmation.drive_id == drive.id, DriveConfirmation.household_key == home_key)
    )
    if uses > limit:
        session.delete(row)
        session.commit()
        return Outcome.USED_UP
    return Outcome.COUNTED
