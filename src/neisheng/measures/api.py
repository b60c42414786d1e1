"""REST API of assigned measures (一户一策): GET /api/measures/ (filters division, state,
measure, household_id), GET /api/measures/{id}/ (with its history), POST /api/measures/
(assign), POST /api/measures/{id}/start/, /complete/ (with its outcome), /abandon/ (with
a reason).

A member is named by `person_key` (the registry's address key) and shown with the ID
number masked, as everywhere. A refused step answers 400 {"detail": "中文 / English"}; a
bad assignment 400 with the fields named; a role that may not 403; a measure or household
outside the user's division 404. Registered on the platform's one router."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.response import Response

from neisheng.accounts.access import ACTIVITIES_RECORD, MEASURES_ASSIGN, PERSONS_READ, user_may
from neisheng.accounts.masking import mask_id_number
from neisheng.engine.measures import MEASURE_LABELS
from neisheng.measures import services
from neisheng.measures.models import AssignedMeasure
from neisheng.measures.workflow import MEASURE_WORKFLOW
from neisheng.platform import scope
from neisheng.platform.access import capability_permission, refusal
from neisheng.platform.api import ScopedViewSet, router, validated
from neisheng.platform.workflow import TransitionRefused, history
from neisheng.registry.api_filters import DivisionParameter, choice_parameter, under
from neisheng.registry.models import Household, Person


class MeasureSerializer(serializers.ModelSerializer):
    household_id = serializers.CharField(read_only=True)
    village_code = serializers.CharField(source="household.village_id", read_only=True)
    person = serializers.SerializerMethodField(help_text="the member's ID number, masked; null for the household")
    person_key = serializers.SerializerMethodField(help_text="the member's address key; null for the household")

    class Meta:
        model = AssignedMeasure
        fields = ("id", "household_id", "village_code", "measure", "person", "person_key", "assigned_on",
                  "responsible", "responsible_kind", "starts_on", "ends_on", "cost", "funding_source", "state",
                  "outcome", "note", "from_recommendation", "recorded_at")
        read_only_fields = fields

    def get_person(self, measure) -> str | None:
        return mask_id_number(measure.person_id) if measure.person_id else None

    def get_person_key(self, measure) -> str | None:
        if not measure.person_id:
            return None
        keys = self.context.setdefault("person_keys", {})
        if measure.person_id not in keys:
            keys[measure.person_id] = Person.objects.filter(person_id=measure.person_id) \
                .values_list("key", flat=True).first()
        return keys[measure.person_id]


class MeasureDetailSerializer(MeasureSerializer):
    history = serializers.SerializerMethodField()

    class Meta(MeasureSerializer.Meta):
        fields = (*MeasureSerializer.Meta.fields, "history")
        read_only_fields = fields

    def get_history(self, measure) -> list[dict]:
        return [{"step": t.name, "from": t.from_state, "to": t.to_state, "on": t.effective_on, "by": t.username,
                 "reason": t.reason, "recorded_at": t.recorded_at}
                for t in history(measure, workflow=MEASURE_WORKFLOW).order_by("pk")]


class AssignSerializer(serializers.Serializer):
    household_id = serializers.CharField()
    measure = serializers.ChoiceField(choices=list(MEASURE_LABELS))
    person_key = serializers.CharField(required=False, allow_blank=True, default="",
                                       help_text="成员地址键 a living member's key; empty: the household")
    assigned_on = serializers.DateField()
    responsible = serializers.CharField()
    responsible_kind = serializers.ChoiceField(choices=AssignedMeasure.Responsible.values,
                                               default=AssignedMeasure.Responsible.DEPARTMENT)
    starts_on = serializers.DateField(required=False, allow_null=True, default=None)
    ends_on = serializers.DateField(required=False, allow_null=True, default=None)
    cost = serializers.DecimalField(max_digits=12, decimal_places=2, required=False, allow_null=True, default=None)
    funding_source = serializers.ChoiceField(choices=AssignedMeasure.Funding.values, required=False,
                                             allow_blank=True, default="")
    note = serializers.CharField(required=False, allow_blank=True, default="")


class StepSerializer(serializers.Serializer):
    effective_on = serializers.DateField(help_text="生效日期 the day the step took effect")
    outcome = serializers.CharField(required=False, allow_blank=True, default="", help_text="成效 (complete)")
    reason = serializers.CharField(required=False, allow_blank=True, default="", help_text="理由 (abandon)")


class MeasureFilter(DivisionParameter):
    state = choice_parameter(AssignedMeasure.State.values, "状态")
    measure = choice_parameter(list(MEASURE_LABELS), "措施")
    household_id = serializers.CharField(required=False, help_text="户编号")

    def apply(self, queryset):
        data = self.validated_data
        queryset = under(queryset, "household__village_id", data.get("division"))
        for name in ("state", "measure", "household_id"):
            if data.get(name):
                queryset = queryset.filter(**{name: data[name]})
        return queryset


@extend_schema_view(list=extend_schema(parameters=[MeasureFilter]))
class MeasureViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """帮扶措施 Assigned measures under the user's division, newest first."""

    model = AssignedMeasure
    serializer_class = MeasureSerializer
    filter_class = MeasureFilter

    def get_permissions(self):
        return [*super().get_permissions(), capability_permission(PERSONS_READ)()]

    def base_queryset(self):
        return AssignedMeasure.objects.select_related("household").order_by("-assigned_on", "-pk")

    def get_serializer_class(self):
        return MeasureDetailSerializer if self.action != "list" else MeasureSerializer

    @extend_schema(request=AssignSerializer, responses={201: MeasureDetailSerializer})
    def create(self, request):
        if not user_may(request.user, MEASURES_ASSIGN):
            raise PermissionDenied(refusal(MEASURES_ASSIGN))
        data = validated(AssignSerializer(data=request.data))
        household = scope.visible_to(request.user, Household.objects.all()).filter(pk=data["household_id"]).first()
        if household is None:
            raise NotFound("未找到该户 / no such household")
        person_id = ""
        if data["person_key"]:
            person_id = household.members.filter(key=data["person_key"], alive=True) \
                .values_list("person_id", flat=True).first()
            if person_id is None:
                return Response({"detail": "此人不是本户在世成员 / not a living member of the household",
                                 "fields": {"person_key": ["not a living member of the household"]}},
                                status=status.HTTP_400_BAD_REQUEST)
        try:
            measure = services.measure_assign(
                user=request.user, household=household, measure=data["measure"], assigned_on=data["assigned_on"],
                responsible=data["responsible"], person_id=person_id, note=data["note"],
                responsible_kind=data["responsible_kind"], starts_on=data["starts_on"], ends_on=data["ends_on"],
                cost=data["cost"], funding_source=data["funding_source"], request=request)
        except ValidationError as refused:
            fields = {name: [str(e) for e in errors] for name, errors in refused.message_dict.items()}
            names = ", ".join(sorted(fields))
            return Response({"detail": f"这些字段的值无效：{names} / these fields are not valid: {names}",
                             "fields": fields}, status=status.HTTP_400_BAD_REQUEST)
        return Response(MeasureDetailSerializer(measure).data, status=status.HTTP_201_CREATED)

    def _step(self, request, step: str):
        measure = self.get_object()
        # The role is refused before its payload is read: 403 whatever it sent.
        if not (user_may(request.user, MEASURES_ASSIGN) or user_may(request.user, ACTIVITIES_RECORD)):
            raise PermissionDenied(refusal(MEASURES_ASSIGN))
        data = validated(StepSerializer(data=request.data))
        try:
            services.measure_step(user=request.user, measure=measure, step=step, effective_on=data["effective_on"],
                                  reason=data["reason"], outcome=data["outcome"], request=request)
        except DjangoPermissionDenied as error:
            raise PermissionDenied(str(error)) from None
        except TransitionRefused as error:
            return Response({"detail": str(error)}, status=status.HTTP_400_BAD_REQUEST)
        measure.refresh_from_db()
        return Response(MeasureDetailSerializer(measure).data)

    @extend_schema(request=StepSerializer, responses={200: MeasureDetailSerializer})
    @action(detail=True, methods=["post"])
    def start(self, request, pk=None):
        return self._step(request, "start")

    @extend_schema(request=StepSerializer, responses={200: MeasureDetailSerializer})
    @action(detail=True, methods=["post"])
    def complete(self, request, pk=None):
        return self._step(request, "complete")

    @extend_schema(request=StepSerializer, responses={200: MeasureDetailSerializer})
    @action(detail=True, methods=["post"])
    def abandon(self, request, pk=None):
        return self._step(request, "abandon")


router.register("measures", MeasureViewSet, basename="api-measure")
