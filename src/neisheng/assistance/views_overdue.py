"""Monitored households past the day their first measure was due (/assistance/overdue/),
with the export of the list, and the work card that points officers to it."""

from __future__ import annotations

from django.db.models import Q
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from neisheng.accounts.access import MEASURES_ASSIGN, PERSONS_READ, user_may
from neisheng.assistance.overdue import first_measure_days, overdue_cases, overdue_rows
from neisheng.platform.access import requires
from neisheng.platform.exports import export_response
from neisheng.platform.listing import Column, ListQuery, counts_cached, list_context, list_page

COLUMNS = [
    Column("household", _("户编号"), order_by=("household_id",), css="primary"),
    Column("village", _("村")),
    Column("approved_on", _("批准纳入监测日期"), order_by=("monitoring_since",)),
    Column("due_on", _("首项措施截止日期"), css="primary"),
    Column("days_overdue", _("逾期天数"), numeric=True, css="primary"),
]


def _matching(user, query: ListQuery):
    cases = overdue_cases(user)
    if query.q:
        cases = cases.filter(Q(household__household_id__icontains=query.q))
    return cases


@requires(PERSONS_READ)
@require_http_methods(["GET", "HEAD", "POST"])
def overdue_list(request):
    query = ListQuery(request.GET, columns=COLUMNS, filters=[], path=reverse("assistance:overdue"),
                      default_sort="approved_on")
    matching = _matching(request.user, query)
    days = first_measure_days()
    if request.method == "POST":
        return _export(request, matching, days)
    ordered = matching.order_by(*query.order_by(tiebreak=["pk"]))
    # The list grows with the days as well as with the data: the day is in the key.
    counts = counts_cached(user=request.user, name="first-measure-overdue",
                           key={**query.filter_params(), "today": timezone.localdate().isoformat()},
                           compute=lambda: [matching.count()])
    page = list_page([ordered], query=query, counts=counts, rows=lambda cases: overdue_rows(cases, days=days))
    return render(request, "assistance/overdue_list.html", list_context(
        query, page, labels={c.name: gettext(str(c.label)) for c in COLUMNS}, days=days,
        may_assign=user_may(request.user, MEASURES_ASSIGN)))


def _export(request, matching, days: int):
    def rows():
        for row in overdue_rows(matching, days=days):
            yield [row.case.household_id, row.case.household.village.name, row.approved_on, row.due_on,
                   row.days_overdue]

    return export_response(
        request, object_type="first_measures_overdue", detail={"days": days},
        filename="首项措施逾期-first-measures-overdue", title=gettext("首项措施逾期"),
        headers=[gettext(str(c.label)) for c in COLUMNS], rows=rows(),
    )


def overdue_work(request) -> dict | None:
    """The home page's card for officers and cadres who assign measures: how many
    monitored households of their division wait past the due day, the longest first."""
    if not (user_may(request.user, MEASURES_ASSIGN) and user_may(request.user, PERSONS_READ)):
        return None
    cases = overdue_cases(request.user)
    first = list(cases[:8])
    if not first:
        return None
    return {"rows": overdue_rows(first), "count": cases.count(), "list_url": reverse("assistance:overdue")}
