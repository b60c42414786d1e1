"""The divisions under the user's own with their household counts, and the breadcrumb."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, Q

from neisheng.accounts.models import User
from neisheng.platform import scope
from neisheng.registry.models import Division, Household


@dataclass
class TreeNode:
    division: Division
    households: int = 0
    lifted: int = 0
    monitored: int = 0
    children: list[TreeNode] = field(default_factory=list)


def division_tree(user: User) -> list[TreeNode]:
    """The divisions under the user's own, each with household counts, as nested nodes.

    The counts come from one query grouped by village; towns and counties add their
    villages up in Python, which loops over divisions (hundreds), never households."""
    per_village = (
        scope.visible_to(user, Household)
        .values("village_id")
        .annotate(
            n=Count("pk"),
            lifted=Count("pk", filter=Q(status="lifted")),
            monitored=Count("pk", filter=Q(status="monitored")),
        )
        .order_by()
    )
    nodes = {d.code: TreeNode(d) for d in scope.visible_to(user, Division).order_by("code")}
    for row in per_village:
        node = nodes.get(row["village_id"])
        if node is not None:
            node.households, node.lifted, node.monitored = row["n"], row["lifted"], row["monitored"]
    roots = []
    # Deepest first, so a town's total is complete before its county adds it.
    for node in sorted(nodes.values(), key=lambda n: -n.division.level):
        parent = nodes.get(node.division.parent_id)
        if parent is None:
            roots.append(node)
            continue
        parent.households += node.households
        parent.lifted += node.lifted
        parent.monitored += node.monitored
        parent.children.append(node)
    for node in nodes.values():
        node.children.sort(key=lambda n: n.division.code)
    return sorted(roots, key=lambda n: n.division.code)


def ancestors_of(user: User) -> list[Division]:
    """The divisions above the user's own, top first, for the breadcrumb."""
    if user.division_id is None:
        return []
    return list(
        scope.visible_to(user, Division, ancestors=True).filter(level__lt=user.division.level).order_by("level")
    )


def division_filter_choices(user: User, selected_code: str = "") -> list[Division]:
    """The options of a list's division filter: the towns in scope, and the villages of one
    town — the chosen one (a town, or a village's town), or the only one. A county has
    thousands of villages; listing them all made every list page carry some 130 KB of
    options. Every list with a division filter (households, warning lists, cases) uses it."""
    under = scope.visible_to(user, Division)
    towns = list(under.filter(level=4).order_by("code"))
    if not towns:
        return list(under.filter(level=5).order_by("code"))
    open_town = None
    chosen = under.filter(code=selected_code).first() if selected_code else None
    if chosen is not None and chosen.level in (4, 5):
        open_town = chosen.code if chosen.level == 4 else chosen.parent_id
    elif len(towns) == 1:
        open_town = towns[0].code
    villages = list(under.filter(level=5, parent_id=open_town).order_by("code")) if open_town else []
    choices = []
    for town in towns:
        choices.append(town)
        if town.code == open_town:
            choices.extend(villages)
    return choices


def division_chosen(user: User, code: str) -> Division | None:
    """The division a reader chose (a dashboard's `?division=`), within their scope
    (Http404 outside it); their own without one; None for a reader with no division."""
    from django.http import Http404

    if code:
        division = scope.visible_to(user, Division).filter(pk=code).first()
        if division is None:
            raise Http404
        return division
    return user.division
