"""The REST API every app shares: one router, and one base viewset whose rows are always
those under the user's division (platform.scope), so a row outside it is never listed and
its detail URL answers 404, exactly as if it did not exist.

An app adds its endpoints in its own `api.py`, which web/urls.py finds (autodiscovery)
and which registers on the one router:

    from neisheng.platform.api import ScopedViewSet, router

    class CaseViewSet(mixins.ListModelMixin, ScopedViewSet):
        model = Case                  # declares division_field, so scope knows its rows
        serializer_class = CaseSerializer

    router.register("cases", CaseViewSet, basename="api-case")

Routes that are not viewsets (e.g. a summary) go in `extra_urls`.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers, viewsets
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import IsAuthenticated
from rest_framework.routers import DefaultRouter

from neisheng.accounts.access import PERSON_UNMASK, user_may
from neisheng.accounts.masking import mask_id_number
from neisheng.accounts.services import audit_record
from neisheng.platform import scope

router = DefaultRouter()
# Plain `path()` routes of the apps' APIs, served under /api/ beside the router's.
extra_urls: list = []


def api_urls() -> list:
    """Every route of the API, once the apps' api modules have registered theirs."""
    return [*extra_urls, *router.urls]

TRUE_VALUES = ("1", "true", "yes", "on")

UNMASK_PARAMETER = OpenApiParameter(
    "unmask", OpenApiTypes.BOOL, description=(
        "1: show full ID numbers (roles allowed to unmask only, otherwise 403); every person "
        "shown in full is recorded in the audit trail as view_unmasked"
    ),
)
UNMASK_FORBIDDEN = "您的角色不能查看完整证件号码 (your role may not see full ID numbers)"


def wants_unmask(request) -> bool:
    return request.query_params.get("unmask", "").strip().lower() in TRUE_VALUES


def validated(serializer: serializers.Serializer) -> dict:
    """The payload's values, or 400 {"detail": one sentence naming the fields, "fields":
    each field's errors}: every app's write endpoints answer bad input the same way."""
    if serializer.is_valid():
        return serializer.validated_data
    fields = ", ".join(sorted(serializer.errors))
    raise serializers.ValidationError({"detail": f"这些字段的值无效：{fields} / these fields are not valid: {fields}",
                                       "fields": serializer.errors})


def as_api_error(error: DjangoValidationError) -> serializers.ValidationError:
    """A service's ValidationError as the API's 400, field by field when it has fields."""
    if hasattr(error, "error_dict"):
        return serializers.ValidationError(error.message_dict)
    return serializers.ValidationError(error.messages)


class UnmaskingMixin:
    """For serializers: person ID numbers are shown masked unless the view has been asked
    to unmask (and has checked the role); every number shown in full is noted, with the
    division it concerns, for the audit trail."""

    def shown_id(self, number: str, division_code: str = "") -> str:
        if not number:
            return ""
        if self.context.get("unmask"):
            self.context["revealed"][number] = division_code
            return number
        return mask_id_number(number)


class ScopedViewSet(viewsets.GenericViewSet):
    """Rows under the user's division, the list filter, and the unmasking that person
    payloads share.

    `model` must declare `division_field`; `base_queryset()` says which of its rows the
    endpoint serves (joins, order) and `scoped_queryset()` restricts them to the user.
    `filter_class` is a serializer of the list's query parameters with an
    `apply(queryset)` method, so an unknown code is a 400 naming the parameter."""

    permission_classes = (IsAuthenticated,)
    filter_class: type[serializers.Serializer] | None = None
    model = None
    reveals_id_numbers = False

    def base_queryset(self):
        return self.model._default_manager.all()

    def scoped_queryset(self):
        return scope.visible_to(self.request.user, self.base_queryset())

    def decorate_queryset(self, queryset):
        """What every read adds to the scoped rows (e.g. their versions); nothing here."""
        return queryset

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.model._default_manager.none()
        queryset = self.decorate_queryset(self.scoped_queryset())
        if self.action == "list" and self.filter_class is not None:
            # .dict(): a QueryDict would read a missing boolean parameter as false.
            parameters = self.filter_class(data=self.request.query_params.dict())
            parameters.is_valid(raise_exception=True)
            queryset = parameters.apply(queryset)
        return queryset

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        self.unmask = self.reveals_id_numbers and wants_unmask(request)
        self.revealed: dict[str, str] = {}
        if self.unmask and not user_may(request.user, PERSON_UNMASK):
            raise PermissionDenied(UNMASK_FORBIDDEN)

    def get_serializer_context(self):
        context = super().get_serializer_context()
        context["unmask"] = getattr(self, "unmask", False)
        context["revealed"] = getattr(self, "revealed", {})
        return context

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        revealed = getattr(self, "revealed", None)
        if revealed and response.status_code < 400:
            for number in sorted(revealed):
                audit_record(user=request.user, action="view_unmasked", division_code=revealed[number],
                             object_type="person", object_id=number,
                             detail={"via": "api", "path": request.path}, request=request)
            revealed.clear()
        return response

    def write(self, service, **kwargs):
        """Call a service as the requesting user; its refusals become the API's 400."""
        try:
            return service(user=self.request.user, request=self.request, **kwargs)
        except DjangoValidationError as error:
            raise as_api_error(error) from None


class StepActionsMixin:
    """The shape of a viewset's workflow-step actions (confirm, dismiss, explain ...):
    the role refused before its payload is read (403 whatever it sent), the payload
    validated, the step's date today unless given, the service's refusal a 400 with its
    sentence, and the object as it now stands. Set `step_capability`, `step_refusal`
    ("中文 / English") and `step_result_serializer`."""

    step_capability: str = ""
    step_refusal: str = ""
    step_result_serializer: type[serializers.Serializer] | None = None

    def step_write(self, serializer_class, call):
        from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
        from django.utils import timezone
        from rest_framework import status
        from rest_framework.response import Response

        from neisheng.platform.workflow import TransitionRefused

        if not user_may(self.request.user, self.step_capability):
            raise PermissionDenied(self.step_refusal)
        obj = self.get_object()
        data = validated(serializer_class(data=self.request.data))
        on = data.get("on") or timezone.localdate()
        try:
            call(obj, on, data)
        except DjangoPermissionDenied as error:
            raise PermissionDenied(str(error)) from None
        except TransitionRefused as error:
            return Response({"detail": str(error)}, status=status.HTTP_400_BAD_REQUEST)
        obj.refresh_from_db()
        return Response(self.step_result_serializer(obj, context=self.get_serializer_context()).data)
