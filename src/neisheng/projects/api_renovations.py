"""REST API of renovations (双提升) and reference price lists, with the pages' scope rules:

- GET/POST /api/renovations/, GET /api/renovations/{id}/ (its items beside their
  reference, whether each is over, photos, the on-site checks): persons.read, rows of
  households under the user's division (elsewhere: 404); filters `division`,
  `household_id`, `over` (price, quantity), `check` (pending, confirmed, not_confirmed).
  POST records a renovation (renovations.record), POST {id}/items/ adds a line item
  (renovations.record), POST {id}/site-check/ records an on-site check (findings.audit).
- GET /api/price-lists/, GET /api/price-lists/{id}/ (with its items): persons.read, the
  lists of the user's county (a village or town reads its county's).

Writes go through services.renovations, whose refusals answer 400 field by field."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.response import Response

from neisheng.accounts.access import FINDINGS_AUDIT, PERSONS_READ, RENOVATIONS_RECORD, user_may
from neisheng.platform import scope
from neisheng.platform.access import capability_permission
from neisheng.platform.api import ScopedViewSet, router, validated
from neisheng.projects import selectors_renovations as selectors
from neisheng.projects.models import PriceList, ReferencePrice, Renovation, RenovationItem
from neisheng.projects.selectors_projects import projects_visible
from neisheng.projects.services import renovations as services
from neisheng.registry.api_filters import DivisionParameter, under
from neisheng.registry.models import Household


class ReferencePriceSerializer(serializers.ModelSerializer):
    class Meta:
        model = ReferencePrice
        fields = ("item_code", "name", "unit", "reference_price", "max_quantity")
        read_only_fields = fields


class PriceListSerializer(serializers.ModelSerializer):
    class Meta:
        model = PriceList
        fields = ("id", "division_code", "name", "effective_on", "is_default", "file_name", "sha256", "uploaded_at")
        read_only_fields = fields


class PriceListDetailSerializer(PriceListSerializer):
    items = ReferencePriceSerializer(many=True, read_only=True)

    class Meta(PriceListSerializer.Meta):
        fields = (*PriceListSerializer.Meta.fields, "items")
        read_only_fields = fields


class RenovationSerializer(serializers.ModelSerializer):
    village_code = serializers.CharField(source="household.village_id", read_only=True)
    total = serializers.DecimalField(max_digits=16, decimal_places=2, read_only=True)
    over_price = serializers.BooleanField(read_only=True, help_text="some item's unit price is over the reference "
                                                                    "by more than the policy's tolerance")
    over_quantity = serializers.BooleanField(read_only=True, help_text="some item's quantity is over its maximum")
    site_check_state = serializers.CharField(read_only=True, help_text="pending, confirmed or not_confirmed")

    class Meta:
        model = Renovation
        fields = ("id", "household_id", "village_code", "project_id", "price_list_id", "done_on", "contractor",
                  "note", "total", "over_price", "over_quantity", "site_check_state", "site_checked",
                  "site_checked_on", "site_remarks", "recorded_at")
        read_only_fields = fields


class RenovationDetailSerializer(RenovationSerializer):
    items = serializers.SerializerMethodField()
    photos = serializers.SerializerMethodField()
    site_checks = serializers.SerializerMethodField(help_text="every on-site check, oldest first")

    class Meta(RenovationSerializer.Meta):
        fields = (*RenovationSerializer.Meta.fields, "items", "photos", "site_checks")
        read_only_fields = fields

    def get_items(self, renovation) -> list[dict]:
        return [{"id": m.item.pk, "item_code": m.item.item_code, "name": m.item.name, "kind": m.item.kind,
                 "quantity": str(m.item.quantity), "unit": m.item.unit, "unit_price": str(m.item.unit_price),
                 "amount": str(m.item.amount),
                 "reference_price": str(m.reference.reference_price) if m.reference else None,
                 "max_quantity": str(m.reference.max_quantity) if m.reference else None,
                 "over_price": m.over_price, "over_quantity": m.over_quantity}
                for m in selectors.item_marks(renovation, self.context["rules"])]

    def get_photos(self, renovation) -> list[dict]:
        return [{"id": p.pk, "moment": p.moment, "caption": p.caption, "sha256": p.sha256, "size": p.size}
                for p in renovation.photos.all()]

    def get_site_checks(self, renovation) -> list[dict]:
        return [{"checked_on": c.effective_on, "state": c.to_state, "remarks": c.reason, "by": c.username,
                 "recorded_at": c.recorded_at} for c in services.site_checks(renovation)]


class RenovationWriteSerializer(serializers.Serializer):
    household_id = serializers.CharField(help_text="户编号")
    done_on = serializers.DateField()
    contractor = serializers.CharField(required=False, allow_blank=True, default="")
    project_id = serializers.IntegerField(required=False, allow_null=True, default=None)
    note = serializers.CharField(required=False, allow_blank=True, default="")


class ItemWriteSerializer(serializers.Serializer):
    item_code = serializers.CharField()
    kind = serializers.ChoiceField(choices=RenovationItem.Kind.values)
    quantity = serializers.DecimalField(max_digits=12, decimal_places=3)
    unit_price = serializers.DecimalField(max_digits=12, decimal_places=2)


class SiteCheckWriteSerializer(serializers.Serializer):
    checked_on = serializers.DateField()
    checked = serializers.BooleanField()
    remarks = serializers.CharField(required=False, allow_blank=True, default="")


class RenovationFilter(DivisionParameter):
    household_id = serializers.CharField(required=False)
    over = serializers.ChoiceField(choices=["price", "quantity"], required=False)
    check = serializers.ChoiceField(choices=["pending", "confirmed", "not_confirmed"], required=False)

    def apply(self, queryset):
        data = self.validated_data
        queryset = under(queryset, "household__village_id", data.get("division"))
        if data.get("household_id"):
            queryset = queryset.filter(household_id=data["household_id"])
        if data.get("over"):
            queryset = queryset.filter(**{f"over_{data['over']}": True})
        check = data.get("check")
        if check == "pending":
            queryset = queryset.filter(site_checked_on__isnull=True)
        elif check:
            queryset = queryset.filter(site_checked_on__isnull=False, site_checked=check == "confirmed")
        return queryset


@extend_schema_view(list=extend_schema(parameters=[RenovationFilter]))
class RenovationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """双提升改造 Renovations of households under the user's division, with their totals and
    whether an item is over its reference price or maximum quantity."""

    model = Renovation
    filter_class = RenovationFilter
    permission_classes = (*ScopedViewSet.permission_classes, capability_permission(PERSONS_READ))

    def base_queryset(self):
        return (selectors.with_flags(Renovation.objects.select_related("household", "price_list"), self.rules)
                .order_by("-done_on", "-pk"))

    def initial(self, request, *args, **kwargs):
        self.rules = selectors.renovation_rules()
        super().initial(request, *args, **kwargs)

    def get_serializer_class(self):
        return RenovationDetailSerializer if self.action == "retrieve" else RenovationSerializer

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "rules": getattr(self, "rules", None)}

    def _require(self, capability: str) -> None:
        if not user_may(self.request.user, capability):
            raise PermissionDenied()

    def _answer(self, renovation, code=status.HTTP_200_OK):
        fresh = self.get_queryset().get(pk=renovation.pk)
        return Response(RenovationDetailSerializer(fresh, context=self.get_serializer_context()).data, status=code)

    @extend_schema(request=RenovationWriteSerializer, responses={201: RenovationDetailSerializer})
    def create(self, request):
        self._require(RENOVATIONS_RECORD)
        data = dict(validated(RenovationWriteSerializer(data=request.data)))
        household = scope.visible_to(request.user, Household).filter(pk=data.pop("household_id").strip()).first()
        if household is None:
            raise serializers.ValidationError({"household_id": [("在您管辖范围内的登记中没有这个户编号 / no household "
                                                                "with this number is registered within your scope")]})
        project_id = data.pop("project_id")
        project = None
        if project_id is not None:
            project = projects_visible(request.user).filter(pk=project_id).first()
            if project is None:
                raise serializers.ValidationError({"project_id": ["没有这个项目 / no such project"]})
        renovation = self.write(services.renovation_record, household=household, project=project, **data)
        return self._answer(renovation, status.HTTP_201_CREATED)

    @extend_schema(request=ItemWriteSerializer, responses={201: RenovationDetailSerializer})
    @action(detail=True, methods=["post"])
    def items(self, request, pk=None):
        renovation = self._found(pk)
        self._require(RENOVATIONS_RECORD)
        self.write(services.renovation_item_add, renovation=renovation,
                   **validated(ItemWriteSerializer(data=request.data)))
        return self._answer(renovation, status.HTTP_201_CREATED)

    @extend_schema(request=SiteCheckWriteSerializer, responses={200: RenovationDetailSerializer})
    @action(detail=True, methods=["post"], url_path="site-check")
    def site_check(self, request, pk=None):
        renovation = self._found(pk)
        self._require(FINDINGS_AUDIT)
        self.write(services.renovation_site_check, renovation=renovation,
                   **validated(SiteCheckWriteSerializer(data=request.data)))
        return self._answer(renovation)

    def _found(self, pk) -> Renovation:
        renovation = self.get_queryset().filter(pk=pk).first()
        if renovation is None:
            raise NotFound()
        return renovation


class PriceListViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """改造参考价格表 The reference price lists of the user's county, newest first."""

    model = PriceList
    permission_classes = (*ScopedViewSet.permission_classes, capability_permission(PERSONS_READ))

    def base_queryset(self):
        return PriceList.objects.prefetch_related("items").order_by("division_code", "-effective_on", "-pk")

    def scoped_queryset(self):
        return scope.visible_to(self.request.user, self.base_queryset(), ancestors=True)

    def get_serializer_class(self):
        return PriceListDetailSerializer if self.action == "retrieve" else PriceListSerializer


router.register("renovations", RenovationViewSet, basename="api-renovation")
router.register("price-lists", PriceListViewSet, basename="api-price-list")
