"""REST API of monitoring cases, with cases.md's names: GET/POST /api/cases/,
GET /api/cases/{id}/ (with its history), POST /api/cases/{id}/transition/.

A refused step answers 400 {"detail": SENTENCE}, the sentence in both languages
"中文 / English" (the API is read by programs, which log it; pages show one half);
a role that may not make the step 403; a case or household outside the user's
division 404, as if it did not exist. Registered on the platform's one router."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from neisheng.accounts.access import CASES_REPORT, PERSONS_READ, user_may
from neisheng.cases.errors import StepForbidden
from neisheng.cases.models import Channel, MonitoringCase, State
from neisheng.cases.selectors import case_history, case_is_overdue, cases_overdue_q
from neisheng.cases.services import case_report, case_transition
from neisheng.monitoring.models import MONITOR_TYPE_CHOICES
from neisheng.platform import scope
from neisheng.platform.access import capability_permission
from neisheng.platform.api import ScopedViewSet, router, validated
from neisheng.platform.workflow import TransitionRefused
from neisheng.registry.api_filters import DivisionParameter, choice_parameter, under
from neisheng.registry.models import Household


class CaseSerializer(serializers.ModelSerializer):
    household_id = serializers.CharField(read_only=True)
    village_code = serializers.CharField(source="household.village_id", read_only=True)
    overdue = serializers.SerializerMethodField(help_text="past its identification deadline, not yet approved "
                                                          "or rejected")
    warning_row = serializers.PrimaryKeyRelatedField(read_only=True)

    class Meta:
        model = MonitoringCase
        fields = ("id", "household_id", "village_code", "channel", "state", "reported_on", "deadline", "overdue",
                  "monitor_type", "reason", "warning_row", "finding_ref", "monitoring_since", "notice_start",
                  "closed_on", "created_at")
        read_only_fields = fields

    def get_overdue(self, case: MonitoringCase) -> bool:
        return case_is_overdue(case)


class HistorySerializer(serializers.Serializer):
    from_ = serializers.CharField(source="from")
    to = serializers.CharField()
    on = serializers.DateField()
    by = serializers.CharField()
    note = serializers.CharField()
    recorded_at = serializers.DateTimeField()
    step = serializers.CharField()
    data = serializers.DictField()

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["from"] = data.pop("from_")
        return data


class CaseDetailSerializer(CaseSerializer):
    history = serializers.SerializerMethodField()

    class Meta(CaseSerializer.Meta):
        fields = (*CaseSerializer.Meta.fields, "history")
        read_only_fields = fields

    @extend_schema(responses=HistorySerializer(many=True))
    def get_history(self, case: MonitoringCase) -> list[dict]:
        return HistorySerializer(case_history(case), many=True).data


class CaseReportSerializer(serializers.Serializer):
    household_id = serializers.CharField()
    channel = serializers.ChoiceField(choices=Channel.choices)
    reported_on = serializers.DateField()
    reason = serializers.CharField(allow_blank=True)
    finding_ref = serializers.CharField(required=False, allow_blank=True, default="")
    warning_row = serializers.IntegerField(required=False, allow_null=True,
                                           help_text="the warning-list row the case comes from (channel "
                                                     "monitoring_run)")


class TransitionSerializer(serializers.Serializer):
    # A state of cases.md's table; an unknown one is refused by the step with its sentence.
    to = serializers.CharField(help_text="the state to move the case to: " + ", ".join(State.values))
    on = serializers.DateField()
    note = serializers.CharField(required=False, allow_blank=True, default="")
    checkers = serializers.ListField(child=serializers.CharField(allow_blank=True), required=False)
    consent = serializers.BooleanField(required=False, allow_null=True, default=None)
    consent_scan = serializers.FileField(required=False, allow_null=True)
    findings = serializers.CharField(required=False, allow_blank=True, default="")
    participants = serializers.IntegerField(required=False, allow_null=True)
    agreed = serializers.BooleanField(required=False, allow_null=True, default=None)
    notice_end = serializers.DateField(required=False, allow_null=True)
    objections = serializers.ListField(child=serializers.CharField(allow_blank=True), required=False)
    town_reviewed_on = serializers.DateField(required=False, allow_null=True)
    monitor_type = serializers.ChoiceField(choices=MONITOR_TYPE_CHOICES, required=False, allow_blank=True)


class CaseFilter(DivisionParameter):
    state = choice_parameter(State.values, "状态 (cases.md)")
    household_id = serializers.CharField(required=False, help_text="户编号")
    overdue = serializers.BooleanField(required=False, allow_null=True, default=None,
                                       help_text="true: only cases past their identification deadline")

    def apply(self, queryset):
        data = self.validated_data
        queryset = under(queryset, "household__village_id", data.get("division"))
        if "state" in data:
            queryset = queryset.filter(state=data["state"])
        if data.get("household_id"):
            queryset = queryset.filter(household_id=data["household_id"])
        if data.get("overdue") is not None:
            queryset = queryset.filter(cases_overdue_q()) if data["overdue"] else queryset.exclude(cases_overdue_q())
        return queryset




def _refused(error: TransitionRefused) -> Response:
    return Response({"detail": str(error)}, status=status.HTTP_400_BAD_REQUEST)


@extend_schema_view(list=extend_schema(parameters=[CaseFilter]))
class CaseViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """监测案件 Monitoring cases under the user's division, newest first (cases.md);
    filters `division`, `state`, `household_id`, `overdue`.

    POST creates a case (any role but researcher and auditor); POST
    /api/cases/{id}/transition/ makes a step of cases.md's table with the step's fields
    (JSON, or multipart when a consent scan is uploaded).
    """

    model = MonitoringCase
    serializer_class = CaseSerializer
    filter_class = CaseFilter
    parser_classes = (JSONParser, MultiPartParser, FormParser)

    def get_permissions(self):
        # Reading needs the right to read households; writing is decided per step below.
        if self.request is not None and self.request.method in ("GET", "HEAD", "OPTIONS"):
            return [*super().get_permissions(), capability_permission(PERSONS_READ)()]
        return super().get_permissions()

    def base_queryset(self):
        return MonitoringCase.objects.select_related("household").order_by("-reported_on", "-pk")

    def get_serializer_class(self):
        if self.action == "retrieve":
            return CaseDetailSerializer
        return CaseSerializer

    @extend_schema(request=CaseReportSerializer, responses={201: CaseDetailSerializer})
    def create(self, request):
        if not user_may(request.user, CASES_REPORT):
            raise PermissionDenied("您的角色不能登记监测对象线索 / your role may not report a household")
        data = validated(CaseReportSerializer(data=request.data))
        household = scope.visible_to(request.user, Household.objects.all()).filter(
            pk=data["household_id"]).first()
        if household is None:
            raise NotFound("未找到该户 / no such household")
        warning_row = None
        if data.get("warning_row") is not None:
            from neisheng.warninglists.selectors import warning_row_visible

            warning_row = warning_row_visible(request.user, data["warning_row"])
        try:
            case = case_report(user=request.user, household=household, channel=data["channel"],
                               reported_on=data["reported_on"], reason=data["reason"], warning_row=warning_row,
                               finding_ref=data.get("finding_ref", ""))
        except StepForbidden as error:
            raise PermissionDenied(str(error)) from None
        except TransitionRefused as error:
            return _refused(error)
        return Response(CaseDetailSerializer(case).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=TransitionSerializer, responses={200: CaseDetailSerializer})
    @action(detail=True, methods=["post"])
    def transition(self, request, pk=None):
        case = self.get_object()  # 404 outside the user's division
        data = dict(validated(TransitionSerializer(data=request.data)))
        try:
            case = case_transition(user=request.user, case=case, **data)
        except StepForbidden as error:
            raise PermissionDenied(str(error)) from None
        except TransitionRefused as error:
            return _refused(error)
        return Response(CaseDetailSerializer(case).data)


router.register("cases", CaseViewSet, basename="api-case")
