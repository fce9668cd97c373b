"""The staff pages' forms: they validate and explain, in the visitor's language.

Every message is attached to its field, so the site's error summary links to it.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import ValidationError
from wtforms.widgets import DateInput

from census.core.local_models import ANNOUNCEMENT_MAX
from census.core.validators import required, trimmed
from census.core.wtf import Form

PASSWORD_MIN = 12
PASSWORD_MAX = 200


def parse_date(value: str | None) -> date | None:
    """A ``YYYY-MM-DD`` date, or None when empty; raises ValueError when not a date."""
    value = (value or "").strip()
    return date.fromisoformat(value) if value else None


def _date(_form: FlaskForm, field: Any) -> None:
    try:
        parse_date(field.data)
    except ValueError:
        raise ValidationError(_l("Enter a date written like 2026-03-31.")) from None


class SignInForm(Form):
    email = StringField(
        _l("Email address"),
        filters=[trimmed(254)],
        validators=[required(_l("Enter your email address."))],
        render_kw={"autocomplete": "username", "spellcheck": "false"},
    )
    password = PasswordField(
        _l("Password"),
        filters=[trimmed(PASSWORD_MAX)],
        validators=[required(_l("Enter your password."))],
        render_kw={"autocomplete": "current-password"},
    )
    code = StringField(
        _l("Code from your authenticator app"),
        description=_l("6 digits; a new code appears every 30 seconds"),
        filters=[trimmed(12)],
        validators=[required(_l("Enter the 6-digit code from your authenticator app."))],
        render_kw={"inputmode": "numeric", "autocomplete": "one-time-code"},
    )


class SetupForm(Form):
    password = PasswordField(
        _l("Choose a password"),
        description=_l("At least 12 characters"),
        filters=[trimmed(PASSWORD_MAX)],
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        _l("Type the password again"),
        filters=[trimmed(PASSWORD_MAX)],
        render_kw={"autocomplete": "new-password"},
    )
    code = StringField(
        _l("Code from your authenticator app"),
        description=_l("Scan the QR code (or type the key) in the app, then type its 6 digits"),
        filters=[trimmed(12)],
        validators=[required(_l("Enter the 6-digit code from your authenticator app."))],
        render_kw={"inputmode": "numeric", "autocomplete": "one-time-code"},
    )

    def validate_password(self, field: PasswordField) -> None:
        if len(field.data or "") < PASSWORD_MIN:
            raise ValidationError(_l("Choose a password of at least 12 characters."))

    def validate_confirm(self, field: PasswordField) -> None:
        if (field.data or "") != (self.password.data or ""):
            raise ValidationError(_l("The two passwords are not the same."))


class TargetForm(Form):
    percent = StringField(
        _l("Online participation target (%)"),
        description=_l("A whole number from 1 to 100; leave empty to use the parent region's"),
        filters=[trimmed(10)],
        render_kw={"inputmode": "numeric"},
    )

    def validate_percent(self, field: StringField) -> None:
        value = (field.data or "").strip().rstrip("%").strip()
        if not value:
            return
        if not value.isdigit() or not 1 <= int(value) <= 100:
            raise ValidationError(_l("Enter a whole number from 1 to 100."))

    @property
    def value(self) -> int | None:
        text = (self.percent.data or "").strip().rstrip("%").strip()
        return int(text) if text else None


class AnnouncementForm(Form):
    text_id = StringField(
        _l("Notice in Indonesian"),
        description=_l("At most 280 characters"),
        filters=[trimmed(2000)],
        validators=[required(_l("Write the notice in Indonesian."))],
    )
    text_en = StringField(
        _l("Notice in English (optional)"),
        description=_l("English pages show the Indonesian notice when this is empty"),
        filters=[trimmed(2000)],
    )
    starts_on = StringField(_l("Show from"), widget=DateInput(), validators=[_date])
    ends_on = StringField(_l("Show until"), widget=DateInput(), validators=[_date])

    def validate_text_id(self, field: StringField) -> None:
        if len(field.data or "") > ANNOUNCEMENT_MAX:
            raise ValidationError(_l("Keep the notice to 280 characters or fewer."))

    def validate_text_en(self, field: StringField) -> None:
        self.validate_text_id(field)

    def validate_ends_on(self, field: StringField) -> None:
        try:
            start, end = parse_date(self.starts_on.data), parse_date(field.data)
        except ValueError:
            return
        if start and end and end < start:
            raise ValidationError(_l("The last day cannot be before the first day."))


class HelpPointForm(Form):
    village_code = StringField(
        _l("Village code"),
        description=_l("Kemendagri code, written like 33.16.01.2001"),
        filters=[trimmed(20)],
        validators=[required(_l("Enter the village code."))],
    )
    name = StringField(
        _l("Name"), filters=[trimmed(500)], validators=[required(_l("Enter the place's name."))]
    )
    address = StringField(
        _l("Address"),
        filters=[trimmed(500)],
        validators=[required(_l("Enter the address."))],
    )
    hours = StringField(_l("Opening hours (optional)"), filters=[trimmed(500)])
    phone = StringField(_l("Phone (optional)"), filters=[trimmed(100)])


class ImportForm(Form):
    file = FileField(
        _l("CSV file of help points"),
        description=_l("Header: village_code,name,address,hours,phone"),
    )


class PhaseForm(Form):
    phase = SelectField(
        _l("Date to move"),
        choices=[  # SelectChoice: WTForms 3.4 no longer takes tuples
            SelectChoice("online_start", _l("Start of the online phase")),
            SelectChoice("online_end", _l("End of the online phase")),
            SelectChoice("field_start", _l("Start of the door-to-door visits")),
            SelectChoice("field_end", _l("End of the door-to-door visits")),
        ],
    )
    new_date = StringField(
        _l("New date"),
        widget=DateInput(),
        validators=[required(_l("Enter the new date.")), _date],
    )


class RegionPickForm(Form):
    class Meta:
        csrf = False

    code = StringField(_l("Region code"), filters=[trimmed(20)])
