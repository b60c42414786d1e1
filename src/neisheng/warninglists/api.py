"""REST API of the warning lists, exactly as cases.md names it:
GET /api/warnings/?run={id} — the run's warning rows under the user's division
(without ?run: the newest finished run covering the user)."""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.permissions import IsAuthenticated

from neisheng.accounts.access import PERSONS_READ
from neisheng.platform.access import capability_permission
from neisheng.platform.api import ScopedViewSet, router
from neisheng.warninglists import selectors
from neisheng.warninglists.models import WarningRow


class WarningRowSerializer(serializers.ModelSerializer):
    reasons = serializers.CharField(help_text="the triggered reason codes joined by ';', as in the run's results")
    status = serializers.ChoiceField(source="shown_status", choices=list(selectors.STATUSES),
                                     help_text="open, case_opened, dismissed, or overdue (open past its deadline)")
    handed_to = serializers.SerializerMethodField(help_text="the town's code or the cadre's username; '' if not handed")
    deadline = serializers.DateField(source="handover.deadline", default=None, allow_null=True)

    class Meta:
        model = WarningRow
        fields = ("id", "household_id", "village_code", "risk", "reasons", "new", "status", "handed_to", "deadline")
        read_only_fields = fields

    def get_handed_to(self, row: WarningRow) -> str:
        return selectors.handed_to_label(row.handover)


@extend_schema_view(list=extend_schema(parameters=[OpenApiParameter(
    "run", OpenApiTypes.INT, description="the run's id; default: the newest finished run covering the user")]))
class WarningRowViewSet(mixins.ListModelMixin, ScopedViewSet):
    """预警清单 The warning rows of a monitoring run under the user's division: every red
    or yellow household, new or continuing, with its follow-up status."""

    model = WarningRow
    serializer_class = WarningRowSerializer
    permission_classes = (IsAuthenticated, capability_permission(PERSONS_READ))

    def scoped_queryset(self):
        asked = self.request.query_params.get("run", "").strip()
        if asked and not asked.isdigit():
            raise ValidationError({"run": "请给出监测运行的编号 / give the run's id (a number)"})
        try:
            run = selectors.run_for(self.request.user, asked)
        except Http404 as missing:
            raise NotFound("没有这次监测运行 / no such run") from missing
        return (selectors.rows_visible_to(self.request.user, run)
                .select_related("handover__to_user").order_by("village_code", "household_id"))


router.register("warnings", WarningRowViewSet, basename="api-warning")
