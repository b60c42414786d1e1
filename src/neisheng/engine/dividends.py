"""The arithmetic of a distribution plan (projects.md), in one place: the collective's
share rounded half up to the fen, the rest split by weight with the largest-remainder
method, and who counts as a living member on the plan date.

Pure Python on `Decimal` and `Fraction`: exact, no floating point anywhere, so a plan of
7,000.00 yuan among 6 households is four 1,166.67 and two 1,166.66 on every machine.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

FEN = Decimal("0.01")


def collective_amount(total: Decimal, collective_share: Decimal | Fraction | int) -> Decimal:
    """`round_half_up(total × collective_share)` to the fen; the share is from 0 to 1."""
    total_fen = _fen_of(total)
    share = _exact(collective_share, what="collective share")
    if not 0 <= share <= 1:
        raise ValueError(f"the collective share must be from 0 to 1, not {collective_share}")
    exact_fen = total_fen * share
    # Half up on a non-negative value: ⌊x + ½⌋, so 0.005 yuan is one fen.
    return _yuan(math.floor(exact_fen + Fraction(1, 2)))


def allocate(total: Decimal, weights: Mapping[str, int | Decimal | Fraction]) -> dict[str, Decimal]:
    """`total` yuan split among `weights`' households by the largest-remainder method:
    each first gets ⌊D × wᵢ / W⌋ fen, the fen left over go one each to the largest
    fractional parts, ties to the smaller household_id. Returns household_id → Decimal
    with two places, summing exactly to `total`. A negative total or weight, a total
    with more than two places, or all weights zero raise ValueError."""
    total_fen = _fen_of(total)
    ratios = {household_id: _ratio(weight, what=f"weight of household {household_id}")
              for household_id, weight in weights.items()}
    for household_id, (numerator, _) in ratios.items():
        if numerator < 0:
            raise ValueError(f"the weight of household {household_id} is negative ({weights[household_id]})")
    # Whole-number weights over a common denominator: the same shares as fractions, with
    # integer division (a county's hundred thousand households in well under a second).
    common = math.lcm(*{denominator for _, denominator in ratios.values()}) if ratios else 1
    whole = {household_id: numerator * (common // denominator)
             for household_id, (numerator, denominator) in ratios.items()}
    weight_sum = sum(whole.values())
    if weight_sum == 0:
        raise ValueError("allocate needs at least one household with a positive weight")
    fen: dict[str, int] = {}
    remainders: dict[str, int] = {}
    for household_id, weight in whole.items():
        fen[household_id], remainders[household_id] = divmod(total_fen * weight, weight_sum)
    left_over = total_fen - sum(fen.values())
    # The fen left over number fewer than the households with a fractional part, so a
    # household of weight zero (remainder zero) never receives one.
    with_fraction = [household_id for household_id, remainder in remainders.items() if remainder]
    with_fraction.sort(key=lambda household_id: (-remainders[household_id], str(household_id)))
    for household_id in with_fraction[:left_over]:
        fen[household_id] += 1
    return {household_id: _yuan(amount) for household_id, amount in fen.items()}


def _fen_of(total) -> int:
    """A total in yuan as whole fen; refuses what is not an exact, non-negative amount."""
    if isinstance(total, bool) or not isinstance(total, (Decimal, int)):
        # ValueError, as projects.md names it for every argument allocate refuses.
        raise ValueError(f"the total must be a Decimal amount of yuan, not {type(total).__name__} {total!r}")  # noqa: TRY004
    if isinstance(total, Decimal) and not total.is_finite():
        raise ValueError(f"the total must be a finite amount, not {total}")
    if total < 0:
        raise ValueError(f"the total must not be negative ({total})")
    fen = Fraction(total) * 100
    if fen.denominator != 1:
        raise ValueError(f"the total {total} has more than two decimal places")
    return int(fen)


def _exact(value, *, what: str) -> Fraction:
    """A weight or share as an exact fraction; a float (binary, already rounded) or a bool
    (a slip for a number) is refused rather than guessed at."""
    if isinstance(value, bool) or not isinstance(value, (int, Decimal, Fraction)):
        raise ValueError(f"the {what} must be an int, Decimal or Fraction, not {type(value).__name__} {value!r}")  # noqa: TRY004
    if isinstance(value, Decimal) and not value.is_finite():
        raise ValueError(f"the {what} must be finite, not {value}")
    return Fraction(value)


def _ratio(value, *, what: str) -> tuple[int, int]:
    """A weight as (numerator, denominator), validated as _exact validates it."""
    if type(value) is int:
        return value, 1
    exact = _exact(value, what=what)
    return exact.numerator, exact.denominator


def _yuan(fen: int) -> Decimal:
    return Decimal(fen).scaleb(-2).quantize(FEN)


@dataclass(frozen=True)
class Member:
    """What the plan date needs of a member: when born, whether alive now and, for one
    who is not, the day the registry learned of the death (None: before any record)."""

    person_id: str
    born_on: dt.date | None
    alive: bool
    died_on: dt.date | None = None


def alive_on(member: Member, day: dt.date) -> bool:
    """Born by `day` and not yet dead on it (a death known only as "not alive", with no
    date, counts as before any day).

    `died_on` is the first day the member is no longer alive: a member born on `day`
    counts on that day, one who died on `day` does not. A member still alive counts on
    every day from birth (`died_on` is then ignored)."""
    if member.born_on is not None and member.born_on > day:
        return False
    if member.alive:
        return True
    return member.died_on is not None and member.died_on > day


def members_alive_on(members: Iterable[Member], day: dt.date) -> int:
    return sum(1 for member in members if alive_on(member, day))
