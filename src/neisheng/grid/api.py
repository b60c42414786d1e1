"""REST API of the grid (issue 11, item 7): GET/POST /api/grid/cadres/, GET
/api/grid/cadres/{id}/, GET/POST /api/grid/pairs/, GET /api/grid/pairs/{id}/, POST
/api/grid/pairs/{id}/end/.

Reading needs persons.read, writing grid.edit; rows are those under the user's division
(a row elsewhere is a 404, as if it did not exist). Writes go through grid.services: a
rule's refusal answers 400 {"detail": "中文 / English"}."""

from __future__ import annotations

from django.db.models import Count, Q
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from neisheng.accounts.access import GRID_EDIT, PERSONS_READ
from neisheng.grid import services
from neisheng.grid.errors import GridRefused
from neisheng.grid.models import Cadre, CadreKind, CadrePair, PairSource
from neisheng.platform import scope
from neisheng.platform.access import capability_permission
from neisheng.platform.api import ScopedViewSet, router, validated
from neisheng.registry.api_filters import DivisionParameter, choice_parameter, under
from neisheng.registry.models import Household


class CadreSerializer(serializers.ModelSerializer):
    load = serializers.IntegerField(read_only=True, help_text="active 包户 pairs")

    class Meta:
        model = Cadre
        fields = ("id", "cadre_id", "name", "kind", "unit", "post", "division_code", "phone", "capacity", "active",
                  "load", "created_at")
        read_only_fields = fields


class CadreWriteSerializer(serializers.Serializer):
    cadre_id = serializers.CharField()
    name = serializers.CharField()
    kind = serializers.ChoiceField(choices=CadreKind.values, default=CadreKind.ASSISTANCE)
    unit = serializers.CharField(required=False, allow_blank=True, default="")
    post = serializers.CharField(required=False, allow_blank=True, default="")
    division_code = serializers.CharField()
    phone = serializers.CharField(required=False, allow_blank=True, default="")
    capacity = serializers.IntegerField(required=False, allow_null=True, default=None)


class PairSerializer(serializers.ModelSerializer):
    cadre_id = serializers.CharField(source="cadre.cadre_id", read_only=True)
    cadre_name = serializers.CharField(source="cadre.name", read_only=True)
    household_id = serializers.CharField(read_only=True)
    village_code = serializers.CharField(source="division_code", read_only=True)

    class Meta:
        model = CadrePair
        fields = ("id", "cadre_id", "cadre_name", "household_id", "village_code", "started_on", "ended_on",
                  "end_reason", "source", "assignment", "created_at", "ended_at")
        read_only_fields = fields


class PairStartSerializer(serializers.Serializer):
    cadre_id = serializers.CharField(help_text="干部编号")
    household_id = serializers.CharField(help_text="户编号")
    started_on = serializers.DateField()


class PairEndSerializer(serializers.Serializer):
    ended_on = serializers.DateField()
    reason = serializers.CharField(allow_blank=True)


class CadreFilter(DivisionParameter):
    kind = choice_parameter(CadreKind.values, "类别 leader, assistance, village")
    active = serializers.BooleanField(required=False, allow_null=True, default=None)
    cadre_id = serializers.CharField(required=False, help_text="干部编号")

    def apply(self, queryset):
        data = self.validated_data
        queryset = under(queryset, "division_code", data.get("division"))
        if "kind" in data:
            queryset = queryset.filter(kind=data["kind"])
        if data.get("active") is not None:
            queryset = queryset.filter(active=data["active"])
        if data.get("cadre_id"):
            queryset = queryset.filter(cadre_id=data["cadre_id"])
        return queryset


class PairFilter(DivisionParameter):
    active = serializers.BooleanField(required=False, allow_null=True, default=None,
                                      help_text="true: pairs in force; false: ended pairs")
    household_id = serializers.CharField(required=False, help_text="户编号")
    cadre_id = serializers.CharField(required=False, help_text="干部编号")
    source = choice_parameter(PairSource.values, "来源 manual, import, auto")

    def apply(self, queryset):
        data = self.validated_data
        queryset = under(queryset, "division_code", data.get("division"))
        if data.get("active") is not None:
            queryset = queryset.filter(ended_on__isnull=data["active"])
        if data.get("household_id"):
            queryset = queryset.filter(household_id=data["household_id"])
        if data.get("cadre_id"):
            queryset = queryset.filter(cadre__cadre_id=data["cadre_id"])
        if "source" in data:
            queryset = queryset.filter(source=data["source"])
        return queryset




def _refused(error: GridRefused) -> Response:
    return Response({"detail": str(error)}, status=status.HTTP_400_BAD_REQUEST)


class _GridViewSet(ScopedViewSet):
    def get_permissions(self):
        permissions = [*super().get_permissions(), capability_permission(PERSONS_READ)()]
        if self.request is not None and self.request.method not in ("GET", "HEAD", "OPTIONS"):
            permissions.append(capability_permission(GRID_EDIT)())
        return permissions


@extend_schema_view(list=extend_schema(parameters=[CadreFilter]))
class CadreViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, _GridViewSet):
    """帮扶干部 Cadres serving places under the user's division; filters `division`, `kind`,
    `active`, `cadre_id`. POST creates one (grid.edit)."""

    model = Cadre
    serializer_class = CadreSerializer
    filter_class = CadreFilter

    def base_queryset(self):
        return (Cadre.objects.annotate(load=Count("household_pairs", filter=Q(household_pairs__ended_on__isnull=True)))
                .order_by("division_code", "cadre_id"))

    @extend_schema(request=CadreWriteSerializer, responses={201: CadreSerializer})
    def create(self, request):
        data = validated(CadreWriteSerializer(data=request.data))
        try:
            cadre = services.cadre_create(user=request.user, values=dict(data))
        except GridRefused as error:
            return _refused(error)
        return Response(CadreSerializer(self.base_queryset().get(pk=cadre.pk)).data, status=status.HTTP_201_CREATED)


@extend_schema_view(list=extend_schema(parameters=[PairFilter]))
class PairViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, _GridViewSet):
    """包户结对 Cadre–household pairs of households under the user's division, with history
    (ended pairs too); filters `division`, `active`, `household_id`, `cadre_id`, `source`.
    POST starts a pair, POST {id}/end/ ends one (grid.edit)."""

    model = CadrePair
    serializer_class = PairSerializer
    filter_class = PairFilter

    def base_queryset(self):
        return CadrePair.objects.select_related("cadre").order_by("-started_on", "-pk")

    @extend_schema(request=PairStartSerializer, responses={201: PairSerializer})
    def create(self, request):
        data = validated(PairStartSerializer(data=request.data))
        user = request.user
        household = scope.visible_to(user, Household.objects.all()).filter(pk=data["household_id"]).first()
        if household is None:
            raise NotFound("未找到该户 / no such household")
        cadre = scope.visible_to(user, Cadre.objects.all()).filter(cadre_id=data["cadre_id"]).first()
        if cadre is None:
            raise NotFound("未找到该干部 / no such cadre")
        try:
            pair = services.cadre_pair_start(user=user, cadre=cadre, household=household,
                                             started_on=data["started_on"])
        except GridRefused as error:
            return _refused(error)
        return Response(PairSerializer(pair).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=PairEndSerializer, responses={200: PairSerializer})
    @action(detail=True, methods=["post"])
    def end(self, request, pk=None):
        pair = self.get_object()
        data = validated(PairEndSerializer(data=request.data))
        try:
            pair = services.cadre_pair_end(user=request.user, pair=pair, ended_on=data["ended_on"],
                                           reason=data["reason"])
        except GridRefused as error:
            return _refused(error)
        return Response(PairSerializer(pair).data)


router.register("grid/cadres", CadreViewSet, basename="api-grid-cadre")
router.register("grid/pairs", PairViewSet, basename="api-grid-pair")
