"""The presenter's one question when opening a meeting room: how many practice households."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import StringField
from wtforms.validators import ValidationError

from census.core.wtf import Form
from census.demo.rooms import MAX_ROOM


class RoomForm(Form):
    """How many phones the room hands a practice household to (1 to ``MAX_ROOM``)."""

    size = StringField(
        _l("How many practice households?"),
        description=_l("One for each phone in the room, up to %(max)d.", max=MAX_ROOM),
        default="30",
        render_kw={"inputmode": "numeric", "autocomplete": "off", "class": "short"},
    )

    def validate_size(self, field: StringField) -> None:
        """A whole number from 1 to ``MAX_ROOM``."""
        value = (field.data or "").strip()
        if not value:
            raise ValidationError(_l("Type how many practice households the room needs."))
        if not (value.isascii() and value.isdigit()) or not 1 <= int(value) <= MAX_ROOM:
            raise ValidationError(_l("Type a whole number from 1 to %(max)d.", max=MAX_ROOM))

    @property
    def number(self) -> int:
        """The validated size."""
        return int((self.size.data or "0").strip())
