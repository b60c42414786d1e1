"""REST API of the audit (helper E): GET /api/audit-findings/ (filters division, rule,
state, open, project, household_id), GET /api/audit-findings/{id}/ (with its history),
POST /api/audit-findings/{id}/confirm/ {on?, note?}, /explain/ {on?, reason};
GET /api/audit-runs/.

A refused step answers 400 {"detail": "中文 / English"}; a role that may not decide
findings 403; a finding outside the user's division 404, as one that does not exist.
projects/api.py imports this module, so the platform's one router has it."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers
from rest_framework.decorators import action

from neisheng.accounts.access import FINDINGS_AUDIT, PERSONS_READ
from neisheng.platform.access import capability_permission
from neisheng.platform.api import ScopedViewSet, StepActionsMixin, router
from neisheng.platform.workflow import history
from neisheng.projects.models import AuditFinding, AuditRun
from neisheng.projects.services import audit as services
from neisheng.projects.views_audit import evidence_words, runs_visible
from neisheng.projects.workflow import FINDING_WORKFLOW
from neisheng.registry.api_filters import DivisionParameter, choice_parameter, under


class AuditFindingSerializer(serializers.ModelSerializer):
    project_name = serializers.CharField(source="project.name", read_only=True, default=None)
    evidence_words = serializers.SerializerMethodField(help_text="the evidence in words, in the reader's language")

    class Meta:
        model = AuditFinding
        fields = ("id", "rule", "subject_type", "subject_id", "division_code", "project", "project_name",
                  "household", "amount", "evidence", "evidence_words", "state", "reason", "decided_on",
                  "first_seen_at", "last_seen_at", "cleared_at")
        read_only_fields = fields

    def get_evidence_words(self, finding: AuditFinding) -> str:
        return evidence_words(finding)


class AuditFindingDetailSerializer(AuditFindingSerializer):
    history = serializers.SerializerMethodField()

    class Meta(AuditFindingSerializer.Meta):
        fields = (*AuditFindingSerializer.Meta.fields, "history")
        read_only_fields = fields

    def get_history(self, finding: AuditFinding) -> list[dict]:
        return [{"step": t.name, "from": t.from_state, "to": t.to_state, "on": t.effective_on, "by": t.username,
                 "reason": t.reason, "recorded_at": t.recorded_at}
                for t in history(finding, workflow=FINDING_WORKFLOW).order_by("pk")]


class ConfirmSerializer(serializers.Serializer):
    on = serializers.DateField(required=False, help_text="the step's date; today when left out")
    note = serializers.CharField(required=False, allow_blank=True, default="")


class ExplainSerializer(serializers.Serializer):
    on = serializers.DateField(required=False, help_text="the step's date; today when left out")
    reason = serializers.CharField(allow_blank=True)


class AuditFindingFilter(DivisionParameter):
    rule = choice_parameter(AuditFinding.Check.values, "审计规则 (projects.md)")
    state = choice_parameter(AuditFinding.State.values, "状态")
    open = serializers.BooleanField(required=False, allow_null=True, default=None,
                                    help_text="true: still found by the last run; false: cleared")
    project = serializers.IntegerField(required=False, help_text="the project's id")
    household_id = serializers.CharField(required=False, help_text="户编号")

    def apply(self, queryset):
        data = self.validated_data
        queryset = under(queryset, "division_code", data.get("division"))
        for name in ("rule", "state", "household_id"):
            if data.get(name):
                queryset = queryset.filter(**{name: data[name]})
        if data.get("open") is not None:
            queryset = queryset.filter(cleared_at__isnull=data["open"])
        if data.get("project") is not None:
            queryset = queryset.filter(project_id=data["project"])
        return queryset


@extend_schema_view(list=extend_schema(parameters=[AuditFindingFilter]))
class AuditFindingViewSet(StepActionsMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """审计发现 Audit findings under the user's division, newest first (projects.md)."""

    model = AuditFinding
    serializer_class = AuditFindingSerializer
    filter_class = AuditFindingFilter

    def get_permissions(self):
        return [*super().get_permissions(), capability_permission(PERSONS_READ)()]

    def base_queryset(self):
        return AuditFinding.objects.select_related("project").order_by("-first_seen_at", "-pk")

    step_capability = FINDINGS_AUDIT
    step_refusal = "您的角色不能处理审计发现 / your role may not decide audit findings"
    step_result_serializer = AuditFindingDetailSerializer

    def get_serializer_class(self):
        return AuditFindingDetailSerializer if self.action != "list" else AuditFindingSerializer

    @extend_schema(request=ConfirmSerializer, responses={200: AuditFindingDetailSerializer})
    @action(detail=True, methods=["post"])
    def confirm(self, request, pk=None):
        return self.step_write(ConfirmSerializer, lambda f, on, data: services.finding_confirm(
            finding=f, user=request.user, on=on, note=data["note"]))

    @extend_schema(request=ExplainSerializer, responses={200: AuditFindingDetailSerializer})
    @action(detail=True, methods=["post"])
    def explain(self, request, pk=None):
        return self.step_write(ExplainSerializer, lambda f, on, data: services.finding_explain(
            finding=f, user=request.user, on=on, reason=data["reason"]))


class AuditRunSerializer(serializers.ModelSerializer):
    class Meta:
        model = AuditRun
        fields = ("id", "division_code", "trigger", "started_at", "seconds", "raised", "still_open", "cleared",
                  "counts")
        read_only_fields = fields


class AuditRunViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """审计运行 Audit runs over the user's county (counts per rule; no household)."""

    model = AuditRun
    serializer_class = AuditRunSerializer

    def get_permissions(self):
        return [*super().get_permissions(), capability_permission(PERSONS_READ)()]

    def scoped_queryset(self):
        return runs_visible(self.request.user).order_by("-started_at", "-pk")


router.register("audit-findings", AuditFindingViewSet, basename="api-audit-finding")
router.register("audit-runs", AuditRunViewSet, basename="api-audit-run")
