"""REST API of job placements, public-welfare posts and industry participation (issue 13,
item 6): GET/POST /api/placements/, GET /api/placements/{id}/, POST
/api/placements/{id}/end/; the same under /api/posts/; GET/POST /api/industry/, GET
/api/industry/{id}/, POST /api/industry/{id}/leave/.

Reading needs persons.read, writing activities.record; rows are those of households under
the user's division (elsewhere: 404). ID numbers are masked unless `?unmask=1` by a role
allowed to see them (audited). Writes go through assistance.services, whose refusals
answer 400 field by field."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from neisheng.accounts.access import ACTIVITIES_RECORD, PERSONS_READ
from neisheng.assistance.models import IndustryParticipation, JobPlacement, WelfarePost
from neisheng.assistance.services import industry, work
from neisheng.platform import scope
from neisheng.platform.access import capability_permission
from neisheng.platform.api import UNMASK_PARAMETER, ScopedViewSet, UnmaskingMixin, router, validated
from neisheng.registry.api_filters import DivisionParameter, under
from neisheng.registry.models import Household, Person


class _WorkSerializer(UnmaskingMixin, serializers.ModelSerializer):
    person_id = serializers.SerializerMethodField()
    person_name = serializers.CharField(source="person.name", read_only=True)
    village_code = serializers.CharField(source="household.village_id", read_only=True)
    measure_id = serializers.IntegerField(read_only=True, allow_null=True)
    amount = serializers.SerializerMethodField(help_text="months × monthly pay: what the ledger row counts")

    def get_person_id(self, record) -> str:
        return self.shown_id(record.person_id or "", record.household.village_id)


class PlacementSerializer(_WorkSerializer):
    class Meta:
        model = JobPlacement
        fields = ("id", "household_id", "village_code", "person_id", "person_name", "employer", "job", "starts_on",
                  "ends_on", "year", "months", "monthly_wage", "amount", "measure_id", "note", "recorded_at")
        read_only_fields = fields

    def get_amount(self, record) -> str:
        return str(record.months * record.monthly_wage)


class PostSerializer(_WorkSerializer):
    serving_village_code = serializers.CharField(source="village_id", read_only=True)

    class Meta:
        model = WelfarePost
        fields = ("id", "household_id", "village_code", "person_id", "person_name", "post", "serving_village_code",
                  "starts_on", "ends_on", "year", "months", "monthly_pay", "amount", "measure_id", "note",
                  "recorded_at")
        read_only_fields = fields

    def get_amount(self, record) -> str:
        return str(record.months * record.monthly_pay)


class IndustrySerializer(serializers.ModelSerializer):
    village_code = serializers.CharField(source="household.village_id", read_only=True)
    measure_id = serializers.IntegerField(read_only=True, allow_null=True)

    class Meta:
        model = IndustryParticipation
        fields = ("id", "household_id", "village_code", "name", "kind", "joined_on", "left_on", "measure_id", "note",
                  "recorded_at")
        read_only_fields = fields


class PlacementWriteSerializer(serializers.Serializer):
    person_id = serializers.CharField(help_text="证件号码")
    employer = serializers.CharField()
    job = serializers.CharField(required=False, allow_blank=True, default="")
    starts_on = serializers.DateField()
    year = serializers.IntegerField(required=False, allow_null=True, default=None)
    months = serializers.IntegerField(min_value=1, max_value=12)
    monthly_wage = serializers.DecimalField(max_digits=10, decimal_places=2)
    note = serializers.CharField(required=False, allow_blank=True, default="")


class PostWriteSerializer(serializers.Serializer):
    person_id = serializers.CharField(help_text="证件号码")
    post = serializers.CharField()
    village = serializers.CharField(help_text="服务村代码")
    starts_on = serializers.DateField()
    year = serializers.IntegerField(required=False, allow_null=True, default=None)
    months = serializers.IntegerField(min_value=1, max_value=12)
    monthly_pay = serializers.DecimalField(max_digits=10, decimal_places=2)
    note = serializers.CharField(required=False, allow_blank=True, default="")


class IndustryWriteSerializer(serializers.Serializer):
    household_id = serializers.CharField(help_text="户编号")
    name = serializers.CharField()
    kind = serializers.ChoiceField(choices=IndustryParticipation.Kind.values)
    joined_on = serializers.DateField()
    note = serializers.CharField(required=False, allow_blank=True, default="")


class EndSerializer(serializers.Serializer):
    ends_on = serializers.DateField()


class LeaveSerializer(serializers.Serializer):
    left_on = serializers.DateField()


class ActivityFilter(DivisionParameter):
    household_id = serializers.CharField(required=False, help_text="户编号")
    year = serializers.IntegerField(required=False)
    active = serializers.BooleanField(required=False, allow_null=True, default=None,
                                      help_text="true: not ended; false: ended")

    end_field = "ends_on"

    def apply(self, queryset):
        data = self.validated_data
        queryset = under(queryset, "household__village_id", data.get("division"))
        if data.get("household_id"):
            queryset = queryset.filter(household_id=data["household_id"])
        if data.get("year") and hasattr(queryset.model, "year"):
            queryset = queryset.filter(year=data["year"])
        if data.get("active") is not None:
            queryset = queryset.filter(**{f"{self.end_field}__isnull": data["active"]})
        return queryset


class IndustryFilter(ActivityFilter):
    end_field = "left_on"


class _ActivityViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    def get_permissions(self):
        permissions = [*super().get_permissions(), capability_permission(PERSONS_READ)()]
        if self.request is not None and self.request.method not in ("GET", "HEAD", "OPTIONS"):
            permissions.append(capability_permission(ACTIVITIES_RECORD)())
        return permissions

    def _person(self, person_id: str) -> Person:
        person = scope.visible_to(self.request.user, Person).filter(pk=person_id.strip().upper()).first()
        if person is None:
            raise NotFound("未找到该成员 / no such person")
        return person


_WORK_SCHEMA = extend_schema_view(list=extend_schema(parameters=[ActivityFilter, UNMASK_PARAMETER]),
                                  retrieve=extend_schema(parameters=[UNMASK_PARAMETER]))


@_WORK_SCHEMA
class PlacementViewSet(_ActivityViewSet):
    """就业帮扶 Job placements of members of households under the user's division; filters
    `division`, `household_id`, `year`, `active`. POST records one, POST {id}/end/ ends it."""

    model = JobPlacement
    serializer_class = PlacementSerializer
    filter_class = ActivityFilter
    reveals_id_numbers = True

    def base_queryset(self):
        return JobPlacement.objects.select_related("person", "household").order_by("-starts_on", "-pk")

    @extend_schema(request=PlacementWriteSerializer, responses={201: PlacementSerializer})
    def create(self, request):
        data = dict(validated(PlacementWriteSerializer(data=request.data)))
        person = self._person(data.pop("person_id"))
        record = self.write(work.placement_record, person=person, **data)
        return Response(self.get_serializer(record).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=EndSerializer, responses={200: PlacementSerializer})
    @action(detail=True, methods=["post"])
    def end(self, request, pk=None):
        placement = self.get_object()
        data = validated(EndSerializer(data=request.data))
        record = self.write(work.placement_end, placement=placement, ends_on=data["ends_on"])
        return Response(self.get_serializer(record).data)


@_WORK_SCHEMA
class PostViewSet(_ActivityViewSet):
    """公益岗位 Public-welfare posts of members of households under the user's division;
    filters as placements. POST records one, POST {id}/end/ ends it."""

    model = WelfarePost
    serializer_class = PostSerializer
    filter_class = ActivityFilter
    reveals_id_numbers = True

    def base_queryset(self):
        return WelfarePost.objects.select_related("person", "household").order_by("-starts_on", "-pk")

    @extend_schema(request=PostWriteSerializer, responses={201: PostSerializer})
    def create(self, request):
        data = dict(validated(PostWriteSerializer(data=request.data)))
        person = self._person(data.pop("person_id"))
        record = self.write(work.post_record, person=person, **data)
        return Response(self.get_serializer(record).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=EndSerializer, responses={200: PostSerializer})
    @action(detail=True, methods=["post"])
    def end(self, request, pk=None):
        post = self.get_object()
        data = validated(EndSerializer(data=request.data))
        record = self.write(work.post_end, post=post, ends_on=data["ends_on"])
        return Response(self.get_serializer(record).data)


@extend_schema_view(list=extend_schema(parameters=[IndustryFilter]))
class IndustryViewSet(_ActivityViewSet):
    """产业帮扶 Industry participation of households under the user's division; filters
    `division`, `household_id`, `active`. POST records one, POST {id}/leave/ ends it."""

    model = IndustryParticipation
    serializer_class = IndustrySerializer
    filter_class = IndustryFilter

    def base_queryset(self):
        return IndustryParticipation.objects.select_related("household").order_by("-joined_on", "-pk")

    @extend_schema(request=IndustryWriteSerializer, responses={201: IndustrySerializer})
    def create(self, request):
        data = dict(validated(IndustryWriteSerializer(data=request.data)))
        household = scope.visible_to(request.user, Household).filter(pk=data.pop("household_id")).first()
        if household is None:
            raise NotFound("未找到该户 / no such household")
        record = self.write(industry.industry_join, household=household, **data)
        return Response(self.get_serializer(record).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=LeaveSerializer, responses={200: IndustrySerializer})
    @action(detail=True, methods=["post"])
    def leave(self, request, pk=None):
        participation = self.get_object()
        data = validated(LeaveSerializer(data=request.data))
        record = self.write(industry.industry_leave, participation=participation, left_on=data["left_on"])
        return Response(self.get_serializer(record).data)


router.register("placements", PlacementViewSet, basename="api-placement")
router.register("posts", PostViewSet, basename="api-post")
router.register("industry", IndustryViewSet, basename="api-industry")
