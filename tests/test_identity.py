"""NIK and KK parsing: every message, the +40 rule, the century, pairs, hashing, and fuzzing."""

from __future__ import annotations

import hashlib
import hmac
import pickle
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import date

import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from flask import Flask
from flask_babel import Babel, force_locale
from flask_babel.speaklater import LazyString
from hypothesis import assume, given
from hypothesis import strategies as st
from stdnum.exceptions import ValidationError
from stdnum.id import nik as stdnum_nik

from census.core.identity import (
    IdentifierError,
    KkResult,
    check_pair,
    cross_check,
    keyed_hash,
    normalise,
    parse_kk,
    parse_nik,
    quick_valid_nik,
)

NIK_M = "3171011708450001"  # man born 17-08-(19)45
NIK_F = "3171015708450001"  # woman born 17-08-(19)45: 17 + 40
KK = "3171012002200003"  # registered 20-02-2020
CHILD = "3204051506100003"  # boy born 15-06-2010 (or 1910, as far as the digits go)
KEY = b"k" * 32


@pytest.fixture(scope="module", autouse=True)
def babel_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """A bare Flask app with Flask-Babel and a tiny Indonesian catalogue, context pushed."""
    root = tmp_path_factory.mktemp("translations")
    catalog = Catalog(locale="id")
    catalog.add(
        "A NIK has only digits; remove the letters.", "NIK hanya berisi angka; hapus hurufnya."
    )
    catalog.add(
        (
            "A NIK has 16 digits; you typed %(num)d digit.",
            "A NIK has 16 digits; you typed %(num)d digits.",
        ),
        ("NIK terdiri dari 16 angka; Anda mengetik %(num)d angka.",) * catalog.num_plurals,
    )
    (root / "id" / "LC_MESSAGES").mkdir(parents=True)
    with open(root / "id" / "LC_MESSAGES" / "messages.mo", "wb") as handle:
        write_mo(handle, catalog)
    app = Flask(__name__)
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(root)
    Babel(app)
    with app.app_context():
        yield app


def error(func: Callable[..., object], *args: object, **kwargs: object) -> IdentifierError:
    """Call ``func`` and return the IdentifierError it must raise."""
    with pytest.raises(IdentifierError) as caught:
        func(*args, **kwargs)
    return caught.value


def test_normalise_strips_separators_and_keeps_letters() -> None:
    assert normalise("3171 0123.0590-0001") == "3171012305900001"
    assert normalise("\u00a03171/0123\t0590\u20130001\u200b\n") == "3171012305900001"
    assert normalise("\uff13\uff11\uff17\uff11") == "3171"  # full-width digits
    assert normalise("NIK: 31-71") == "NIK:3171"


def test_parse_nik_reads_a_formatted_number() -> None:
    nik = parse_nik("3171 0123.0590-0001")
    assert (nik.number, nik.sex, nik.day, nik.month, nik.yy) == ("3171012305900001", "L", 23, 5, 90)
    assert (nik.region_prefix, nik.region_dotted, nik.serial) == ("317101", "31.71.01", "0001")


def test_women_have_40_added_to_the_day() -> None:
    nik = parse_nik(NIK_F)
    assert (nik.sex, nik.day, nik.month, nik.yy) == ("P", 17, 8, 45)
    assert parse_nik(NIK_M).sex == "L"
    assert parse_nik("3171014101900001").day == 1  # 41 is the 1st, for a woman
    assert parse_nik("3171017101900001").day == 31


@pytest.mark.parametrize("day", ["00", "32", "39", "40", "72", "81", "99"])
def test_days_outside_1_31_and_41_71_are_not_dates(day: str) -> None:
    exc = error(parse_nik, f"317101{day}01900001")
    assert exc.code == "nik.date"
    assert str(exc) == "The birth date in this NIK (digits 7 to 12) is not a real date."


def test_stdnum_lets_day_81_through_which_is_why_we_check_the_range() -> None:
    assert stdnum_nik.get_birth_date("3171018101900001") == date(1990, 1, 1)


@pytest.mark.parametrize("digits", ["310213", "300290", "310490", "290201"])
def test_impossible_dates_are_rejected(digits: str) -> None:
    assert error(parse_nik, f"317101{digits}0001").code == "nik.date"


def test_29_february_00_exists_only_in_2000() -> None:
    assert parse_nik("3171012902000001").possible_birth_dates() == (date(2000, 2, 29),)
    leap = parse_nik("3171016902040001").possible_birth_dates()
    assert leap == (date(1904, 2, 29), date(2004, 2, 29))


def test_century_is_decided_by_the_declared_birth_date() -> None:
    child = parse_nik(CHILD)
    assert stdnum_nik.get_birth_date(CHILD) == date(1910, 6, 15)  # the fixed rule gets it wrong
    assert child.possible_birth_dates() == (date(1910, 6, 15), date(2010, 6, 15))
    assert child.birth_date_matches(date(2010, 6, 15))
    assert not child.birth_date_matches(date(2010, 6, 16))
    assert not child.birth_date_matches(date(2011, 6, 15))
    assert parse_nik(CHILD, birth_date=date(2010, 6, 15)).mismatches == ()


def test_century_from_age_and_no_future_birth_dates() -> None:
    today = date(2020, 2, 15)
    child = parse_nik(CHILD)
    assert child.birth_date_from_age(9, today) == date(2010, 6, 15)
    assert child.birth_date_from_age(109, today) == date(1910, 6, 15)
    assert child.birth_date_from_age(50, today) is None
    assert parse_nik("3171011501250001").possible_birth_dates(today) == (date(1925, 1, 15),)


def test_prefix_missing_from_todays_list_is_accepted() -> None:
    assert not stdnum_nik.is_valid("9971011708450001")  # stdnum checks its bundled region list
    assert parse_nik("9971011708450001").region_dotted == "99.71.01"
    assert parse_kk("9999992002200003").region_prefix == "999999"


@pytest.mark.parametrize(
    ("parse", "number", "code", "message"),
    [
        (parse_nik, "0071011708450001", "nik.province",
         "The province code in this NIK (digits 1 and 2) cannot be 00."),
        (parse_nik, "1071011708450001", "nik.province",
         "The province code in this NIK (digits 1 and 2) cannot be 10."),
        (parse_nik, "3100011708450001", "nik.regency",
         "The regency or city code in this NIK (digits 3 and 4) cannot be 00."),
        (parse_nik, "3171001708450001", "nik.district",
         "The district code in this NIK (digits 5 and 6) cannot be 00."),
        (parse_kk, "0571012002200003", "kk.province",
         "The province code in this KK number (digits 1 and 2) cannot be 05."),
        (parse_kk, "3100012002200003", "kk.regency",
         "The regency or city code in this KK number (digits 3 and 4) cannot be 00."),
        (parse_kk, "3171002002200003", "kk.district",
         "The district code in this KK number (digits 5 and 6) cannot be 00."),
    ],
)  # fmt: skip
def test_structurally_impossible_regions(
    parse: Callable[[str], object], number: str, code: str, message: str
) -> None:
    exc = error(parse, number)
    assert (exc.code, str(exc)) == (code, message)


@pytest.mark.parametrize(
    ("raw", "typed", "message"),
    [
        ("317101170845001", 15, "A NIK has 16 digits; you typed 15 digits."),
        ("31710117084500011", 17, "A NIK has 16 digits; you typed 17 digits."),
        ("3", 1, "A NIK has 16 digits; you typed 1 digit."),
        (" - ", 0, "A NIK has 16 digits; you typed 0 digits."),
    ],
)
def test_nik_length_message_counts_digits(raw: str, typed: int, message: str) -> None:
    exc = error(parse_nik, raw)
    assert (exc.code, exc.params, str(exc)) == ("nik.length", {"num": typed}, message)


def test_kk_length_message() -> None:
    assert str(error(parse_kk, "3171012002")) == "A KK number has 16 digits; you typed 10 digits."
    assert str(error(parse_kk, "1")) == "A KK number has 16 digits; you typed 1 digit."


def test_letters_and_other_characters_are_named() -> None:
    letters = error(parse_nik, "31710117O8450001")
    assert (letters.code, str(letters)) == (
        "nik.letters",
        "A NIK has only digits; remove the letters.",
    )
    assert error(parse_nik, "NIK: 3171011708450001").code == "nik.letters"
    assert str(error(parse_kk, "KK 3171012002200003")) == (
        "A KK number has only digits; remove the letters."
    )
    symbols = error(parse_nik, "3171011708450001,*")
    assert str(symbols) == "A NIK has only digits; remove these characters: , *"
    assert str(error(parse_kk, "31710120022000\x0003")) == (
        "A KK number has only digits; remove these characters: U+0000"
    )
    assert error(parse_nik, "+,;:!?#$%&").params == {"chars": "+ , ; : !"}


@pytest.mark.parametrize(
    "number",
    ["3333333333333333", "1111111111111111", "0000000000000000", "1212121212121212",
     "1234567890123456", "0123456789012345", "9876543210987654", "3333 3333 3333 3333"],
)  # fmt: skip
def test_placeholders_are_refused_with_a_clear_message(number: str) -> None:
    nik = error(parse_nik, number)
    assert (nik.code, str(nik)) == (
        "nik.dummy",
        "This is a placeholder, not a real NIK. Type the NIK printed on the KTP or family card.",
    )
    kk = error(parse_kk, number)
    assert (kk.code, str(kk)) == (
        "kk.dummy",
        "This is a placeholder, not a real KK number. Type the number printed at the top of "
        "the family card.",
    )
    assert not quick_valid_nik(number)


def test_kk_is_tolerant_about_its_date() -> None:
    kk = parse_kk(KK)
    assert kk.registration_date(today=date(2024, 1, 1)) == date(2020, 2, 20)
    assert kk.registration_date(today=date(2020, 1, 1)) == date(1920, 2, 20)
    odd = parse_kk("3171019999990001")  # not a date at all: still accepted, see KkResult
    assert odd.registration_date() is None
    assert isinstance(parse_kk("3171014513990001"), KkResult)  # day > 40 but not a NIK date


def test_a_womans_nik_in_the_kk_field_is_named() -> None:
    exc = error(parse_kk, NIK_F)
    assert (exc.code, str(exc)) == (
        "kk.looks_like_nik",
        "This looks like a NIK, not a KK number: digits 7 and 8 are above 40, which happens only "
        "in a woman's NIK. The KK number is printed at the top of the family card.",
    )


SAME = (
    "You typed the same number twice: the KK number and the NIK are different numbers. "
    "The NIK is on the KTP; the KK number is at the top of the family card."
)


def test_same_number_twice() -> None:
    assert str(error(parse_nik, NIK_M, other="3171 0117 0845 0001")) == SAME
    assert error(parse_kk, NIK_M, other=NIK_M).code == "pair.same_number"
    pair = check_pair("3171-0117-0845-0001", NIK_M)
    assert not pair.ok
    assert pair.kk is None and pair.kk_error is not None and str(pair.kk_error) == SAME
    assert pair.nik_error is None and pair.nik is not None and pair.nik.number == NIK_M


def test_swapped_fields_are_detected_from_the_birth_date() -> None:
    born = date(1945, 8, 17)
    pair = check_pair(NIK_M, KK, birth_date=born, sex="L")
    assert pair.kk_error is not None and pair.nik_error is not None
    assert (pair.kk_error.code, pair.nik_error.code) == ("kk.swapped", "nik.looks_like_kk")
    assert str(pair.nik_error) == (
        "This looks like a KK number, not a NIK: its digits 7 to 12 do not match the date of "
        "birth, but the number in the KK field does. Did you swap the two numbers?"
    )
    assert str(pair.kk_error) == (
        "This looks like a NIK, not a KK number: its digits 7 to 12 match the date of birth. "
        "Did you swap the two numbers?"
    )
    straight = check_pair(KK, NIK_M, birth_date=born, sex="L")
    assert straight.ok and straight.nik is not None and straight.nik.mismatches == ()
    # Without a declared birth date a man's NIK and a KK cannot be told apart: no accusation.
    assert check_pair(NIK_M, KK).ok


def test_womans_nik_in_kk_field_beside_a_valid_nik() -> None:
    pair = check_pair(NIK_F, NIK_M)
    assert pair.kk_error is not None and pair.kk_error.code == "kk.looks_like_nik"
    assert pair.nik_error is None


def test_pair_reports_both_fields_independently() -> None:
    pair = check_pair("12", "31710117O8450001")
    assert pair.kk_error is not None and pair.kk_error.code == "kk.length"
    assert pair.nik_error is not None and pair.nik_error.code == "nik.letters"
    empty = check_pair("", "")  # two empty fields are not "the same number"
    assert empty.kk_error is not None and empty.kk_error.code == "kk.length"


def test_cross_check_explains_mismatches_in_words() -> None:
    woman, man = parse_nik(NIK_F), parse_nik(NIK_M)
    [sex] = cross_check(woman, "L", None)
    assert (sex.field, sex.code, str(sex.message)) == (
        "sex",
        "mismatch.sex_female",
        "This NIK is a woman's (in a woman's NIK, 40 is added to the day of birth), but the "
        "sex given is male.",
    )
    [sex] = cross_check(man, "perempuan", None)
    assert (
        str(sex.message)
        == "This NIK is a man's (in a woman's NIK, 40 is added to the day of birth), but the "
        "sex given is female."
    )
    [born] = cross_check(man, "L", date(1945, 8, 18))
    assert str(born.message) == (
        "The birth date in this NIK (digits 7 to 12) is 17-08-45, but the date of birth given "
        "is 18-08-1945."
    )
    assert cross_check(man, "m", date(2045, 8, 17)) == []
    assert len(cross_check(woman, "male", date(1946, 8, 17))) == 2


def test_mismatches_never_block_parsing() -> None:
    nik = parse_nik(NIK_F, sex="L", birth_date=date(2000, 1, 1))
    assert [m.code for m in nik.mismatches] == ["mismatch.sex_female", "mismatch.birth_date"]
    assert nik.sex_matches("P") and nik.sex_matches("F") and not nik.sex_matches("l")
    with pytest.raises(ValueError, match="unknown sex") as caught:
        nik.sex_matches("x")
    assert not isinstance(caught.value, IdentifierError)


def test_messages_are_lazy_and_translated_when_shown() -> None:
    exc = error(parse_nik, "31710117O8450001")
    assert isinstance(exc.message, LazyString)
    short = error(parse_nik, "31710117")
    with force_locale("id"):
        assert str(exc) == "NIK hanya berisi angka; hapus hurufnya."
        assert str(short) == "NIK terdiri dari 16 angka; Anda mengetik 8 angka."
    assert str(short) == "A NIK has 16 digits; you typed 8 digits."
    with ThreadPoolExecutor(1) as pool:  # a thread has no app context: English, no crash
        assert pool.submit(str, short).result() == "A NIK has 16 digits; you typed 8 digits."


def test_errors_survive_pickling_for_worker_processes() -> None:
    exc = pickle.loads(pickle.dumps(error(parse_kk, "3171")))
    assert (exc.code, exc.params, str(exc)) == (
        "kk.length",
        {"num": 4},
        "A KK number has 16 digits; you typed 4 digits.",
    )


def test_nothing_leaks_the_number() -> None:
    nik = parse_nik(NIK_M, sex="P", birth_date=date(1950, 1, 1))
    assert NIK_M not in repr(nik) and "1708450001" not in repr(nik)
    assert repr(parse_kk(KK)) == "KkResult(317101**********)"
    assert NIK_M not in repr(check_pair(KK, NIK_M))
    exc = error(parse_nik, "3171011708450001 x")
    assert NIK_M not in str(exc) and NIK_M not in repr(exc.params)


def test_keyed_hash_is_deterministic_keyed_and_domain_separated() -> None:
    digest = keyed_hash("nik", NIK_M, KEY)
    assert len(digest) == 32 and isinstance(digest, bytes)
    assert digest == keyed_hash("nik", "3171 0117.0845-0001", KEY)
    assert digest != keyed_hash("kk", NIK_M, KEY)
    assert digest != keyed_hash("nik", NIK_M, b"K" * 32)
    assert digest != keyed_hash("nik", NIK_F, KEY)
    # Stored hashes depend on this exact construction: changing it orphans every row.
    expected = hmac.new(KEY, b"census.identity.v1/nik\x00" + NIK_M.encode(), hashlib.sha256)
    assert digest == expected.digest()


@pytest.mark.parametrize(
    ("kind", "number", "key"),
    [
        ("ktp", NIK_M, KEY),
        ("nik", "123", KEY),
        ("nik", "31710117O8450001", KEY),
        ("kk", KK, b"short"),
    ],
)
def test_keyed_hash_refuses_bad_input(kind: str, number: str, key: bytes) -> None:
    with pytest.raises(ValueError):
        keyed_hash(kind, number, key)  # type: ignore[arg-type]


def test_quick_valid_nik() -> None:
    assert quick_valid_nik(NIK_M) and quick_valid_nik("3171 0117 0845 0001")
    assert not quick_valid_nik("3171013208450001") and not quick_valid_nik("abc")


NUMBERISH = st.text(alphabet="0123456789 .-/\u00a0\uff11Oo", max_size=24)


@given(st.one_of(st.text(), NUMBERISH), st.one_of(st.none(), st.text(), NUMBERISH))
def test_parsers_raise_only_identifier_errors(raw: str, other: str | None) -> None:
    for parse in (parse_nik, parse_kk):
        try:
            result = parse(raw, other=other, birth_date=date(1990, 5, 23), sex="P")
        except IdentifierError as exc:
            assert str(exc)
        else:
            assert len(result.number) == 16 and result.number.isdigit()
    pair = check_pair(raw, other or "")
    assert pair.ok == (pair.kk is not None and pair.nik is not None)


@given(st.from_regex(r"\A[1-9]{6}[0-9]{10}\Z"))
def test_dates_agree_with_stdnum_within_the_valid_day_ranges(number: str) -> None:
    coded = int(number[6:8])
    assume(1 <= coded <= 31 or 41 <= coded <= 71)  # stdnum's "% 40" also passes 81-99
    try:
        stdnum_date = stdnum_nik.get_birth_date(number)
    except ValidationError:
        stdnum_date = None
    try:
        nik = parse_nik(number)
    except IdentifierError as exc:
        assert exc.code == "nik.dummy" or (exc.code == "nik.date" and stdnum_date is None)
        return
    assert stdnum_date in nik.possible_birth_dates()
    assert nik.sex == ("P" if coded > 40 else "L")


@given(st.from_regex(r"\A[0-9]{16}\Z"), st.lists(st.sampled_from(" .-/\u00a0\t"), max_size=6))
def test_separators_never_change_the_reading(number: str, seps: list[str]) -> None:
    spaced = "".join(d + (seps[i] if i < len(seps) else "") for i, d in enumerate(number))
    assert normalise(spaced) == number
    for parse in (parse_nik, parse_kk):
        try:
            plain = parse(number)
        except IdentifierError as exc:
            assert error(parse, spaced).code == exc.code
        else:
            assert parse(spaced) == plain
