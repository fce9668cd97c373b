"""The drive forms: a staff member's new drive and agencies, an employee's confirmation.

Each message is attached to its field, so the site's error summary links to it.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import ValidationError
from wtforms.widgets import DateInput

from census.core.identity import IdentifierError, parse_nik
from census.core.lookup import MAX_INPUT
from census.core.validators import required, trimmed
from census.core.wtf import Form
from census.drives.agencies import HEADCOUNT_MAX
from census.form.proofs import PROOF_LENGTH, normalise_code

#: The longest agency list typed on the page (80 agencies of long names fit).
AGENCIES_TEXT_MAX = 20_000


def _day(_form: FlaskForm, field: Any) -> None:
    try:
        date.fromisoformat((field.data or "").strip())
    except ValueError:
        raise ValidationError(_l("Enter a date written like 2026-03-31.")) from None


class AgenciesMixin:
    agencies = TextAreaField(
        _l("Agencies and their headcounts"),
        description=_l(
            "One agency a line: its name, a comma and how many employees it has, like "
            "'Dinas Kesehatan,240'. Or choose a CSV file below."
        ),
        filters=[lambda v: v[:AGENCIES_TEXT_MAX] if isinstance(v, str) else v],
        render_kw={"rows": "6", "spellcheck": "false"},
    )
    file = FileField(
        _l("Or a CSV file of agencies (optional)"),
        description=_l("Columns: agency,headcount, as a spreadsheet saves them"),
    )


class DetailsForm(Form):
    """A drive's name, days and target: when it is made, and when staff change them."""

    name = StringField(
        _l("Name of the drive"),
        description=_l("For example 'ASN Kabupaten Blora count themselves online'"),
        filters=[trimmed(500)],
        validators=[required(_l("Enter the drive's name."))],
    )
    starts_on = StringField(
        _l("First day"),
        widget=DateInput(),
        validators=[required(_l("Enter the first day.")), _day],
    )
    ends_on = StringField(
        _l("Last day"),
        widget=DateInput(),
        validators=[required(_l("Enter the last day.")), _day],
    )
    target = StringField(
        _l("Target: share of employees (%)"),
        description=_l("A whole number from 1 to 100"),
        filters=[trimmed(10)],
        render_kw={"inputmode": "numeric"},
    )

    def validate_target(self, field: StringField) -> None:
        value = (field.data or "").strip().rstrip("%").strip()
        if not value.isdigit() or not 1 <= int(value) <= 100:
            raise ValidationError(_l("Enter a whole number from 1 to 100."))

    def day(self, name: str) -> date:
        return date.fromisoformat(self[name].data.strip())

    @property
    def percent(self) -> int:
        return int((self.target.data or "").strip().rstrip("%").strip())


class DriveForm(AgenciesMixin, DetailsForm):
    """A new drive: its details, the short name of its link, and its agencies."""

    slug = StringField(
        _l("Short name for the link (optional)"),
        description=_l("Lower-case letters, digits and hyphens; empty: made from the name"),
        filters=[trimmed(100)],
        render_kw={"spellcheck": "false", "autocapitalize": "none"},
    )
    # The short name is asked right after the name.
    slug.creation_counter = DetailsForm.name.creation_counter


def headcounts_form_class(agencies: list[Any]) -> type[DetailsForm]:
    """The change form for a drive with these agencies: its details and each one's headcount."""

    class ChangeForm(DetailsForm):
        pass

    for agency in agencies:
        setattr(
            ChangeForm,
            f"headcount_{agency.id}",
            StringField(
                agency.name,
                filters=[trimmed(12)],
                validators=[_headcount],
                render_kw={"inputmode": "numeric", "class": "short"},
            ),
        )
    return ChangeForm


def _headcount(_form: FlaskForm, field: Any) -> None:
    value = (field.data or "").replace(".", "").replace(",", "")
    if not value.isascii() or not value.isdigit() or not 1 <= int(value) <= HEADCOUNT_MAX:
        raise ValidationError(
            _l("Enter a whole number from 1 to %(max)s.", max=f"{HEADCOUNT_MAX:,}")
        )


class AgenciesForm(AgenciesMixin, Form):
    """More agencies for an existing drive."""


class ConfirmForm(Form):
    proof = StringField(
        _l("Proof code of your household"),
        description=_l("10 letters and digits, on the proof you got when the form was sent"),
        filters=[trimmed(MAX_INPUT)],
        render_kw={"autocomplete": "off", "spellcheck": "false", "autocapitalize": "characters"},
    )
    nik = StringField(
        _l("Your own NIK"),
        description=_l("16 digits, on your KTP; you must be one of the people the form counted"),
        filters=[trimmed(MAX_INPUT)],
        render_kw={"inputmode": "numeric", "autocomplete": "off", "spellcheck": "false"},
    )
    agency = SelectField(_l("Your agency"), choices=[], validate_choice=False)

    def set_agencies(self, agencies: list[tuple[int, str]]) -> None:
        self.agency.choices = [SelectChoice("", str(_l("Choose your agency")))] + [
            SelectChoice(str(agency_id), name) for agency_id, name in agencies
        ]

    def validate_proof(self, field: StringField) -> None:
        code = normalise_code(field.data or "")
        if not code:
            raise ValidationError(_l("Enter the proof code of your household."))
        if len(code) != PROOF_LENGTH:
            raise ValidationError(_l("A proof code has 10 letters and digits, like ABCDE-FGHJK."))

    def validate_nik(self, field: StringField) -> None:
        if not (field.data or "").strip():
            raise ValidationError(_l("Enter your own NIK."))
        try:
            parse_nik(field.data or "")
        except IdentifierError as exc:
            raise ValidationError(str(exc)) from None

    def validate_agency(self, field: SelectField) -> None:
        known = {choice.value for choice in field.choices if choice.value}
        if (field.data or "") not in known:
            raise ValidationError(_l("Choose your agency from the list."))

    @property
    def nik_number(self) -> str:
        return parse_nik(self.nik.data or "").number
