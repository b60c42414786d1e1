"""REST API of monitoring: the latest run's result of each household in scope, with the
recommended measures. Registered on the platform's one router (found by web/urls.py)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from neisheng.accounts.access import MONITORING_RUN, PERSONS_READ
from neisheng.engine import schema
from neisheng.monitoring.models import HouseholdResult, MonitoringRun, RecommendedMeasure
from neisheng.monitoring.runs import (
    MonitoringError,
    run_counts_for,
    run_jobs,
    run_start,
    run_status,
    runs_visible_to,
)
from neisheng.monitoring.selectors import latest_results, latest_run
from neisheng.platform import scope
from neisheng.platform.access import capability_permission
from neisheng.platform.api import UNMASK_PARAMETER, ScopedViewSet, UnmaskingMixin, router
from neisheng.registry.api_filters import DivisionParameter, choice_parameter, under


class RecommendedMeasureSerializer(serializers.Serializer):
    measure = serializers.CharField()
    measure_label = serializers.CharField()
    person_id = serializers.CharField(help_text="masked unless ?unmask=1; empty for a household measure")
    explanation = serializers.CharField()


class HouseholdResultSerializer(UnmaskingMixin, serializers.ModelSerializer):
    household = serializers.CharField(source="household_id", read_only=True)
    village = serializers.CharField(source="household.village_id", read_only=True)
    run_year = serializers.IntegerField(source="run.year", read_only=True)
    reason_codes = serializers.SerializerMethodField(help_text="the triggered reason codes, in monitoring.md's order")
    measures = serializers.SerializerMethodField()

    class Meta:
        model = HouseholdResult
        fields = (
            "household", "village", "run", "run_year", "size", "income_pc", "prev_income_pc", "rigid_pc",
            "risk", "reasons", "reason_codes", "monitor_type", "stability", "motivation_score",
            "motivation_poor", "measures",
        )
        read_only_fields = fields

    def get_reason_codes(self, result: HouseholdResult) -> list[str]:
        return [code for code in result.reasons.split(";") if code]

    @extend_schema_field(RecommendedMeasureSerializer(many=True))
    def get_measures(self, result: HouseholdResult) -> list[dict]:
        village = result.household.village_id
        return [
            {
                "measure": m.measure,
                "measure_label": m.get_measure_display(),
                "person_id": self.shown_id(m.person_id, division_code=village),
                "explanation": m.explanation,
            }
            for m in result.household.recommended_measures.all()
            if m.run_id == result.run_id
        ]


class HouseholdResultFilter(DivisionParameter):
    risk = choice_parameter(schema.RISK, "风险")
    monitor_type = choice_parameter(schema.MONITOR_TYPE, "监测对象类型")

    def apply(self, queryset):
        data = self.validated_data
        queryset = under(queryset, "household__village_id", data.get("division"))
        for name in ("risk", "monitor_type"):
            if name in data:
                queryset = queryset.filter(**{name: data[name]})
        return queryset


@extend_schema_view(
    list=extend_schema(parameters=[HouseholdResultFilter, UNMASK_PARAMETER]),
    retrieve=extend_schema(parameters=[UNMASK_PARAMETER]),
)
class HouseholdResultViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """监测结果 The latest monitoring run's result for each household under the user's
    division, addressed by household number, with the recommended measures.

    A measure aimed at one member carries that member's ID number, masked unless
    `?unmask=1` (same rules and audit as /api/persons/). Read only; researchers get 403.
    """

    serializer_class = HouseholdResultSerializer
    permission_classes = (IsAuthenticated, capability_permission(PERSONS_READ))
    filter_class = HouseholdResultFilter
    model = HouseholdResult
    reveals_id_numbers = True
    lookup_field = "household_id"
    lookup_url_kwarg = "household_id"
    lookup_value_regex = "[^/]+"

    def base_queryset(self):
        run = latest_run()
        # Only this run's measures: the (run, household) index serves them, and earlier
        # runs' measures are not read to be dropped.
        return (
            latest_results(run)
            .select_related("household", "run")
            .prefetch_related(Prefetch("household__recommended_measures",
                                       queryset=RecommendedMeasure.objects.filter(run=run)))
            .order_by("household_id")
        )


router.register("household-results", HouseholdResultViewSet, basename="api-household-result")


# --------------------------------------------------------------------------- runs (cases.md, API)


class MonitoringRunSerializer(serializers.ModelSerializer):
    """A run with its households by risk, counted for the reader's division."""

    started_by = serializers.SerializerMethodField()
    policy = serializers.CharField(read_only=True, help_text="the policy the run used: a stored version "
                                   "(\"policy <year> v<id>\"), \"default\" (built in) or a file's path")
    households = serializers.SerializerMethodField()
    red = serializers.SerializerMethodField()
    yellow = serializers.SerializerMethodField()
    green = serializers.SerializerMethodField()
    status = serializers.SerializerMethodField(help_text="running, finished or failed")

    class Meta:
        model = MonitoringRun
        fields = ("id", "year", "policy", "started_by", "started_at", "finished_at", "households", "red",
                  "yellow", "green", "status", "error", "division_code", "policy_version", "seconds")
        read_only_fields = fields

    def _counts(self, run):
        counts = self.context.setdefault("counts", {})
        if run.pk not in counts:
            counts.update(run_counts_for(self.context["request"].user, [run]))
        return counts[run.pk]

    def get_started_by(self, run) -> str:
        return run.started_by.username if run.started_by else ""

    def get_households(self, run) -> int:
        return self._counts(run).households

    def get_red(self, run) -> int:
        return self._counts(run).red

    def get_yellow(self, run) -> int:
        return self._counts(run).yellow

    def get_green(self, run) -> int:
        return self._counts(run).green

    def get_status(self, run) -> str:
        return run_status(run, self.context.get("jobs", {}).get(run.job_id))


class RunStartSerializer(serializers.Serializer):
    year = serializers.IntegerField(min_value=2000, max_value=2100)


class RunResultSerializer(serializers.ModelSerializer):
    household_id = serializers.CharField(read_only=True)
    village_code = serializers.CharField(source="household.village_id", read_only=True)

    class Meta:
        model = HouseholdResult
        fields = ("household_id", "village_code", "size", "income_pc", "risk", "reasons", "monitor_type",
                  "stability", "motivation_score", "motivation_poor")
        read_only_fields = fields


class RunResultFilter(serializers.Serializer):
    risk = choice_parameter(schema.RISK, "风险")
    village_code = serializers.RegexField(r"^\d{12}$", required=False, help_text="村代码 (12 digits)")

    def apply(self, queryset):
        data = self.validated_data
        if "risk" in data:
            queryset = queryset.filter(risk=data["risk"])
        if "village_code" in data:
            queryset = queryset.filter(household__village_id=data["village_code"])
        return queryset


@extend_schema_view(
    create=extend_schema(request=RunStartSerializer, responses={202: MonitoringRunSerializer}),
)
class MonitoringRunViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """监测运行 Monitoring runs, newest first: those of the user's division, under it, and
    those covering it (a run of the whole registry or of the user's county), each counted
    for the user's division only.

    POST `{"year": 2026}` (county officers and administrators) starts a run of the user's
    division in the background and answers at once (202) with the run; `finished_at` stays
    null until its results are stored. `results/` lists its household results (persons.read)."""

    serializer_class = MonitoringRunSerializer
    permission_classes = (IsAuthenticated, capability_permission(MONITORING_RUN, writes_only=True))
    model = MonitoringRun

    def scoped_queryset(self):
        return runs_visible_to(self.request.user).order_by("-started_at", "-pk")

    def get_serializer_context(self):
        context = super().get_serializer_context()
        context.setdefault("jobs", {})
        return context

    def list(self, request, *args, **kwargs):
        queryset = self.get_queryset()
        page = self.paginate_queryset(queryset)
        runs = page if page is not None else list(queryset)
        context = {**self.get_serializer_context(), "counts": run_counts_for(request.user, runs),
                   "jobs": run_jobs(runs)}
        data = MonitoringRunSerializer(runs, many=True, context=context).data
        return self.get_paginated_response(data) if page is not None else Response(data)

    def create(self, request, *args, **kwargs):
        given = RunStartSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        try:
            run = run_start(user=request.user, year=given.validated_data["year"])
        except MonitoringError as exc:
            raise serializers.ValidationError({"detail": str(exc)}) from None
        except DjangoPermissionDenied as exc:
            raise PermissionDenied(str(exc)) from None
        return Response(MonitoringRunSerializer(run, context=self.get_serializer_context()).data,
                        status=status.HTTP_202_ACCEPTED)

    @extend_schema(parameters=[RunResultFilter], responses=RunResultSerializer(many=True))
    @action(detail=True, methods=["get"], url_path="results",
            permission_classes=(IsAuthenticated, capability_permission(PERSONS_READ)))
    def results(self, request, pk=None):
        """The run's household results for the households under the user's division
        (the contract's columns), by household number; filters `risk`, `village_code`."""
        run = self.get_object()
        parameters = RunResultFilter(data=request.query_params.dict())
        parameters.is_valid(raise_exception=True)
        rows = scope.visible_to(request.user, HouseholdResult.objects.filter(run=run))
        rows = parameters.apply(rows).select_related("household").order_by("household_id")
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(RunResultSerializer(page, many=True).data)


router.register("monitoring/runs", MonitoringRunViewSet, basename="api-monitoring-run")
