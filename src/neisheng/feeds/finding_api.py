"""REST API of the findings (helper E): GET /api/findings/ (filters division, rule, state,
feed, department, period, household_id), GET /api/findings/{id}/ (with its history and
the feed rows it rests on), POST /api/findings/{id}/confirm/ {on, reason?},
/dismiss/ {on, reason}, /open_case/ {on}, /write_ledger/ {on}.

A refused step answers 400 {"detail": "中文 / English"}; a role that may not decide
findings 403; a finding outside the user's division 404. Person ID numbers are masked
unless ?unmask=1 by a role that may (audited). feeds/api.py imports this module, so the
platform's one router has it."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers
from rest_framework.decorators import action

from neisheng.accounts.access import FINDINGS_DECIDE, PERSONS_READ
from neisheng.engine.feeds import DEPARTMENTS, FEED_TYPES
from neisheng.engine.screening import RULES
from neisheng.feeds import finding_selectors as selectors
from neisheng.feeds import findings as services
from neisheng.feeds.models import Finding, FindingState
from neisheng.feeds.workflow import FINDING_WORKFLOW
from neisheng.platform.access import capability_permission
from neisheng.platform.api import (
    UNMASK_PARAMETER,
    ScopedViewSet,
    StepActionsMixin,
    UnmaskingMixin,
    router,
)
from neisheng.platform.workflow import history
from neisheng.registry.api_filters import DivisionParameter, choice_parameter, under


class FindingSerializer(UnmaskingMixin, serializers.ModelSerializer):
    household_id = serializers.CharField(read_only=True)
    village_code = serializers.CharField(source="division_code", read_only=True)
    person_id = serializers.SerializerMethodField(help_text="证件号码, masked unless ?unmask=1")
    person_name = serializers.CharField(source="person.name", read_only=True, default=None)
    feed_type = serializers.CharField(source="feed.feed_type", read_only=True)
    department = serializers.CharField(source="feed.department", read_only=True)
    case = serializers.IntegerField(source="case_id", read_only=True, allow_null=True)

    class Meta:
        model = Finding
        fields = ("id", "rule", "household_id", "village_code", "person_id", "person_name", "period", "rows",
                  "evidence", "state", "feed", "feed_type", "department", "case", "ledger_written_at",
                  "created_at")
        read_only_fields = fields

    def get_person_id(self, finding: Finding) -> str | None:
        return self.shown_id(finding.person_id, finding.division_code) if finding.person_id else None


class FindingDetailSerializer(FindingSerializer):
    history = serializers.SerializerMethodField()
    feed_rows = serializers.SerializerMethodField(help_text="the feed rows it rests on: row and values")

    class Meta(FindingSerializer.Meta):
        fields = (*FindingSerializer.Meta.fields, "history", "feed_rows")
        read_only_fields = fields

    def get_history(self, finding: Finding) -> list[dict]:
        return [{"step": t.name, "from": t.from_state, "to": t.to_state, "on": t.effective_on, "by": t.username,
                 "reason": t.reason, "recorded_at": t.recorded_at}
                for t in history(finding, workflow=FINDING_WORKFLOW).order_by("pk")]

    def get_feed_rows(self, finding: Finding) -> list[dict]:
        return [{"row": r.row, "name": r.name, "id_number": self.shown_id(r.id_number, finding.division_code),
                 "values": {k: v for k, v in (r.values or {}).items() if k != "id_number"}}
                for r in selectors.finding_rows(finding)]


class OnSerializer(serializers.Serializer):
    on = serializers.DateField(required=False, help_text="the step's date; today when left out")


class ConfirmSerializer(OnSerializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class DismissSerializer(OnSerializer):
    reason = serializers.CharField(allow_blank=True)


class FindingFilter(DivisionParameter):
    rule = choice_parameter(RULES, "规则 (feeds.md)")
    state = choice_parameter(FindingState.values, "状态")
    department = choice_parameter(DEPARTMENTS, "部门")
    feed_type = choice_parameter(FEED_TYPES, "数据类型")
    feed = serializers.IntegerField(required=False, help_text="the feed's id")
    period = serializers.CharField(required=False, help_text="期间 (a month, year, term …)")
    household_id = serializers.CharField(required=False, help_text="户编号")

    def apply(self, queryset):
        data = self.validated_data
        queryset = under(queryset, "division_code", data.get("division"))
        for name in ("rule", "state", "period", "household_id"):
            if data.get(name):
                queryset = queryset.filter(**{name: data[name]})
        if data.get("department"):
            queryset = queryset.filter(feed__department=data["department"])
        if data.get("feed_type"):
            queryset = queryset.filter(feed__feed_type=data["feed_type"])
        if data.get("feed") is not None:
            queryset = queryset.filter(feed_id=data["feed"])
        return queryset


@extend_schema_view(list=extend_schema(parameters=[FindingFilter, UNMASK_PARAMETER]),
                    retrieve=extend_schema(parameters=[UNMASK_PARAMETER]))
class FindingViewSet(StepActionsMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """部门筛查线索 Findings under the user's division, newest first (feeds.md)."""

    model = Finding
    serializer_class = FindingSerializer
    filter_class = FindingFilter
    reveals_id_numbers = True

    def get_permissions(self):
        # Reading and writing both need the right to read households; each write checks its own capability.
        return [*super().get_permissions(), capability_permission(PERSONS_READ)()]

    def base_queryset(self):
        return Finding.objects.select_related("feed", "person").order_by("-created_at", "-pk")

    step_capability = FINDINGS_DECIDE
    step_refusal = "您的角色不能处理部门筛查线索 / your role may not decide findings"
    step_result_serializer = FindingDetailSerializer

    def get_serializer_class(self):
        return FindingDetailSerializer if self.action != "list" else FindingSerializer

    @extend_schema(request=ConfirmSerializer, responses={200: FindingDetailSerializer})
    @action(detail=True, methods=["post"])
    def confirm(self, request, pk=None):
        return self.step_write(ConfirmSerializer, lambda f, on, data: services.finding_confirm(
            finding=f, user=request.user, on=on, reason=data["reason"]))

    @extend_schema(request=DismissSerializer, responses={200: FindingDetailSerializer})
    @action(detail=True, methods=["post"])
    def dismiss(self, request, pk=None):
        return self.step_write(DismissSerializer, lambda f, on, data: services.finding_dismiss(
            finding=f, user=request.user, on=on, reason=data["reason"]))

    @extend_schema(request=OnSerializer, responses={200: FindingDetailSerializer})
    @action(detail=True, methods=["post"])
    def open_case(self, request, pk=None):
        return self.step_write(OnSerializer, lambda f, on, data: services.finding_case_open(
            finding=f, user=request.user, on=on))

    @extend_schema(request=OnSerializer, responses={200: FindingDetailSerializer})
    @action(detail=True, methods=["post"])
    def write_ledger(self, request, pk=None):
        return self.step_write(OnSerializer, lambda f, on, data: services.finding_ledger_write(
            finding=f, user=request.user, on=on))


router.register("findings", FindingViewSet, basename="api-finding")
