"""The household list: its filters and search, its columns and default order (the work
first), one page of rows on the list pattern (platform.listing), and the Excel export of
every matching household.

Search, and what each kind costs at a million households (docs/ui.md, "List page"):
- a member's name or given name: a prefix of `Person.name` or `Person.given_name`, both
  indexed ("伟" finds 张伟 and 李伟; "张伟" finds 张伟 and 张伟华);
- a household number: a prefix (the primary key's index), and from 3 digits on any part
  of it ("0012" in the middle). A middle part cannot use a B-tree index: it reads every
  household number in the user's scope from the (village, household) index, about
  1,000,000 short keys for a county officer (a few hundred milliseconds), a few hundred
  for a village cadre; the count is cached, the page is not;
- the last 4–6 characters of an ID number, only for roles that may unmask (audited): a
  prefix of `Person.id_suffix_reversed` (the last six characters reversed), indexed;
- a full ID number: exactly, only for roles that may unmask (audited).
Other roles' digits match household numbers only.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from urllib.parse import quote

from django.db.models import Case, Count, Q, QuerySet, Value, When
from django.urls import reverse
from django.utils.translation import gettext, gettext_lazy

from neisheng.accounts.access import PERSON_UNMASK, user_may
from neisheng.accounts.models import User
from neisheng.divisions import PREFIX_LENGTH
from neisheng.engine import schema
from neisheng.platform import scope
from neisheng.platform.extensions import household_attribute, households_annotated_for
from neisheng.platform.listing import Column, Filter
from neisheng.registry.models import Division, Household, Person
from neisheng.registry.names import ID_SUFFIX_LENGTH
from neisheng.registry.selectors.attributes import (
    CHANGED,
    MONITOR_TYPE,
    MOTIVATION,
    REASONS,
    RISK,
    SEVERAL_CODES,
    STABILITY,
    codes_of,
    list_attributes,
)

PAGE_SIZE = 50
HOUSING_PROBLEMS = ("c_class", "d_class")
HOUSEHOLD_SUBSTRING_MIN = 3  # shorter digits match the start of a household number only
ID_SUFFIX_MIN = 4

PROBLEMS = {"housing": "住房不安全", "water": "饮水不安全", "food": "吃穿未保障"}
RISKS = schema.RISK
REASONS_SHOWN = 2


@dataclass(frozen=True)
class ListFilters:
    q: str = ""
    division: Division | None = None
    status: str = ""
    category: str = ""
    risk: str = ""
    problem: str = ""  # housing | water | food
    motivation: str = ""  # poor | adequate
    monitor_type: str = ""
    stability: str = ""
    reason: str = ""  # one reason code; a household with several matches each
    changed: str = ""  # "changed": the current result differs from the latest run's
    may_unmask: bool = False

    def as_params(self) -> dict[str, str]:
        params = {
            "q": self.q, "status": self.status, "category": self.category, "risk": self.risk,
            "problem": self.problem, "motivation": self.motivation, "monitor_type": self.monitor_type,
            "stability": self.stability, "reason": self.reason, "changed": self.changed,
            "division": self.division.code if self.division else "",
        }
        return {k: v for k, v in params.items() if v}

    def attribute_values(self) -> dict[str, str]:
        """attribute name -> the chosen code."""
        chosen = {RISK: self.risk, REASONS: self.reason, MONITOR_TYPE: self.monitor_type,
                  STABILITY: self.stability, MOTIVATION: self.motivation, CHANGED: self.changed}
        return {name: value for name, value in chosen.items() if value}


def _attribute_choices(name: str) -> dict[str, str]:
    attribute = household_attribute(name)
    return dict(attribute.choices) if attribute is not None else {}


def list_filters_from(user: User, params) -> ListFilters:
    """Read the list's query parameters, ignoring anything that is not a known code or
    a division inside the user's scope (a division outside it filters to nothing)."""
    division = None
    code = (params.get("division") or params.get("village") or "").strip()
    if code:
        division = scope.visible_to(user, Division).filter(code=code).first() or Division(code="", level=5)

    def pick(name, allowed):
        value = (params.get(name) or "").strip()
        return value if value in allowed else ""

    return ListFilters(
        q=(params.get("q") or "").strip()[:64],
        division=division,
        status=pick("status", schema.STATUS),
        category=pick("category", schema.CATEGORY),
        risk=pick("risk", _attribute_choices(RISK)),
        problem=pick("problem", PROBLEMS),
        motivation=pick("motivation", _attribute_choices(MOTIVATION)),
        monitor_type=pick("monitor_type", _attribute_choices(MONITOR_TYPE)),
        stability=pick("stability", _attribute_choices(STABILITY)),
        reason=pick("reason", _attribute_choices(REASONS)),
        changed=pick("changed", _attribute_choices(CHANGED)),
        may_unmask=user_may(user, PERSON_UNMASK),
    )


# --------------------------------------------------------------------------- search


def _looks_like_id_number(text: str) -> bool:
    return len(text) == 18 and text[:17].isdigit() and text[17] in "0123456789Xx"


def looks_like_id_suffix(text: str) -> bool:
    """4–6 characters that can end an ID number: digits, the last maybe X."""
    return (ID_SUFFIX_MIN <= len(text) <= ID_SUFFIX_LENGTH and text[:-1].isdigit()
            and text[-1] in "0123456789Xx")


def id_suffix_searched(filters: ListFilters) -> bool:
    """Whether this search looks among ID-number endings (and must be audited)."""
    return filters.may_unmask and looks_like_id_suffix(filters.q)


def _suffix_key(text: str) -> str:
    return text.upper()[::-1]


def _matching_ids(user: User, filters: ListFilters):
    """The household numbers the search text finds, as one subquery: a UNION of index
    lookups, not `number LIKE … OR pk IN (…)` (with the OR, PostgreSQL walks every
    household in scope testing both; the UNION fetches the few matching numbers first)."""
    q = filters.q
    if _looks_like_id_number(q):
        if not filters.may_unmask:
            # Searching by full number would confirm a number guessed from a masked one.
            return None
        number = q[:17] + q[17].upper()
        return Person.objects.filter(person_id=number).order_by().values("household_id")
    parts = []
    if q.isdigit() and len(q) >= HOUSEHOLD_SUBSTRING_MIN:
        # Scoped inside the subquery: the scan then reads only the user's households.
        parts.append(scope.visible_to(user, Household).filter(household_id__contains=q).order_by().values("pk"))
    else:
        parts.append(Household.objects.filter(household_id__startswith=q).order_by().values("pk"))
    if id_suffix_searched(filters):
        parts.append(Person.objects.filter(id_suffix_reversed__startswith=_suffix_key(q))
                     .order_by().values("household_id"))
    if not q.isdigit():
        parts.append(Person.objects.filter(name__startswith=q).order_by().values("household_id"))
        parts.append(Person.objects.filter(given_name__startswith=q).order_by().values("household_id"))
    first, *others = parts
    return first.union(*others) if others else first


def member_matches(filters: ListFilters, *, name: str, given_name: str, id_suffix_reversed: str) -> bool:
    """Whether the search found the household by this member (to name them on the row)."""
    q = filters.q
    if not q or _looks_like_id_number(q):
        return False
    if id_suffix_searched(filters) and id_suffix_reversed.startswith(_suffix_key(q)):
        return True
    return not q.isdigit() and (name.startswith(q) or given_name.startswith(q))


def _several_codes(name: str, code: str) -> Q:
    """`name` (codes separated by ";") contains `code` exactly."""
    return (Q(**{name: code}) | Q(**{f"{name}__startswith": f"{code};"})
            | Q(**{f"{name}__endswith": f";{code}"}) | Q(**{f"{name}__contains": f";{code};"}))


def households_matching(user: User, filters: ListFilters) -> QuerySet[Household]:
    """Households in scope matching the search and filters, ordered by household number,
    annotated with the attributes the filters use."""
    qs = scope.visible_to(user, Household)
    if filters.division is not None:
        division = filters.division
        if not division.code:
            return qs.none()
        prefix = division.code[: PREFIX_LENGTH[division.level]]
        qs = qs.filter(village_id__gte=prefix.ljust(12, "0"), village_id__lte=prefix.ljust(12, "9"))
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.category:
        qs = qs.filter(category=filters.category)
    for name, value in filters.attribute_values().items():
        attribute = household_attribute(name)
        if attribute is None:
            return qs.none()
        qs = households_annotated_for(user, qs, [attribute])
        qs = qs.filter(_several_codes(name, value) if name in SEVERAL_CODES else Q(**{name: value}))
    if filters.problem == "housing":
        qs = qs.filter(housing__in=HOUSING_PROBLEMS)
    elif filters.problem == "water":
        qs = qs.filter(water="unsafe")
    elif filters.problem == "food":
        qs = qs.filter(food_clothing_ok=False)
    if filters.q:
        ids = _matching_ids(user, filters)
        if ids is None:
            return qs.none()
        qs = qs.filter(pk__in=ids)
    return qs.order_by("household_id")


# --------------------------------------------------------------------------- the page


def _rank(name: str, codes) -> Case:
    """An order following `codes` (the attribute's own order: red before yellow), with
    households without a value after them."""
    codes = list(codes)
    return Case(*(When(**{name: code}, then=Value(i)) for i, code in enumerate(codes)),
                default=Value(len(codes)))


def list_columns(shown: list) -> list[Column]:
    """The table's columns: the household's own, then each result column monitoring keeps
    for this user. Sortable: those an index serves (number, village) or whose values are a
    few codes; a name or a size would sort every matching household each page. `shown`:
    attributes.list_attributes(user), read once per request."""
    columns = [
        Column("number", gettext_lazy("户编号"), order_by=("household_id",), css="primary"),
        Column("village", gettext_lazy("村"), order_by=("village_id",)),
        Column("head", gettext_lazy("户主"), css="primary"),
        Column("size", gettext_lazy("人口"), numeric=True),
        Column("status", gettext_lazy("户类型"), order_by=("status",)),
        Column("category", gettext_lazy("保障类别"), order_by=("category",)),
    ]
    for attribute in shown:
        order = () if attribute.name in SEVERAL_CODES else (_rank(attribute.name, attribute.choices),)
        columns.append(Column(attribute.name, attribute.label, order_by=order,
                              css="primary" if attribute.name == RISK else ""))
    return columns


def list_filter_panel(shown: list, divisions: list[Division]) -> list[Filter]:
    """The filter panel: division (towns, and the villages of the open town), the
    household's status, category and problem, and every result column."""
    filters = [
        Filter("division", gettext_lazy("区划"), choices=[(d.code, d.name) for d in divisions], translate=False,
               indent=frozenset(d.code for d in divisions if d.level == 5)),
        Filter("status", gettext_lazy("户类型"), choices=list(schema.STATUS.items())),
        Filter("category", gettext_lazy("保障类别"), choices=list(schema.CATEGORY.items())),
        Filter("problem", gettext_lazy("保障问题"), choices=list(PROBLEMS.items())),
    ]
    labels = {REASONS: gettext_lazy("风险原因")}
    names = {REASONS: "reason"}
    for attribute in shown:
        filters.append(Filter(names.get(attribute.name, attribute.name), labels.get(attribute.name, attribute.label),
                              choices=list(attribute.choices.items())))
    return filters


def work_first(households: QuerySet[Household], user: User, shown: list) -> tuple[list[QuerySet], str]:
    """The default order as segments (platform.listing): red, then yellow, then the rest,
    each by household number, when this user has results ("work"); else one segment by
    number ("all"). The name is part of the count's key (`segment_counts`)."""
    if not any(a.name == RISK for a in shown):
        return [households.order_by("household_id")], "all"
    households = households_annotated_for(user, households, [household_attribute(RISK)])
    return [
        households.filter(risk="red").order_by("household_id"),
        households.filter(risk="yellow").order_by("household_id"),
        # Spelled out: an exclude() on an annotation through a filtered relation drops nulls.
        households.filter(Q(risk__isnull=True) | ~Q(risk__in=("red", "yellow"))).order_by("household_id"),
    ], "work"


def segment_counts(user: User, households: QuerySet[Household], kind: str) -> list[int]:
    """Exact counts of the segments of `kind` ("all": one; "work": red, yellow, the rest),
    in one aggregate query."""
    if kind != "work":
        return [households.order_by().count()]
    households = households_annotated_for(user, households, [household_attribute(RISK)])
    counted = households.order_by().aggregate(
        red=Count("pk", filter=Q(risk="red")), yellow=Count("pk", filter=Q(risk="yellow")), all=Count("pk"),
    )
    return [counted["red"], counted["yellow"], counted["all"] - counted["red"] - counted["yellow"]]


@dataclass
class ListRow:
    household: Household
    head_name: str
    size: int
    values: dict = field(default_factory=dict)  # attribute name -> value as annotated
    matched: list[str] = field(default_factory=list)  # members the search found, not the head
    url: str = ""

    @property
    def status_label(self) -> str:
        return _label(schema.STATUS, self.household.status)

    @property
    def category_label(self) -> str:
        return _label(schema.CATEGORY, self.household.category)

    @property
    def risk(self) -> str | None:
        return self.values.get(RISK)

    @property
    def risk_label(self) -> str:
        return schema.RISK.get(self.risk or "", "")

    @property
    def reason_labels(self) -> list[str]:
        return [schema.REASON.get(code, code) for code in codes_of(self.values.get(REASONS))]

    @property
    def result_cells(self) -> list[ResultCell]:
        """The result columns' cells, in the columns' order, their labels translated once
        here (a row has five; a page fifty rows): a reason column shows two reasons and
        how many more (the household page has them all)."""
        cells = []
        separator = gettext("、")
        for name, value in self.values.items():
            attribute = household_attribute(name)
            choices = attribute.choices if attribute is not None else {}
            codes = codes_of(value) if name in SEVERAL_CODES else ([value] if value else [])
            labels = [gettext(choices[code]) if code in choices else code for code in codes]
            cells.append(ResultCell(name, value or "", separator.join(labels[:REASONS_SHOWN]),
                                    max(0, len(labels) - REASONS_SHOWN)))
        return cells


@dataclass(frozen=True)
class ResultCell:
    name: str
    code: str
    text: str  # translated labels, "" for no value
    more: int = 0  # labels left out


def list_rows(households: list[Household], filters: ListFilters | None = None,
              attribute_names: list[str] | tuple = ()) -> list[ListRow]:
    """Head's name, alive size and the members the search found, for a page of
    households: one query over their members. Attribute values come annotated on the
    households."""
    ids = [h.household_id for h in households]
    heads: dict[str, str] = {}
    sizes: dict[str, int] = defaultdict(int)
    members: dict[str, list[tuple[str, bool]]] = defaultdict(list)
    rows = Person.objects.filter(household_id__in=ids).order_by("household_id", "birth_date").values_list(
        "household_id", "name", "relation", "alive", "given_name", "id_suffix_reversed")
    for household_id, name, relation, alive, given, suffix in rows:
        if alive:
            sizes[household_id] += 1
        if relation == "head" and (alive or household_id not in heads):
            heads[household_id] = name
        if filters is not None and filters.q and member_matches(
                filters, name=name, given_name=given, id_suffix_reversed=suffix):
            members[household_id].append((name, relation == "head"))
    # One reverse() for the page, not one per row: the address differs only by the number.
    address = reverse("registry:household_detail", args=["~"])
    shown = []
    for h in households:
        found = members.get(h.household_id, [])
        head_found = any(is_head for _, is_head in found)
        shown.append(ListRow(
            h, heads.get(h.household_id, ""), sizes[h.household_id],
            values={name: getattr(h, name, None) for name in attribute_names},
            matched=[] if head_found else list(dict.fromkeys(name for name, _ in found)),
            url=address.replace("~", quote(h.household_id, safe="")),
        ))
    return shown


# --------------------------------------------------------------------------- export

EXPORT_BATCH = 2_000
EXPORT_TITLE = gettext_lazy("农户名单")
EXPORT_COLUMNS = [
    gettext_lazy("户编号"), gettext_lazy("村"), gettext_lazy("村代码"), gettext_lazy("户主"), gettext_lazy("人口"),
    gettext_lazy("户类型"), gettext_lazy("保障类别"), gettext_lazy("住房安全"), gettext_lazy("饮水安全"),
]


def export_headers(shown: list) -> list[str]:
    """The workbook's header row in the page's language: the household's columns, then
    each result column this user sees (`shown`)."""
    return [str(h) for h in EXPORT_COLUMNS] + [gettext(str(a.label)) for a in shown]


def _label(mapping: dict[str, str], code) -> str:
    return gettext(mapping[code]) if code in mapping else (code or "")


def export_rows(qs: QuerySet[Household], user: User | None = None, shown: list | None = None):
    """Every matching household as a spreadsheet row, fetched in keyset batches (by
    household number) so a county-wide export never holds all households (or a huge IN
    list) at once; the result columns are those `user`'s pages show (`shown`, default:
    read here)."""
    attributes = (shown if shown is not None else list_attributes(user)) if user is not None else []
    base = households_annotated_for(user, qs, attributes) if attributes else qs
    base = base.select_related("village").order_by("household_id")
    last = ""
    while True:
        batch = list(base.filter(household_id__gt=last)[:EXPORT_BATCH])
        if not batch:
            return
        for row in list_rows(batch, attribute_names=[a.name for a in attributes]):
            h = row.household
            cells = [
                h.household_id, h.village.name, h.village_id, row.head_name, row.size,
                _label(schema.STATUS, h.status), _label(schema.CATEGORY, h.category),
                _label(schema.HOUSING, h.housing), _label(schema.WATER, h.water),
            ]
            for attribute in attributes:
                value = row.values.get(attribute.name)
                if attribute.name in SEVERAL_CODES:
                    cells.append(gettext("、").join(_label(attribute.choices, code) for code in codes_of(value)))
                else:
                    cells.append(_label(attribute.choices, value))
            yield cells
        last = batch[-1].household_id
