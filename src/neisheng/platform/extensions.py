"""Extension points: how an app shows its own content on pages another app owns, without
that app importing it. The registry's household page and household list know nothing of
monitoring, cases or visits; those apps register here, in their `AppConfig.ready()`:

    household_section_add(HouseholdSection(
        name="monitoring", template="monitoring/household_card.html", context=card_context, order=10))
    household_attribute_add(HouseholdAttribute(
        name="risk", label="风险", choices=schema.RISK, annotate=with_latest_risk, summary="by_risk"))

One app may also say which policy explains a household (`household_policy_set`):
monitoring gives the policy of the run whose result the page shows.

A work card is what a role has to do, at the top of its home page (the work first):
`work_card_add(WorkCard(name="warnings", template="monitoring/work_warnings.html",
context=warnings_context, order=10))`; `context(request)` returns what its template needs,
or None when the card has nothing for this user (another role's work, or no work).

A section is a card on the household page: `context(request, household)` returns what
its template needs, or None for no card. An attribute is a value the app keeps about each
household, given as a queryset annotation named after it: the household list and the
household API add it (a filter parameter, a field of each payload) and /api/summary/ counts
households by it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
from django.template.loader import render_to_string


@dataclass(frozen=True)
class HouseholdSection:
    name: str  # the card's HTML id, unique
    template: str
    context: Callable[[Any, Any], dict | None]  # (request, household) -> template context, or None
    order: int = 100  # cards in ascending order, after the household's own facts


@dataclass(frozen=True)
class HouseholdAttribute:
    name: str  # the annotation, the API field and the filter parameter, unique
    label: str  # the list column's header (Chinese)
    choices: dict[str, str]  # code -> Chinese label; the filter accepts exactly these codes
    annotate: Callable[[Any], Any]  # households queryset -> the same rows annotated with `name`
    help_text: str = ""
    in_payload: bool = True  # a read-only field of /api/households/ payloads
    filterable: bool = True  # a query parameter of /api/households/ and of the household list
    summary: str | None = None  # key of /api/summary/'s counts by this value ("none": no value)
    # (user, households) -> the rows annotated with the value this user's pages show (e.g.
    # from the latest run covering the user's division); None: `annotate`.
    annotate_for: Callable[[Any, Any], Any] | None = None
    # user -> whether the value exists for this user yet (the pages show no filter, column
    # value or figure for it otherwise); None: always.
    shown_to: Callable[[Any], bool] | None = None


@dataclass(frozen=True)
class WorkCard:
    name: str  # the card's HTML id, unique
    template: str
    context: Callable[[Any], dict | None]  # request -> template context, or None for no card
    order: int = 100  # cards in ascending order, before the home page's figures


_sections: dict[str, HouseholdSection] = {}
_attributes: dict[str, HouseholdAttribute] = {}
_policy_provider: list[Callable[[Any], Any]] = []
_cache_versions: dict[str, Callable[[], Any]] = {}
_stored_figures: dict[str, Callable[[Any, str, str], Any]] = {}
_work_cards: dict[str, WorkCard] = {}


def household_section_add(section: HouseholdSection) -> None:
    """Register a card of the household page (from an AppConfig.ready())."""
    if section.name in _sections and _sections[section.name] != section:
        raise ValueError(f"a household section named {section.name!r} is already registered")
    _sections[section.name] = section


def household_sections() -> list[HouseholdSection]:
    return sorted(_sections.values(), key=lambda s: (s.order, s.name))


def household_attribute_add(attribute: HouseholdAttribute) -> None:
    """Register a value of each household kept by another app (from an AppConfig.ready())."""
    if attribute.name in _attributes and _attributes[attribute.name] != attribute:
        raise ValueError(f"a household attribute named {attribute.name!r} is already registered")
    _attributes[attribute.name] = attribute


def household_attributes(*, in_payload: bool | None = None, filterable: bool | None = None,
                         summarised: bool | None = None) -> list[HouseholdAttribute]:
    chosen = []
    for attribute in _attributes.values():
        if in_payload is not None and attribute.in_payload != in_payload:
            continue
        if filterable is not None and attribute.filterable != filterable:
            continue
        if summarised is not None and (attribute.summary is not None) != summarised:
            continue
        chosen.append(attribute)
    return chosen


def household_attribute(name: str) -> HouseholdAttribute | None:
    """The attribute registered under `name`, or None when no installed app keeps it."""
    return _attributes.get(name)


def household_attribute_shown_to(attribute: HouseholdAttribute | None, user) -> bool:
    return attribute is not None and (attribute.shown_to is None or bool(attribute.shown_to(user)))


def households_annotated_for(user, queryset, attributes: Iterable[HouseholdAttribute] | None = None):
    """`queryset` (households) with the given attributes (all by default) annotated as
    `user`'s pages show them."""
    for attribute in (household_attributes() if attributes is None else attributes):
        if attribute.name not in queryset.query.annotations:
            annotate = attribute.annotate if attribute.annotate_for is None else (
                lambda qs, a=attribute: a.annotate_for(user, qs))
            queryset = annotate(queryset)
    return queryset


def households_annotated(queryset, attributes: Iterable[HouseholdAttribute] | None = None):
    """`queryset` (households) with the given attributes (all by default) annotated."""
    for attribute in (household_attributes() if attributes is None else attributes):
        if attribute.name not in queryset.query.annotations:
            queryset = attribute.annotate(queryset)
    return queryset


def household_sections_rendered(request, household) -> list[dict]:
    """The registered cards that have something to show for this household, in order,
    each as {"name", "html"}."""
    shown = []
    for section in household_sections():
        context = section.context(request, household)
        if context is not None:
            shown.append({"name": section.name, "html": render_to_string(section.template, context, request)})
    return shown


def household_policy_set(provider: Callable[[Any], Any]) -> None:
    """Register the one app that says which policy explains a household's page (the
    policy of the monitoring run shown there): `provider(household)` -> Policy or None."""
    _policy_provider[:] = [provider]


def household_policy(household):
    """The policy the household page explains this household with, or None for the
    installation's own."""
    return _policy_provider[0](household) if _policy_provider else None


def cache_version_add(name: str, provider: Callable[[], Any]) -> None:
    """Register something other than the registry's own writes that changes what pages
    count (a monitoring run's results): `provider()` returns a value that changes with
    it, part of the key under which the registry caches its figures."""
    _cache_versions[name] = provider


def cache_versions() -> tuple:
    """Every registered provider's current value, in a stable order."""
    return tuple(_cache_versions[name]() for name in sorted(_cache_versions))


def stored_figures_add(name: str, provider: Callable[[Any, str, str], Any]) -> None:
    """Register where figures computed ahead of time are kept (a monitoring run stores its
    scopes' home-page figures when it finishes): `provider(user, name, version)` returns
    the figures `name` of the user's scope counted at `version` (the registry's cache
    version), or STORED_NONE when it has none, so the page counts them itself."""
    _stored_figures[name] = provider


STORED_NONE = object()


def stored_figures(user, name: str, version: str):
    """The first registered provider's stored figures for this scope and version, or
    STORED_NONE."""
    for provider in _stored_figures.values():
        found = provider(user, name, version)
        if found is not STORED_NONE:
            return found
    return STORED_NONE


def stored_or_counted(user, name: str, version: str, count: Callable[[], Any], *, own_scope: bool = True):
    """The figures `name` stored for the user's own scope at `version` (the one place
    pages look for them), else `count()`. `own_scope` is false when the page counts a
    part of the scope (a town chosen by a county officer): runs store whole scopes only."""
    if own_scope:
        found = stored_figures(user, name, version)
        if found is not STORED_NONE:
            return found
    return count()


@dataclass(frozen=True)
class RunExport:
    """The registry as a monitoring run exported it (a snapshot folder of the contract's
    tables in Parquet), for figures a run counts from it instead of from the database."""

    directory: Path
    division_code: str

    def table(self, name: str, columns: list[str] | None = None) -> pa.Table:
        """The contract table `name`; with `columns`, only those: a figure that reads a
        few columns of a county's persons need not decode their names and ID numbers
        (a run exports typed Parquet, whose columns are read on their own)."""
        from neisheng.engine.catalog import read_raw_table, table_file
        from neisheng.engine.schema import TABLES

        contract = TABLES[name]
        path = table_file(self.directory, contract)
        if columns is not None and path.suffix == ".parquet":
            import pyarrow.parquet as pq

            schema = pa.schema([contract.arrow_schema.field(column) for column in columns])
            return pq.read_table(path, columns=columns).cast(schema)
        found = read_raw_table(path, contract)
        data = found.data if found.typed else found.data.cast(contract.arrow_schema)
        return data if columns is None else data.select(columns)


@dataclass(frozen=True)
class RunFigures:
    """Figures an app counts once per monitoring run for every scope whose home-page
    figures the run stores (monitoring.scope_figures), so that no page counts a county's
    million rows on view: the page asks stored_figures(user, name, version) first.

    `count(user, prepared)` gives the figures of `user`'s scope (a stand-in user whose
    division is the scope). `prepare(export)`, when given, runs once per run over the
    run's RunExport and its result is `prepared`; such figures are stored only when no
    write reached the registry between the export and the store (else the page counts)."""

    name: str
    count: Callable[[Any, Any], Any]
    prepare: Callable[[RunExport], Any] | None = None


_run_figures: dict[str, RunFigures] = {}


def run_figures_add(figures: RunFigures) -> None:
    if figures.name in _run_figures and _run_figures[figures.name] != figures:
        raise ValueError(f"run figures named {figures.name!r} are already registered")
    _run_figures[figures.name] = figures


def run_figures() -> list[RunFigures]:
    return [_run_figures[name] for name in sorted(_run_figures)]


def work_card_add(card: WorkCard) -> None:
    """Register a card of the home page's work (from an AppConfig.ready())."""
    if card.name in _work_cards and _work_cards[card.name] != card:
        raise ValueError(f"a work card named {card.name!r} is already registered")
    _work_cards[card.name] = card


def work_cards() -> list[WorkCard]:
    return sorted(_work_cards.values(), key=lambda c: (c.order, c.name))


def work_cards_rendered(request) -> list[dict]:
    """The registered work cards that have something for this user, in order, each as
    {"name", "html"}."""
    shown = []
    for card in work_cards():
        context = card.context(request)
        if context is not None:
            shown.append({"name": card.name, "html": render_to_string(card.template, context, request)})
    return shown


# --- dashboards, household changes and finished runs (issue 10) ---------------------------


@dataclass(frozen=True)
class DashboardSource:
    """Cards an app adds to the monitoring dashboard: `cards(request, division_code)`
    returns a list of platform.charts.DashboardCard for the division the reader chose
    (within their scope), or [] when it has nothing for this user."""

    name: str
    cards: Callable[[Any, str], list]
    order: int = 100


_dashboard_sources: dict[str, DashboardSource] = {}
_household_listeners: dict[str, Callable[[list[str]], None]] = {}
_run_listeners: dict[str, Callable[[Any], None]] = {}


def dashboard_source_add(source: DashboardSource) -> None:
    if source.name in _dashboard_sources and _dashboard_sources[source.name] != source:
        raise ValueError(f"a dashboard source named {source.name!r} is already registered")
    _dashboard_sources[source.name] = source


def dashboard_cards(request, division_code: str) -> list:
    """Every registered source's cards for this reader and division, in order."""
    cards = []
    for source in sorted(_dashboard_sources.values(), key=lambda s: (s.order, s.name)):
        cards.extend(source.cards(request, division_code) or [])
    return cards


def households_changed_listen(name: str, listener: Callable[[list[str]], None]) -> None:
    """Register `listener(household_ids)`, called after a transaction that changed those
    households' records commits (monitoring re-evaluates them at once)."""
    _household_listeners[name] = listener


def households_changed(household_ids) -> None:
    """Say that these households' records changed (a page, an upload, the API, a feed,
    an activity). The listeners run once the current transaction commits, so a rolled
    back change re-evaluates nothing; every change of one transaction is gathered into
    one call (a plan paying 500 households re-evaluates them together, not one by one)."""
    from django.db import connection, transaction

    ids = {str(i) for i in household_ids if i}
    if not ids or not _household_listeners:
        return
    listeners = [_household_listeners[name] for name in sorted(_household_listeners)]
    if not connection.in_atomic_block:
        for listener in listeners:
            listener(sorted(ids))
        return
    pending = getattr(connection, "_neisheng_households_pending", None)
    # The gathering callback is still waiting unless its transaction (or the savepoint it
    # was registered in) committed or rolled back since: then a new one starts.
    if pending is None or not any(func is pending["flush"] for _, func, _ in connection.run_on_commit):
        pending = {"ids": set()}

        def flush(pending=pending):
            gathered = sorted(pending["ids"])
            pending["ids"].clear()
            for listener in listeners:
                listener(gathered)

        pending["flush"] = flush
        connection._neisheng_households_pending = pending
        transaction.on_commit(flush)
    pending["ids"].update(ids)


def run_finished_listen(name: str, listener: Callable[[Any], None]) -> None:
    """Register `listener(run)`, called inside the transaction that stores a monitoring
    run's results (the warning lists are built with the run, or not at all)."""
    _run_listeners[name] = listener


def run_finished(run) -> None:
    for name in sorted(_run_listeners):
        _run_listeners[name](run)
