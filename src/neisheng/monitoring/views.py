"""Monitoring pages: the latest run's results counted under the user's division."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods

from neisheng.accounts.access import PERSONS_READ, user_may
from neisheng.engine import schema
from neisheng.monitoring import selectors
from neisheng.platform.charts import Bar, Cell, DashboardCard
from neisheng.platform.exports import export_response


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def overview(request):
    """The overview as dashboard cards; a POST (the export button, with its CSRF token)
    downloads the table by division as a workbook. Never a GET, so another site cannot
    make an export or its audit entry."""
    run = selectors.latest_run_for(request.user)
    total, rows = selectors.risk_overview(request.user, run)
    if request.method == "POST":
        headers = ["区划代码 code", "区划 division", *(f"{zh} {en}" for zh, en in selectors.COLUMNS)]
        return export_response(
            request, object_type="monitoring_overview", detail={"run": run.pk if run else None},
            filename="监测预警-monitoring", title="监测预警 monitoring",
            headers=headers, rows=[[r.code, r.name, *r.cells()] for r in (*rows, total)],
        )
    links = user_may(request.user, PERSONS_READ)
    return render(request, "monitoring/overview.html", {
        "run": run, "total": total, "rows": rows, "columns": selectors.COLUMNS,
        "risk_figures": [(code, label, total.risk[code]) for code, label in schema.RISK_ALERT.items()],
        "risk_card": _risk_card(total, links) if run else None,
        "division_card": _division_card(total, rows, links) if run else None,
        "list_url": reverse("registry:household_list"),
        "links": links,
    })


def _list_url(**params) -> str:
    return reverse("registry:household_list") + "?" + urlencode({k: v for k, v in params.items() if v})


def _risk_card(total: selectors.RiskCounts, links: bool) -> DashboardCard:
    """Households by risk colour in the user's scope, each linking to the filtered list."""
    bars, table = [], []
    for code, label in schema.RISK.items():
        href = _list_url(risk=code, division=total.code) if links else None
        bars.append(Bar(gettext(label), total.risk[code], href=href, tone=code))
        table.append([Cell(gettext(label), tone=code), Cell(total.risk[code], href=href)])
    return DashboardCard(
        key="by-risk", title=gettext("按风险等级"), series=bars,
        headers=[gettext("风险"), gettext("户数")], rows=table, total=[Cell(gettext("合计")), Cell(total.households)],
    )


def _division_card(total: selectors.RiskCounts, rows: list[selectors.RiskCounts], links: bool) -> DashboardCard:
    """Red warnings by division as a chart; every count of every division in the table,
    each linking to the household list filtered to that division and value."""

    def linked(counts: selectors.RiskCounts) -> list[Cell]:
        params = [{}]
        params += [{"risk": code} for code in schema.RISK]
        params += [{"monitor_type": code} for code in schema.MONITOR_TYPE]
        params += [{"motivation": "poor"}]
        return [Cell(n, href=_list_url(**p, division=counts.code) if links else None,
                     tone=p.get("risk", "") if n else "")
                for p, n in zip(params, counts.cells())]

    return DashboardCard(
        key="by-division", title=gettext("按区划"), note=gettext("图:各区划红色预警户数。"),
        chart_title=gettext("各区划红色预警户数"),
        series=[Bar(r.name, r.risk["red"], href=_list_url(risk="red", division=r.code) if links else None,
                    tone="red", data=True) for r in rows],
        headers=[gettext("区划"), *(gettext(zh) for zh, _ in selectors.COLUMNS)],
        rows=[[Cell(r.name, data=True), *linked(r)] for r in rows],
        total=[Cell(gettext("合计")), *linked(total)],
        export_action="",
    )
