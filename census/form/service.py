"""Saving the form's answers: versioned, idempotent, resumable; sending; the proof of filling.

A household's answers are one JSON document in ``form_response`` with a ``version`` counter. Every
save names the version the page was built from and is an ``UPDATE ... WHERE version = :base``:

- the base is current: the save is written and the version grows by one;
- the base is old but applying the save changes nothing (a double tap, a retry after a time-out):
  the save counts as done, so a repeated POST is harmless;
- the base is old, but nothing the save changes was changed since that version (two phones of
  one family filling different steps, or different people): the save is applied to the newer
  answers and written;
- otherwise another phone changed the same part in between: the save is refused and the page
  shows the newer answers with an explanation, instead of overwriting them.

To know what changed since a version, the answers carry ``_stamps``: for each part (a step's
answers, the list of members, each member) the version that last changed it, and under ``"*"`` the
version from which parts are stamped at all (a part without a stamp is unchanged since then).

Answers are confidential (UU 16/1997): nothing here logs them; log lines count outcomes only.
"""

from __future__ import annotations

import copy
import enum
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from census.core.models import CountStatus, FormResponse, Household, utcnow
from census.form import outcomes
from census.form.committed import reread
from census.form.held import hold as hold
from census.form.held import take_held as take_held
from census.form.proofs import PROOF_ALPHABET as PROOF_ALPHABET
from census.form.proofs import Proof as Proof
from census.form.proofs import find_proof as find_proof
from census.form.proofs import format_code as format_code
from census.form.proofs import household_proof as household_proof
from census.form.proofs import new_proof_code
from census.form.proofs import normalise_code as normalise_code

log = logging.getLogger(__name__)

#: No 0/O, 1/I/L, 5/S or 2/Z pairs to mix up when read aloud or copied by hand.
STEPS = ("address", "housing", "members", "member", "check", "send")

Answers = dict[str, Any]


class Saved(enum.Enum):
    """What became of a save."""

    WRITTEN = "written"
    SAME = "same"  # nothing to change: a repeated POST, or the same answers again
    STALE = "stale"  # another device saved first; nothing written
    CLOSED = "closed"  # already sent: answers can no longer change online


@dataclass(frozen=True)
class SaveResult:
    outcome: Saved
    response: FormResponse

    @property
    def ok(self) -> bool:
        return self.outcome in (Saved.WRITTEN, Saved.SAME)


def initial_answers(household: Household) -> Answers:
    """The answers a household starts from: its members as the register knows them."""
    members = []
    for member in household.members:
        members.append(
            {
                "key": f"r{member.id}",
                "member_id": member.id,
                "name": member.name,
                "status": None,
                "new_reason": None,
                "registered": {
                    "sex": member.sex,
                    "birth_date": member.birth_date.isoformat(),
                    "relationship": member.relationship_code,
                },
                "details": None,
            }
        )
    head = next(
        (m["key"] for m in members if m["registered"]["relationship"] == "kepala_keluarga"), None
    )
    return {"members": members, "head": head, "members_done": False, STAMPS: {"*": 1}}


def get_response(db: Session, household_id: int) -> FormResponse | None:
    """The household's response row, freshly read."""
    return db.scalars(
        select(FormResponse)
        .where(FormResponse.household_id == household_id)
        .execution_options(populate_existing=True)
    ).first()


def create_response(db: Session, household: Household, pin_hash: str) -> FormResponse | None:
    """Start the household's response with its PIN; None if another phone just did."""
    response = FormResponse(
        household_id=household.id, pin_hash=pin_hash, version=1, answers=initial_answers(household)
    )
    db.add(response)
    if household.status is CountStatus.NOT_STARTED:
        household.set_status(CountStatus.IN_PROGRESS)
    try:
        db.commit()
    except IntegrityError:
        db.rollback()
        log.info("form response: created concurrently")
        return None
    log.info("form response: created")
    return response


STAMPS = "_stamps"
_ABSENT = object()


def _parts(answers: Answers) -> dict[str, Any]:
    """The answers cut into the parts that two phones may change independently."""
    parts = {key: value for key, value in answers.items() if key not in ("members", STAMPS)}
    members = answers.get("members", [])
    parts["members"] = [member.get("key") for member in members]  # who, and in which order
    for member in members:
        parts[f"member:{member.get('key')}"] = member
    return parts


def changed_parts(old: Answers, new: Answers) -> set[str]:
    """The names of the parts that differ between two versions of the answers."""
    before, after = _parts(old), _parts(new)
    return {
        name
        for name in before.keys() | after.keys()
        if before.get(name, _ABSENT) != after.get(name, _ABSENT)
    }


def _untouched_since(answers: Answers, parts: set[str], base_version: int | None) -> bool:
    """Whether none of ``parts`` changed after ``base_version`` (False when it cannot be told)."""
    stamps = answers.get(STAMPS)
    if base_version is None or not stamps or base_version < stamps.get("*", base_version + 1):
        return False
    return all(stamps.get(part, 0) <= base_version for part in parts)


def save(
    db: Session,
    response: FormResponse,
    base_version: int | None,
    change: Callable[[Answers], Any],
    *,
    retry: bool = True,
) -> SaveResult:
    """Apply ``change`` to a copy of the answers and store it (see the module docstring)."""
    if response.submitted_at is not None:
        return SaveResult(Saved.CLOSED, response)
    new = copy.deepcopy(response.answers)
    change(new)
    if new == response.answers:
        return SaveResult(Saved.SAME, response)
    changed = changed_parts(response.answers, new)
    if base_version != response.version:
        # A version from the future was never sent by this site (a forged or broken page).
        future = base_version is not None and base_version > response.version
        if future or not _untouched_since(response.answers, changed, base_version):
            log.info("form save: stale")
            return SaveResult(Saved.STALE, response)
        log.info("form save: merged")
    stamps = dict(response.answers.get(STAMPS) or {"*": response.version})
    stamps.update(dict.fromkeys(changed, response.version + 1))
    new[STAMPS] = stamps
    result = db.execute(
        update(FormResponse)
        .where(FormResponse.id == response.id, FormResponse.version == response.version)
        .where(FormResponse.submitted_at.is_(None))
        .values(answers=new, version=FormResponse.version + 1, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        db.rollback()
        fresh = get_response(db, response.household_id)
        assert fresh is not None
        log.info("form save: lost a race")
        if retry:  # the other save may have changed other parts only: judge again, once
            return save(db, fresh, base_version, change, retry=False)
        if fresh.submitted_at is not None:
            return SaveResult(Saved.CLOSED, fresh)
        again = copy.deepcopy(fresh.answers)
        change(again)
        return SaveResult(Saved.SAME if again == fresh.answers else Saved.STALE, fresh)
    db.commit()
    log.info("form save: written")
    fresh = reread(db, response, get_response, answers=new, version=response.version + 1)
    return SaveResult(Saved.WRITTEN, fresh)


def present_members(answers: Answers) -> list[dict[str, Any]]:
    """The members who live here, in the order of the list."""
    return [m for m in answers.get("members", []) if m.get("status") == "present"]


def member_index(answers: Answers, key: str) -> int | None:
    """The position of the member with ``key`` among those present, or None."""
    for index, member in enumerate(present_members(answers)):
        if member["key"] == key:
            return index
    return None


def next_step(answers: Answers, submitted: bool = False) -> tuple[str, dict[str, Any]]:
    """The first unfinished step, as (endpoint, url values): where a returning household resumes."""
    if submitted:
        return "form.done", {}
    address = answers.get("address") or {}
    if not address:
        return "form.address", {}
    if address.get("at_kk_address") == "no" and not address.get("village"):
        return "form.address_where", {}
    if not answers.get("housing"):
        return "form.housing", {}
    if not answers.get("members_done"):
        return "form.members_step", {}
    for member in present_members(answers):
        if not member.get("details"):
            return "form.member", {"key": member["key"]}
    return "form.check", {}


def is_complete(answers: Answers) -> bool:
    """Whether every step has been answered."""
    return next_step(answers)[0] == "form.check"


def submit(db: Session, response: FormResponse, base_version: int | None) -> SaveResult:
    """Send the answers: stamp the response, give the household its proof code and status.

    Sending twice yields the same proof; sending from a stale page is refused like a save.
    """
    if response.submitted_at is not None:
        return SaveResult(Saved.SAME, response)
    if base_version != response.version:
        return SaveResult(Saved.STALE, response)
    if not is_complete(response.answers):
        return SaveResult(Saved.STALE, response)
    now = utcnow()
    counted = len(present_members(response.answers))
    result = db.execute(
        update(FormResponse)
        .where(FormResponse.id == response.id, FormResponse.version == base_version)
        .where(FormResponse.submitted_at.is_(None))
        .values(submitted_at=now, members_counted=counted, version=FormResponse.version + 1)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        db.rollback()
        fresh = get_response(db, response.household_id)
        assert fresh is not None
        outcome = Saved.SAME if fresh.submitted_at is not None else Saved.STALE
        return SaveResult(outcome, fresh)
    household = db.get(Household, response.household_id)
    assert household is not None
    code = new_proof_code()
    while db.scalar(select(Household.id).where(Household.proof_code == code)) is not None:
        code = new_proof_code()  # pragma: no cover - 27**10 codes
    household.proof_code = code
    household.set_status(CountStatus.COUNTED_ONLINE, at=now)
    db.commit()
    log.info("form sent")
    outcomes.sent_confirmations(response.answers)
    fresh = reread(
        db,
        response,
        get_response,
        submitted_at=now,
        members_counted=counted,
        version=response.version + 1,
    )
    return SaveResult(Saved.WRITTEN, fresh)
