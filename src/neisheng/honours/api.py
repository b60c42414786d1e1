"""REST API of model households, with the pages' scope rules:

- GET /api/honours-nominations/, /api/honours-nominations/{id}/ (persons.read): the
  nominations under the user's division with their latest score (each criterion's points
  and figures), filters `year`, `state`, `source`, `village`. POST creates one
  (honours.nominate): {household_id, source, nominated_by_name, nominated_on, story};
  POST {id}/score/ {on} scores it again (honours.nominate).
- GET /api/honours-roll/ (persons.read): the approved model households with the head's
  name and the story, filters `year`, `village`.
- GET /api/honours-figures/ (honours.figures): counts per village for `year` (nominated,
  approved, rejected, paired, meetings); no name, no household. This is all a role that
  reads figures only (a researcher) gets: counts.

Writes go through neisheng.honours.services, whose refusals answer 400 field by field.
"""

from __future__ import annotations

from django.urls import path
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action, api_view, permission_classes
from rest_framework.exceptions import NotFound
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from neisheng.accounts.access import HONOURS_FIGURES, HONOURS_NOMINATE, PERSONS_READ
from neisheng.honours import selectors, services
from neisheng.honours.models import Nomination
from neisheng.platform import scope
from neisheng.platform.access import capability_permission
from neisheng.platform.api import ScopedViewSet, extra_urls, router, validated
from neisheng.registry.models import Household

_SAFE = ("GET", "HEAD", "OPTIONS")


class NominationSerializer(serializers.ModelSerializer):
    year = serializers.IntegerField(source="selection.year", read_only=True)
    score = serializers.SerializerMethodField()

    class Meta:
        model = Nomination
        fields = ("id", "household", "division_code", "year", "source", "nominated_by_name", "nominated_on", "story",
                  "state", "score_total", "score", "recorded_at")
        read_only_fields = fields

    def get_score(self, nomination) -> dict | None:
        score = nomination.latest_score
        if score is None:
            return None
        return {"scored_on": score.scored_on, "total": str(score.total), "pass_score": str(score.pass_score),
                "criteria": score.criteria}


class NominationWriteSerializer(serializers.Serializer):
    household_id = serializers.CharField(max_length=32)
    source = serializers.ChoiceField(choices=Nomination.Source.values)
    nominated_by_name = serializers.CharField(max_length=100)
    nominated_on = serializers.DateField()
    story = serializers.CharField()


class StepDateSerializer(serializers.Serializer):
    on = serializers.DateField(required=False, allow_null=True, default=None)


class NominationFilter(serializers.Serializer):
    year = serializers.IntegerField(required=False)
    state = serializers.ChoiceField(choices=Nomination.State.values, required=False)
    source = serializers.ChoiceField(choices=Nomination.Source.values, required=False)
    village = serializers.CharField(required=False, help_text="村区划代码")

    def apply(self, queryset):
        data = self.validated_data
        if data.get("year"):
            queryset = queryset.filter(selection__year=data["year"])
        if data.get("state"):
            queryset = queryset.filter(state=data["state"])
        if data.get("source"):
            queryset = queryset.filter(source=data["source"])
        if data.get("village"):
            queryset = queryset.filter(division_code=data["village"])
        return queryset


@extend_schema_view(list=extend_schema(parameters=[NominationFilter]))
class NominationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """脱贫示范户推荐 Nominations under the user's division (persons.read)."""

    model = Nomination
    serializer_class = NominationSerializer
    filter_class = NominationFilter

    def get_permissions(self):
        permissions = [*super().get_permissions(), capability_permission(PERSONS_READ)()]
        if self.request is not None and self.request.method not in _SAFE:
            permissions.append(capability_permission(HONOURS_NOMINATE)())
        return permissions

    def base_queryset(self):
        return Nomination.objects.select_related("selection").order_by("-selection__year", "division_code", "pk")

    @extend_schema(request=NominationWriteSerializer, responses={201: NominationSerializer})
    def create(self, request):
        data = dict(validated(NominationWriteSerializer(data=request.data)))
        household = scope.visible_to(request.user, Household).filter(pk=data.pop("household_id").strip()).first()
        if household is None:
            raise NotFound("未找到该户 / no such household")
        made = self.write(services.nomination_create, household=household, **data)
        return Response(NominationSerializer(made, context=self.get_serializer_context()).data,
                        status=status.HTTP_201_CREATED)

    @extend_schema(request=StepDateSerializer, responses={200: NominationSerializer})
    @action(detail=True, methods=["post"])
    def score(self, request, pk=None):
        from django.utils import timezone

        from neisheng.platform.workflow import TransitionRefused

        nomination = self.get_object()
        data = validated(StepDateSerializer(data=request.data))
        try:
            self.write(services.nomination_score, nomination=nomination, scored_on=data["on"] or timezone.localdate())
        except TransitionRefused as refused:
            return Response({"detail": str(refused)}, status=status.HTTP_400_BAD_REQUEST)
        nomination.refresh_from_db()
        return Response(NominationSerializer(nomination, context=self.get_serializer_context()).data)


class RollFilter(serializers.Serializer):
    year = serializers.IntegerField(required=False)
    village = serializers.CharField(required=False, help_text="村或乡镇区划代码")


@extend_schema(parameters=[RollFilter], responses={200: dict})
@api_view(["GET"])
@permission_classes([IsAuthenticated, capability_permission(PERSONS_READ)])
def honour_roll(request):
    """光荣榜 The approved model households under the user's division (or `village`)."""
    params = validated(RollFilter(data=request.query_params.dict()))
    user = request.user
    entries = scope.visible_to(user, Nomination).filter(state=Nomination.State.APPROVED).select_related("selection")
    if params.get("year"):
        entries = entries.filter(selection__year=params["year"])
    if params.get("village"):
        code = params["village"]
        if not scope.code_is_within(user, code):
            raise NotFound("未找到该区划 / no such division")
        try:
            entries = entries.filter(selectors.codes_under(code))
        except (KeyError, ValueError):
            raise NotFound("未找到该区划 / no such division") from None
    rows = list(entries.order_by("-selection__year", "division_code", "-score_total", "pk"))
    names = selectors.head_names([n.household_id for n in rows])
    return Response([{
        "year": n.selection.year, "village": n.division_code, "household": n.household_id,
        "name": names.get(n.household_id, ""), "score": str(n.score_total), "source": n.source, "story": n.story,
        "nomination": n.pk,
    } for n in rows])


class FiguresFilter(serializers.Serializer):
    year = serializers.IntegerField(required=False)


@extend_schema(parameters=[FiguresFilter], responses={200: dict})
@api_view(["GET"])
@permission_classes([IsAuthenticated, capability_permission(HONOURS_FIGURES)])
def honour_figures(request):
    """示范户评选汇总 Counts per village and town of the user's division for `year`."""
    params = validated(FiguresFilter(data=request.query_params.dict()))
    villages, towns, total = selectors.figures(request.user, params.get("year"))

    def row(r) -> dict:
        return {"division_code": r.code, "name": r.name, "nominated": r.nominated, "approved": r.approved,
                "rejected": r.rejected, "paired": r.paired, "meetings": r.meetings}

    return Response({"year": params.get("year"), "villages": [row(r) for r in villages],
                     "towns": [row(r) for r in towns], "total": {k: v for k, v in row(total).items()
                                                                  if k not in ("division_code", "name")}})


router.register("honours-nominations", NominationViewSet, basename="api-honours-nomination")
extra_urls.extend([path("honours-roll/", honour_roll, name="api-honours-roll"),
                   path("honours-figures/", honour_figures, name="api-honours-figures")])
