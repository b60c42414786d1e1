"""Chinese resident identity numbers (公民身份号码, GB 11643-1999).

An 18-character number: 6-digit area code (GB/T 2260) of the place of first
registration, 8-digit birth date YYYYMMDD, 3-digit sequence code whose last digit
is odd for men and even for women, and an ISO 7064 MOD 11-2 check character.

The area code is deliberately not checked against a table: people born in
counties that have since been abolished or renumbered keep their numbers for
life, so a current table would reject genuine residents.

The scalar functions are for single values (forms, the web platform); the
``*_id_numbers`` functions work on whole numpy arrays without a per-element Python
loop, because a synthetic county or a registry import holds millions of people.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

import numpy as np

__all__ = [
    "EARLIEST_BIRTH_DATE",
    "REASONS",
    "IdNumber",
    "InvalidIdNumber",
    "birth_dates_and_sexes",
    "check_digit",
    "check_id_numbers",
    "is_valid",
    "make_id_numbers",
    "normalize_id_numbers",
    "parse_id",
]

# The standard's own example 440524188001010014 was born in 1880, so 1900 would
# reject a number the standard itself calls valid.
EARLIEST_BIRTH_DATE = datetime.date(1800, 1, 1)

# Weight of position i (1-based from the left) is 2**(18 - i) mod 11.
_WEIGHTS = np.array([pow(2, 17 - i, 11) for i in range(17)], dtype=np.int64)
# Indexed by (weighted sum mod 11): the character that makes the total ≡ 1 (mod 11).
_CHECK_CHARS = "10X98765432"
_CHECK_CODEPOINTS = np.array([ord(c) for c in _CHECK_CHARS], dtype=np.uint32)

_FORMAT_RE = re.compile(r"[0-9]{17}[0-9Xx]")  # not \d: that admits non-ASCII digits

REASONS = {
    "format": "格式错误:应为17位数字加1位校验码(0-9或X) / "
    "format: expected 17 digits followed by a check character 0-9 or X",
    "birth_date": "出生日期无效 / birth date is not a real date between 1800-01-01 and today",
    "checksum": "校验码错误 / checksum digit is wrong",
}


class InvalidIdNumber(ValueError):
    """An ID number that fails GB 11643; ``reason`` is 'format', 'birth_date' or 'checksum'."""

    def __init__(self, reason: str, number: str | None = None, detail: str = "") -> None:
        if reason not in REASONS:
            raise ValueError(f"unknown reason {reason!r}")
        self.reason = reason
        self.number = number
        message = REASONS[reason]
        if detail:
            message = f"{message} ({detail})"
        if number is not None:
            message = f"{number!r}: {message}"
        super().__init__(message)


@dataclass(frozen=True)
class IdNumber:
    number: str
    area_code: str
    birth_date: datetime.date
    sex: str  # "male" or "female"


def check_digit(first17: str) -> str:
    """The MOD 11-2 check character ('0'-'9' or 'X') for the first 17 digits."""
    if not re.fullmatch(r"[0-9]{17}", first17):
        raise InvalidIdNumber("format", first17, "check_digit needs exactly 17 digits")
    total = sum(int(c) * int(w) for c, w in zip(first17, _WEIGHTS))
    return _CHECK_CHARS[total % 11]


def parse_id(number: str, *, today: datetime.date | None = None) -> IdNumber:
    """Validate and decode an ID number; raises InvalidIdNumber.

    Checks run format, then birth date, then checksum, so that a typo in the date
    is reported as a date problem rather than as the checksum failure it also causes.
    """
    if not isinstance(number, str):
        raise InvalidIdNumber("format", repr(number), "not a string")
    s = number.strip()
    if not _FORMAT_RE.fullmatch(s):
        raise InvalidIdNumber("format", number)
    s = s[:17] + s[17].upper()
    today = today or datetime.date.today()
    try:
        birth = datetime.date(int(s[6:10]), int(s[10:12]), int(s[12:14]))
    except ValueError:
        raise InvalidIdNumber("birth_date", s, f"{s[6:14]} is not a calendar date") from None
    if not EARLIEST_BIRTH_DATE <= birth <= today:
        raise InvalidIdNumber("birth_date", s, f"{birth.isoformat()} is out of range")
    expected = check_digit(s[:17])
    if s[17] != expected:
        raise InvalidIdNumber("checksum", s, f"expected {expected}")
    return IdNumber(
        number=s,
        area_code=s[:6],
        birth_date=birth,
        sex="male" if int(s[16]) % 2 else "female",
    )


def is_valid(number: str) -> bool:
    try:
        parse_id(number)
    except InvalidIdNumber:
        return False
    return True


# --------------------------------------------------------------------------- vectorised
#
# Fixed-width numpy unicode arrays are UCS-4, so viewing '<U18' as uint32 gives the
# code points directly: no encode step, and non-ASCII characters stay visible as
# values > 127 instead of raising.


def _as_unicode(values) -> np.ndarray:
    arr = np.asarray(values)
    if arr.dtype.kind != "U":
        # object arrays (e.g. from pyarrow/pandas) may hold None; str(None) fails the format check.
        arr = arr.astype(str)
    return arr.reshape(-1)


def _codepoints(arr: np.ndarray, width: int) -> np.ndarray:
    """(n, width) uint32 code points; shorter strings are padded with 0, longer truncated."""
    fixed = np.ascontiguousarray(arr.astype(f"U{width}"))
    return fixed.view(np.uint32).reshape(-1, width)


DECODE_CHUNK = 250_000


def _decode(numbers, today: datetime.date | None):
    """Shared core of the vectorised checks: reasons, birth dates, 17th digit. Works
    through the numbers in chunks: the per-digit arrays of a county's millions of numbers
    would otherwise take gigabytes at once."""
    arr = _as_unicode(numbers)
    if arr.shape[0] <= DECODE_CHUNK:
        return _decode_chunk(arr, today)
    parts = [_decode_chunk(arr[start:start + DECODE_CHUNK], today)
             for start in range(0, arr.shape[0], DECODE_CHUNK)]
    return tuple(np.concatenate(column) for column in zip(*parts))


def _decode_chunk(numbers, today: datetime.date | None):
    arr = np.strings.strip(_as_unicode(numbers))
    n = arr.shape[0]
    cp = _codepoints(arr, 18)
    is_digit = (cp >= 48) & (cp <= 57)
    last = cp[:, 17]
    last_upper = np.where(last == ord("x"), ord("X"), last)
    fmt_ok = (
        (np.strings.str_len(arr) == 18)
        & is_digit[:, :17].all(axis=1)
        & (is_digit[:, 17] | (last_upper == ord("X")))
    )
    digits = np.where(is_digit, cp - 48, 0).astype(np.int64)

    year = digits[:, 6] * 1000 + digits[:, 7] * 100 + digits[:, 8] * 10 + digits[:, 9]
    month = digits[:, 10] * 10 + digits[:, 11]
    day = digits[:, 12] * 10 + digits[:, 13]
    month_ok = (month >= 1) & (month <= 12)
    safe_month = np.where(month_ok, month, 1)
    first_of_month = (year - 1970).astype("datetime64[Y]").astype("datetime64[M]") + (
        safe_month - 1
    )
    days_in_month = (
        (first_of_month + 1).astype("datetime64[D]") - first_of_month.astype("datetime64[D]")
    ).astype(np.int64)
    day_ok = (day >= 1) & (day <= days_in_month)
    births = first_of_month.astype("datetime64[D]") + (np.where(day_ok, day, 1) - 1)
    today64 = np.datetime64(today or datetime.date.today(), "D")
    date_ok = (
        month_ok
        & day_ok
        & (births >= np.datetime64(EARLIEST_BIRTH_DATE, "D"))
        & (births <= today64)
    )

    expected = _CHECK_CODEPOINTS[(digits[:, :17] @ _WEIGHTS) % 11]
    sum_ok = expected == last_upper

    reasons = np.full(n, "", dtype="U10")
    reasons[fmt_ok & date_ok & ~sum_ok] = "checksum"
    reasons[fmt_ok & ~date_ok] = "birth_date"
    reasons[~fmt_ok] = "format"
    return reasons, births, digits[:, 16]


def check_id_numbers(numbers, *, today: datetime.date | None = None) -> np.ndarray:
    """Per element, '' if valid else the reason parse_id would give.

    Returns a '<U10' array of '', 'format', 'birth_date' or 'checksum', in the same
    order and with the same precedence as parse_id.
    """
    return _decode(numbers, today)[0]


def birth_dates_and_sexes(
    numbers, *, today: datetime.date | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Birth dates (datetime64[D]) and sexes ('male'/'female') read from ID numbers.

    Any invalid number, for whatever reason, gives NaT and '' so that callers
    comparing against the registry's own columns never trust a broken number.
    """
    _, dates, sexes = inspect_id_numbers(numbers, today=today)
    return dates, sexes


def inspect_id_numbers(
    numbers, *, today: datetime.date | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """check_id_numbers and birth_dates_and_sexes in one pass over the numbers, for
    a validator reading millions of them."""
    reasons, births, seventeenth = _decode(numbers, today)
    valid = reasons == ""
    dates = np.where(valid, births, np.datetime64("NaT", "D"))
    sexes = np.where(valid, np.where(seventeenth % 2 == 1, "male", "female"), "")
    return reasons, dates, sexes.astype("U6")


def normalize_id_numbers(numbers) -> np.ndarray:
    """Stripped, with a lower-case check 'x' upper-cased; the form parse_id stores."""
    arr = np.strings.strip(_as_unicode(numbers))
    lower_x = (np.strings.str_len(arr) == 18) & np.strings.endswith(arr, "x")
    return np.where(lower_x, np.strings.add(np.strings.slice(arr, 0, 17), "X"), arr)


def make_id_numbers(
    area_codes,
    birth_dates: np.ndarray,
    is_male: np.ndarray,
    rng: np.random.Generator,
) -> np.ndarray:
    """Unique, valid ID numbers for a synthetic population, as a '<U18' array.

    Sequence codes are random with the right parity; female codes avoid 000
    (real offices start at 001), leaving 499 female and 500 male codes per
    (area, birth date). Collisions are redrawn with the same generator, so the
    result depends only on the inputs and the generator's state.
    """
    birth_dates = np.asarray(birth_dates).astype("datetime64[D]").reshape(-1)
    is_male = np.asarray(is_male, dtype=bool).reshape(-1)
    n = birth_dates.shape[0]
    if is_male.shape[0] != n:
        raise ValueError("birth_dates and is_male must have the same length")
    areas, area_int, area_weight = _area_digits(area_codes, n)

    if np.isnat(birth_dates).any():
        raise ValueError("birth_dates contains NaT")
    day = (birth_dates - np.datetime64(EARLIEST_BIRTH_DATE, "D")).astype(np.int64)
    if n and (day.min() < 0 or birth_dates.max() > np.datetime64("9999-12-31")):
        raise ValueError("birth dates must lie in 1800-01-01..9999-12-31")
    first_day = int(day.min()) if n else 0
    day -= first_day
    # Calendar conversion is the slow part of datetime64, so do it once per
    # distinct day in range and gather, rather than once per person.
    date_str, date_weight = _date_tables(first_day, int(day.max()) + 1 if n else 0)

    parity = is_male.astype(np.int64)
    low = 1 - parity  # female half-codes start at 1 so that 000 is never used
    # Any injective key will do for uniqueness; this one fits easily in int64.
    prefix = (area_int * 10**7 + day) * 1000

    keys = prefix + 2 * rng.integers(low, 500, size=n) + parity
    pending, accepted = _first_collisions(keys)
    # After the first full sort only the redrawn numbers are checked, against the
    # sorted accepted keys, so extra rounds cost little however many are needed.
    for _ in range(64):
        if pending.size == 0:
            break
        cand = prefix[pending] + 2 * rng.integers(low[pending], 500) + parity[pending]
        ok = ~_in_sorted(accepted, cand) & ~_later_duplicates(cand)
        keys[pending[ok]] = cand[ok]
        new = np.sort(cand[ok])
        accepted = np.insert(accepted, np.searchsorted(accepted, new), new)
        pending = pending[~ok]
    if pending.size:
        _fill_remaining(keys, pending, accepted, prefix, parity, low)

    seq = keys % 1000
    # Viewing each 18-character string as four fixed-width fields turns assembly
    # into a few strided memcpys instead of per-character arithmetic.
    out = np.empty(n, dtype=_LAYOUT)
    out["area"] = areas
    out["date"] = date_str[day]
    out["seq"] = _SEQ_STR[seq]
    out["check"] = _CHECK_STR[(area_weight + date_weight[day] + _SEQ_WEIGHT[seq]) % 11]
    return out.view("U18")


_LAYOUT = np.dtype([("area", "U6"), ("date", "U8"), ("seq", "U3"), ("check", "U1")])
_CHECK_STR = np.array(list(_CHECK_CHARS), dtype="U1")
_SEQ_DIGITS = np.arange(1000)[:, None] // np.array([100, 10, 1]) % 10
_SEQ_STR = np.array([f"{i:03d}" for i in range(1000)], dtype="U3")
_SEQ_WEIGHT = _SEQ_DIGITS @ _WEIGHTS[14:17]


def _area_digits(area_codes, n: int):
    """Area codes as '<U6' strings, integers and weighted digit sums (scalars if one code)."""
    areas = np.asarray(area_codes)
    scalar = areas.ndim == 0
    areas = _as_unicode(areas)
    if not scalar and areas.shape[0] != n:
        raise ValueError("area_codes must be one code or one per person")
    cp = _codepoints(areas, 6)
    if not ((np.strings.str_len(areas) == 6).all() and ((cp >= 48) & (cp <= 57)).all()):
        raise ValueError("area codes must be 6-digit strings")
    digits = cp.astype(np.int64) - 48
    as_int = digits @ (10 ** np.arange(5, -1, -1))
    weight = digits @ _WEIGHTS[:6]
    if scalar:
        return areas[0], as_int[0], weight[0]
    return areas.astype("U6"), as_int, weight


def _date_tables(first_day: int, ndays: int) -> tuple[np.ndarray, np.ndarray]:
    """For days first_day.. since 1800-01-01: 'YYYYMMDD' strings and weighted digit sums."""
    days = np.datetime64(EARLIEST_BIRTH_DATE, "D") + first_day + np.arange(ndays)
    months = days.astype("datetime64[M]")
    year = days.astype("datetime64[Y]").astype(np.int64) + 1970
    month = months.astype(np.int64) % 12 + 1
    dom = (days - months.astype("datetime64[D]")).astype(np.int64) + 1
    ymd = year * 10000 + month * 100 + dom
    digits = ymd[:, None] // (10 ** np.arange(7, -1, -1)) % 10
    return ymd.astype("U8"), digits @ _WEIGHTS[6:14]


def _first_collisions(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Positions of keys already taken by an earlier position, and the sorted distinct keys."""
    # A plain sort is several times faster than argsort on millions of keys;
    # positions are only needed for the few keys that actually repeat.
    s = np.sort(keys)
    same = s[1:] == s[:-1]
    accepted = s[np.concatenate(([True], ~same))] if s.size else s
    repeated = np.unique(s[1:][same])
    if repeated.size == 0:
        return np.empty(0, dtype=np.int64), accepted
    # A bitmap on the low bits screens out almost every key cheaply; binary search
    # over all n keys would cost more than the sort.
    mask = (1 << 24) - 1
    bitmap = np.zeros(mask + 1, dtype=bool)
    bitmap[repeated & mask] = True
    maybe = np.flatnonzero(bitmap[keys & mask])
    pos = np.minimum(np.searchsorted(repeated, keys[maybe]), repeated.size - 1)
    involved = maybe[repeated[pos] == keys[maybe]]
    return involved[_later_duplicates(keys[involved])], accepted


def _in_sorted(sorted_keys: np.ndarray, queries: np.ndarray) -> np.ndarray:
    # Searching in sorted order keeps the binary searches cache-friendly.
    order = np.argsort(queries)
    pos = np.searchsorted(sorted_keys, queries[order])
    pos = np.minimum(pos, sorted_keys.size - 1)
    found = np.empty(queries.shape[0], dtype=bool)
    found[order] = sorted_keys[pos] == queries[order]
    return found


def _later_duplicates(keys: np.ndarray) -> np.ndarray:
    """True for every occurrence of a key after its first (by position)."""
    order = np.argsort(keys, kind="stable")
    s = keys[order]
    repeat = np.zeros(s.shape[0], dtype=bool)
    repeat[1:] = s[1:] == s[:-1]
    out = np.empty_like(repeat)
    out[order] = repeat
    return out


def _fill_remaining(keys, pending, accepted, prefix, parity, low) -> None:
    # Only reached when a group is (nearly) full and random redraws keep colliding:
    # hand out the lowest free codes, which is still unique and deterministic.
    used = set(accepted.tolist())
    for i in pending.tolist():
        for k in range(int(low[i]), 500):
            candidate = int(prefix[i]) + 2 * k + int(parity[i])
            if candidate not in used:
                used.add(candidate)
                keys[i] = candidate
                break
        else:
            sex = "male" if parity[i] else "female"
            raise ValueError(
                "too many people share an area code, birth date and sex "
                f"({sex}): at most 500 men or 499 women fit"
            )
