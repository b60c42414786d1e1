"""The home page's key figures, and the cache that keeps county-wide counts per scope."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Count, Q

from neisheng.accounts.models import User
from neisheng.engine import schema
from neisheng.platform import scope
from neisheng.platform.cache import cached
from neisheng.platform.extensions import households_annotated_for, stored_or_counted
from neisheng.platform.listing import data_version
from neisheng.registry.models import Household, Person
from neisheng.registry.selectors.attributes import MOTIVATION, RISK, attribute_for
from neisheng.registry.selectors.listing import HOUSING_PROBLEMS

FIGURES_SECONDS = 600


def figures_version() -> str:
    """The version under which figures are cached and stored: platform.listing.data_version
    (the one version of every cached count) as text; it changes with every write that may
    change a count."""
    return "-".join(str(v) for v in data_version())


def cached_for_scope(user: User, name: str, compute):
    """County-wide counts take a second over a million households: those stored ahead of
    time for this scope and version (a monitoring run stores its scopes' figures as it
    finishes, platform.extensions.stored_figures) are read; others are counted and kept
    per scope until the registry changes (or ten minutes pass, for writes made outside the
    platform)."""

    version = figures_version()
    bounds = scope.code_range(user) or ("all", "all")
    key = f"registry-{name}-{bounds[0]}-{bounds[1]}-{version}"
    return cached(key, lambda: stored_or_counted(user, name, version, compute), FIGURES_SECONDS)


def key_figures(user: User) -> dict:
    """Counts for the home page: one aggregate over households (with the risk and the
    motivation joined only when a monitoring run covers the user) and one count of alive
    persons."""
    risk = attribute_for(RISK, user)
    motivation = attribute_for(MOTIVATION, user)
    with_results = risk is not None
    counts = {
        "households": Count("pk"),
        "housing_problem": Count("pk", filter=Q(housing__in=HOUSING_PROBLEMS)),
        "water_problem": Count("pk", filter=Q(water="unsafe")),
        "food_problem": Count("pk", filter=Q(food_clothing_ok=False)),
    }
    for code in schema.STATUS:
        counts[f"status_{code}"] = Count("pk", filter=Q(status=code))
    for code in schema.CATEGORY:
        counts[f"category_{code}"] = Count("pk", filter=Q(category=code))
    joined = []
    if with_results:
        joined.append(risk)
        for code in schema.RISK:
            counts[f"risk_{code}"] = Count("pk", filter=Q(risk=code))
        if motivation is not None:
            joined.append(motivation)
            counts["assessed"] = Count("pk", filter=Q(motivation__isnull=False))
            counts["motivation_poor"] = Count("pk", filter=Q(motivation="poor"))
    households = households_annotated_for(user, scope.visible_to(user, Household), joined)
    figures = households.aggregate(**counts)
    figures["persons"] = scope.visible_to(user, Person).filter(alive=True).count()
    figures["with_results"] = with_results
    figures["status"] = [(code, label, figures[f"status_{code}"]) for code, label in schema.STATUS.items()]
    figures["category"] = [
        (code, label, figures[f"category_{code}"]) for code, label in schema.CATEGORY.items()
    ]
    if with_results:
        figures["risk"] = [
            (code, label, figures[f"risk_{code}"]) for code, label in schema.RISK_ALERT.items()
        ]
        assessed = figures.setdefault("assessed", 0)
        figures.setdefault("motivation_poor", 0)
        figures["motivation_poor_share"] = (
            Decimal(figures["motivation_poor"] * 100) / assessed if assessed else None
        )
    return figures
