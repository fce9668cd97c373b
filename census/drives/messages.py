"""What a confirmation's outcome says to the person, next to the field it concerns.

No message names anyone or says whether some other NIK or proof exists: each speaks only of what
the person typed and proved.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from census.drives.confirm import Outcome
from census.drives.forms import ConfirmForm

MESSAGES = {
    Outcome.NO_PROOF: (
        "proof",
        _l(
            "No sent census form has this proof code. Check the code on your proof; a household "
            "gets its code when it sends the form."
        ),
    ),
    Outcome.NOT_MEMBER: (
        "nik",
        _l("This NIK is not one of the people counted on the form of this proof."),
    ),
    Outcome.DEMO: (
        "proof",
        _l("This is a practice household's proof: practice forms never count in a drive."),
    ),
    Outcome.ALREADY: (
        "nik",
        _l("This NIK has already confirmed in this drive: each person counts once."),
    ),
    Outcome.USED_UP: (
        "proof",
        _l("Every person this proof counted has already confirmed in this drive."),
    ),
    Outcome.NO_AGENCY: ("agency", _l("Choose your agency from the list.")),
}


def attach_outcome(form: ConfirmForm, outcome: Outcome) -> None:
    """Put the outcome's message on its field, for the field and the error summary."""
    field_name, message = MESSAGES[outcome]
    field = form[field_name]
    field.errors = [*list(field.errors or []), message]
