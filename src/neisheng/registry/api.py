"""REST API of the registry (Django REST Framework), with the same scope rules as pages.

Every viewset is a platform.api.ScopedViewSet, so a row outside the user's division is
never listed and its detail URL answers 404, exactly as if it did not exist. Writes go
through registry.services, the same functions the web forms use, so the history and
the audit trail are the same whichever way a record was changed. Values other apps keep
about households (monitoring's risk) come through platform.extensions.
"""

from __future__ import annotations

from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.urls import path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers
from rest_framework.exceptions import APIException, NotFound
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from neisheng.accounts.access import PERSONS_READ, REGISTRY_EDIT
from neisheng.engine import schema
from neisheng.platform import scope
from neisheng.platform.access import capability_permission
from neisheng.platform.api import UNMASK_PARAMETER, ScopedViewSet, extra_urls, router
from neisheng.platform.extensions import household_attributes, households_annotated
from neisheng.registry import api_filters, services
from neisheng.registry.lookups import looks_like_id_number, person_by_id_number
from neisheng.registry.models import Division, Household, IncomeItem, Person
from neisheng.registry.reveal import person_key_is_well_formed
from neisheng.registry.serializers import (
    DivisionSerializer,
    HouseholdSerializer,
    IncomeItemSerializer,
    PersonSerializer,
    SummarySerializer,
)
from neisheng.registry.versions import with_versions

VERSION_REQUIRED = ("请附上读取记录时得到的 version (send the version you read with every change, "
                    "so that nobody's change is silently undone)")


class EditConflictError(APIException):
    """409: someone else changed a field this save changes too, since the client read it."""

    status_code = 409
    default_code = "conflict"

    def __init__(self, conflict: services.EditConflict):
        super().__init__()
        self.detail = {
            "detail": f"{conflict.message_zh} ({conflict.message_en})",
            "version": conflict.version,
            "conflicts": [item.as_json() for item in conflict.conflicts],
        }


class RegistryViewSet(ScopedViewSet):
    """The registry's rows: households and persons for roles that see them, changes for
    roles that edit, each row read with its version (optimistic locking)."""

    permission_classes = (IsAuthenticated, capability_permission(PERSONS_READ),
                          capability_permission(REGISTRY_EDIT, writes_only=True))

    def decorate_queryset(self, queryset):
        return with_versions(queryset) if hasattr(self.model, "history") else queryset

    def write(self, service, **kwargs):
        try:
            return super().write(service, **kwargs)
        except services.EditConflict as conflict:
            raise EditConflictError(conflict) from None

    def update_values(self, serializer) -> dict:
        """The validated values of a change and, apart, the version it was based on."""
        values = dict(serializer.validated_data)
        version = values.pop("version", None)
        if version is None:
            raise serializers.ValidationError({"version": [VERSION_REQUIRED]})
        return {"values": values, "version": version}


class ReadWriteViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                       mixins.UpdateModelMixin, RegistryViewSet):
    """List, read, create and change; nothing is deleted through the API (a person who
    has died is marked alive=false, and the history keeps every earlier state)."""


@extend_schema_view(list=extend_schema(parameters=[api_filters.DivisionFilter]))
class DivisionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, RegistryViewSet):
    """行政区划 Divisions: the user's own division, everything below it, and its ancestors
    (for breadcrumbs). Open to every role, researchers included."""

    serializer_class = DivisionSerializer
    permission_classes = (IsAuthenticated,)
    filter_class = api_filters.DivisionFilter
    model = Division
    lookup_field = "code"
    lookup_value_regex = "[0-9]{12}"

    def scoped_queryset(self):
        return scope.visible_to(self.request.user, Division, ancestors=True)


@extend_schema_view(list=extend_schema(parameters=[api_filters.HouseholdFilter]))
class HouseholdViewSet(ReadWriteViewSet):
    """农户 Households under the user's division, addressed by household number (户编号).

    Creating and changing needs an editing role (county, town, village officer or
    administrator); the village must be a level-5 division within the user's division.
    Every change is kept in the household's history and the audit trail. Researchers get 403.
    """

    serializer_class = HouseholdSerializer
    filter_class = api_filters.HouseholdFilter
    model = Household
    lookup_field = "household_id"
    lookup_value_regex = "[^/]+"

    def base_queryset(self):
        living = (
            Person.objects.filter(household=OuterRef("pk"), alive=True)
            .order_by().values("household").annotate(n=Count("pk")).values("n")
        )
        households = (
            Household.objects.select_related("village")
            .annotate(living_members=Coalesce(Subquery(living, output_field=IntegerField()), 0))
        )
        return households_annotated(households, household_attributes(in_payload=True))

    def perform_create(self, serializer):
        serializer.instance = self.write(services.household_create, values=dict(serializer.validated_data))

    def perform_update(self, serializer):
        serializer.instance = self.write(services.household_update, household=serializer.instance,
                                         **self.update_values(serializer))


PERSON_ADDRESS = OpenApiParameter(
    "person_id", OpenApiTypes.STR, OpenApiParameter.PATH,
    description="the person's opaque `key` from any payload; the full 18-character ID number only "
    "for roles allowed to unmask (every such lookup is audited; other roles get 404)",
)


@extend_schema_view(
    list=extend_schema(parameters=[api_filters.PersonFilter, UNMASK_PARAMETER]),
    retrieve=extend_schema(parameters=[PERSON_ADDRESS, UNMASK_PARAMETER]),
    update=extend_schema(parameters=[PERSON_ADDRESS, UNMASK_PARAMETER]),
    partial_update=extend_schema(parameters=[PERSON_ADDRESS, UNMASK_PARAMETER]),
    create=extend_schema(parameters=[UNMASK_PARAMETER]),
)
class HouseholdRecordViewSet(ReadWriteViewSet):
    """Records that belong to a household (members, ledger rows): created under a
    household, changed without moving it (the serializer refuses a move)."""

    create_service = update_service = None
    updated_as = ""

    def perform_create(self, serializer):
        values = dict(serializer.validated_data)
        household = values.pop("household")
        serializer.instance = self.write(self.create_service, household=household, values=values)

    def perform_update(self, serializer):
        change = self.update_values(serializer)
        change["values"].pop("household", None)
        serializer.instance = self.write(self.update_service, **change,
                                         **{self.updated_as: serializer.instance})


class PersonViewSet(HouseholdRecordViewSet):
    """家庭成员 Persons under the user's division.

    Masking. ID numbers are masked in every response: `person_id` reads
    `3704**********0012` and `id_unmasked` is false; `person_id_masked` is always the
    masked form. With `?unmask=1`, a role allowed to unmask (county, town, village,
    assistance cadre, auditor, administrator) sees `person_id` in full, `id_unmasked`
    is true, and one audit event `view_unmasked` is recorded for every person in the
    response; any other role gets 403.

    Birth dates. Roles allowed to unmask get `birth_date` in full; the others get
    `birth_date` null and only `birth_year` (with the masked number, the full date would
    leave about ten candidates for the whole ID number).

    Addressing. `/api/persons/{person_id}/` takes the person's `key`, a random opaque
    address given in every payload (the same key the web pages' reveal buttons and member
    links use), so a client can read and change a person it found in a list without ever
    unmasking. A role allowed to unmask may also give the full ID number; every such
    lookup is recorded in the audit trail (found or not). For other roles, and for a
    person outside the user's division, the answer is 404; a malformed key is 404 before
    any lookup.

    Writing. Creating needs an editing role (county, town, village officer,
    administrator) and a household within the user's division. The ID number is checked
    as GB 11643 (format, birth date, checksum, each named in the error); birth date and
    sex may be left out and are then taken from the number, and if given must agree with
    it. A number already registered anywhere cannot be registered again: the answer is
    the same wherever the person is registered and names no household, and the attempt
    is recorded in the audit trail (so is a household number already taken). The ID number
    and the household cannot be changed afterwards; every change is kept in the
    person's history and the audit trail. Nothing is deleted: a death is `alive=false`.
    Researchers get 403.
    """

    serializer_class = PersonSerializer
    filter_class = api_filters.PersonFilter
    model = Person
    reveals_id_numbers = True
    lookup_field = "person_id"
    lookup_value_regex = "[^/]+"

    def base_queryset(self):
        # The person ID breaks ties (twins) so that pages never repeat or skip anyone.
        return Person.objects.select_related("household").order_by("household_id", "birth_date", "person_id")

    def get_object(self):
        address = self.kwargs[self.lookup_field]
        if person_key_is_well_formed(address):
            person = self.get_queryset().filter(key=address).first()
        elif looks_like_id_number(address):
            person = person_by_id_number(self.request.user, address, via="api", request=self.request)
            if person is not None:
                # Through the view's queryset, which adds what the serializer reads.
                person = self.get_queryset().filter(pk=person.pk).first()
        else:
            person = None
        if person is None:
            raise NotFound()
        self.check_object_permissions(self.request, person)
        return person

    create_service = staticmethod(services.person_create)
    update_service = staticmethod(services.person_update)
    updated_as = "person"


@extend_schema_view(list=extend_schema(parameters=[api_filters.IncomeItemFilter]))
class IncomeItemViewSet(HouseholdRecordViewSet):
    """收支台账 Income and expenditure items of households under the user's division.

    `amount` is in yuan, ≥ 0 with at most two decimals; `kind` tells income, production
    cost or rigid expenditure. Creating and changing need an editing role and a household
    within the user's division; the household of an item cannot be changed. Researchers get 403.
    """

    serializer_class = IncomeItemSerializer
    filter_class = api_filters.IncomeItemFilter
    model = IncomeItem

    def base_queryset(self):
        return IncomeItem.objects.order_by("household_id", "year", "item", "id")

    create_service = staticmethod(services.ledger_item_create)
    update_service = staticmethod(services.ledger_item_update)
    updated_as = "item"


def _counts(rows, field: str, codes, missing: str | None = None) -> dict[str, int]:
    """Every code appears, with 0 when no household has it, so clients see a stable shape."""
    counts = dict.fromkeys(codes, 0)
    if missing is not None:
        counts[missing] = 0
    for row in rows:
        key = row[field] if row[field] is not None else missing
        if key is not None:
            counts[key] = counts.get(key, 0) + row["n"]
    return counts


class SummaryView(APIView):
    """汇总 Counts of households and living persons under one division: by status,
    category, risk and monitoring type. Anonymous figures only, so open to every role,
    researchers included.

    `?division=CODE` picks a division within the user's own (404 outside it); without
    it, the user's own division.
    """

    permission_classes = (IsAuthenticated,)

    @extend_schema(parameters=[api_filters.SummaryParameters], responses=SummarySerializer)
    def get(self, request):
        parameters = api_filters.SummaryParameters(data=request.query_params.dict())
        parameters.is_valid(raise_exception=True)
        division = parameters.validated_data.get("division") or request.user.division
        if division is not None and not scope.visible_to(request.user, Division).filter(pk=division.pk).exists():
            raise NotFound("不在您的管辖范围内 (outside your division)")
        households = api_filters.under(scope.visible_to(request.user, Household), "village_id", division)
        persons = api_filters.under(scope.visible_to(request.user, Person), "household__village_id", division)

        def grouped(field):
            return households.order_by().values(field).annotate(n=Count("pk"))

        data = {
            "division": division,
            "households": households.count(),
            "persons": persons.filter(alive=True).count(),
            "by_status": _counts(grouped("status"), "status", schema.STATUS),
            "by_category": _counts(grouped("category"), "category", schema.CATEGORY),
        }
        # Counts by values other apps keep about households (by_risk, …): platform.extensions.
        for attribute in household_attributes(summarised=True):
            counted = households_annotated(households.order_by(), [attribute])
            data[attribute.summary] = _counts(counted.values(attribute.name).annotate(n=Count("pk")),
                                              attribute.name, attribute.choices, "none")
        return Response(SummarySerializer(data).data)


router.register("divisions", DivisionViewSet, basename="api-division")
router.register("households", HouseholdViewSet, basename="api-household")
router.register("persons", PersonViewSet, basename="api-person")
router.register("income-items", IncomeItemViewSet, basename="api-income-item")
extra_urls.append(path("summary/", SummaryView.as_view(), name="api-summary"))
