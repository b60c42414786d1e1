"""The arithmetic of a distribution plan (projects.md), in one place: the collective's
share rounded half up to the fen, the rest split by weight with the largest-remainder
method, and who counts as a living member on the plan date.

Pure Python on `Decimal` and `Fraction`: exact, no floating point anywhere, so a plan of
7,000.00 yuan among 6 households is four 1,166.67 and two 1,166.66 on every machine.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

FEN = Decimal("0.01")


def collective_amount(total: Decimal, collective_share: Decimal | Fraction | int) -> Decimal:
    """`round_half_up(total × collective_share)` to the fen; the share is from 0 to 1."""
    raise NotImplementedError


def allocate(total: Decimal, weights: Mapping[str, int | Decimal | Fraction]) -> dict[str, Decimal]:
    """`total` yuan split among `weights`' households by the largest-remainder method:
    each first gets ⌊D × wᵢ / W⌋ fen, the fen left over go one each to the largest
    fractional parts, ties to the smaller household_id. Returns household_id → Decimal
    with two places, summing exactly to `total`. A negative total or weight, a total
    with more than two places, or all weights zero raise ValueError."""
    raise NotImplementedError


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
    date, counts as before any day)."""
    raise NotImplementedError


def members_alive_on(members: Iterable[Member], day: dt.date) -> int:
    return sum(1 for member in members if alive_on(member, day))
