"""The list pattern, written once: a search form over a sortable table with an exact count,
page numbers, filters shown as removable chips, and the page's Excel export.

A list page declares its columns and filters, reads the request into a `ListQuery`, and
asks `list_page` for one page of a queryset; its template extends
`patterns/list.html` and fills the `row` block (docs/ui.md, "List page"):

    COLUMNS = [Column("number", gettext_lazy("户编号"), order_by=("household_id",)), ...]
    FILTERS = [Filter("status", gettext_lazy("户类型"), choices=[(code, label), ...]), ...]
    query = ListQuery(request.GET, columns=COLUMNS, filters=FILTERS, default_sort="")
    page = list_page([matching.order_by(*query.order_by())], query=query, count_key=...)

How it stays fast at a million rows:
- Counts are exact and counted once per (scope, filters, data version): `counts_cached`
  keeps them in the cache under the user's division bounds and the version of the data
  (the last audit event, which every write through the platform leaves, and each app's
  registered results version), the key of the registry's cached figures.
- A page is OFFSET over an indexed order; past the middle of a result the order is
  reversed and the offset counted from the end (the count is exact), so the last page
  costs what the first does and no page costs more than half the result.
- A default order that puts some rows first (the household list's red, then yellow, then
  the rest) is given as segments, each its own indexed order with its own cached count:
  a page takes rows from the segments it spans, never sorting the whole result.
- A page number past the end is not silently page 1: the page says so and links to the
  last page; an unreadable number shows page 1 and says so.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.db.models import QuerySet
from django.utils.translation import gettext, gettext_lazy

from neisheng.platform import scope
from neisheng.platform.cache import cached
from neisheng.platform.extensions import cache_versions

PAGE_SIZE = 50
COUNT_SECONDS = 600
PAGE_LINKS_AROUND = 2  # page numbers shown on each side of the current one


@dataclass(frozen=True)
class Column:
    """A column of the table. `order_by`: the fields (or expressions) `?sort=<name>`
    orders by, ascending; empty: the column is not sortable. Only declared columns sort:
    an unknown `?sort=` is ignored, so a URL cannot order by an unindexed field."""

    name: str
    label: str  # Chinese msgid (gettext_lazy)
    order_by: tuple = ()
    numeric: bool = False
    css: str = ""  # e.g. "primary": the first line of a row on a phone

    @property
    def sortable(self) -> bool:
        return bool(self.order_by)


@dataclass(frozen=True)
class Filter:
    """A select of the filter panel: `?<name>=<code>` with one of `choices` ((code,
    label) pairs); any other value is ignored. `translate`: the labels are Chinese msgids
    (a division's name is data: False, and the option is marked translate="no")."""

    name: str
    label: str
    choices: Sequence[tuple[str, str]]
    translate: bool = True
    indent: frozenset = frozenset()  # codes shown indented (a town's villages)

    def label_of(self, code: str) -> str:
        for value, label in self.choices:
            if value == code:
                return gettext(label) if self.translate else label
        return code


@dataclass
class Chip:
    label: str
    value: str
    remove_url: str
    data: bool = False  # the value is data (shown with translate="no")


@dataclass
class Header:
    column: Column
    url: str  # the address sorting by this column (the other direction when it is the sort)
    state: str  # "ascending" | "descending" | "" (for aria-sort)


@dataclass
class PageLink:
    number: int | None  # None: a gap ("…")
    url: str = ""
    current: bool = False


@dataclass
class Page:
    rows: list
    number: int
    pages: int
    count: int
    size: int
    out_of_range: bool = False
    page_invalid: bool = False
    links: list[PageLink] = field(default_factory=list)
    prev_url: str = ""
    next_url: str = ""
    first_url: str = ""
    last_url: str = ""

    @property
    def first_index(self) -> int:
        return 0 if not self.rows else (self.number - 1) * self.size + 1

    @property
    def last_index(self) -> int:
        return 0 if not self.rows else self.first_index + len(self.rows) - 1


class ListQuery:
    """What the request asks of a list: the search text, the filters (only declared
    codes), the sort (only declared columns) and the page number; and the addresses of
    the same list with one thing changed, every other parameter kept."""

    def __init__(self, params: Mapping, *, columns: Sequence[Column], filters: Sequence[Filter],
                 default_sort: str = "", path: str = "", extra: Mapping[str, str] | None = None,
                 search_label: str = gettext_lazy("搜索")):
        self.columns = list(columns)
        self.filters = list(filters)
        self.path = path
        self.search_label = search_label
        self.q = (params.get("q") or "").strip()[:64]
        self.values: dict[str, str] = {}
        for f in self.filters:
            value = (params.get(f.name) or "").strip()
            if value and any(value == code for code, _ in f.choices):
                self.values[f.name] = value
        # Parameters a page reads itself (validated there), kept in every link.
        self.extra = {k: v for k, v in (extra or {}).items() if v}
        by_name = {c.name: c for c in self.columns if c.sortable}
        sort = (params.get("sort") or "").strip()
        name = sort.lstrip("-")
        if name in by_name:
            self.sort, self.descending = name, sort.startswith("-")
        else:
            self.sort, self.descending = default_sort, False
        self.default_sort = default_sort
        raw = (params.get("page") or "").strip()
        self.page_invalid = False
        if not raw:
            self.page_number = 1
        elif raw.isdigit() and int(raw) >= 1:
            self.page_number = int(raw)
        else:
            self.page_number, self.page_invalid = 1, True

    # --- what the query selects
    def params(self, *, page: int | None = None, **changes) -> dict[str, str]:
        """The list's parameters (search, filters, sort, extra), with `changes` applied
        (an empty value removes one), and `page` when not the first."""
        params = {"q": self.q, **self.values, **self.extra}
        if (self.sort and self.sort != self.default_sort) or self.descending:
            params["sort"] = ("-" if self.descending else "") + self.sort
        params.update(changes)
        if page is not None and page > 1:
            params["page"] = str(page)
        return {k: v for k, v in params.items() if v}

    def url(self, *, page: int | None = None, **changes) -> str:
        params = self.params(page=page, **changes)
        return self.path + ("?" + urlencode(params) if params else "")

    def filter_params(self) -> dict[str, str]:
        """Search and filters only: what decides which rows match (the count's key)."""
        return {k: v for k, v in {"q": self.q, **self.values, **self.extra}.items() if v}

    def order_by(self, tiebreak: Sequence[str] = ()) -> list:
        """The chosen column's order (reversed for `-col`), then `tiebreak` so that pages
        never overlap; [] when no column is chosen."""
        column = next((c for c in self.columns if c.name == self.sort and c.sortable), None)
        if column is None:
            return list(tiebreak)
        terms = []
        for term in (*column.order_by, *(t for t in tiebreak if t not in column.order_by)):
            terms.append(_descending(term) if self.descending else term)
        return terms

    # --- what the page shows of it
    def headers(self) -> list[Header]:
        headers = []
        for column in self.columns:
            state, url = "", ""
            if column.sortable:
                if column.name == self.sort:
                    state = "descending" if self.descending else "ascending"
                    url = self.url(sort=column.name if self.descending else f"-{column.name}")
                else:
                    url = self.url(sort=column.name)
            headers.append(Header(column, url, state))
        return headers

    def chips(self) -> list[Chip]:
        chips = []
        if self.q:
            chips.append(Chip(str(self.search_label), self.q, self.url(q=""), data=True))
        for f in self.filters:
            if f.name in self.values:
                # gettext again: a label registered by another app may be a plain msgid.
                chips.append(Chip(gettext(str(f.label)), f.label_of(self.values[f.name]), self.url(**{f.name: ""}),
                                  data=not f.translate))
        return chips

    def filter_fields(self) -> list[tuple[Filter, str]]:
        """Each filter with its chosen code ("" for all), for the filter panel."""
        return [(f, self.values.get(f.name, "")) for f in self.filters]

    @property
    def filters_active(self) -> int:
        return len(self.values)

    def hidden_inputs(self) -> list[tuple[str, str]]:
        """What the search form keeps that it has no field for (extra parameters; the
        sort has its own select)."""
        return list(self.extra.items())

    @property
    def sortable(self) -> list[Column]:
        return [c for c in self.columns if c.sortable]

    @property
    def sort_value(self) -> str:
        """The current `?sort=` value ("" for the default order)."""
        if (self.sort and self.sort != self.default_sort) or self.descending:
            return ("-" if self.descending else "") + self.sort
        return ""

    @property
    def has_panel(self) -> bool:
        """Whether the search form has a folding panel (filters, or a sort choice: on a
        phone the table's header row is hidden, so sorting is chosen here)."""
        return bool(self.filters or self.sortable)


def _descending(term):
    if isinstance(term, str):
        return term[1:] if term.startswith("-") else f"-{term}"
    return term.desc(nulls_last=True) if hasattr(term, "desc") else term


# --------------------------------------------------------------------------- counts


# Audit actions that change nothing a count counts: a sign-in must not make the next page
# count a million households again (fifty officers signing in at nine would each set
# every county-wide count going anew).
UNCHANGING_ACTIONS = ("login", "login_failed", "view_unmasked", "export")


def first_and_count(rows: QuerySet, limit: int) -> tuple[list, int]:
    """The first `limit` rows and how many there are: fewer than `limit` rows are all of
    them, so the count is a second query only when there may be more (a card that shows a
    few rows and the total)."""
    first = list(rows[:limit])
    return first, (len(first) if len(first) < limit else rows.count())


def last_write_event() -> int:
    """The id of the newest audit event that may have changed data (0: none yet). Every
    write through the platform leaves one."""
    from neisheng.accounts.models import AuditEvent

    return (AuditEvent.objects.exclude(action__in=UNCHANGING_ACTIONS).order_by("-id")
            .values_list("id", flat=True).first() or 0)


def data_version() -> tuple:
    """What changes when the rows a list counts may have changed: the newest write through
    the platform (last_write_event), and other apps' results (a monitoring run) register
    their version through platform.extensions.cache_version_add. The registry's cached
    and stored figures are keyed the same way."""
    return (last_write_event(), *cache_versions())


def counts_cached(*, user, name: str, key: Mapping, compute: Callable[[], list[int]]) -> list[int]:
    """`compute()` (a list of counts) once per (user's scope, `key`, data version), kept
    for ten minutes at most (writes made outside the platform leave no audit event)."""
    bounds = scope.code_range(user) or ("all", "all")
    described = json.dumps({"key": key, "version": data_version()}, sort_keys=True, default=str)
    digest = hashlib.sha256(described.encode()).hexdigest()[:32]
    return cached(f"list-{name}-{bounds[0]}-{bounds[1]}-{digest}", compute, COUNT_SECONDS)


# --------------------------------------------------------------------------- pages


def list_page(segments: Sequence[QuerySet], *, query: ListQuery, counts: Sequence[int],
              size: int = PAGE_SIZE, rows: Callable[[list], list] | None = None) -> Page:
    """The page `query.page_number` of the rows of `segments` one after the other (each
    ordered, with its exact count in `counts`). `rows(objects)` turns the page's objects
    into what the template shows (one query for the page's related data, say)."""
    count = sum(counts)
    pages = max(1, -(-count // size))
    number = query.page_number
    out_of_range = number > pages
    objects = [] if out_of_range else _take(segments, counts, (number - 1) * size, size)
    page = Page(rows=rows(objects) if rows else objects, number=number, pages=pages, count=count, size=size,
                out_of_range=out_of_range, page_invalid=query.page_invalid)
    page.first_url = query.url()
    page.last_url = query.url(page=pages)
    if not out_of_range:
        page.prev_url = query.url(page=number - 1) if number > 1 else ""
        page.next_url = query.url(page=number + 1) if number < pages else ""
    page.links = page_links(number if not out_of_range else 0, pages, query)
    return page


def _take(segments: Sequence[QuerySet], counts: Sequence[int], offset: int, limit: int) -> list:
    taken: list = []
    for segment, count in zip(segments, counts):
        if limit <= 0:
            break
        if offset >= count:
            offset -= count
            continue
        taken.extend(_slice(segment, count, offset, min(limit, count - offset)))
        limit -= min(limit, count - offset)
        offset = 0
    return taken


def _slice(segment: QuerySet, count: int, offset: int, limit: int) -> list:
    """`segment[offset:offset + limit]`, read from whichever end is nearer: an OFFSET makes
    the database walk every skipped row of the index."""
    if offset <= count // 2:
        return list(segment[offset:offset + limit])
    from_end = count - offset - limit
    return list(reversed(segment.reverse()[from_end:from_end + limit]))


def page_links(current: int, pages: int, query: ListQuery) -> list[PageLink]:
    """1 … 4 5 [6] 7 8 … 120: the first and last pages, and two on each side."""
    shown = {1, pages, *range(current - PAGE_LINKS_AROUND, current + PAGE_LINKS_AROUND + 1)}
    links: list[PageLink] = []
    previous = 0
    for number in sorted(n for n in shown if 1 <= n <= pages):
        if number > previous + 1:
            links.append(PageLink(None))
        links.append(PageLink(number, query.url(page=number), current=number == current))
        previous = number
    return links


def list_context(query: ListQuery, page: Page, **more) -> dict:
    """What `patterns/list.html` reads."""
    return {"list": query, "page": page, "headers": query.headers(), "chips": query.chips(), **more}


def choices_of(mapping: Mapping[str, str] | Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    return list(mapping.items()) if isinstance(mapping, Mapping) else list(mapping)
