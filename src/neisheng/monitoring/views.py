"""The monitoring dashboard (/monitoring/): the user's division, or one within it
(`?division=<code>`), in the newest run or an earlier one (`?run=<id>`), as dashboard cards
read from the runs' region summaries (monitoring.dashboard), then the cards other apps add
(platform.extensions.dashboard_cards)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods

from neisheng.engine import schema
from neisheng.monitoring import dashboard
from neisheng.platform.exports import export_response
from neisheng.platform.extensions import dashboard_cards

# What an export without a card's name gives (the page's first table of divisions).
DEFAULT_EXPORT = "by-division"


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def overview(request):
    """The dashboard; a POST (a card's export button, with its CSRF token and the card's
    key) downloads that card's table as a workbook. Never a GET, so another site cannot
    make an export or its audit entry."""
    board = dashboard.dashboard_for(
        request.user, division_code=request.GET.get("division"), run_id=request.GET.get("run"))
    cards = dashboard.cards_for(board) if board else []
    if request.method == "POST":
        return _export(request, board, cards)
    division_code = board.division.code if board else (request.user.division_id or "")
    return render(request, "monitoring/overview.html", {
        "board": board,
        "run": board.run if board else None,
        "cards": cards,
        "others": dashboard_cards(request, division_code),
        "risk_figures": _risk_figures(board) if board else [],
        "no_summary": "" if board else dashboard.no_summary_reason(request.user),
        "home_url": reverse("monitoring:overview"),
        "run_choices": [(p.run.pk, p.label, p.run.started_at) for p in reversed(board.trend)] if board else [],
    })


def _risk_figures(board: dashboard.Dashboard) -> list[tuple[str, str, int, str | None]]:
    region = board.division
    return [(code, label, region.count(f"risk_{code}"), dashboard.list_url(board, region, risk=code))
            for code, label in schema.RISK_ALERT.items()]


def _export(request, board, cards):
    key = request.POST.get("card") or DEFAULT_EXPORT
    card = next((c for c in cards if c.key == key), None) or next((c for c in cards if c.key == DEFAULT_EXPORT), None)
    if card is None:
        headers, rows, title = [gettext("区划代码"), gettext("区划")], [], gettext("监测预警")
    else:
        (headers, rows), title = card.table(), card.title
    return export_response(
        request, object_type="monitoring_overview",
        detail={"run": board.run.pk if board else None, "division": board.division.code if board else "",
                "card": card.key if card else key},
        filename=gettext("监测仪表盘"), title=title, headers=headers, rows=rows,
    )
