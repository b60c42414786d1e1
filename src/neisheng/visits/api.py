"""REST API of visits (interfaces11.md, "The visits API"), with the scope rules of every
API: POST /api/visits/ (multipart, the visit form's own field names), GET /api/visits/
(filters `household`, `division`) and GET /api/visits/{id}/.

A POST answers 201 with the visit stored now, 200 with the visit stored earlier under
the same idempotency key (a phone sending again), 400 {field: [sentences]} for what
cannot be a visit, 403 for a role that may not record visits, 404 for a household
outside the user's division. Sentences are in the request's language (the phone shows
them); refusals that are not about a field read "中文 / English" like other APIs."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from neisheng.accounts.access import PERSONS_READ, VISITS_RECORD, user_may
from neisheng.platform import scope
from neisheng.platform.access import capability_permission
from neisheng.platform.api import ScopedViewSet, as_api_error, router
from neisheng.registry.api_filters import DivisionParameter, under
from neisheng.registry.models import Household
from neisheng.transfers.uploads import REFUSED_ATTRIBUTE, too_large_message
from neisheng.visits.forms import VisitForm
from neisheng.visits.models import Visit
from neisheng.visits.services import visit_record


def visit_answer(visit: Visit, created: bool) -> dict:
    """The POST's answer (interfaces11.md)."""
    return {
        "id": visit.pk, "idempotency_key": str(visit.idempotency_key), "household": visit.household_id,
        "visited_on": visit.visited_on.isoformat(), "update_status": visit.update_status,
        "update_message": visit.update_message, "case": visit.case_id,
        "problems": sorted(p.pk for p in visit.problems.all()), "created": created,
        "risk_message": visit.risk_message, "url": reverse("visits:detail", args=[visit.pk]),
    }


class VisitSerializer(serializers.ModelSerializer):
    household = serializers.CharField(source="household_id", read_only=True)
    recorded_by = serializers.CharField(source="recorded_by.username", read_only=True, default="")
    cadres = serializers.SerializerMethodField()
    photos = serializers.SerializerMethodField()
    problems = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = Visit
        fields = ("id", "household", "division_code", "visited_on", "kind", "findings", "cadres", "recorded_by",
                  "recorded_at", "idempotency_key", "recorded_offline", "latitude", "longitude", "gps_accuracy_m",
                  "updates", "base_version", "update_status", "update_message", "risk_message", "case",
                  "problems", "photos")
        read_only_fields = fields

    def get_cadres(self, visit: Visit) -> list[str]:
        return [c.cadre_id for c in visit.cadres.all()]

    def get_photos(self, visit: Visit) -> list[dict]:
        return [{"id": p.pk, "url": reverse("visits:photo", args=[visit.pk, p.pk]), "sha256": p.sha256,
                 "width": p.width, "height": p.height, "size": p.size} for p in visit.photos.all()]


class VisitFilter(DivisionParameter):
    household = serializers.CharField(required=False, help_text="户编号: the visits of this household")

    def apply(self, queryset):
        data = self.validated_data
        queryset = under(queryset, "division_code", data.get("division"))
        if data.get("household"):
            queryset = queryset.filter(household_id=data["household"])
        return queryset


@extend_schema_view(list=extend_schema(parameters=[VisitFilter]))
class VisitViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """走访 Visits under the user's division, newest first (grid.md).

    POST (multipart/form-data): household, visited_on, kind, findings, idempotency_key,
    latitude, longitude, gps_accuracy_m, updates (JSON object), base_version, raise_risk,
    risk_reason, problems (JSON list of {category, description}), recorded_offline,
    photos (0..n JPEG/PNG/WebP). The visit form's own inputs (update_<field>,
    problem_category / problem_description) are read too. Sent twice with the same
    idempotency_key, the visit is stored once: 201 the first time, 200 after.
    """

    model = Visit
    serializer_class = VisitSerializer
    filter_class = VisitFilter
    parser_classes = (MultiPartParser, FormParser)

    def get_permissions(self):
        permissions = super().get_permissions()
        if self.request is not None and self.request.method in ("GET", "HEAD", "OPTIONS"):
            return [*permissions, capability_permission(PERSONS_READ)()]
        return permissions

    def base_queryset(self):
        return (Visit.objects.select_related("recorded_by")
                .prefetch_related("cadres", "photos", "problems").order_by("-visited_on", "-pk"))

    @extend_schema(request={"multipart/form-data": VisitSerializer}, responses={201: VisitSerializer})
    def create(self, request):
        if not user_may(request.user, VISITS_RECORD):
            raise PermissionDenied("您的角色不能登记走访 / your role may not record visits")
        if getattr(request._request, REFUSED_ATTRIBUTE, False):
            raise serializers.ValidationError({"photos": [too_large_message()]})
        household_id = str(request.data.get("household") or "").strip()
        if not household_id:
            raise serializers.ValidationError({"household": [gettext("请填写户编号")]})
        household = scope.visible_to(request.user, Household.objects.all()).filter(pk=household_id).first()
        if household is None:
            raise NotFound("未找到该户 / no such household")
        form = VisitForm(request.data, request.FILES, household=household)
        if not form.is_valid():
            raise serializers.ValidationError(
                {"non_field_errors" if name == "__all__" else name: [e["message"] for e in errors]
                 for name, errors in form.errors.get_json_data().items()})
        try:
            visit, created = visit_record(user=request.user, household=household, request=request._request,
                                          **form.service_arguments())
        except DjangoValidationError as error:
            raise as_api_error(error) from None
        except DjangoPermissionDenied as error:
            raise PermissionDenied(str(error)) from None
        except Http404:
            raise NotFound("未找到该户 / no such household") from None
        return Response(visit_answer(visit, created), status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


router.register("visits", VisitViewSet, basename="api-visit")
