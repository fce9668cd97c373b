"""The answer categories of the form, close to the ones BPS uses (SP2020, Susenas).

Codes are stored; labels are lazy English msgids translated when shown. Order is the order shown.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms.fields.choices import SelectChoice

Choices = list[tuple[str, object]]


def options(choices: Choices) -> list[SelectChoice]:
    """``choices`` as WTForms options (WTForms 3.3 wants ``SelectChoice``, not tuples)."""
    return [SelectChoice(value, label) for value, label in choices]  # type: ignore[arg-type]


AT_KK_ADDRESS: Choices = [
    ("yes", _l("Yes, we live at the address on our family card")),
    ("no", _l("No, we live somewhere else")),
]

TENURE: Choices = [
    ("own", _l("Owned by the household")),
    ("rent", _l("Rented or contracted")),
    ("free", _l("Rent-free (lent by family or others)")),
    ("official", _l("Official housing (rumah dinas)")),
    ("other", _l("Other")),
]

LIGHTING: Choices = [
    ("pln_meter", _l("PLN electricity with a meter")),
    ("pln_no_meter", _l("PLN electricity without a meter")),
    ("non_pln", _l("Electricity not from PLN (generator, solar panel)")),
    ("none", _l("Not electricity (oil lamp, candle)")),
]

WATER: Choices = [
    ("bottled", _l("Bottled water (branded)")),
    ("refill", _l("Refill water (isi ulang)")),
    ("piped", _l("Piped water (PDAM, leding)")),
    ("borehole", _l("Borehole or pump")),
    ("protected_well", _l("Protected well")),
    ("unprotected_well", _l("Unprotected well")),
    ("protected_spring", _l("Protected spring")),
    ("unprotected_spring", _l("Unprotected spring")),
    ("surface", _l("River, lake or other surface water")),
    ("rain", _l("Rainwater")),
    ("other", _l("Other")),
]

TOILET: Choices = [
    ("own", _l("Own toilet, used only by this household")),
    ("shared", _l("Shared with some other households")),
    ("communal", _l("Communal or public toilet (MCK)")),
    ("none", _l("No toilet")),
]

FLOOR: Choices = [
    ("marble", _l("Marble or granite")),
    ("ceramic", _l("Ceramic tiles")),
    ("vinyl", _l("Parquet, vinyl or carpet")),
    ("tegel", _l("Tegel or terrazzo tiles")),
    ("wood", _l("Wood or boards")),
    ("cement", _l("Cement or red brick")),
    ("bamboo", _l("Bamboo")),
    ("earth", _l("Earth")),
    ("other", _l("Other")),
]

MEMBER_STATUS: Choices = [
    ("present", _l("Lives here")),
    ("moved", _l("Moved out")),
    ("deceased", _l("Died")),
]

NEW_REASON: Choices = [
    ("born", _l("A baby born since the family card was made")),
    ("joined", _l("Has lived here at least a year, or intends to stay")),
]

SEX: Choices = [("L", _l("Male")), ("P", _l("Female"))]

RELATIONSHIP: Choices = [
    ("kepala_keluarga", _l("Head of household")),
    ("suami", _l("Husband")),
    ("istri", _l("Wife")),
    ("anak", _l("Child")),
    ("menantu", _l("Son- or daughter-in-law")),
    ("cucu", _l("Grandchild")),
    ("orang_tua", _l("Parent")),
    ("mertua", _l("Parent-in-law")),
    ("famili_lain", _l("Other relative")),
    ("pembantu", _l("Household helper")),
    ("lainnya", _l("Other")),
]

MARITAL: Choices = [
    ("single", _l("Never married")),
    ("married", _l("Married")),
    ("divorced", _l("Divorced")),
    ("widowed", _l("Widowed")),
]

RELIGION: Choices = [
    ("islam", _l("Islam")),
    ("kristen", _l("Protestant Christianity")),
    ("katolik", _l("Catholicism")),
    ("hindu", _l("Hinduism")),
    ("buddha", _l("Buddhism")),
    ("khonghucu", _l("Confucianism")),
    ("kepercayaan", _l("Belief in One Almighty God (Kepercayaan)")),
]

CITIZENSHIP: Choices = [
    ("wni", _l("Indonesian citizen (WNI)")),
    ("wna", _l("Foreign citizen (WNA)")),
]

EDUCATION: Choices = [
    ("none", _l("No school or not yet in school")),
    # A child now at primary school has no certificate yet (SP2020: "belum tamat SD").
    ("sd_now", _l("Still at primary school (SD), not finished yet")),
    ("sd_incomplete", _l("Left primary school without finishing it")),
    ("sd", _l("Primary school (SD) or equivalent")),
    ("smp", _l("Junior secondary (SMP) or equivalent")),
    ("sma", _l("Senior secondary (SMA/SMK) or equivalent")),
    ("diploma", _l("Diploma (D1, D2, D3)")),
    ("s1", _l("Bachelor's degree or D4 (S1)")),
    ("s2", _l("Master's degree (S2)")),
    ("s3", _l("Doctorate (S3)")),
]

ACTIVITY: Choices = [
    ("work", _l("Working")),
    ("school", _l("Going to school or college")),
    ("home", _l("Looking after the home")),
    ("seeking", _l("Looking for work")),
    ("other", _l("Other (young child, retired, unable to work...)")),
]

NO_NIK_REASON: Choices = [
    ("newborn", _l("A baby who has no NIK yet")),
    ("foreign", _l("A foreign citizen")),
    ("unknown", _l("Has no NIK or does not know it")),
]


def label(choices: Choices, code: str | None) -> object:
    """The label of ``code`` in ``choices``, or an empty string."""
    return dict(choices).get(code or "", "")
