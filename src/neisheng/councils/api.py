"""REST API of village councils, with the pages' scope rules:

- GET /api/councils/, /api/councils/{id}/ (councils.figures: researchers and departments
  too): councils of the user's scope with the year's figures (`?year=`, this year by
  default); GET /api/councils/figures/?year=&by=village|town: the figures per village or
  per town, counts only. POST /api/councils/ {division_code, name, founded_on, purpose}
  (councils.record).
- GET /api/council-meetings/ (filter `council`), /api/council-meetings/{id}/ with who came
  (persons.read and councils.record); POST {council, held_on, kind, topic, minutes,
  members: [member ids], households: [household numbers]} records a meeting and sets the
  attending households' participates_village_affairs through the registry's write path.
- GET /api/council-items/ (filters `council`, `kind`, `open`), /api/council-items/{id}/
  with its responses and response time; POST {council, kind, category, text, raised_on,
  meeting, household_id, raised_by}; POST {id}/respond/ {responded_on, responder, action,
  closes}.

Writes go through neisheng.councils.services, whose refusals answer 400 field by field.
"""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response as ApiResponse

from neisheng.accounts.access import COUNCILS_FIGURES, COUNCILS_RECORD, PERSONS_READ
from neisheng.councils import selectors, services
from neisheng.councils.models import Council, Item, Meeting
from neisheng.engine.councils import Figures, answer_days
from neisheng.platform.access import capability_permission
from neisheng.platform.api import ScopedViewSet, router, validated

_SAFE = ("GET", "HEAD", "OPTIONS")


def figures_payload(f: Figures) -> dict:
    return {"meetings": f.meetings, "meetings_owed": f.meetings_owed, "meetings_gap": f.meetings_gap,
            "attendance": f.attendance, "suggestions": f.suggestions, "demands": f.demands, "answered": f.answered,
            "answered_on_time": f.answered_on_time, "median_days": f.median_days, "mean_days": f.mean_days,
            "open": f.open, "open_overdue": f.open_overdue}


def _year(request) -> int:
    raw = (request.query_params.get("year") or "").strip()
    today = timezone.localdate()
    return int(raw) if raw.isdigit() and 2000 <= int(raw) <= today.year else today.year


# --------------------------------------------------------------------------- serializers


class CouncilSerializer(serializers.ModelSerializer):
    figures = serializers.SerializerMethodField(help_text="the year's figures (?year=)")

    class Meta:
        model = Council
        fields = ("id", "division_code", "name", "founded_on", "figures")
        read_only_fields = fields

    def get_figures(self, council) -> dict:
        return figures_payload(self.context["figures"][council.division_code])


class CouncilWriteSerializer(serializers.Serializer):
    division_code = serializers.CharField(max_length=12)
    name = serializers.CharField(max_length=100)
    founded_on = serializers.DateField()
    purpose = serializers.CharField(required=False, allow_blank=True, default="")


class AttendanceSerializer(serializers.Serializer):
    member = serializers.IntegerField(source="member_id", allow_null=True)
    household_id = serializers.CharField(allow_null=True)
    affairs_set = serializers.BooleanField(help_text="this attendance set participates_village_affairs")


class MeetingSerializer(serializers.ModelSerializer):
    attendance = AttendanceSerializer(many=True, read_only=True)

    class Meta:
        model = Meeting
        fields = ("id", "council", "division_code", "held_on", "kind", "topic", "minutes", "attendance",
                  "recorded_at")
        read_only_fields = fields


class MeetingWriteSerializer(serializers.Serializer):
    council = serializers.IntegerField()
    held_on = serializers.DateField()
    kind = serializers.ChoiceField(choices=Meeting.Kind.values)
    topic = serializers.CharField(max_length=200)
    minutes = serializers.CharField(required=False, allow_blank=True, default="")
    members = serializers.ListField(child=serializers.IntegerField(), required=False, default=list)
    households = serializers.ListField(child=serializers.CharField(max_length=32), required=False, default=list)


class ResponseSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    responded_on = serializers.DateField()
    responder = serializers.CharField()
    action = serializers.CharField()
    closes = serializers.BooleanField()
    recorded_at = serializers.DateTimeField()


class ItemSerializer(serializers.ModelSerializer):
    responses = ResponseSerializer(many=True, read_only=True)
    household_id = serializers.CharField(read_only=True, allow_null=True)
    answer_days = serializers.SerializerMethodField(help_text="days from raised_on to the closing response")

    class Meta:
        model = Item
        fields = ("id", "council", "division_code", "kind", "category", "meeting", "raised_on", "household_id",
                  "raised_by", "text", "closed_on", "answer_days", "responses", "recorded_at")
        read_only_fields = fields

    def get_answer_days(self, item) -> int | None:
        return answer_days(item.raised_on, item.closed_on)


class ItemWriteSerializer(serializers.Serializer):
    council = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=Item.Kind.values)
    category = serializers.ChoiceField(choices=Item.Category.values)
    text = serializers.CharField()
    raised_on = serializers.DateField(required=False, allow_null=True, default=None)
    meeting = serializers.IntegerField(required=False, allow_null=True, default=None)
    household_id = serializers.CharField(required=False, allow_blank=True, allow_null=True, default="")
    raised_by = serializers.CharField(required=False, allow_blank=True, default="")


class RespondSerializer(serializers.Serializer):
    responded_on = serializers.DateField(required=False, allow_null=True, default=None)
    responder = serializers.CharField(max_length=100)
    action = serializers.CharField()
    closes = serializers.BooleanField(required=False, default=False)


class CouncilFilter(serializers.Serializer):
    council = serializers.IntegerField(required=False, help_text="理事会 id")

    def apply(self, queryset):
        if self.validated_data.get("council"):
            queryset = queryset.filter(council_id=self.validated_data["council"])
        return queryset


class ItemFilter(CouncilFilter):
    kind = serializers.ChoiceField(choices=Item.Kind.values, required=False)
    open = serializers.BooleanField(required=False, allow_null=True, default=None, help_text="1: open items only")

    def apply(self, queryset):
        queryset = super().apply(queryset)
        data = self.validated_data
        if data.get("kind"):
            queryset = queryset.filter(kind=data["kind"])
        if data.get("open") is not None:
            queryset = queryset.filter(closed_on__isnull=data["open"])
        return queryset


# --------------------------------------------------------------------------- viewsets


def _council_for(request, pk) -> Council:
    council = selectors.councils_visible(request.user).filter(pk=pk).first()
    if council is None:
        raise NotFound("未找到该理事会 / no such council")
    return council


class CouncilViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """扶贫理事会 Councils of the user's scope with the year's figures (councils.figures);
    POST registers one (councils.record)."""

    model = Council
    serializer_class = CouncilSerializer

    def get_permissions(self):
        permissions = [*super().get_permissions(), capability_permission(COUNCILS_FIGURES)()]
        if self.request is not None and self.request.method not in _SAFE:
            permissions.append(capability_permission(COUNCILS_RECORD)())
        return permissions

    def base_queryset(self):
        return Council.objects.order_by("division_code")

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if getattr(self, "swagger_fake_view", False) or self.request is None:
            return context
        councils = self.get_queryset()
        if self.kwargs.get("pk"):
            councils = councils.filter(pk=self.kwargs["pk"])
        context["figures"] = selectors.figures_for(councils, year=_year(self.request))
        return context

    @extend_schema(request=CouncilWriteSerializer, responses={201: CouncilSerializer})
    def create(self, request):
        data = validated(CouncilWriteSerializer(data=request.data))
        made = self.write(services.council_create, **data)
        context = {**super().get_serializer_context(), "figures": selectors.figures_for([made], year=_year(request))}
        return ApiResponse(CouncilSerializer(made, context=context).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={200: dict})
    @action(detail=False, methods=["get"])
    def figures(self, request):
        """The figures per village (by=village, the default) or per town (by=town)."""
        by = "town" if request.query_params.get("by") == "town" else "village"
        year = _year(request)
        councils = list(self.get_queryset())
        grouped = selectors.figures_for(councils, year=year, by=by)
        policy = selectors.policy_of(year)
        return ApiResponse({"year": year, "by": by, "answer_days": policy.councils_answer_days,
                            "meetings_per_year": policy.councils_meetings_per_year,
                            "divisions": [{"division_code": code, **figures_payload(f)}
                                          for code, f in sorted(grouped.items())],
                            "total": figures_payload(selectors.total_for(councils, year=year))})


class _NamesViewSet(ScopedViewSet):
    def get_permissions(self):
        return [*super().get_permissions(), capability_permission(PERSONS_READ)(),
                capability_permission(COUNCILS_RECORD)()]


@extend_schema_view(list=extend_schema(parameters=[CouncilFilter]))
class MeetingViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, _NamesViewSet):
    """理事会会议 Meetings with who came (persons.read, councils.record); POST records one."""

    model = Meeting
    serializer_class = MeetingSerializer
    filter_class = CouncilFilter

    def base_queryset(self):
        return Meeting.objects.prefetch_related("attendance").order_by("-held_on", "-pk")

    @extend_schema(request=MeetingWriteSerializer, responses={201: MeetingSerializer})
    def create(self, request):
        data = dict(validated(MeetingWriteSerializer(data=request.data)))
        council = _council_for(request, data.pop("council"))
        made = self.write(services.meeting_record, council=council, **data)
        return ApiResponse(MeetingSerializer(made, context=self.get_serializer_context()).data,
                           status=status.HTTP_201_CREATED)


@extend_schema_view(list=extend_schema(parameters=[ItemFilter]))
class ItemViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, _NamesViewSet):
    """群众建议和诉求 Suggestions and demands with their responses (persons.read,
    councils.record); POST raises one, POST {id}/respond/ answers it."""

    model = Item
    serializer_class = ItemSerializer
    filter_class = ItemFilter

    def base_queryset(self):
        return Item.objects.prefetch_related("responses").order_by("-raised_on", "-pk")

    @extend_schema(request=ItemWriteSerializer, responses={201: ItemSerializer})
    def create(self, request):
        data = dict(validated(ItemWriteSerializer(data=request.data)))
        council = _council_for(request, data.pop("council"))
        household = (data.pop("household_id") or "").strip() or None
        made = self.write(services.item_raise, council=council, household=household, **data)
        return ApiResponse(ItemSerializer(made, context=self.get_serializer_context()).data,
                           status=status.HTTP_201_CREATED)

    @extend_schema(request=RespondSerializer, responses={200: ItemSerializer})
    @action(detail=True, methods=["post"])
    def respond(self, request, pk=None):
        item = self.get_object()
        data = dict(validated(RespondSerializer(data=request.data)))
        data["responded_on"] = data["responded_on"] or timezone.localdate()
        self.write(services.item_respond, item=item, **data)
        item = Item.objects.prefetch_related("responses").get(pk=item.pk)
        return ApiResponse(ItemSerializer(item, context=self.get_serializer_context()).data)


router.register("councils", CouncilViewSet, basename="api-council")
router.register("council-meetings", MeetingViewSet, basename="api-council-meeting")
router.register("council-items", ItemViewSet, basename="api-council-item")
