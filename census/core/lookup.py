"""Finding a household by the two numbers on its family card, safely.

Shared by the status check (``/cek``) and the census form's entry (``/isi``): the same form, the
same messages, the same throttles. Two throttles guard the register against enumeration:

- per client address, every try counts (``LOOKUP_LIMITS``, e.g. 10 a minute and 100 a day), shared
  by every look-up route through one Flask-Limiter scope; a try for a demo household that a
  presenter started (``Household.is_demo``, numbers in region 33.98.99, on no real card) does not
  count, so a room on one venue's Wi-Fi can all type the numbers a presenter shows;
- per household, failed pairs count against the KK number typed (``LOOKUP_FAILS_PER_KK``, e.g. 5
  an hour), whether that KK exists or not, so nobody can try many NIKs against one card from many
  addresses, and the throttle itself does not reveal whether a KK is registered.

A failed look-up never says which of the two numbers was wrong.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import current_app, request
from flask_babel import lazy_gettext as _l
from limits import parse
from wtforms import StringField
from wtforms.validators import ValidationError

from census.core import db
from census.core import limits as throttles
from census.core.households import Found, find_by_pair, is_demo_kk, number_hash
from census.core.identity import check_pair, normalise
from census.core.limits import key_prefix, limiter, refuse
from census.core.wtf import Form

DEFAULT_LOOKUP_LIMITS = "10/minute;100/day"
DEFAULT_FAILS_PER_KK = "5/hour"
#: Largest input we look at; anything longer is cut before validation (a NIK has 16 digits).
MAX_INPUT = 64


def _limits() -> str:
    return current_app.config.get("LOOKUP_LIMITS", DEFAULT_LOOKUP_LIMITS)


def _typed_demo_household() -> bool:
    # The demo household's numbers are shown on a projector for the whole room to type, so a
    # look-up of a demo household that the register really holds (``is_demo``) is not counted
    # against the address. A number in the demo range is not enough: only a household that a
    # presenter started is exempt, and every other try is still counted in one atomic step
    # before it is made. Decided before the look-up, from the server's own rows.
    kk = normalise(request.form.get("kk", "")[:MAX_INPUT])
    return is_demo_kk(db.session(), kk)


#: Decorate every route that looks a household up by the numbers it is sent (POST only).
lookup_limit: Callable[..., Any] = limiter.shared_limit(
    _limits, scope="household-lookup", methods=["POST"], exempt_when=_typed_demo_household
)


def lookup_limit_unless(demo: Callable[[], bool]) -> Callable[..., Any]:
    """The same per-address limit (one count with :data:`lookup_limit`) for a route of the
    look-up that is not sent the numbers (the PIN after them). ``demo`` tells from the server's
    own records (the household this session opened) whether the try is a demo household's;
    a field the client sends never decides it."""
    return limiter.shared_limit(
        _limits, scope="household-lookup", methods=["POST"], exempt_when=demo
    )


def _trim(value: Any) -> Any:
    return value[:MAX_INPUT] if isinstance(value, str) else value


class NumbersForm(Form):
    """The KK number and the NIK of any member of that KK, as SP2020 asked for them."""

    kk = StringField(
        _l("Family card (KK) number"),
        description=_l("16 digits, printed at the top of the family card, after 'No.'"),
        filters=[_trim],
        render_kw={"inputmode": "numeric", "autocomplete": "off", "spellcheck": "false"},
    )
    nik = StringField(
        _l("NIK of any member of this family card"),
        description=_l("16 digits, on the KTP or next to the person's name on the family card"),
        filters=[_trim],
        render_kw={"inputmode": "numeric", "autocomplete": "off", "spellcheck": "false"},
    )

    def validate_kk(self, field: StringField) -> None:
        """Both numbers are checked together, so a swap or a repeat can be named."""
        self._pair = check_pair(field.data or "", self.nik.data or "")
        if not (field.data or "").strip():
            raise ValidationError(_l("Enter the family card (KK) number."))
        if self._pair.kk_error is not None:
            raise ValidationError(str(self._pair.kk_error))

    def validate_nik(self, field: StringField) -> None:
        pair = getattr(self, "_pair", None) or check_pair(self.kk.data or "", field.data or "")
        if not (field.data or "").strip():
            raise ValidationError(_l("Enter the NIK of a member of this family card."))
        if pair.nik_error is not None:
            raise ValidationError(str(pair.nik_error))

    @property
    def numbers(self) -> tuple[str, str]:
        """The normalised (KK, NIK) after a successful ``validate()``."""
        pair = self._pair
        assert pair.kk is not None and pair.nik is not None
        return pair.kk.number, pair.nik.number


@dataclass(frozen=True)
class Lookup:
    """The outcome of a look-up: the household, or None when the pair is not registered."""

    household: Found | None

    @property
    def found(self) -> bool:
        return self.household is not None


def _kk_key(kk_number: str) -> str:
    # A hash of the keyed hash: the throttle store never holds anything that finds a household.
    return hashlib.sha256(number_hash("kk", kk_number)).hexdigest()[:32]


def find_household(kk_number: str, nik_number: str) -> Lookup:
    """Look the pair up, enforcing the per-KK throttle on failed pairs.

    Raises ``TooManyRequests`` (with ``Retry-After``) when this KK has had too many failed pairs.
    The caller logs the outcome in its own terms (one line a look-up at the peak, not two).
    """
    item = parse(current_app.config.get("LOOKUP_FAILS_PER_KK", DEFAULT_FAILS_PER_KK))
    keys = (key_prefix(), "kk-fails", _kk_key(kk_number))
    # Count the try before looking (one atomic step in the store), so a burst of tries sent at
    # the same moment from many addresses cannot all pass a check made before any was counted.
    # A pair that is found clears the count: only someone holding a right pair can do that.
    # With the store down, each process counts in its own memory (``census.core.limits``).
    if not throttles.hit(item, *keys):
        refuse(item, *keys)
    household = db.read(lambda connection: find_by_pair(connection, kk_number, nik_number))
    if household is not None:
        throttles.clear(item, *keys)
    return Lookup(household)
