"""REST API of trainings and meetings (issue 13, item 6): GET/POST /api/trainings/, GET
/api/trainings/{id}/, GET/POST /api/trainings/{id}/attendance/; the same under
/api/meetings/.

Reading needs persons.read, writing activities.record. A course or meeting is seen by
those of the division holding it, under it and above it (as on the pages); its attendance
only as far as the reader's scope reaches. ID numbers are masked unless `?unmask=1` by a
role allowed to see them (audited). Writes go through assistance.services (the registry's
write path, the measure carried out), whose refusals answer 400 field by field; a person
or household outside the user's division is 404, as one that does not exist."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from neisheng.accounts.access import ACTIVITIES_RECORD, PERSONS_READ
from neisheng.assistance.models import Meeting, MeetingAttendance, Training, TrainingAttendance
from neisheng.assistance.services import meetings, trainings
from neisheng.platform import scope
from neisheng.platform.access import capability_permission
from neisheng.platform.api import UNMASK_PARAMETER, ScopedViewSet, UnmaskingMixin, router, validated
from neisheng.registry.models import Household, Person


class TrainingSerializer(serializers.ModelSerializer):
    class Meta:
        model = Training
        fields = ("id", "division_code", "course", "skill", "starts_on", "ends_on", "trainer", "venue", "organizer",
                  "fees_waived", "recorded_at")
        read_only_fields = ("id", "recorded_at")


class MeetingSerializer(serializers.ModelSerializer):
    class Meta:
        model = Meeting
        fields = ("id", "division_code", "kind", "held_on", "topic", "host", "minutes", "recorded_at")
        read_only_fields = ("id", "recorded_at")


class TraineeSerializer(UnmaskingMixin, serializers.ModelSerializer):
    person_id = serializers.SerializerMethodField()
    person_name = serializers.CharField(source="person.name", read_only=True)
    village_code = serializers.CharField(source="household.village_id", read_only=True)
    measure_id = serializers.IntegerField(read_only=True, allow_null=True)

    class Meta:
        model = TrainingAttendance
        fields = ("id", "training_id", "household_id", "village_code", "person_id", "person_name", "days_attended",
                  "completed", "certificate_no", "certified_on", "measure_id", "note", "recorded_at")
        read_only_fields = fields

    def get_person_id(self, record) -> str:
        return self.shown_id(record.person_id or "", record.household.village_id)


class AttendeeSerializer(UnmaskingMixin, serializers.ModelSerializer):
    person_id = serializers.SerializerMethodField()
    village_code = serializers.CharField(source="household.village_id", read_only=True)
    measure_id = serializers.IntegerField(read_only=True, allow_null=True)

    class Meta:
        model = MeetingAttendance
        fields = ("id", "meeting_id", "household_id", "village_code", "person_id", "measure_id", "note",
                  "recorded_at")
        read_only_fields = fields

    def get_person_id(self, record) -> str:
        return self.shown_id(record.person_id or "", record.household.village_id)


class TraineeWriteSerializer(serializers.Serializer):
    person_id = serializers.CharField(help_text="证件号码")
    days_attended = serializers.IntegerField(min_value=0)
    completed = serializers.BooleanField()
    certificate_no = serializers.CharField(required=False, allow_blank=True, default="")
    certified_on = serializers.DateField(required=False, allow_null=True, default=None)
    note = serializers.CharField(required=False, allow_blank=True, default="")


class AttendeeWriteSerializer(serializers.Serializer):
    person_id = serializers.CharField(required=False, allow_blank=True, default="", help_text="证件号码 (参加的成员)")
    household_id = serializers.CharField(required=False, allow_blank=True, default="", help_text="户编号")
    note = serializers.CharField(required=False, allow_blank=True, default="")

    def validate(self, data):
        if not data["person_id"] and not data["household_id"]:
            raise serializers.ValidationError("请填写证件号码或户编号 / give person_id or household_id")
        return data


class _HeldViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    reveals_id_numbers = True

    def get_permissions(self):
        permissions = [*super().get_permissions(), capability_permission(PERSONS_READ)()]
        if self.request is not None and self.request.method not in ("GET", "HEAD", "OPTIONS"):
            permissions.append(capability_permission(ACTIVITIES_RECORD)())
        return permissions

    def scoped_queryset(self):
        # A course or meeting held above the user's division is open to its people.
        return scope.visible_to(self.request.user, self.base_queryset(), ancestors=True)

    def _person(self, number: str) -> Person:
        person = scope.visible_to(self.request.user, Person).filter(pk=number.strip().upper()).first()
        if person is None:
            raise NotFound("未找到该成员 / no such person")
        return person

    def _household(self, number: str) -> Household:
        household = scope.visible_to(self.request.user, Household).filter(pk=number.strip()).first()
        if household is None:
            raise NotFound("未找到该户 / no such household")
        return household

    def _attendance_page(self, rows, serializer_class):
        page = self.paginate_queryset(rows)
        context = self.get_serializer_context()
        if page is not None:
            return self.get_paginated_response(serializer_class(page, many=True, context=context).data)
        return Response(serializer_class(rows, many=True, context=context).data)


_SCHEMA = extend_schema_view(list=extend_schema(parameters=[UNMASK_PARAMETER]),
                             retrieve=extend_schema(parameters=[UNMASK_PARAMETER]))


@_SCHEMA
class TrainingViewSet(_HeldViewSet):
    """技能培训 Courses held by, under or above the user's division. POST creates one;
    {id}/attendance/ lists its trainees within the user's scope (GET) or records one
    (POST: a certificate gives the person has_skill)."""

    model = Training
    serializer_class = TrainingSerializer

    def base_queryset(self):
        return Training.objects.order_by("-starts_on", "-pk")

    @extend_schema(request=TrainingSerializer, responses={201: TrainingSerializer})
    def create(self, request):
        data = dict(validated(TrainingSerializer(data=request.data)))
        record = self.write(trainings.training_create, **data)
        return Response(TrainingSerializer(record).data, status=status.HTTP_201_CREATED)

    @extend_schema(methods=["GET"], responses={200: TraineeSerializer(many=True)}, parameters=[UNMASK_PARAMETER])
    @extend_schema(methods=["POST"], request=TraineeWriteSerializer, responses={201: TraineeSerializer})
    @action(detail=True, methods=["get", "post"])
    def attendance(self, request, pk=None):
        training = self.get_object()
        if request.method == "POST":
            data = dict(validated(TraineeWriteSerializer(data=request.data)))
            person = self._person(data.pop("person_id"))
            record = self.write(trainings.training_attendance_record, training=training, person=person, **data)
            return Response(TraineeSerializer(record, context=self.get_serializer_context()).data,
                            status=status.HTTP_201_CREATED)
        rows = (scope.visible_to(request.user, TrainingAttendance).filter(training=training)
                .select_related("person", "household").order_by("pk"))
        return self._attendance_page(rows, TraineeSerializer)


@_SCHEMA
class MeetingViewSet(_HeldViewSet):
    """宣讲和议事 Lectures and village meetings held by, under or above the user's division.
    POST creates one; {id}/attendance/ lists the households that attended within the
    user's scope (GET) or records one (POST: sets participates_village_affairs)."""

    model = Meeting
    serializer_class = MeetingSerializer

    def base_queryset(self):
        return Meeting.objects.order_by("-held_on", "-pk")

    @extend_schema(request=MeetingSerializer, responses={201: MeetingSerializer})
    def create(self, request):
        data = dict(validated(MeetingSerializer(data=request.data)))
        record = self.write(meetings.meeting_create, **data)
        return Response(MeetingSerializer(record).data, status=status.HTTP_201_CREATED)

    @extend_schema(methods=["GET"], responses={200: AttendeeSerializer(many=True)}, parameters=[UNMASK_PARAMETER])
    @extend_schema(methods=["POST"], request=AttendeeWriteSerializer, responses={201: AttendeeSerializer})
    @action(detail=True, methods=["get", "post"])
    def attendance(self, request, pk=None):
        meeting = self.get_object()
        if request.method == "POST":
            data = dict(validated(AttendeeWriteSerializer(data=request.data)))
            person = self._person(data["person_id"]) if data["person_id"] else None
            household = self._household(data["household_id"]) if data["household_id"] else person.household
            record = self.write(meetings.meeting_attendance_record, meeting=meeting, household=household,
                                person=person, note=data["note"])
            return Response(AttendeeSerializer(record, context=self.get_serializer_context()).data,
                            status=status.HTTP_201_CREATED)
        rows = (scope.visible_to(request.user, MeetingAttendance).filter(meeting=meeting)
                .select_related("household").order_by("pk"))
        return self._attendance_page(rows, AttendeeSerializer)


router.register("trainings", TrainingViewSet, basename="api-training")
router.register("meetings", MeetingViewSet, basename="api-meeting")
