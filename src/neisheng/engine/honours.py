"""The score of a model household (脱贫示范户评选, issue 16): four criteria whose weights
and full-score figures are policy (`honours:` in policies/default.yaml), each giving a
fraction 0–1 of its weight, the total 0–100.

- income_growth: growth of net income per person (as the ledger's years give it, by
  engine.household.ledger_years) from the earlier year to the later one. The later year
  is the newest ledger year up to the selection's year; the earlier one two years before
  it when the ledger holds it, else the year before (the registry keeps this year and
  last). Full at `income_growth_full` (0.5 = +50 %) over two years, and at half of it
  over one year (the policy's figure is for two years: a ledger of two consecutive years
  is held to the share of it those years cover), linear below, 0 when it fell. A
  household with nothing or less in the earlier year that has a positive income in the
  later one gets the full score (growth from nothing has no ratio); no ledger in
  either year: 0.
- own_effort: members working at least the policy's `employment_months_at_least` plus
  trainings they finished, full at `own_effort_full`.
- helping_others: acts of help recorded with the nomination, full at `helping_others_full`.
- willingness: the registry's 1–5, as (w − 1) / 4.

Every fraction is exact (Fraction); each criterion's points are weight × 100 × fraction
rounded half up to 0.01, and the total is the sum of the points shown, so the page's
figures add up. Each criterion keeps the figures it used, for the reviewer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

CRITERIA = ("income_growth", "own_effort", "helping_others", "willingness")
CENT = Decimal("0.01")
WILLINGNESS_LOW, WILLINGNESS_HIGH = 1, 5


@dataclass(frozen=True)
class HonourFacts:
    year: int  # the selection's year
    income_pc: dict[int, Decimal | None]  # ledger year -> net income per person (None: no living member)
    working_members: int  # living members working at least the policy's months
    trainings_finished: int  # trainings the members finished
    help_acts: int  # acts of help recorded with the nomination
    willingness: int  # the registry's 1-5


@dataclass(frozen=True)
class Criterion:
    code: str
    weight: Fraction
    fraction: Fraction
    points: Decimal
    figures: dict = field(default_factory=dict)  # what the criterion used, for the page


@dataclass(frozen=True)
class HonourScore:
    total: Decimal
    criteria: tuple[Criterion, ...]

    def figures(self) -> dict:
        """As stored with the score: each criterion's points, fraction and figures."""
        return {c.code: {"weight": str(Decimal(c.weight.numerator) / Decimal(c.weight.denominator)),
                         "fraction": f"{c.fraction.numerator}/{c.fraction.denominator}",
                         "points": str(c.points), **c.figures} for c in self.criteria}


def _capped(value: Fraction) -> Fraction:
    return max(Fraction(0), min(Fraction(1), value))


def _points(weight: Fraction, fraction: Fraction) -> Decimal:
    exact = weight * 100 * fraction
    return (Decimal(exact.numerator) / Decimal(exact.denominator)).quantize(CENT, rounding=ROUND_HALF_UP)


def income_years(income_pc: dict[int, Decimal | None], year: int) -> tuple[int | None, int | None]:
    """(earlier, later) ledger years compared, or None where the ledger has none."""
    known = sorted(y for y, v in income_pc.items() if y <= year and v is not None)
    if not known:
        return None, None
    later = known[-1]
    for earlier in (later - 2, later - 1):
        if earlier in known:
            return earlier, later
    return None, later


GROWTH_YEARS = 2  # the policy's income_growth_full is growth over this many years


def _decimal(value: Fraction) -> str:
    exact = (Decimal(value.numerator) / Decimal(value.denominator)).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)
    return format(exact.normalize(), "f")


def income_growth(facts: HonourFacts, full: Fraction) -> tuple[Fraction, dict]:
    earlier, later = income_years(facts.income_pc, facts.year)
    if earlier is not None and later is not None:
        full = full * Fraction(later - earlier, GROWTH_YEARS)
    figures: dict = {"earlier_year": earlier, "later_year": later,
                     "earlier": str(facts.income_pc[earlier]) if earlier is not None else None,
                     "later": str(facts.income_pc[later]) if later is not None else None,
                     "full_at": _decimal(full), "growth": None}
    if earlier is None or later is None:
        figures["case"] = "no_ledger"
        return Fraction(0), figures
    before, after = Fraction(facts.income_pc[earlier]), Fraction(facts.income_pc[later])
    if before <= 0:
        figures["case"] = "from_nothing" if after > 0 else "fell"
        return (Fraction(1) if after > 0 else Fraction(0)), figures
    growth = (after - before) / before
    figures["growth"] = str((Decimal(growth.numerator) / Decimal(growth.denominator)).quantize(Decimal("0.0001"),
                                                                                             rounding=ROUND_HALF_UP))
    if growth <= 0:
        figures["case"] = "fell" if growth < 0 else "flat"
        return Fraction(0), figures
    figures["case"] = "grew"
    return _capped(growth / full), figures


def honour_score(facts: HonourFacts, *, weights: dict[str, float], income_growth_full: float,
                 own_effort_full: int, helping_others_full: int) -> HonourScore:
    """The nomination's score from its facts and the policy's numbers."""
    missing = [c for c in CRITERIA if c not in weights]
    if missing:
        raise ValueError(f"weights lack {missing}")
    weight = {c: Fraction(str(weights[c])) for c in CRITERIA}
    full_growth = Fraction(str(income_growth_full))
    if full_growth <= 0 or own_effort_full <= 0 or helping_others_full <= 0:
        raise ValueError("full-score figures must be positive")
    growth, growth_figures = income_growth(facts, full_growth)
    effort = facts.working_members + facts.trainings_finished
    willingness = min(WILLINGNESS_HIGH, max(WILLINGNESS_LOW, facts.willingness))
    fractions = {
        "income_growth": (growth, growth_figures),
        "own_effort": (_capped(Fraction(effort, own_effort_full)),
                       {"working_members": facts.working_members, "trainings_finished": facts.trainings_finished,
                        "full_at": own_effort_full}),
        "helping_others": (_capped(Fraction(facts.help_acts, helping_others_full)),
                           {"help_acts": facts.help_acts, "full_at": helping_others_full}),
        "willingness": (Fraction(willingness - WILLINGNESS_LOW, WILLINGNESS_HIGH - WILLINGNESS_LOW),
                        {"willingness": facts.willingness}),
    }
    criteria = tuple(Criterion(code=c, weight=weight[c], fraction=fractions[c][0],
                               points=_points(weight[c], fractions[c][0]), figures=fractions[c][1])
                     for c in CRITERIA)
    return HonourScore(total=sum((c.points for c in criteria), Decimal("0.00")), criteria=criteria)
