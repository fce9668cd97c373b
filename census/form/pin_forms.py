"""The household's shared PIN: chosen (typed twice, not guessable from the card) or typed again."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import PasswordField
from wtforms.validators import ValidationError

from census.core.wtf import Form
from census.form.fields import MAX_PIN, MIN_PIN, has_control
from census.form.pins import is_trivial_pin


class SetPinForm(Form):
    """The household's new PIN, typed twice."""

    pin = PasswordField(
        _l("Choose a PIN or password"),
        description=_l("At least 6 digits or characters. Everyone in your household will use it."),
        filters=[lambda v: v[:2000] if isinstance(v, str) else v],
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        _l("Type it again"),
        filters=[lambda v: v[:2000] if isinstance(v, str) else v],
        render_kw={"autocomplete": "new-password"},
    )

    #: PINs refused for this household (its members' birth dates): set by the view.
    weak: frozenset[str] | set[str] = frozenset()

    def validate_pin(self, field: PasswordField) -> None:
        value = field.data or ""
        if not value:
            raise ValidationError(_l("Choose a PIN or password."))
        if has_control(value):
            raise ValidationError(_l("Remove the special or invisible characters from the PIN."))
        if len(value) < MIN_PIN:
            raise ValidationError(_l("Use at least 6 digits or characters."))
        if len(value) > MAX_PIN:
            raise ValidationError(_l("Use at most 64 characters."))
        if is_trivial_pin(value) or value in self.weak:
            raise ValidationError(
                _l(
                    "This PIN is easy to guess (a run of digits, or a birth date in your"
                    " household). Choose another one."
                )
            )

    def validate_confirm(self, field: PasswordField) -> None:
        if not self.pin.errors and (field.data or "") != (self.pin.data or ""):
            raise ValidationError(_l("The two PINs are not the same. Type the same PIN twice."))


class EnterPinForm(Form):
    """The household's PIN, to open its answers."""

    pin = PasswordField(
        _l("Your household's PIN or password"),
        filters=[lambda v: v[:2000] if isinstance(v, str) else v],
        render_kw={"autocomplete": "current-password"},
    )

    def validate_pin(self, field: PasswordField) -> None:
        if not field.data:
            raise ValidationError(_l("Enter your household's PIN or password."))


class ChangePinForm(SetPinForm):
    """The household's PIN now, then the new one typed twice."""

    current = PasswordField(
        _l("Your household's PIN now"),
        filters=[lambda v: v[:2000] if isinstance(v, str) else v],
        render_kw={"autocomplete": "current-password"},
    )
    # Asked, and listed in the error summary, before the new PIN.
    current.creation_counter = SetPinForm.pin.creation_counter - 1

    def validate_current(self, field: PasswordField) -> None:
        if not field.data:
            raise ValidationError(_l("Enter your household's PIN now."))
