"""REST API of monitoring: the latest run's result of each household in scope, with the
recommended measures. Registered on the platform's one router (found by web/urls.py)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers
from rest_framework.permissions import IsAuthenticated

from neisheng.accounts.access import PERSONS_READ
from neisheng.engine import schema
from neisheng.monitoring.models import HouseholdResult
from neisheng.monitoring.selectors import latest_results
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
        return (
            latest_results()
            .select_related("household", "run")
            .prefetch_related("household__recommended_measures")
            .order_by("household_id")
        )


router.register("household-results", HouseholdResultViewSet, basename="api-household-result")
