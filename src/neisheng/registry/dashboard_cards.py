"""An app's cards on the monitoring dashboard, with their one Excel export.

Cases, the problem ledger and the department findings each give a dict of card makers
(key → make(user, division)); this puts them on the dashboard for the division the
reader chose (nothing for a division they may not see) and serves their workbook
through platform.exports.dashboard_card_export. It lives in the registry because the
chosen division is the registry's (registry.selectors.tree.division_chosen).
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import Http404
from django.views.decorators.http import require_http_methods

from neisheng.platform.charts import DashboardCard
from neisheng.platform.exports import dashboard_card_export
from neisheng.platform.extensions import DashboardSource, dashboard_source_add
from neisheng.registry.selectors.tree import division_chosen

CardMaker = Callable[..., DashboardCard]


class AppDashboard:
    def __init__(self, *, name: str, cards: dict[str, CardMaker], order: int, object_type: str):
        self.name = name
        self.cards = cards
        self.order = order
        self.object_type = object_type
        self.card_export = require_http_methods(["GET", "HEAD", "POST"])(self._card_export)

    def cards_for(self, request, division_code: str) -> list[DashboardCard]:
        try:
            division = division_chosen(request.user, division_code or "")
        except Http404:
            return []
        return [make(request.user, division) for make in self.cards.values()]

    def _card_export(self, request, key):
        def card_for(key, code):
            make = self.cards.get(key)
            return None if make is None else make(request.user, division_chosen(request.user, code))

        return dashboard_card_export(request, key=key, card_for=card_for, object_type=self.object_type)

    def register(self) -> None:
        dashboard_source_add(DashboardSource(name=self.name, cards=self.cards_for, order=self.order))
