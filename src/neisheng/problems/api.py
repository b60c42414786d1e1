"""REST API of the problem ledger: GET /api/problems/ (filters division, state, category,
household_id, overdue, responsible), GET /api/problems/{id}/ (with its history and
evidence), POST /api/problems/ (raise), POST /api/problems/{id}/resolve/ (multipart,
files under `files`), /close/, /reopen/.

A refused step answers 400 {"detail": "中文 / English"}; a role that may not make it
403; a problem or household outside the user's division 404. Registered on the
platform's one router."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from neisheng.accounts.access import PERSONS_READ, PROBLEMS_RAISE, user_may
from neisheng.grid.models import Cadre
from neisheng.platform import scope
from neisheng.platform.access import capability_permission
from neisheng.platform.api import ScopedViewSet, router, validated
from neisheng.platform.workflow import TransitionRefused, history
from neisheng.problems import selectors, services
from neisheng.problems.errors import PermissionDenied as DjangoPermissionDenied
from neisheng.problems.models import Category, Problem, State
from neisheng.problems.workflow import PROBLEM_WORKFLOW
from neisheng.registry.api_filters import DivisionParameter, choice_parameter, under
from neisheng.registry.models import Household


class EvidenceSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    round = serializers.IntegerField()
    original_name = serializers.CharField()
    content_type = serializers.CharField()
    size = serializers.IntegerField()
    sha256 = serializers.CharField()
    uploaded_at = serializers.DateTimeField()


class ProblemSerializer(serializers.ModelSerializer):
    household_id = serializers.CharField(read_only=True)
    village_code = serializers.CharField(source="division_code", read_only=True)
    responsible = serializers.CharField(source="responsible.cadre_id", read_only=True, default=None)
    overdue = serializers.SerializerMethodField(help_text="open or resolved past its deadline (grid.md)")

    class Meta:
        model = Problem
        fields = ("id", "household_id", "village_code", "category", "description", "responsible", "raised_on",
                  "deadline", "state", "overdue", "resolution", "resolved_on", "closed_on", "reopened_times",
                  "created_at")
        read_only_fields = fields

    def get_overdue(self, problem: Problem) -> bool:
        return selectors.problem_is_overdue(problem)


class ProblemDetailSerializer(ProblemSerializer):
    history = serializers.SerializerMethodField()
    evidence = serializers.SerializerMethodField()

    class Meta(ProblemSerializer.Meta):
        fields = (*ProblemSerializer.Meta.fields, "history", "evidence")
        read_only_fields = fields

    def get_history(self, problem: Problem) -> list[dict]:
        return [{"step": t.name, "from": t.from_state, "to": t.to_state, "on": t.effective_on, "by": t.username,
                 "reason": t.reason, "recorded_at": t.recorded_at}
                for t in history(problem, workflow=PROBLEM_WORKFLOW).order_by("pk")]

    @extend_schema(responses=EvidenceSerializer(many=True))
    def get_evidence(self, problem: Problem) -> list[dict]:
        return EvidenceSerializer(problem.evidence.all(), many=True).data


class RaiseSerializer(serializers.Serializer):
    household_id = serializers.CharField()
    category = serializers.ChoiceField(choices=Category.choices)
    description = serializers.CharField()
    raised_on = serializers.DateField()
    responsible = serializers.CharField(required=False, allow_blank=True, default="",
                                        help_text="干部编号 cadre_id; empty: the household's cadre")
    deadline = serializers.DateField(required=False, allow_null=True, default=None)


class ResolveSerializer(serializers.Serializer):
    resolved_on = serializers.DateField()
    resolution = serializers.CharField(allow_blank=True)
    files = serializers.ListField(child=serializers.FileField(), required=False, default=list)


class CloseSerializer(serializers.Serializer):
    closed_on = serializers.DateField()
    note = serializers.CharField(required=False, allow_blank=True, default="")


class ReopenSerializer(serializers.Serializer):
    reopened_on = serializers.DateField()
    reason = serializers.CharField(allow_blank=True)


class ProblemFilter(DivisionParameter):
    state = choice_parameter(State.values, "状态 (grid.md)")
    category = choice_parameter(Category.values, "类别")
    household_id = serializers.CharField(required=False, help_text="户编号")
    responsible = serializers.CharField(required=False, help_text="责任人的干部编号 cadre_id")
    overdue = serializers.BooleanField(required=False, allow_null=True, default=None,
                                       help_text="true: only problems open or resolved past their deadline")

    def apply(self, queryset):
        data = self.validated_data
        queryset = under(queryset, "division_code", data.get("division"))
        for name in ("state", "category", "household_id"):
            if data.get(name):
                queryset = queryset.filter(**{name: data[name]})
        if data.get("responsible"):
            queryset = queryset.filter(responsible__cadre_id=data["responsible"])
        if data.get("overdue") is not None:
            overdue = selectors.overdue_q()
            queryset = queryset.filter(overdue) if data["overdue"] else queryset.exclude(overdue)
        return queryset




@extend_schema_view(list=extend_schema(parameters=[ProblemFilter]))
class ProblemViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """问题台账 Problems under the user's division, nearest deadline first (grid.md)."""

    model = Problem
    serializer_class = ProblemSerializer
    filter_class = ProblemFilter
    parser_classes = (JSONParser, MultiPartParser, FormParser)

    def get_permissions(self):
        # Reading and writing both need the right to read households; each write checks its own capability.
        return [*super().get_permissions(), capability_permission(PERSONS_READ)()]

    def base_queryset(self):
        return Problem.objects.select_related("responsible").order_by("deadline", "pk")

    def get_serializer_class(self):
        return ProblemDetailSerializer if self.action != "list" else ProblemSerializer

    def _may(self, step_name: str) -> None:
        # The role is refused before its payload is read: 403 whatever it sent.
        capability = PROBLEM_WORKFLOW.step(step_name).capability
        if not user_may(self.request.user, capability):
            raise PermissionDenied(f"您的角色不能执行此步骤 / your role may not do “{step_name}”")

    def _write(self, call):
        try:
            problem = call()
        except DjangoPermissionDenied as error:
            raise PermissionDenied(str(error)) from None
        except TransitionRefused as error:
            return Response({"detail": str(error)}, status=status.HTTP_400_BAD_REQUEST)
        problem.refresh_from_db()
        return Response(ProblemDetailSerializer(problem).data,
                        status=status.HTTP_201_CREATED if self.action == "create" else status.HTTP_200_OK)

    @extend_schema(request=RaiseSerializer, responses={201: ProblemDetailSerializer})
    def create(self, request):
        if not user_may(request.user, PROBLEMS_RAISE):
            raise PermissionDenied("您的角色不能登记问题 / your role may not raise a problem")
        data = validated(RaiseSerializer(data=request.data))
        household = scope.visible_to(request.user, Household.objects.all()).filter(pk=data["household_id"]).first()
        if household is None:
            raise NotFound("未找到该户 / no such household")
        responsible = None
        if data["responsible"]:
            responsible = Cadre.objects.filter(cadre_id=data["responsible"]).first()
            if responsible is None:
                return Response({"detail": "没有该干部编号 / no such cadre_id"}, status=status.HTTP_400_BAD_REQUEST)
        return self._write(lambda: services.problem_raise(
            user=request.user, household=household, category=data["category"], description=data["description"],
            raised_on=data["raised_on"], responsible=responsible, deadline=data["deadline"]))

    @extend_schema(request=ResolveSerializer, responses={200: ProblemDetailSerializer})
    @action(detail=True, methods=["post"], parser_classes=(MultiPartParser, FormParser))
    def resolve(self, request, pk=None):
        problem = self.get_object()
        self._may("resolve")
        data = validated(ResolveSerializer(data=request.data))
        return self._write(lambda: services.problem_resolve(
            user=request.user, problem=problem, resolved_on=data["resolved_on"], resolution=data["resolution"],
            files=data["files"]))

    @extend_schema(request=CloseSerializer, responses={200: ProblemDetailSerializer})
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        problem = self.get_object()
        self._may("close")
        data = validated(CloseSerializer(data=request.data))
        return self._write(lambda: services.problem_close(user=request.user, problem=problem,
                                                          closed_on=data["closed_on"], note=data["note"]))

    @extend_schema(request=ReopenSerializer, responses={200: ProblemDetailSerializer})
    @action(detail=True, methods=["post"])
    def reopen(self, request, pk=None):
        problem = self.get_object()
        self._may("reopen")
        data = validated(ReopenSerializer(data=request.data))
        return self._write(lambda: services.problem_reopen(user=request.user, problem=problem,
                                                           reopened_on=data["reopened_on"], reason=data["reason"]))


router.register("problems", ProblemViewSet, basename="api-problem")
