"""Reads of the warning lists: which runs a user may pick, the rows in their scope with
each row's follow-up status (overdue computed at read time, never stored), the rows
handed to someone, and the follow-up counted by division for the dashboard."""

from __future__ import annotations

import datetime as dt

from django.db.models import Case, CharField, Count, Q, QuerySet, Value, When
from django.db.models.functions import Substr
from django.http import Http404
from django.utils import timezone

from neisheng.divisions import parent_of
from neisheng.engine import schema
from neisheng.monitoring.models import MonitoringRun
from neisheng.platform import scope
from neisheng.warninglists.models import WarningHandover, WarningRow

ALERT = ("red", "yellow")
# What a row's follow-up status is shown as (pages, API, exports): overdue replaces open.
STATUSES = {"open": "待跟进", "case_opened": "已立案", "dismissed": "已排除", "overdue": "已逾期"}
RUNS_OFFERED = 20


def _covering(division_code: str) -> list[str]:
    """The run scopes that cover a division: the whole registry ("") and the division
    with each division above it."""
    codes, code = [""], division_code
    while code:
        codes.append(code)
        code = parent_of(code)
    return codes


def finished_runs() -> QuerySet[MonitoringRun]:
    # A run whose results are still being computed (or that failed) has no list yet.
    return MonitoringRun.objects.filter(finished_at__isnull=False)


def runs_covering(user) -> QuerySet[MonitoringRun]:
    """The finished runs whose scope covers the user's division, newest first (every run
    for a user without a division)."""
    runs = finished_runs()
    if user.division_id:
        runs = runs.filter(division_code__in=_covering(user.division_id))
    return runs.order_by("-started_at", "-pk")


def run_for(user, asked: str | None) -> MonitoringRun | None:
    """The run the user asked for (`?run=<id>`, any finished run), else the newest covering
    them. An id that is no finished run is Http404."""
    if asked:
        if not str(asked).isdigit():
            raise Http404("no such run")
        run = finished_runs().filter(pk=int(asked)).first()
        if run is None:
            raise Http404("no such run")
        return run
    return runs_covering(user).first()


def today() -> dt.date:
    return timezone.localdate()


def with_status(rows: QuerySet[WarningRow], on: dt.date | None = None) -> QuerySet[WarningRow]:
    """Rows annotated with `shown_status`: their status, or "overdue" for an open row past
    its handover's deadline (on `on`, default today)."""
    on = on or today()
    return rows.annotate(shown_status=Case(
        When(status=WarningRow.Status.OPEN, handover__deadline__lt=on, then=Value("overdue")),
        default="status", output_field=CharField()))


def status_condition(status: str, on: dt.date | None = None) -> Q:
    """The rows whose shown status is `status`."""
    on = on or today()
    overdue = Q(status=WarningRow.Status.OPEN, handover__deadline__lt=on)
    if status == "overdue":
        return overdue
    if status == "open":
        return Q(status=WarningRow.Status.OPEN) & ~overdue
    return Q(status=status)


def rows_visible_to(user, run: MonitoringRun | None) -> QuerySet[WarningRow]:
    """The run's rows in the user's scope, with their shown status."""
    if run is None:
        return WarningRow.objects.none()
    return with_status(scope.visible_to(user, WarningRow.objects.filter(run=run)))


def warning_row_visible(user, row_id) -> WarningRow:
    """One row in the user's scope; Http404 otherwise (as if it did not exist)."""
    if not str(row_id).isdigit():
        raise Http404("no such warning row")
    row = (with_status(scope.visible_to(user, WarningRow))
           .select_related("run", "household__village", "handover__to_division", "handover__to_user")
           .filter(pk=int(row_id)).first())
    if row is None:
        raise Http404("no such warning row")
    return row


def warning_rows_for(household) -> QuerySet[WarningRow]:
    """The household's warning rows, newest run first (the household page, a case)."""
    return (with_status(WarningRow.objects.filter(household=household))
            .select_related("run", "handover").order_by("-run__started_at", "-run_id"))


def handed_to_label(handover: WarningHandover | None) -> str:
    """Who a row was handed to, as the API names it: the town's code or the cadre's
    username; "" when not handed."""
    if handover is None:
        return ""
    if handover.to_user_id:
        return handover.to_user.get_username()
    return handover.to_division_id or ""


def reason_labels(reasons: str) -> list[str]:
    """The Chinese labels of a row's ";"-joined codes (msgids: translate them)."""
    return [schema.REASON.get(code, code) for code in reasons.split(";") if code]


def rows_handed_to(user) -> QuerySet[WarningRow]:
    """Open rows handed to the user or to the user's division, in their scope, overdue
    (earliest deadline) first."""
    handed = Q(handover__to_user=user)
    if user.division_id:
        handed |= Q(handover__to_division_id=user.division_id)
    return (with_status(scope.visible_to(user, WarningRow).filter(handed, status=WarningRow.Status.OPEN))
            .order_by("handover__deadline", "village_code", "household_id"))


def handovers_visible_to(user) -> QuerySet[WarningHandover]:
    """Handovers within the user's scope with their rows counted by shown status."""
    on = today()
    return (scope.visible_to(user, WarningHandover)
            .select_related("run", "to_division", "to_user__division", "handed_by")
            .annotate(total=Count("rows"),
                      open=Count("rows", filter=Q(rows__status="open", rows__handover__deadline__gte=on)),
                      overdue=Count("rows", filter=Q(rows__status="open", rows__handover__deadline__lt=on)),
                      case_opened=Count("rows", filter=Q(rows__status="case_opened")),
                      dismissed=Count("rows", filter=Q(rows__status="dismissed"))))


def follow_up_by_division(user, run: MonitoringRun, prefix: str, length: int) -> dict[str, dict[str, int]]:
    """For each division whose code begins with `prefix`, named by its first `length`
    digits (padded to the full 12-digit code): how many of the run's rows in the user's
    scope are open, overdue, case opened and dismissed, how many were handed at all, and
    the total. One grouped query."""
    rows = rows_visible_to(user, run)
    if prefix:
        rows = rows.filter(village_code__startswith=prefix)
    on = today()
    grouped = (rows.annotate(part=Substr("village_code", 1, length)).values("part").order_by("part")
               .annotate(total=Count("pk"),
                         open=Count("pk", filter=status_condition("open", on)),
                         overdue=Count("pk", filter=status_condition("overdue", on)),
                         case_opened=Count("pk", filter=Q(status="case_opened")),
                         dismissed=Count("pk", filter=Q(status="dismissed")),
                         handed=Count("pk", filter=Q(handover__isnull=False))))
    return {row["part"].ljust(12, "0"): {k: v for k, v in row.items() if k != "part"} for row in grouped}
