"""One household's file: its members (addressed by key), ledger by year and guarantees,
all computed by the engine's own rules."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext_noop

from neisheng.engine import household as engine_household
from neisheng.engine import schema
from neisheng.engine.explain import Members, Sentence
from neisheng.registry.models import Household, IncomeItem, Person
from neisheng.registry.reveal import person_key_is_well_formed

REASON_LABELS = schema.REASON


def member_key(person: Person) -> str:
    """A member's key in URLs (Person.key, random), so full ID numbers never appear in
    addresses, browser history or server logs."""
    return person.key


def member_by_key(household: Household, key: str) -> Person | None:
    if not person_key_is_well_formed(key):
        return None
    return household.members.filter(key=key).first()


def _person_row(person: Person) -> dict:
    return {c.name: getattr(person, c.name) for c in schema.PERSONS.columns}


def _household_row(household: Household) -> dict:
    row = {c.name: getattr(household, c.name, None) for c in schema.HOUSEHOLDS.columns}
    row["village_code"] = household.village_id
    return row


def member_facts(members: list[Person], policy, today: dt.date) -> dict[str, engine_household.MemberFacts]:
    """person_id → age today, age on the policy's reference date and the guarantee flags,
    by the engine's own rules (engine.household.member_facts), never a copy of them."""
    return engine_household.member_facts([_person_row(p) for p in members], policy, today)


PROJECT_SOURCE = "project:"


def project_source(source: str) -> tuple[str | None, str | None]:
    """(number, address) of the project a ledger row came from ("project:12", written by a
    dividend payment), else (None, None). The registry sits below the projects app and
    may not import it: the address is resolved by name, and is None while no such page
    is installed."""
    if not source.startswith(PROJECT_SOURCE) or not source[len(PROJECT_SOURCE):].isdigit():
        return None, None
    number = source[len(PROJECT_SOURCE):]
    from django.urls import NoReverseMatch, reverse

    try:
        return number, reverse("projects:detail", args=[int(number)])
    except NoReverseMatch:
        return number, None


@dataclass
class LedgerYear:
    year: int
    rows: list[IncomeItem]
    income: Decimal
    cost: Decimal
    rigid: Decimal
    net: Decimal
    per_capita: Decimal | None


def ledger_by_year(household: Household, alive_size: int) -> list[LedgerYear]:
    """Each year's rows with net income (income − production cost), per-capita income
    (net / alive members) and rigid expenditure, all computed by the engine
    (engine.household.ledger_years, engine.income.per_capita: half away from zero), so
    the page states exactly what a monitoring run does."""
    years: dict[int, list[IncomeItem]] = defaultdict(list)
    catalogue_order = {code: i for i, code in enumerate(schema.LEDGER_ITEMS)}
    items = sorted(household.ledger.all(),
                   key=lambda i: (-i.year, catalogue_order.get(i.item, len(catalogue_order)), i.pk))
    for item in items:
        item.source_label = schema.SOURCE_LABELS.get(item.source, item.source)
        item.source_project, item.source_url = project_source(item.source)
        item.kind = schema.LEDGER_ITEMS[item.item].kind if item.item in schema.LEDGER_ITEMS else None
        years[item.year].append(item)
    totals = engine_household.ledger_years(
        [{c.name: getattr(i, c.name) for c in schema.INCOME_ITEMS.columns} for i in items], alive_size
    )
    return [
        LedgerYear(year, rows, t.income, t.cost, t.rigid, t.net, t.per_capita)
        for year, rows in years.items()
        for t in (totals[year],)
    ]


@dataclass
class Guarantee:
    name: str
    ok: bool
    detail: Sentence | None  # the members concerned or the fact, in words (registry/templatetags/explained.py)


def guarantees(household: Household, members: list[Person], policy,
               facts: dict[str, engine_household.MemberFacts] | None = None) -> list[Guarantee]:
    """两不愁三保障 and safe drinking water, decided by the engine's rules
    (engine.household.guarantee_reasons) with the policy's age band and home-schooling
    grades; this only names the members concerned (by person id: the page names them)."""
    if facts is None:
        facts = member_facts(members, policy, policy.reference_date)
    fired = engine_household.guarantee_reasons(_household_row(household), facts)
    alive = [p for p in members if p.alive]
    out_of_school = tuple(p.person_id for p in alive if facts[p.person_id].out_of_school)
    in_band = [p for p in alive if facts[p.person_id].in_school_ages]
    uninsured = tuple(p.person_id for p in alive if facts[p.person_id].uninsured)
    school_ages = policy.compulsory_school_ages
    return [
        Guarantee("不愁吃、不愁穿", not fired["food_clothing"],
                  Sentence(schema.REASON["food_clothing"]) if fired["food_clothing"] else None),
        Guarantee(
            "义务教育有保障", not fired["compulsory_education"],
            (Sentence(gettext_noop("%(low)s–%(high)s 周岁成员 %(n)s 人"),
                      {"low": school_ages.low, "high": school_ages.high, "n": len(in_band)})
             if not fired["compulsory_education"]
             else Sentence(gettext_noop("失学辍学:%(members)s"), {"members": Members(out_of_school)})),
        ),
        Guarantee("基本医疗有保障", not fired["medical_insurance"],
                  None if not fired["medical_insurance"]
                  else Sentence(gettext_noop("未参保:%(members)s"), {"members": Members(uninsured)})),
        Guarantee("住房安全有保障", not fired["housing"], _label(schema.HOUSING, household.housing)),
        Guarantee("饮水安全有保障", not fired["water"], _label(schema.WATER, household.water)),
    ]


def _label(labels: dict[str, str], code: str) -> Sentence | None:
    return Sentence(labels[code]) if code in labels else None


def engine_rows(household: Household, members: list[Person] | None = None) -> tuple[dict, list[dict], list[dict]]:
    """The household, its persons and its ledger rows as the contract's rows, for the
    engine's one-household rules (engine.household.assessment)."""
    members = list(household.members.all()) if members is None else members
    ledger = [{c.name: getattr(i, c.name) for c in schema.INCOME_ITEMS.columns} for i in household.ledger.all()]
    return _household_row(household), [_person_row(p) for p in members], ledger


def member_names(members: list[Person]) -> dict[str, str]:
    """person_id → the member's name as the household page shows it (the full name: every
    role that may open the page sees full names). Two members with the same full name
    get the last four characters of their ID number, which the page shows unmasked too."""
    counts: dict[str, int] = defaultdict(int)
    for p in members:
        counts[p.name] += 1
    return {p.person_id: (p.name if counts[p.name] == 1 else f"{p.name}…{p.person_id[-4:]}") for p in members}
