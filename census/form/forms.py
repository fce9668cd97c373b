"""The form's pages as WTForms classes: they validate and explain; services decide and store.

Every text field is bounded and refuses control characters; names accept any script. Choice
fields check the answer against their own list with a message that says what to choose.
"""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    HiddenField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
)
from wtforms.validators import ValidationError

from census.core.wtf import Form
from census.form import choices as c
from census.form.fields import (
    MAX_NAME,
    MAX_STREET,
    Text,
    clean,
    radio,
    select,
)


class StepForm(Form):
    """Every step posts the version it was built from, and where to go after saving."""

    class Meta:
        # CSRF stays on through the app's CSRFProtect; field names stay short.
        pass

    version = HiddenField()
    #: Only "check" means anything (back to the check page); anything else sent is dropped, so a
    #: long or odd value never travels on into a redirect.
    return_to = HiddenField(filters=[lambda v: v if v == "check" else ""])

    @property
    def base_version(self) -> int | None:
        """The version the page was built from; None for anything that is not a sane one."""
        value = self.version.data
        if not isinstance(value, str) or not value.isascii() or not value.isdigit():
            return None
        if len(value) > 10 or int(value) >= 2**31:
            return None
        return int(value)

    @property
    def back_to_check(self) -> bool:
        return self.return_to.data == "check"


class AddressForm(StepForm):
    """Step 1: does the household live at the address on its family card?"""

    at_kk_address = radio(
        _l("Does your household live at the address on its family card?"),
        c.AT_KK_ADDRESS,
        _l("Choose whether your household lives at the address on its family card."),
    )


class WhereForm(StepForm):
    """Step 1, second page: where the household lives, when not at its KK address."""

    province = SelectField(_l("Province"), choices=[], validate_choice=False)
    regency = SelectField(_l("Regency or city"), choices=[], validate_choice=False)
    district = SelectField(_l("District (kecamatan)"), choices=[], validate_choice=False)
    village = SelectField(_l("Village (desa or kelurahan)"), choices=[], validate_choice=False)
    rt = StringField(
        _l("RT"), filters=[clean], render_kw={"inputmode": "numeric", "class": "short"}
    )
    rw = StringField(
        _l("RW"), filters=[clean], render_kw={"inputmode": "numeric", "class": "short"}
    )
    street = StringField(
        _l("Street, house number or landmark"),
        description=_l("For example: Jl. Melati No. 7, or behind the mosque"),
        filters=[clean],
        validators=[Text(MAX_STREET, _l("Enter the street and house number, or a landmark."))],
    )

    def validate_rt(self, field: StringField) -> None:
        _check_number(field, _l("Enter the RT number."), _l("The RT is a number of 1 to 3 digits."))

    def validate_rw(self, field: StringField) -> None:
        _check_number(field, _l("Enter the RW number."), _l("The RW is a number of 1 to 3 digits."))


def _check_number(field: StringField, missing: object, wrong: object) -> None:
    value = field.data or ""
    if not value:
        raise ValidationError(str(missing))
    if not (value.isascii() and value.isdigit() and len(value) <= 3):
        raise ValidationError(str(wrong))


class HousingForm(StepForm):
    """Step 2: the building the household lives in."""

    tenure = radio(_l("Who owns the home you live in?"), c.TENURE, _l("Choose who owns the home."))
    lighting = radio(
        _l("Main source of lighting"), c.LIGHTING, _l("Choose the main source of lighting.")
    )
    water = select(
        _l("Main source of drinking water"),
        c.WATER,
        _l("Choose the main source of drinking water."),
    )
    toilet = radio(_l("Toilet"), c.TOILET, _l("Choose which toilet the household uses."))
    floor = select(_l("Main type of floor"), c.FLOOR, _l("Choose the main type of floor."))

    FIELDS = ("tenure", "lighting", "water", "toilet", "floor")


def members_form_class(keys: list[str]) -> type[StepForm]:
    """Step 3's form for this list of members: one status question each, and who is the head."""

    class MembersForm(StepForm):
        head = RadioField(
            _l("Who is the head of the household?"), choices=[], validate_choice=False
        )
        new_name = StringField(
            _l("Name of the person to add"), filters=[clean], validators=[Text(MAX_NAME)]
        )
        new_reason = RadioField(
            _l("Why is this person part of the household?"),
            choices=c.options(c.NEW_REASON),
            validate_choice=False,
        )
        add_token = HiddenField()

    for key in keys:
        setattr(
            MembersForm,
            f"status_{key}",
            RadioField(
                _l("Where is this person now?"),
                choices=c.options(c.MEMBER_STATUS),
                validate_choice=False,
            ),
        )
    return MembersForm


class MemberForm(StepForm):
    """Step 4: the questions about one person."""

    name = StringField(
        _l("Full name"),
        description=_l("As the person is known; one name is fine."),
        filters=[clean],
        validators=[Text(MAX_NAME, _l("Enter the person's name."))],
        render_kw={"autocomplete": "off", "spellcheck": "false"},
    )
    nik = StringField(
        _l("NIK"),
        filters=[lambda v: v[:64] if isinstance(v, str) else v],
        render_kw={"inputmode": "numeric", "autocomplete": "off", "spellcheck": "false"},
    )
    no_nik_reason = RadioField(
        _l("If there is no NIK, why?"),
        choices=c.options(c.NO_NIK_REASON),
        validate_choice=False,
    )
    sex = radio(_l("Sex"), c.SEX, _l("Choose the person's sex."))
    birth_day = StringField(
        _l("Day"),
        filters=[clean],
        render_kw={"inputmode": "numeric", "class": "short", "maxlength": 2},
    )
    birth_month = StringField(
        _l("Month"),
        filters=[clean],
        render_kw={"inputmode": "numeric", "class": "short", "maxlength": 2},
    )
    birth_year = StringField(
        _l("Year"),
        filters=[clean],
        render_kw={"inputmode": "numeric", "class": "short", "maxlength": 4},
    )
    relationship = select(
        _l("Relationship to the head of the household"),
        c.RELATIONSHIP[1:],
        _l("Choose how this person is related to the head of the household."),
    )
    marital = radio(_l("Marital status"), c.MARITAL, _l("Choose the marital status."))
    religion = radio(_l("Religion or belief"), c.RELIGION, _l("Choose the religion or belief."))
    citizenship = radio(_l("Citizenship"), c.CITIZENSHIP, _l("Choose the citizenship."))
    education = select(
        _l("Highest education completed"),
        c.EDUCATION,
        _l("Choose the highest education completed."),
        description=_l("The highest certificate (ijazah) received"),
    )
    activity = radio(
        _l("Main activity last week"), c.ACTIVITY, _l("Choose the main activity last week.")
    )
    confirm_mismatch = BooleanField(_l("I have checked: the data is right"))
    #: The ids of the consistency rules (census/form/rules.py) the person confirmed on the page.
    confirm_rules = SelectMultipleField(choices=[], validate_choice=False)

    FIELDS = (
        "name",
        "sex",
        "relationship",
        "marital",
        "religion",
        "citizenship",
        "education",
        "activity",
    )

    def birth_date(self) -> date | None:
        """The date of birth from the three fields, or None if they are not a real past date."""
        try:
            born = date(
                int(self.birth_year.data), int(self.birth_month.data), int(self.birth_day.data)
            )
        except (TypeError, ValueError, OverflowError):
            return None
        return born

    def validate_birth_day(self, field: StringField) -> None:
        parts = (self.birth_day.data, self.birth_month.data, self.birth_year.data)
        if not any(parts):
            raise ValidationError(_l("Enter the date of birth."))
        if not all(p and p.isascii() and p.isdigit() and len(p) <= 4 for p in parts):
            raise ValidationError(
                _l("The date of birth must be a day, a month and a year in numbers.")
            )
        if len(self.birth_year.data) != 4:
            raise ValidationError(_l("Write the year of birth with 4 digits, for example 1985."))
        born = self.birth_date()
        if born is None:
            raise ValidationError(_l("The date of birth is not a real date."))
        if born.year < 1890:
            raise ValidationError(_l("Check the year of birth."))
