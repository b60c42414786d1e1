"""REST API of distribution plans and payments (issue 14, item 5): GET
/api/distribution-plans/ and /{id}/ (with the lines of the reader's households and the
review's state), POST /{id}/submit/ and /{id}/approve/; GET /api/payments/ and /{id}/,
POST /api/payments/{id}/pay/.

The pages' rules: reading needs persons.read; a plan is seen by whoever sees its project,
its lines and payments only for households under the reader's division (elsewhere: 404);
writes go through services.plans (distributions.plan, payments.record), whose refusals
answer 400."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from neisheng.accounts.access import DISTRIBUTIONS_PLAN, PAYMENTS_RECORD, PERSONS_READ
from neisheng.platform import scope
from neisheng.platform.access import capability_permission
from neisheng.platform.api import ScopedViewSet, as_api_error, router, validated
from neisheng.platform.review import review_of
from neisheng.platform.workflow import TransitionRefused
from neisheng.projects import selectors_plans as selectors
from neisheng.projects.models import DistributionPlan, Payment, PlanShare
from neisheng.projects.services import plans
from neisheng.registry.api_filters import DivisionParameter, under


class ShareSerializer(serializers.ModelSerializer):
    class Meta:
        model = PlanShare
        fields = ("household_id", "weight", "members", "amount")
        read_only_fields = fields


class PlanSerializer(serializers.ModelSerializer):
    project_name = serializers.CharField(source="project.name", read_only=True)
    year = serializers.IntegerField(source="revenue.year", read_only=True)
    review_state = serializers.SerializerMethodField(help_text="the review-and-publicity step's state, or null")
    shares = serializers.SerializerMethodField(help_text="the lines of households under the reader's division")

    class Meta:
        model = DistributionPlan
        fields = ("id", "project_id", "project_name", "revenue_id", "year", "division_code", "title", "plan_on",
                  "total", "collective_share", "collective_amount", "method", "state", "origin", "review_state",
                  "shares", "note", "recorded_at")
        read_only_fields = fields

    def get_review_state(self, plan) -> str | None:
        review = review_of(plan)
        return review.state if review is not None else None

    def get_shares(self, plan) -> list[dict]:
        user = self.context["request"].user
        rows = scope.visible_to(user, PlanShare.objects.filter(plan=plan)).order_by("household_id")
        return ShareSerializer(rows, many=True).data


class PaymentSerializer(serializers.ModelSerializer):
    village_code = serializers.CharField(source="household.village_id", read_only=True)
    project_id = serializers.IntegerField(source="plan.project_id", read_only=True)
    ledger_item_id = serializers.IntegerField(read_only=True, allow_null=True)

    class Meta:
        model = Payment
        fields = ("id", "plan_id", "project_id", "household_id", "village_code", "amount", "state", "paid_on",
                  "voucher_no", "ledger_item_id", "paid_at")
        read_only_fields = fields


class SubmitSerializer(serializers.Serializer):
    submitted_on = serializers.DateField()


class ApproveSerializer(serializers.Serializer):
    approved_on = serializers.DateField()
    note = serializers.CharField(required=False, allow_blank=True, default="")


class PaySerializer(serializers.Serializer):
    paid_on = serializers.DateField()
    voucher_no = serializers.CharField(required=False, allow_blank=True, default="", max_length=60)


class PlanFilter(serializers.Serializer):
    project = serializers.IntegerField(required=False)
    state = serializers.ChoiceField(choices=DistributionPlan.State.values, required=False)
    year = serializers.IntegerField(required=False, help_text="the revenue's year")

    def apply(self, queryset):
        data = self.validated_data
        if data.get("project"):
            queryset = queryset.filter(project_id=data["project"])
        if data.get("state"):
            queryset = queryset.filter(state=data["state"])
        if data.get("year"):
            queryset = queryset.filter(revenue__year=data["year"])
        return queryset


class PaymentFilter(DivisionParameter):
    plan = serializers.IntegerField(required=False)
    household_id = serializers.CharField(required=False, help_text="户编号")
    state = serializers.ChoiceField(choices=Payment.State.values, required=False)
    year = serializers.IntegerField(required=False, help_text="the year of payment")

    def apply(self, queryset):
        data = self.validated_data
        queryset = under(queryset, "household__village_id", data.get("division"))
        if data.get("plan"):
            queryset = queryset.filter(plan_id=data["plan"])
        if data.get("household_id"):
            queryset = queryset.filter(household_id=data["household_id"])
        if data.get("state"):
            queryset = queryset.filter(state=data["state"])
        if data.get("year"):
            queryset = queryset.filter(paid_on__year=data["year"])
        return queryset


class _PlansViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    write_capability = DISTRIBUTIONS_PLAN

    def get_permissions(self):
        permissions = [*super().get_permissions(), capability_permission(PERSONS_READ)()]
        if self.request is not None and self.request.method not in ("GET", "HEAD", "OPTIONS"):
            permissions.append(capability_permission(self.write_capability)())
        return permissions

    def take(self, service, **kwargs):
        try:
            return service(user=self.request.user, request=self.request, **kwargs)
        except DjangoValidationError as error:
            raise as_api_error(error) from None
        except TransitionRefused as refused:
            raise serializers.ValidationError({"detail": str(refused)}) from None
        except DjangoPermissionDenied as refused:
            raise PermissionDenied(str(refused)) from None


@extend_schema_view(list=extend_schema(parameters=[PlanFilter]))
class PlanViewSet(_PlansViewSet):
    """收益分配方案 Distribution plans of the projects the reader sees, each with the lines of
    the reader's households; filters `project`, `state`, `year`. POST {id}/submit/ opens
    the review, POST {id}/approve/ approves it (after the publicity, by someone above the
    plan's division) and creates the payments."""

    model = DistributionPlan
    serializer_class = PlanSerializer
    filter_class = PlanFilter

    def scoped_queryset(self):
        return selectors.plans_visible(self.request.user).select_related("project", "revenue").order_by(
            "-plan_on", "-pk")

    @extend_schema(request=SubmitSerializer, responses={200: PlanSerializer})
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        plan = self.get_object()
        data = validated(SubmitSerializer(data=request.data))
        self.take(plans.plan_submit, plan=plan, submitted_on=data["submitted_on"])
        return Response(self.get_serializer(self.get_queryset().get(pk=plan.pk)).data)

    @extend_schema(request=ApproveSerializer, responses={200: PlanSerializer})
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        plan = self.get_object()
        data = validated(ApproveSerializer(data=request.data))
        self.take(plans.plan_approve, plan=plan, approved_on=data["approved_on"], note=data["note"])
        return Response(self.get_serializer(self.get_queryset().get(pk=plan.pk)).data)


@extend_schema_view(list=extend_schema(parameters=[PaymentFilter]))
class PaymentViewSet(_PlansViewSet):
    """分红发放 Dividend payments to households under the reader's division; filters
    `division`, `plan`, `household_id`, `state`, `year` (of payment). POST {id}/pay/ pays
    one (once) and writes the household's ledger row."""

    model = Payment
    serializer_class = PaymentSerializer
    filter_class = PaymentFilter
    write_capability = PAYMENTS_RECORD

    def base_queryset(self):
        return Payment.objects.select_related("household", "plan").order_by("plan_id", "household_id", "pk")

    @extend_schema(request=PaySerializer, responses={200: PaymentSerializer})
    @action(detail=True, methods=["post"])
    def pay(self, request, pk=None):
        payment = self.get_object()
        data = validated(PaySerializer(data=request.data))
        self.take(plans.payment_pay, payment=payment, paid_on=data["paid_on"], voucher_no=data["voucher_no"])
        return Response(self.get_serializer(self.get_queryset().get(pk=payment.pk)).data)


router.register("distribution-plans", PlanViewSet, basename="api-distribution-plan")
router.register("payments", PaymentViewSet, basename="api-payment")
