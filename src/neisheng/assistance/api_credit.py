"""REST API of microloans, education aid and insurance enrolment (issue 13, item 6):
GET/POST /api/loans/, GET /api/loans/{id}/ (with its repayments and where it stands),
POST /api/loans/{id}/repay/; GET/POST /api/education-aid/, GET /api/education-aid/{id}/;
GET/POST /api/insurance/, GET /api/insurance/{id}/.

As the other activities' API (api_work): reading needs persons.read, writing
activities.record; rows of households under the user's division (elsewhere: 404); ID
numbers masked unless `?unmask=1` by a role allowed to see them (audited); writes go
through assistance.services, whose refusals answer 400 field by field."""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from neisheng.assistance.api_work import ActivityFilter, _ActivityViewSet
from neisheng.assistance.models import (
    EducationAid,
    InsuranceEnrolment,
    Microcredit,
    MicrocreditRepayment,
)
from neisheng.assistance.services import aid, credit
from neisheng.platform import scope
from neisheng.platform.api import UNMASK_PARAMETER, UnmaskingMixin, router, validated
from neisheng.registry.api_filters import under
from neisheng.registry.models import Household

# --------------------------------------------------------------------------- loans


class RepaymentSerializer(serializers.ModelSerializer):
    class Meta:
        model = MicrocreditRepayment
        fields = ("id", "paid_on", "amount", "recorded_at")
        read_only_fields = fields


class LoanSerializer(serializers.ModelSerializer):
    village_code = serializers.CharField(source="household.village_id", read_only=True)
    measure_id = serializers.IntegerField(read_only=True, allow_null=True)
    repaid = serializers.DecimalField(max_digits=14, decimal_places=2, read_only=True)
    outstanding = serializers.SerializerMethodField(help_text="amount less repayments")
    overdue = serializers.SerializerMethodField(help_text="past the due date with something owed (due today: not)")
    days_overdue = serializers.SerializerMethodField()
    repayments = RepaymentSerializer(many=True, read_only=True)

    class Meta:
        model = Microcredit
        fields = ("id", "household_id", "village_code", "bank", "amount", "lent_on", "due_on", "repaid",
                  "outstanding", "overdue", "days_overdue", "repayments", "measure_id", "note", "recorded_at")
        read_only_fields = fields

    def _standing(self, loan):
        return credit.loan_standing(loan, self.context.setdefault("today", timezone.localdate()))

    def get_outstanding(self, loan) -> str:
        return f"{self._standing(loan).outstanding:.2f}"

    def get_overdue(self, loan) -> bool:
        return self._standing(loan).overdue

    def get_days_overdue(self, loan) -> int:
        return self._standing(loan).days_overdue


class LoanWriteSerializer(serializers.Serializer):
    household_id = serializers.CharField(help_text="户编号")
    bank = serializers.CharField()
    amount = serializers.DecimalField(max_digits=12, decimal_places=2)
    lent_on = serializers.DateField()
    due_on = serializers.DateField()
    note = serializers.CharField(required=False, allow_blank=True, default="")


class RepaymentWriteSerializer(serializers.Serializer):
    paid_on = serializers.DateField()
    amount = serializers.DecimalField(max_digits=12, decimal_places=2)


class LoanFilter(ActivityFilter):
    overdue = serializers.BooleanField(required=False, allow_null=True, default=None,
                                       help_text="true: overdue loans only; false: the others")
    active = None  # a loan has no end date: `overdue` says where it stands

    def apply(self, queryset):
        data = self.validated_data
        queryset = under(queryset, "household__village_id", data.get("division"))
        if data.get("household_id"):
            queryset = queryset.filter(household_id=data["household_id"])
        if data.get("year"):
            queryset = queryset.filter(lent_on__year=data["year"])
        if data.get("overdue") is not None:
            overdue = credit.overdue_loans(queryset).values("pk")
            queryset = queryset.filter(pk__in=overdue) if data["overdue"] else queryset.exclude(pk__in=overdue)
        return queryset


@extend_schema_view(list=extend_schema(parameters=[LoanFilter]))
class LoanViewSet(_ActivityViewSet):
    """扶贫小额信贷 Microloans of households under the user's division, with repayments and
    where each stands; filters `division`, `household_id`, `year` (of lending), `overdue`.
    POST records a loan, POST {id}/repay/ a repayment (never more than is owed)."""

    model = Microcredit
    serializer_class = LoanSerializer
    filter_class = LoanFilter

    def base_queryset(self):
        return (credit.with_outstanding(Microcredit.objects.select_related("household"))
                .prefetch_related("repayments").order_by("-lent_on", "-pk"))

    @extend_schema(request=LoanWriteSerializer, responses={201: LoanSerializer})
    def create(self, request):
        data = dict(validated(LoanWriteSerializer(data=request.data)))
        household = scope.visible_to(request.user, Household).filter(pk=data.pop("household_id").strip()).first()
        if household is None:
            raise NotFound("未找到该户 / no such household")
        loan = self.write(credit.loan_record, household=household, **data)
        return Response(self.get_serializer(self.get_queryset().get(pk=loan.pk)).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=RepaymentWriteSerializer, responses={201: LoanSerializer})
    @action(detail=True, methods=["post"])
    def repay(self, request, pk=None):
        loan = self.get_object()
        data = validated(RepaymentWriteSerializer(data=request.data))
        self.write(credit.loan_repayment_record, loan=loan, **data)
        return Response(self.get_serializer(self.get_queryset().get(pk=loan.pk)).data, status=status.HTTP_201_CREATED)


# --------------------------------------------------------------------------- education aid, insurance


class _MemberSerializer(UnmaskingMixin, serializers.ModelSerializer):
    person_id = serializers.SerializerMethodField()
    person_name = serializers.CharField(source="person.name", read_only=True)
    village_code = serializers.CharField(source="household.village_id", read_only=True)
    measure_id = serializers.IntegerField(read_only=True, allow_null=True)

    def get_person_id(self, record) -> str:
        return self.shown_id(record.person_id or "", record.household.village_id)


class AidSerializer(_MemberSerializer):
    class Meta:
        model = EducationAid
        fields = ("id", "household_id", "village_code", "person_id", "person_name", "program", "school", "year",
                  "term", "amount", "paid_on", "measure_id", "note", "recorded_at")
        read_only_fields = fields


class InsuranceSerializer(_MemberSerializer):
    class Meta:
        model = InsuranceEnrolment
        fields = ("id", "household_id", "village_code", "person_id", "person_name", "scheme", "year", "enrolled_on",
                  "subsidy", "measure_id", "note", "recorded_at")
        read_only_fields = fields


class AidWriteSerializer(serializers.Serializer):
    person_id = serializers.CharField(help_text="证件号码")
    program = serializers.ChoiceField(choices=EducationAid.Program.values)
    school = serializers.CharField(required=False, allow_blank=True, default="")
    year = serializers.IntegerField()
    term = serializers.ChoiceField(choices=EducationAid.Term.values)
    amount = serializers.DecimalField(max_digits=10, decimal_places=2)
    paid_on = serializers.DateField(required=False, allow_null=True, default=None)
    note = serializers.CharField(required=False, allow_blank=True, default="")


class InsuranceWriteSerializer(serializers.Serializer):
    person_id = serializers.CharField(help_text="证件号码")
    scheme = serializers.ChoiceField(choices=InsuranceEnrolment.Scheme.values)
    year = serializers.IntegerField()
    enrolled_on = serializers.DateField()
    subsidy = serializers.DecimalField(max_digits=10, decimal_places=2, required=False, default=0)
    note = serializers.CharField(required=False, allow_blank=True, default="")


class MemberActivityFilter(ActivityFilter):
    active = None  # aid and enrolments have no end date


_MEMBER_SCHEMA = extend_schema_view(list=extend_schema(parameters=[MemberActivityFilter, UNMASK_PARAMETER]),
                                    retrieve=extend_schema(parameters=[UNMASK_PARAMETER]))


@_MEMBER_SCHEMA
class AidViewSet(_ActivityViewSet):
    """教育资助 Education aid per student and term, of households under the user's
    division; filters `division`, `household_id`, `year`. POST records one (the student
    must be in school; one per programme, year and term)."""

    model = EducationAid
    serializer_class = AidSerializer
    filter_class = MemberActivityFilter
    reveals_id_numbers = True

    def base_queryset(self):
        return EducationAid.objects.select_related("person", "household").order_by("-year", "-pk")

    @extend_schema(request=AidWriteSerializer, responses={201: AidSerializer})
    def create(self, request):
        data = dict(validated(AidWriteSerializer(data=request.data)))
        person = self._person(data.pop("person_id"))
        record = self.write(aid.education_aid_record, person=person, **data)
        return Response(self.get_serializer(record).data, status=status.HTTP_201_CREATED)


@_MEMBER_SCHEMA
class InsuranceViewSet(_ActivityViewSet):
    """参保资助 Insurance enrolments with their subsidy, of members of households under the
    user's division; filters `division`, `household_id`, `year`. POST records one (the
    basic medical scheme makes the member insured in the registry)."""

    model = InsuranceEnrolment
    serializer_class = InsuranceSerializer
    filter_class = MemberActivityFilter
    reveals_id_numbers = True

    def base_queryset(self):
        return InsuranceEnrolment.objects.select_related("person", "household").order_by("-year", "-pk")

    @extend_schema(request=InsuranceWriteSerializer, responses={201: InsuranceSerializer})
    def create(self, request):
        data = dict(validated(InsuranceWriteSerializer(data=request.data)))
        person = self._person(data.pop("person_id"))
        record = self.write(aid.insurance_enrol, person=person, **data)
        return Response(self.get_serializer(record).data, status=status.HTTP_201_CREATED)


router.register("loans", LoanViewSet, basename="api-loan")
router.register("education-aid", AidViewSet, basename="api-education-aid")
router.register("insurance", InsuranceViewSet, basename="api-insurance")
