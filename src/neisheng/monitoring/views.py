"""Monitoring pages: the latest run's results counted under the user's division."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from neisheng.engine import schema
from neisheng.monitoring import selectors
from neisheng.platform.exports import export_response


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def overview(request):
    """The overview; a POST (the export button, with its CSRF token) downloads it as a
    workbook. Never a GET, so another site cannot make an export or its audit entry."""
    run = selectors.latest_run_for(request.user)
    total, rows = selectors.risk_overview(request.user, run)
    if request.method == "POST":
        headers = ["区划代码 code", "区划 division", *(f"{zh} {en}" for zh, en in selectors.COLUMNS)]
        return export_response(
            request, object_type="monitoring_overview", detail={"run": run.pk if run else None},
            filename="监测预警-monitoring", title="监测预警 monitoring",
            headers=headers, rows=[[r.code, r.name, *r.cells()] for r in (*rows, total)],
        )
    return render(request, "monitoring/overview.html", {
        "run": run, "total": total, "rows": rows, "columns": selectors.COLUMNS,
        "risk_figures": [(code, label, total.risk[code]) for code, label in schema.RISK_ALERT.items()],
    })
