"""Reads of model households, always through platform.scope."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.http import Http404

from neisheng.divisions import PREFIX_LENGTH, level_of
from neisheng.honours.models import Nomination, Pairing, PairMeeting, Selection
from neisheng.platform import scope
from neisheng.registry.models import Division, Person

S = Nomination.State


def nominations_visible(user):
    return scope.visible_to(user, Nomination).select_related("selection", "household")


def nomination_for(user, pk) -> Nomination:
    found = nominations_visible(user).filter(pk=pk).first()
    if found is None:
        raise Http404("未找到该推荐 / no such nomination")
    return found


def pairing_for(user, pk) -> Pairing:
    found = scope.visible_to(user, Pairing).select_related("nomination", "household").filter(pk=pk).first()
    if found is None:
        raise Http404("未找到该结对 / no such pairing")
    return found


def years_visible(user) -> list[int]:
    return sorted(set(scope.visible_to(user, Selection).values_list("year", flat=True)), reverse=True)


def head_names(household_ids) -> dict[str, str]:
    """Each household's head (a living head first), the name a roll shows."""
    names: dict[str, str] = {}
    ids = list(dict.fromkeys(household_ids))
    for start in range(0, len(ids), 900):
        rows = (Person.objects.filter(household_id__in=ids[start:start + 900], relation="head")
                .order_by("-alive", "person_id").values_list("household_id", "name"))
        for household_id, name in rows:
            names.setdefault(household_id, name)
    return names


def division_in_scope(user, code: str) -> Division:
    """A village or town the user may see, else 404."""
    division = Division.objects.filter(code=code, level__in=(4, 5)).first()
    if division is None or not scope.code_is_within(user, division.code):
        raise Http404("未找到该区划 / no such division")
    return division


def codes_under(code: str) -> Q:
    prefix = code[: PREFIX_LENGTH[level_of(code)]]
    return Q(division_code__gte=prefix.ljust(12, "0"), division_code__lte=prefix.ljust(12, "9"))


@dataclass
class RollEntry:
    nomination: Nomination
    name: str
    village: str
    story: str


@dataclass
class Roll:
    division: Division
    year: int | None
    entries: list[RollEntry] = field(default_factory=list)


def roll_of(user, division: Division, year: int | None) -> Roll:
    """The approved model households under `division` (a village or a town) of `year`
    (the newest year with one when None), best score first within each village: names
    and stories, for a role that reads persons (the views and the API require it)."""
    approved = scope.visible_to(user, Nomination).filter(codes_under(division.code), state=S.APPROVED)
    if year is None:
        year = approved.order_by("-selection__year").values_list("selection__year", flat=True).first()
    rows = list(approved.filter(selection__year=year).select_related("selection", "household")
                .order_by("division_code", "-score_total", "pk"))
    names = head_names([n.household_id for n in rows])
    villages = dict(Division.objects.filter(code__in={n.division_code for n in rows}).values_list("code", "name"))
    return Roll(division=division, year=year, entries=[
        RollEntry(nomination=n, name=names.get(n.household_id, ""),
                  village=villages.get(n.division_code, n.division_code), story=n.story)
        for n in rows])


@dataclass
class FigureRow:
    code: str
    name: str
    nominated: int = 0
    approved: int = 0
    rejected: int = 0
    paired: int = 0
    meetings: int = 0

    def add(self, other: FigureRow) -> None:
        for name in ("nominated", "approved", "rejected", "paired", "meetings"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


def figures(user, year: int | None) -> tuple[list[FigureRow], list[FigureRow], FigureRow]:
    """Counts per village and per town of the user's scope for `year`: nominations,
    approved, rejected, households paired, pair meetings. No name, no household."""
    rows: dict[str, FigureRow] = {}
    nominations = scope.visible_to(user, Nomination)
    pairings = scope.visible_to(user, Pairing)
    meetings = scope.visible_to(user, PairMeeting)
    if year is not None:
        nominations = nominations.filter(selection__year=year)
        pairings = pairings.filter(nomination__selection__year=year)
        meetings = meetings.filter(pairing__nomination__selection__year=year)

    def row(code: str) -> FigureRow:
        return rows.setdefault(code, FigureRow(code=code, name=""))

    for found in nominations.values("division_code").annotate(
            n=Count("pk"), a=Count("pk", filter=Q(state=S.APPROVED)), r=Count("pk", filter=Q(state=S.REJECTED))):
        r = row(found["division_code"])
        r.nominated, r.approved, r.rejected = found["n"], found["a"], found["r"]
    for found in pairings.values("division_code").annotate(n=Count("pk")):
        row(found["division_code"]).paired = found["n"]
    for found in meetings.values("pairing__division_code").annotate(n=Count("pk")):
        row(found["pairing__division_code"]).meetings = found["n"]
    towns: dict[str, FigureRow] = {}
    for code, r in rows.items():
        town = code[:9].ljust(12, "0")
        towns.setdefault(town, FigureRow(code=town, name="")).add(r)
    names = dict(Division.objects.filter(code__in=[*rows, *towns]).values_list("code", "name"))
    for r in [*rows.values(), *towns.values()]:
        r.name = names.get(r.code, r.code)
    total = FigureRow(code="", name="")
    for r in towns.values():
        total.add(r)
    return sorted(rows.values(), key=lambda r: r.code), sorted(towns.values(), key=lambda r: r.code), total


def pairing_candidates(user, nomination: Nomination, limit: int = 200) -> list[tuple[str, str]]:
    """Motivation-poor households of the model household's village not yet paired with it
    (household number, head's name), for the pairing form."""
    from neisheng.honours.services import motivation_poor
    from neisheng.registry.models import Household

    ids = list(scope.visible_to(user, Household).filter(village_id=nomination.division_code)
               .exclude(pk=nomination.household_id).values_list("pk", flat=True))
    taken = set(nomination.pairings.values_list("household_id", flat=True))
    poor = sorted(motivation_poor(ids) - taken)[:limit]
    heads = head_names(poor)
    return [(h, f"{h} {heads.get(h, '')}".strip()) for h in poor]


def household_honours(user, household) -> dict:
    """The household's nominations and its pairings (as model household or as paired)."""
    nominations = list(nominations_visible(user).filter(household=household).order_by("-selection__year", "-pk"))
    as_model = list(scope.visible_to(user, Pairing).filter(nomination__household=household)
                    .select_related("household").annotate(meeting_count=Count("meetings")))
    as_paired = list(scope.visible_to(user, Pairing).filter(household=household)
                     .select_related("nomination").annotate(meeting_count=Count("meetings")))
    return {"nominations": nominations, "as_model": as_model, "as_paired": as_paired}


def meetings_by_pairing(pairings) -> dict[int, list[PairMeeting]]:
    found: dict[int, list[PairMeeting]] = defaultdict(list)
    for meeting in PairMeeting.objects.filter(pairing__in=pairings).order_by("met_on", "pk"):
        found[meeting.pairing_id].append(meeting)
    return found
