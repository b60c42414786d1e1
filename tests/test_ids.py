import datetime

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from stdnum.cn import ric

from neisheng.ids import (
    EARLIEST_BIRTH_DATE,
    IdNumber,
    InvalidIdNumber,
    birth_dates_and_sexes,
    check_digit,
    check_id_numbers,
    is_valid,
    make_id_numbers,
    normalize_id_numbers,
    parse_id,
)

TODAY = datetime.date.today()


def _reason(number) -> str:
    try:
        parse_id(number)
    except InvalidIdNumber as e:
        return e.reason
    return ""


# ------------------------------------------------------------------ known answers


def test_standard_example_female():
    # GB 11643-1999 example
    assert parse_id("11010519491231002X") == IdNumber(
        "11010519491231002X", "110105", datetime.date(1949, 12, 31), "female"
    )


def test_standard_example_born_1880():
    # GB 11643-1999 example; the reason the lower bound is 1800 and not 1900
    assert parse_id("440524188001010014") == IdNumber(
        "440524188001010014", "440524", datetime.date(1880, 1, 1), "male"
    )
    assert EARLIEST_BIRTH_DATE == datetime.date(1800, 1, 1)


def test_check_digit_examples():
    assert check_digit("11010519491231002") == "X"
    assert check_digit("44052418800101001") == "4"
    with pytest.raises(InvalidIdNumber) as e:
        check_digit("1101051949123100")
    assert e.value.reason == "format"


# Numbers from python-stdnum's doctests for stdnum.cn.ric:
# https://github.com/arthurdejong/python-stdnum/blob/master/tests/test_cn_ric.doctest
# (python-stdnum also rejects unknown or not-yet/no-longer-valid area codes; we
# deliberately do not, so those numbers are valid here.)
STDNUM_VALID = [
    ("360426199101010071", "360426", datetime.date(1991, 1, 1), "male"),
    ("44011320141005001x", "440113", datetime.date(2014, 10, 5), "male"),
    ("412723199010050012", "412723", datetime.date(1990, 10, 5), "male"),
    ("110102199101010078", "110102", datetime.date(1991, 1, 1), "male"),
    ("120110198012010073", "120110", datetime.date(1980, 12, 1), "male"),
    ("120110199212010072", "120110", datetime.date(1992, 12, 1), "male"),
    ("990426199112010074", "990426", datetime.date(1991, 12, 1), "male"),  # unknown area
    ("110111198012010078", "110111", datetime.date(1980, 12, 1), "male"),  # area not yet in use
    ("110201199312010077", "110201", datetime.date(1993, 12, 1), "male"),  # area abolished
]
STDNUM_INVALID = [
    ("T60426199101010078", "format"),
    ("360426199113010079", "birth_date"),
    ("36042619910102009X", "checksum"),
]


@pytest.mark.parametrize("number,area,birth,sex", STDNUM_VALID)
def test_stdnum_valid(number, area, birth, sex):
    parsed = parse_id(number)
    assert parsed == IdNumber(number.upper(), area, birth, sex)
    assert check_id_numbers([number])[0] == ""


@pytest.mark.parametrize("number,reason", STDNUM_INVALID)
def test_stdnum_invalid(number, reason):
    with pytest.raises(InvalidIdNumber) as e:
        parse_id(number)
    assert e.value.reason == reason
    assert isinstance(e.value, ValueError)
    assert check_id_numbers([number])[0] == reason


def test_whitespace_and_lowercase_x():
    assert parse_id("  11010519491231002x\n").number == "11010519491231002X"
    assert list(normalize_id_numbers([" 11010519491231002x ", "abc"])) == [
        "11010519491231002X",
        "abc",
    ]


@pytest.mark.parametrize(
    "number,reason",
    [
        ("", "format"),
        ("11010519491231002", "format"),  # 17 characters
        ("11010519491231002X0", "format"),  # 19 characters
        ("1101051949123100X2", "format"),  # X not at the end
        ("11010519491231002Y", "format"),
        ("１１０１０５１９４９１２３１００２X", "format"),  # full-width digits
        ("110105 19491231002X", "format"),
        ("110105199902300000", "birth_date"),  # 30 February
        ("110105190002290000", "birth_date"),  # 1900 was not a leap year
        ("110105179912310000", "birth_date"),  # before 1800
        ("110105000001010000", "birth_date"),
        ("110105199900010000", "birth_date"),
        ("110105199913010000", "birth_date"),
    ],
)
def test_reasons(number, reason):
    assert _reason(number) == reason
    assert check_id_numbers([number])[0] == reason


def test_birth_date_precedes_checksum():
    # A mistyped date also breaks the checksum; the date is the more useful report.
    assert _reason("110105199902300001") == "birth_date"


def test_future_birth_date():
    tomorrow = TODAY + datetime.timedelta(days=1)
    first17 = "110105" + tomorrow.strftime("%Y%m%d") + "001"
    number = first17 + check_digit(first17)
    assert _reason(number) == "birth_date"
    assert check_id_numbers([number])[0] == "birth_date"
    assert parse_id(number, today=tomorrow).birth_date == tomorrow
    assert check_id_numbers([number], today=tomorrow)[0] == ""


def test_message_is_bilingual():
    with pytest.raises(InvalidIdNumber) as e:
        parse_id("36042619910102009X")
    assert "校验码错误" in str(e.value) and "checksum digit is wrong" in str(e.value)
    assert "expected 3" in str(e.value)


def test_non_string_is_format_error():
    assert _reason(None) == "format"
    assert _reason(110105194912310021) == "format"
    assert list(check_id_numbers(np.array([None, "11010519491231002X"], dtype=object))) == [
        "format",
        "",
    ]


def test_is_valid():
    assert is_valid("11010519491231002X")
    assert not is_valid("11010519491231002")


# ------------------------------------------------------------------ generation


def _population(n, seed=0):
    rng = np.random.default_rng(seed)
    births = np.datetime64("1920-01-01") + rng.integers(0, 100 * 365, n)
    male = rng.random(n) < 0.5
    return births, male


def test_generated_numbers_round_trip():
    births, male = _population(20_000)
    areas = np.random.default_rng(1).choice(np.array(["500237", "371502", "110105"]), 20_000)
    numbers = make_id_numbers(areas, births, male, np.random.default_rng(2))
    assert numbers.shape == (20_000,) and numbers.dtype == np.dtype("U18")
    assert len(np.unique(numbers)) == len(numbers)
    assert (check_id_numbers(numbers) == "").all()
    dates, sexes = birth_dates_and_sexes(numbers)
    assert (dates == births).all()
    assert (sexes == np.where(male, "male", "female")).all()
    assert (np.strings.slice(numbers, 0, 6) == areas).all()
    for i in range(0, 20_000, 997):
        p = parse_id(str(numbers[i]))
        assert p.area_code == areas[i]
        assert p.birth_date == births[i].astype(datetime.date)
        assert p.sex == ("male" if male[i] else "female")


def test_check_digit_agrees_with_stdnum():
    births, male = _population(2_000, seed=5)
    numbers = make_id_numbers("440113", births, male, np.random.default_rng(6))
    for number in numbers.tolist():
        assert number[17] == ric.calc_check_digit(number) == check_digit(number[:17])


def test_generation_is_deterministic():
    births, male = _population(50_000, seed=3)
    a = make_id_numbers("500237", births, male, np.random.default_rng(7))
    b = make_id_numbers("500237", births, male, np.random.default_rng(7))
    assert (a == b).all()


def test_collisions_are_resolved_in_a_crowded_day():
    # Everyone born on one day in one county: 499 women and 500 men exactly fill
    # the sequence codes, so the redraw has to find every free code.
    births = np.full(999, np.datetime64("2000-01-01"))
    male = np.arange(999) < 500
    numbers = make_id_numbers("500237", births, male, np.random.default_rng(0))
    assert len(set(numbers.tolist())) == 999
    seq = np.strings.slice(numbers, 14, 17).astype(int)
    assert (seq % 2 == male).all()
    assert 0 not in seq  # 000 is not issued
    assert (check_id_numbers(numbers) == "").all()


def test_too_many_people_on_one_day():
    births = np.full(501, np.datetime64("2000-01-01"))
    with pytest.raises(ValueError, match="at most 500 men"):
        make_id_numbers("500237", births, np.ones(501, bool), np.random.default_rng(0))


def test_bad_generation_inputs():
    births, male = _population(3)
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError):
        make_id_numbers("50023", births, male, rng)
    with pytest.raises(ValueError):
        make_id_numbers(np.array(["500237", "500237"]), births, male, rng)
    with pytest.raises(ValueError):
        make_id_numbers("500237", births, male[:2], rng)
    with pytest.raises(ValueError):
        make_id_numbers("500237", np.array(["1799-12-31"] * 3, "M8[D]"), male, rng)


# ------------------------------------------------------------------ properties

dates = st.dates(min_value=EARLIEST_BIRTH_DATE, max_value=TODAY)
area_codes = st.from_regex(r"\A[0-9]{6}\Z")


@settings(max_examples=200, deadline=None)
@given(area=area_codes, birth=dates, male=st.booleans(), seed=st.integers(0, 2**32 - 1))
def test_generated_id_parses_back(area, birth, male, seed):
    number = make_id_numbers(
        area, np.array([birth], "M8[D]"), np.array([male]), np.random.default_rng(seed)
    )[0]
    parsed = parse_id(str(number))
    assert (parsed.area_code, parsed.birth_date, parsed.sex) == (
        area,
        birth,
        "male" if male else "female",
    )


@settings(max_examples=300, deadline=None)
@given(
    area=area_codes,
    birth=dates,
    male=st.booleans(),
    seed=st.integers(0, 2**32 - 1),
    pos=st.integers(0, 17),
    replacement=st.sampled_from("0123456789X"),
)
def test_any_single_substitution_is_caught(area, birth, male, seed, pos, replacement):
    number = str(
        make_id_numbers(
            area, np.array([birth], "M8[D]"), np.array([male]), np.random.default_rng(seed)
        )[0]
    )
    assume(number[pos] != replacement)
    changed = number[:pos] + replacement + number[pos + 1 :]
    reason = _reason(changed)
    assert reason in {"format", "birth_date", "checksum"}
    if pos < 6 or pos >= 14:  # area or sequence digits leave the date intact
        assert reason == ("format" if replacement == "X" and pos < 17 else "checksum")
    assert check_id_numbers([changed])[0] == reason


def _near_valid():
    # Mostly well-formed numbers with a random edit, so all three reasons show up.
    def edit(args):
        first17, op, pos, ch = args
        s = first17 + check_digit(first17)
        if op == "replace":
            s = s[:pos] + ch + s[pos + 1 :]
        elif op == "insert":
            s = s[:pos] + ch + s[pos:]
        elif op == "delete":
            s = s[:pos] + s[pos + 1 :]
        elif op == "lower":
            s = s.lower()
        elif op == "pad":
            s = ch + s + ch
        return s

    return st.tuples(
        st.from_regex(r"\A[0-9]{6}(18|19|20)[0-9]{2}[01][0-9][0-3][0-9][0-9]{3}\Z"),
        st.sampled_from(["none", "replace", "insert", "delete", "lower", "pad"]),
        st.integers(0, 17),
        st.sampled_from(list("0123456789Xx \t\u3000aＸ٣")),
    ).map(edit)


# numpy's fixed-width strings cannot hold trailing NULs, so they are left out.
random_text = st.text(
    alphabet=st.characters(blacklist_characters="\x00", blacklist_categories=("Cs",)),
    max_size=22,
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(_near_valid(), random_text), min_size=1, max_size=30))
def test_scalar_and_vectorised_checks_agree(numbers):
    reasons = check_id_numbers(np.array(numbers, dtype=object))
    assert list(reasons) == [_reason(x) for x in numbers]
    dates, sexes = birth_dates_and_sexes(numbers)
    for x, d, s in zip(numbers, dates, sexes):
        if _reason(x):
            assert np.isnat(d) and s == ""
        else:
            p = parse_id(x)
            assert d.astype(datetime.date) == p.birth_date and s == p.sex


def test_checking_in_chunks_gives_the_same_answers(monkeypatch):
    """Large inputs are decoded in chunks to bound memory; the answers must not change."""
    import neisheng.ids as module

    rng = np.random.default_rng(5)
    births = np.datetime64("1950-01-01") + rng.integers(0, 25_000, 1_000).astype("timedelta64[D]")
    numbers = make_id_numbers("500237", births, rng.random(1_000) < 0.5, rng)
    numbers[::7] = [n[:17] + ("0" if n[17] != "0" else "1") for n in numbers[::7]]  # bad check digits
    whole = module.inspect_id_numbers(numbers)
    monkeypatch.setattr(module, "DECODE_CHUNK", 97)
    chunked = module.inspect_id_numbers(numbers)
    for a, b in zip(whole, chunked):
        np.testing.assert_array_equal(a, b)  # NaT equals NaT here
    assert (whole[0][::7] == "checksum").all()
