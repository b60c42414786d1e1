"""REST API of surveys (surveys.md), with the pages' scope rules:

- GET/POST /api/questionnaires/, GET /api/questionnaires/{id}/ (its versions, the
  current one's YAML): questionnaires of the user's division, under it and above it;
  POST {division_code, source, reason} or {division_code, template} needs surveys.design.
- GET /api/surveys/, /api/surveys/{id}/; GET /api/surveys/{id}/report/ (surveys.report,
  researchers included): the summary (回收率, 有效率 as fractions and as percentages),
  the distribution by question and group, the likert and number statistics, the rates
  per village and how many responses are invalid, and why; no respondent id, no
  household.
- GET/POST /api/survey-responses/, GET /api/survey-responses/{id}/: persons.read (never
  researchers); rows whose division (the village's, else the survey's) is under the
  user's. POST needs surveys.collect: JSON {survey, respondent_id, group, household_id,
  village_code, answered_on, answers, idempotency_key, source}; the phone form's
  offline queue posts here: 201 the first time, 200 with the first response when the
  idempotency key was seen before.
- GET /api/survey-proposals/, POST {id}/accept/ {decided_on}, POST {id}/decline/
  {decided_on, reason}: persons.read to read, surveys.review to decide.

Writes go through neisheng.surveys.services, whose refusals answer 400 field by field.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.response import Response as ApiResponse

from neisheng.accounts.access import (
    PERSONS_READ,
    SURVEYS_COLLECT,
    SURVEYS_DESIGN,
    SURVEYS_REPORT,
    SURVEYS_REVIEW,
    user_may,
)
from neisheng.engine import surveys as engine
from neisheng.platform.access import capability_permission, refusal
from neisheng.platform.api import ScopedViewSet, router, validated
from neisheng.surveys import selectors, services
from neisheng.surveys.models import Questionnaire, RegistryProposal, Response, Survey

_SAFE = ("GET", "HEAD", "OPTIONS")


# --------------------------------------------------------------------------- serializers


class VersionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.IntegerField()
    reason = serializers.CharField()
    sha256 = serializers.CharField()
    recorded_at = serializers.DateTimeField()


class QuestionnaireSerializer(serializers.ModelSerializer):
    versions = serializers.SerializerMethodField()

    class Meta:
        model = Questionnaire
        fields = ("id", "division_code", "code", "title", "versions", "recorded_at")
        read_only_fields = fields

    def get_versions(self, questionnaire) -> list[dict]:
        return [VersionSerializer(v).data for v in questionnaire.versions.order_by("-number")]


class QuestionnaireDetailSerializer(QuestionnaireSerializer):
    source = serializers.SerializerMethodField(help_text="the current version's YAML")

    class Meta(QuestionnaireSerializer.Meta):
        fields = (*QuestionnaireSerializer.Meta.fields, "source")
        read_only_fields = fields

    def get_source(self, questionnaire) -> str:
        current = questionnaire.current
        return current.source if current is not None else ""


class QuestionnaireWriteSerializer(serializers.Serializer):
    division_code = serializers.CharField(required=False, help_text="区划代码 (within your scope; yours if omitted)")
    source = serializers.CharField(required=False, allow_blank=True, default="", trim_whitespace=False,
                                   help_text="the questionnaire's YAML (surveys.md)")
    template = serializers.CharField(required=False, allow_blank=True, default="",
                                     help_text="a shipped template instead of a source, e.g. motivation-2019")
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class SurveySerializer(serializers.ModelSerializer):
    questionnaire = serializers.SerializerMethodField()
    version_number = serializers.IntegerField(source="version.number", read_only=True)

    class Meta:
        model = Survey
        fields = ("id", "name", "division_code", "questionnaire", "version", "version_number", "issued",
                  "opened_on", "closed_on", "state", "recorded_at")
        read_only_fields = fields

    def get_questionnaire(self, survey) -> dict:
        q = survey.version.questionnaire
        return {"id": q.pk, "code": q.code, "title": q.title}


class ResponseSerializer(serializers.ModelSerializer):
    household_id = serializers.CharField(read_only=True)
    idempotency_key = serializers.UUIDField(read_only=True)

    class Meta:
        model = Response
        fields = ("id", "survey", "division_code", "respondent_id", "group", "household_id", "village_code",
                  "answers", "source", "answered_on", "idempotency_key", "recorded_at")
        read_only_fields = fields


class ResponseWriteSerializer(serializers.Serializer):
    survey = serializers.IntegerField()
    respondent_id = serializers.CharField(max_length=60)
    group = serializers.CharField(max_length=40, help_text="a group key or its label")
    household_id = serializers.CharField(required=False, allow_blank=True, allow_null=True, default="")
    village_code = serializers.CharField(required=False, allow_blank=True, allow_null=True, default="")
    answered_on = serializers.DateField()
    answers = serializers.DictField(child=serializers.JSONField(), help_text="question code -> answer")
    idempotency_key = serializers.UUIDField(required=False, allow_null=True, default=None)
    source = serializers.ChoiceField(choices=[Response.Source.WEB, Response.Source.PHONE], required=False,
                                     default=Response.Source.PHONE)


class ProposalSerializer(serializers.ModelSerializer):
    survey = serializers.IntegerField(source="response.survey_id", read_only=True)

    class Meta:
        model = RegistryProposal
        fields = ("id", "survey", "response", "household", "division_code", "question", "field", "value",
                  "value_before", "state", "decided_on", "reason", "recorded_at")
        read_only_fields = fields


class DecisionSerializer(serializers.Serializer):
    decided_on = serializers.DateField(required=False, allow_null=True, default=None)
    reason = serializers.CharField(required=False, allow_blank=True, default="")


# --------------------------------------------------------------------------- filters


class SurveyFilter(serializers.Serializer):
    survey = serializers.IntegerField(required=False, help_text="调查 id")

    def apply(self, queryset):
        if self.validated_data.get("survey"):
            queryset = queryset.filter(survey_id=self.validated_data["survey"])
        return queryset


class ProposalFilter(serializers.Serializer):
    survey = serializers.IntegerField(required=False, help_text="调查 id")
    state = serializers.ChoiceField(choices=RegistryProposal.State.values, required=False)

    def apply(self, queryset):
        data = self.validated_data
        if data.get("survey"):
            queryset = queryset.filter(response__survey_id=data["survey"])
        if data.get("state"):
            queryset = queryset.filter(state=data["state"])
        return queryset


# --------------------------------------------------------------------------- viewsets


def _needs(request, capability: str) -> None:
    if not user_may(request.user, capability):
        raise PermissionDenied(refusal(capability))


class QuestionnaireViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """问卷 Questionnaires of the user's division, under it and above it, with their
    versions. POST creates one from YAML or a template (surveys.design)."""

    model = Questionnaire

    def get_serializer_class(self):
        return QuestionnaireDetailSerializer if self.action == "retrieve" else QuestionnaireSerializer

    def scoped_queryset(self):
        return selectors.questionnaires_visible(self.request.user).prefetch_related("versions")

    @extend_schema(request=QuestionnaireWriteSerializer, responses={201: QuestionnaireDetailSerializer})
    def create(self, request):
        _needs(request, SURVEYS_DESIGN)
        data = validated(QuestionnaireWriteSerializer(data=request.data))
        division_code = data.get("division_code") or request.user.division_id or ""
        if data["template"]:
            made = self.write(services.questionnaire_from_template, division_code=division_code,
                              template=data["template"])
        else:
            made = self.write(services.questionnaire_create, division_code=division_code, source=data["source"],
                              reason=data["reason"])
        return ApiResponse(QuestionnaireDetailSerializer(made, context=self.get_serializer_context()).data,
                           status=status.HTTP_201_CREATED)


def report_payload(survey: Survey) -> dict:
    """The survey's report as the API gives it: aggregates only."""
    report = selectors.survey_report(survey)
    questionnaire = selectors.questionnaire_of(survey.version)
    s = report.summary
    reasons: dict[str, int] = {}
    for line in report.invalid.column("reasons").to_pylist():
        for reason in (line or "").split(";"):
            if reason:
                reasons[reason] = reasons.get(reason, 0) + 1
    texts = {q.code: q.text for q in questionnaire.questions}
    return {
        "survey": survey.pk,
        "questionnaire": {"code": questionnaire.code, "title": questionnaire.title, "groups": questionnaire.groups,
                          "questions": texts},
        "summary": {
            **{key: s[key] for key in ("issued", "returned", "valid", "response_rate", "validity_rate",
                                       "valid_of_returned")},
            "response_rate_percent": engine.percent(s["response_rate"]),
            "validity_rate_percent": engine.percent(s["validity_rate"]),
            "valid_of_returned_percent": engine.percent(s["valid_of_returned"]),
        },
        "distribution": report.distribution.to_pylist(),
        "numeric": report.numeric.to_pylist(),
        "rates": report.rates.to_pylist(),
        "invalid": {"count": report.invalid.num_rows, "by_reason": reasons},
    }


class SurveyViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """调查 Surveys of the user's division, under it and above it. GET {id}/report/ is the
    report (surveys.report): aggregates only."""

    model = Survey
    serializer_class = SurveySerializer

    def scoped_queryset(self):
        return selectors.surveys_visible(self.request.user).select_related("version__questionnaire")

    @extend_schema(responses={200: dict})
    @action(detail=True, methods=["get"])
    def report(self, request, pk=None):
        _needs(request, SURVEYS_REPORT)
        return ApiResponse(report_payload(self.get_object()))


@extend_schema_view(list=extend_schema(parameters=[SurveyFilter]))
class ResponseViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """回收问卷 Responses whose division is under the user's (persons.read); filter
    `survey`. POST records one (surveys.collect): 201, or 200 with the first response
    when its idempotency_key was sent before."""

    model = Response
    serializer_class = ResponseSerializer
    filter_class = SurveyFilter

    def get_permissions(self):
        permissions = [*super().get_permissions(), capability_permission(PERSONS_READ)()]
        if self.request is not None and self.request.method not in _SAFE:
            permissions.append(capability_permission(SURVEYS_COLLECT)())
        return permissions

    def base_queryset(self):
        return Response.objects.order_by("survey_id", "pk")

    @extend_schema(request=ResponseWriteSerializer, responses={201: ResponseSerializer, 200: ResponseSerializer})
    def create(self, request):
        data = dict(validated(ResponseWriteSerializer(data=request.data)))
        survey = selectors.surveys_visible(request.user).filter(pk=data.pop("survey")).first()
        if survey is None:
            raise NotFound("未找到该调查 / no such survey")
        household = (data.pop("household_id") or "").strip() or None
        data["village_code"] = (data.get("village_code") or "").strip()
        made = self.write(services.response_submit, survey=survey, household=household, **data)
        created = getattr(made, "created", True)
        return ApiResponse(ResponseSerializer(made, context=self.get_serializer_context()).data,
                           status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


@extend_schema_view(list=extend_schema(parameters=[ProposalFilter]))
class ProposalViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """台账更新建议 What mapped answers propose for households under the user's division
    (persons.read); filters `survey`, `state`. POST {id}/accept/ writes it into the
    registry, {id}/decline/ (with a reason) does not (surveys.review)."""

    model = RegistryProposal
    serializer_class = ProposalSerializer
    filter_class = ProposalFilter

    def get_permissions(self):
        return [*super().get_permissions(), capability_permission(PERSONS_READ)()]

    def base_queryset(self):
        return RegistryProposal.objects.select_related("response").order_by("state", "household_id", "field", "pk")

    def _decide(self, request, service, **extra):
        _needs(request, SURVEYS_REVIEW)
        proposal = self.get_object()
        data = validated(DecisionSerializer(data=request.data))
        from django.utils import timezone

        decided_on = data["decided_on"] or timezone.localdate()
        made = self.write(service, proposal=proposal, decided_on=decided_on,
                          **({"reason": data["reason"]} if extra.get("reason") else {}))
        return ApiResponse(ProposalSerializer(made, context=self.get_serializer_context()).data)

    @extend_schema(request=DecisionSerializer, responses={200: ProposalSerializer})
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        return self._decide(request, services.proposal_accept)

    @extend_schema(request=DecisionSerializer, responses={200: ProposalSerializer})
    @action(detail=True, methods=["post"])
    def decline(self, request, pk=None):
        return self._decide(request, services.proposal_decline, reason=True)


router.register("questionnaires", QuestionnaireViewSet, basename="api-questionnaire")
router.register("surveys", SurveyViewSet, basename="api-survey")
router.register("survey-responses", ResponseViewSet, basename="api-survey-response")
router.register("survey-proposals", ProposalViewSet, basename="api-survey-proposal")
