"""Reads of the review queue and the findings, always through platform.scope.visible_to:
a row or finding of another division is the same as one that does not exist."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import pyarrow as pa
from django.db.models import Count, Q, QuerySet

from neisheng.engine.feeds import FEED_TYPES
from neisheng.engine.screening import RULES
from neisheng.feeds.models import FeedRow, Finding, FindingState, ReviewState
from neisheng.platform import scope
from neisheng.registry.models import Division


def findings_visible_to(user) -> QuerySet[Finding]:
    return scope.visible_to(user, Finding.objects.all())


def review_rows_visible_to(user) -> QuerySet[FeedRow]:
    """Rows sent to clerical review, in scope (whatever their decision)."""
    return scope.visible_to(user, FeedRow.objects.filter(match_kind="review"))


def review_waiting(user) -> QuerySet[FeedRow]:
    return review_rows_visible_to(user).filter(review_state=ReviewState.PENDING)


def under_division(queryset: QuerySet, division_code: str | None, field: str = "division_code") -> QuerySet:
    if not division_code:
        return queryset
    division = Division.objects.filter(pk=division_code).first()
    if division is None:
        return queryset.none()
    return queryset.filter(**{f"{field}__gte": division.prefix.ljust(12, "0"),
                              f"{field}__lte": division.prefix.ljust(12, "9")})


def finding_rows(finding: Finding) -> list[FeedRow]:
    """The feed rows a finding rests on, in the spreadsheet's order."""
    numbers = [int(n) for n in (finding.rows or [])]
    if not numbers:
        return []
    return list(FeedRow.objects.filter(feed_id=finding.feed_id, row__in=numbers).order_by("row"))


# --------------------------------------------------------------------------- typed rows

YES = {"是", "yes", "true", "1", "y", "t"}


def _value(kind: str, text, column) -> object:
    if text is None or str(text).strip() == "":
        return None
    text = str(text).strip()
    if kind == "date":
        return dt.date.fromisoformat(text[:10])
    if kind == "year":
        return int(text)
    if kind == "amount":
        return Decimal(text).quantize(Decimal("0.01"))
    if kind == "number":
        return float(text)
    if kind == "yesno":
        return text.lower() in YES
    if kind == "choice":
        labels = {label: code for code, label in column.choices}
        return labels.get(text, text)
    return text


ARROW = {"date": pa.date32(), "year": pa.int32(), "amount": pa.decimal128(14, 2), "number": pa.float64(),
         "yesno": pa.bool_()}


def feed_rows_table(feed_type: str, rows: list[FeedRow]) -> pa.Table:
    """Stored feed rows as engine.feeds.feed_read types them (row, id_number, name,
    birth_date, address and the type's own columns), with the person and household each
    is linked to: what the engine's screening functions read."""
    columns = FEED_TYPES[feed_type].all_columns
    data: dict[str, pa.Array] = {"row": pa.array([r.row for r in rows], pa.int64())}
    for column in columns:
        values = [_value(column.kind, (r.values or {}).get(column.name), column) for r in rows]
        data[column.name] = pa.array(values, ARROW.get(column.kind, pa.string()))
    data["person_id"] = pa.array([r.person_id for r in rows], pa.string())
    data["household_id"] = pa.array([r.household_id for r in rows], pa.string())
    return pa.table(data)


def finding_ledger_amounts(finding: Finding) -> list[tuple[int, str, Decimal]]:
    """engine.screening.ledger_amounts on the finding's own rows."""
    from neisheng.engine import screening

    feed_type = finding.feed.feed_type
    return screening.ledger_amounts(feed_type, finding.rule, feed_rows_table(feed_type, finding_rows(finding)))


def has_ledger_amounts(finding: Finding) -> bool:
    return bool(finding.rows) and bool(finding_ledger_amounts(finding))


# --------------------------------------------------------------------------- counts


@dataclass(frozen=True)
class DivisionRuleCounts:
    division_code: str
    rule: str
    new: int
    confirmed: int
    dismissed: int


def finding_counts(*, user, division_code: str | None = None) -> list[DivisionRuleCounts]:
    """Per village and rule, in the user's scope under the division."""
    rows = (under_division(findings_visible_to(user), division_code).values("division_code", "rule")
            .annotate(new=Count("pk", filter=Q(state=FindingState.NEW)),
                      confirmed=Count("pk", filter=Q(state=FindingState.CONFIRMED)),
                      dismissed=Count("pk", filter=Q(state=FindingState.DISMISSED)))
            .order_by("division_code", "rule"))
    return [DivisionRuleCounts(r["division_code"], r["rule"], r["new"], r["confirmed"], r["dismissed"])
            for r in rows]


RULE_ORDER = list(RULES)
