"""REST API of projects and what flows through them, with the pages' scope rules:

- GET/POST /api/projects/, GET/PUT /api/projects/{id}/ (with `funds_by_source`);
- GET/POST /api/project-funds/, /api/project-expenditures/, /api/project-assets/,
  /api/project-revenues/ (each filtered by `project`): rows of the projects the user
  sees (run within their division or serving one within it);
- GET/POST /api/project-beneficiaries/, POST /api/project-beneficiaries/{id}/end/:
  persons.read, rows of households under the user's division.

Writing needs projects.edit and goes through services.projects, whose refusals answer
400 field by field (an expenditure beyond the fund's balance: 400 on `amount`)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from neisheng.accounts.access import PERSONS_READ, PROJECTS_EDIT
from neisheng.platform import scope
from neisheng.platform.access import capability_permission
from neisheng.platform.api import ScopedViewSet, router, validated
from neisheng.projects.models import Asset, Beneficiary, Expenditure, Fund, Project, Revenue
from neisheng.projects.selectors_projects import funds_by_source, projects_visible
from neisheng.projects.services import projects as services
from neisheng.registry.api_filters import DivisionParameter, under
from neisheng.registry.models import Household

MONEY = {"max_digits": 14, "decimal_places": 2}


# --------------------------------------------------------------------------- serializers


class ProjectSerializer(serializers.ModelSerializer):
    served_codes = serializers.SerializerMethodField()

    class Meta:
        model = Project
        fields = ("id", "number", "name", "kind", "division_code", "served_codes", "description", "started_on",
                  "completed_on", "manager", "recorded_at")
        read_only_fields = fields

    def get_served_codes(self, project) -> list[str]:
        return [d.division_code for d in project.divisions.all()]


class ProjectDetailSerializer(ProjectSerializer):
    funds_by_source = serializers.SerializerMethodField(
        help_text="per source: amount received, spent, balance (yuan, as strings)")

    class Meta(ProjectSerializer.Meta):
        fields = (*ProjectSerializer.Meta.fields, "funds_by_source")
        read_only_fields = fields

    def get_funds_by_source(self, project) -> list[dict]:
        return [{"source": r["source"], "amount": str(r["amount"]), "spent": str(r["spent"]),
                 "balance": str(r["balance"])} for r in funds_by_source(project)]


class ProjectWriteSerializer(serializers.Serializer):
    division_code = serializers.CharField(help_text="主管区划代码 (create only; within your scope)", required=False)
    name = serializers.CharField(max_length=120)
    kind = serializers.ChoiceField(choices=Project.Kind.values)
    served_codes = serializers.ListField(child=serializers.CharField(), required=False, default=list,
                                         help_text="受益区划代码 (divisions within the running one)")
    number = serializers.CharField(required=False, allow_blank=True, default="")
    description = serializers.CharField(required=False, allow_blank=True, default="")
    started_on = serializers.DateField(required=False, allow_null=True, default=None)
    completed_on = serializers.DateField(required=False, allow_null=True, default=None)
    manager = serializers.CharField(required=False, allow_blank=True, default="")


class FundSerializer(serializers.ModelSerializer):
    division_code = serializers.CharField(source="project.division_code", read_only=True)
    spent = serializers.SerializerMethodField()
    balance = serializers.SerializerMethodField()

    class Meta:
        model = Fund
        fields = ("id", "project_id", "division_code", "source", "amount", "spent", "balance", "received_on",
                  "document_no", "note", "recorded_at")
        read_only_fields = fields

    def get_spent(self, fund) -> str:
        return str(services.fund_spent(fund))

    def get_balance(self, fund) -> str:
        return str(fund.amount - services.fund_spent(fund))


class FundWriteSerializer(serializers.Serializer):
    project = serializers.IntegerField()
    source = serializers.ChoiceField(choices=Fund.Source.values)
    amount = serializers.DecimalField(**MONEY)
    received_on = serializers.DateField()
    document_no = serializers.CharField(required=False, allow_blank=True, default="")
    note = serializers.CharField(required=False, allow_blank=True, default="")


class ExpenditureSerializer(serializers.ModelSerializer):
    project_id = serializers.IntegerField(source="fund.project_id", read_only=True)
    division_code = serializers.CharField(source="fund.project.division_code", read_only=True)

    class Meta:
        model = Expenditure
        fields = ("id", "project_id", "division_code", "fund_id", "amount", "spent_on", "purpose", "payee",
                  "voucher_no", "recorded_at")
        read_only_fields = fields


class ExpenditureWriteSerializer(serializers.Serializer):
    fund = serializers.IntegerField()
    amount = serializers.DecimalField(**MONEY)
    spent_on = serializers.DateField()
    purpose = serializers.CharField(max_length=200)
    payee = serializers.CharField(required=False, allow_blank=True, default="")
    voucher_no = serializers.CharField(required=False, allow_blank=True, default="")


class AssetSerializer(serializers.ModelSerializer):
    division_code = serializers.CharField(source="project.division_code", read_only=True)
    class Meta:
        model = Asset
        fields = ("id", "project_id", "division_code", "name", "value", "location", "holder", "acquired_on", "note",
                  "recorded_at")
        read_only_fields = fields


class AssetWriteSerializer(serializers.Serializer):
    project = serializers.IntegerField()
    name = serializers.CharField(max_length=120)
    value = serializers.DecimalField(**MONEY)
    location = serializers.CharField(required=False, allow_blank=True, default="")
    holder = serializers.CharField(required=False, allow_blank=True, default="")
    acquired_on = serializers.DateField(required=False, allow_null=True, default=None)
    note = serializers.CharField(required=False, allow_blank=True, default="")


class BeneficiarySerializer(serializers.ModelSerializer):
    village_code = serializers.CharField(source="household.village_id", read_only=True)

    class Meta:
        model = Beneficiary
        fields = ("id", "project_id", "household_id", "village_code", "starts_on", "ends_on", "note", "recorded_at")
        read_only_fields = fields


class BeneficiaryWriteSerializer(serializers.Serializer):
    project = serializers.IntegerField()
    household_id = serializers.CharField(help_text="户编号")
    starts_on = serializers.DateField()
    ends_on = serializers.DateField(required=False, allow_null=True, default=None)
    note = serializers.CharField(required=False, allow_blank=True, default="")


class EndSerializer(serializers.Serializer):
    ends_on = serializers.DateField()


class RevenueSerializer(serializers.ModelSerializer):
    division_code = serializers.CharField(source="project.division_code", read_only=True)
    class Meta:
        model = Revenue
        fields = ("id", "project_id", "division_code", "year", "kind", "amount", "received_on", "payer", "note",
                  "recorded_at")
        read_only_fields = fields


class RevenueWriteSerializer(serializers.Serializer):
    project = serializers.IntegerField()
    year = serializers.IntegerField(min_value=2000, max_value=2100)
    kind = serializers.ChoiceField(choices=Revenue.Kind.values)
    amount = serializers.DecimalField(**MONEY)
    received_on = serializers.DateField()
    payer = serializers.CharField(required=False, allow_blank=True, default="")
    note = serializers.CharField(required=False, allow_blank=True, default="")


# --------------------------------------------------------------------------- filters


class ProjectFilter(DivisionParameter):
    kind = serializers.ChoiceField(choices=Project.Kind.values, required=False)

    def apply(self, queryset):
        data = self.validated_data
        queryset = under(queryset, "division_code", data.get("division"))
        if data.get("kind"):
            queryset = queryset.filter(kind=data["kind"])
        return queryset


class ChildFilter(serializers.Serializer):
    project = serializers.IntegerField(required=False, help_text="项目 id")

    project_field = "project_id"

    def apply(self, queryset):
        if self.validated_data.get("project"):
            queryset = queryset.filter(**{self.project_field: self.validated_data["project"]})
        return queryset


class ExpenditureFilter(ChildFilter):
    project_field = "fund__project_id"


# --------------------------------------------------------------------------- viewsets


class _ProjectsViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Reading is for every signed-in role within scope; writing needs projects.edit."""

    write_serializer: type[serializers.Serializer] | None = None

    def get_permissions(self):
        permissions = list(super().get_permissions())
        if self.request is not None and self.request.method not in ("GET", "HEAD", "OPTIONS"):
            permissions.append(capability_permission(PROJECTS_EDIT)())
        return permissions

    def _project(self, pk: int) -> Project:
        project = projects_visible(self.request.user).filter(pk=pk).first()
        if project is None:
            raise NotFound("未找到该项目 / no such project")
        return project

    def created(self, record):
        return Response(self.get_serializer(record).data, status=status.HTTP_201_CREATED)


class _OfProjectViewSet(_ProjectsViewSet):
    """A project's own rows: seen by whoever sees the project."""

    project_path = "project"
    filter_class = ChildFilter

    def scoped_queryset(self):
        visible = projects_visible(self.request.user).values("pk")
        return self.base_queryset().filter(**{f"{self.project_path}__in": visible})


@extend_schema_view(list=extend_schema(parameters=[ProjectFilter]))
class ProjectViewSet(_ProjectsViewSet):
    """项目 Projects run within the user's division or serving a division within it;
    filters `division`, `kind`. POST creates one, PUT {id}/ changes it."""

    model = Project
    filter_class = ProjectFilter

    def get_serializer_class(self):
        return ProjectDetailSerializer if self.action == "retrieve" else ProjectSerializer

    def base_queryset(self):
        return Project.objects.prefetch_related("divisions").order_by("division_code", "name", "pk")

    def scoped_queryset(self):
        return self.base_queryset().filter(pk__in=projects_visible(self.request.user).values("pk"))

    @extend_schema(request=ProjectWriteSerializer, responses={201: ProjectSerializer})
    def create(self, request):
        data = dict(validated(ProjectWriteSerializer(data=request.data)))
        data["division_code"] = data.get("division_code") or request.user.division_id or ""
        return self.created(self.write(services.project_create, **data))

    @extend_schema(request=ProjectWriteSerializer, responses={200: ProjectSerializer})
    def update(self, request, pk=None):
        project = self.get_object()
        data = dict(validated(ProjectWriteSerializer(data=request.data)))
        data.pop("division_code", None)
        record = self.write(services.project_update, project=project, **data)
        return Response(ProjectSerializer(record, context=self.get_serializer_context()).data)


@extend_schema_view(list=extend_schema(parameters=[ChildFilter]))
class FundViewSet(_OfProjectViewSet):
    """项目资金 Funds of the projects the user sees, each with what was spent and its
    balance; filter `project`. POST records one."""

    model = Fund
    serializer_class = FundSerializer

    def base_queryset(self):
        return Fund.objects.select_related("project").order_by("project_id", "received_on", "pk")

    @extend_schema(request=FundWriteSerializer, responses={201: FundSerializer})
    def create(self, request):
        data = dict(validated(FundWriteSerializer(data=request.data)))
        project = self._project(data.pop("project"))
        return self.created(self.write(services.fund_add, project=project, **data))


@extend_schema_view(list=extend_schema(parameters=[ExpenditureFilter]))
class ExpenditureViewSet(_OfProjectViewSet):
    """资金支出 Expenditures of the projects the user sees; filter `project`. POST records
    one: refused (400 on `amount`) beyond the fund's balance."""

    model = Expenditure
    serializer_class = ExpenditureSerializer
    filter_class = ExpenditureFilter
    project_path = "fund__project"

    def base_queryset(self):
        return Expenditure.objects.select_related("fund__project").order_by("-spent_on", "-pk")

    @extend_schema(request=ExpenditureWriteSerializer, responses={201: ExpenditureSerializer})
    def create(self, request):
        data = dict(validated(ExpenditureWriteSerializer(data=request.data)))
        visible = projects_visible(request.user).values("pk")
        fund = Fund.objects.filter(pk=data.pop("fund"), project__in=visible).first()
        if fund is None:
            raise NotFound("未找到该笔资金 / no such fund")
        return self.created(self.write(services.expenditure_add, fund=fund, **data))


@extend_schema_view(list=extend_schema(parameters=[ChildFilter]))
class AssetViewSet(_OfProjectViewSet):
    """项目资产 Assets of the projects the user sees; filter `project`. POST records one."""

    model = Asset
    serializer_class = AssetSerializer

    def base_queryset(self):
        return Asset.objects.select_related("project").order_by("project_id", "pk")

    @extend_schema(request=AssetWriteSerializer, responses={201: AssetSerializer})
    def create(self, request):
        data = dict(validated(AssetWriteSerializer(data=request.data)))
        project = self._project(data.pop("project"))
        return self.created(self.write(services.asset_add, project=project, **data))


@extend_schema_view(list=extend_schema(parameters=[ChildFilter]))
class RevenueViewSet(_OfProjectViewSet):
    """项目收益 Revenue of the projects the user sees; filter `project`. POST records one."""

    model = Revenue
    serializer_class = RevenueSerializer

    def base_queryset(self):
        return Revenue.objects.select_related("project").order_by("project_id", "year", "received_on", "pk")

    @extend_schema(request=RevenueWriteSerializer, responses={201: RevenueSerializer})
    def create(self, request):
        data = dict(validated(RevenueWriteSerializer(data=request.data)))
        project = self._project(data.pop("project"))
        return self.created(self.write(services.revenue_add, project=project, **data))


@extend_schema_view(list=extend_schema(parameters=[ChildFilter]))
class BeneficiaryViewSet(_ProjectsViewSet):
    """项目受益户 Beneficiaries (households under the user's division) of projects;
    filter `project`. POST records one, POST {id}/end/ ends it."""

    model = Beneficiary
    serializer_class = BeneficiarySerializer
    filter_class = ChildFilter

    def get_permissions(self):
        return [*super().get_permissions(), capability_permission(PERSONS_READ)()]

    def base_queryset(self):
        return Beneficiary.objects.select_related("household").order_by("project_id", "household_id", "starts_on")

    @extend_schema(request=BeneficiaryWriteSerializer, responses={201: BeneficiarySerializer})
    def create(self, request):
        data = dict(validated(BeneficiaryWriteSerializer(data=request.data)))
        project = self._project(data.pop("project"))
        household = scope.visible_to(request.user, Household).filter(pk=data.pop("household_id").strip()).first()
        if household is None:
            raise NotFound("未找到该户 / no such household")
        return self.created(self.write(services.beneficiary_add, project=project, household=household, **data))

    @extend_schema(request=EndSerializer, responses={200: BeneficiarySerializer})
    @action(detail=True, methods=["post"])
    def end(self, request, pk=None):
        beneficiary = self.get_object()
        data = validated(EndSerializer(data=request.data))
        record = self.write(services.beneficiary_end, beneficiary=beneficiary, ends_on=data["ends_on"])
        return Response(self.get_serializer(record).data)


router.register("projects", ProjectViewSet, basename="api-project")
router.register("project-funds", FundViewSet, basename="api-project-fund")
router.register("project-expenditures", ExpenditureViewSet, basename="api-project-expenditure")
router.register("project-assets", AssetViewSet, basename="api-project-asset")
router.register("project-beneficiaries", BeneficiaryViewSet, basename="api-project-beneficiary")
router.register("project-revenues", RevenueViewSet, basename="api-project-revenue")
