"""REST API of household files (archives.md), with the pages' scope rules:

- GET /api/archive-documents/ (?household=, ?category=, ?doc_type=), GET {id}/: the
  documents with their versions (checksum, size, type, who and when); POST multipart
  {household, category, doc_type, title, dated_on, file} and POST {id}/versions/
  {file, reason} need archives.upload. Reading needs archives.read and persons.read.
- GET /api/student-files/, GET {id}/: students' files with their aid and plan versions.
- GET /api/archive-completeness/ (?division=): households checked, complete and the
  missing documents by type, per village and in all (archives.figures: counts only,
  researchers and departments too).

Writes go through neisheng.archives.services, whose refusals answer 400 field by field.
"""

from __future__ import annotations

from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from neisheng.accounts.access import ARCHIVES_FIGURES, ARCHIVES_READ, ARCHIVES_UPLOAD, PERSONS_READ
from neisheng.archives import selectors, services
from neisheng.archives.models import CATEGORY_LABELS, DOCUMENT_TYPE_LABELS, Document, StudentFile
from neisheng.platform.access import capability_permission
from neisheng.platform.api import ScopedViewSet, extra_urls, router, validated
from neisheng.registry.models import Division

NO_HOUSEHOLD = "在您管辖范围内没有这个户编号 / no such household within your scope"


class VersionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.IntegerField()
    sha256 = serializers.CharField()
    size = serializers.IntegerField()
    content_type = serializers.CharField()
    original_name = serializers.CharField()
    reason = serializers.CharField()
    uploaded_by = serializers.CharField(source="uploaded_by.username", default="")
    recorded_at = serializers.DateTimeField()
    download = serializers.SerializerMethodField()

    def get_download(self, version) -> str:
        from django.urls import reverse

        return reverse("archives:download", args=[version.pk])


class DocumentSerializer(serializers.ModelSerializer):
    versions = serializers.SerializerMethodField()

    class Meta:
        model = Document
        fields = ("id", "household", "division_code", "category", "doc_type", "title", "dated_on", "person_key",
                  "versions", "recorded_at")
        read_only_fields = fields

    person_key = serializers.CharField(source="person.key", default=None, read_only=True)

    def get_versions(self, document) -> list[dict]:
        return [VersionSerializer(v).data for v in sorted(document.versions.all(), key=lambda v: -v.number)]


class DocumentWriteSerializer(serializers.Serializer):
    household = serializers.CharField(max_length=32)
    category = serializers.ChoiceField(choices=list(CATEGORY_LABELS))
    doc_type = serializers.ChoiceField(choices=list(DOCUMENT_TYPE_LABELS))
    title = serializers.CharField(max_length=120)
    dated_on = serializers.DateField()
    file = serializers.FileField()
    reason = serializers.CharField(max_length=200, required=False, allow_blank=True)


class VersionWriteSerializer(serializers.Serializer):
    file = serializers.FileField()
    reason = serializers.CharField(max_length=200)


class DocumentFilter(serializers.Serializer):
    household = serializers.CharField(required=False, max_length=32)
    category = serializers.ChoiceField(choices=list(CATEGORY_LABELS), required=False)
    doc_type = serializers.ChoiceField(choices=list(DOCUMENT_TYPE_LABELS), required=False)

    def apply(self, queryset):
        for name in ("household", "category", "doc_type"):
            if self.validated_data.get(name):
                queryset = queryset.filter(**{name: self.validated_data[name]})
        return queryset


class DocumentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    model = Document
    serializer_class = DocumentSerializer
    filter_class = DocumentFilter
    parser_classes = (MultiPartParser, FormParser)

    def get_permissions(self):
        permissions = [*super().get_permissions(), capability_permission(PERSONS_READ)(),
                       capability_permission(ARCHIVES_READ)()]
        if self.request.method not in ("GET", "HEAD", "OPTIONS"):
            permissions.append(capability_permission(ARCHIVES_UPLOAD)())
        return permissions

    def base_queryset(self):
        return (Document.objects.select_related("person").prefetch_related("versions__uploaded_by")
                .order_by("household_id", "category", "doc_type", "pk"))

    @extend_schema(request=DocumentWriteSerializer, responses=DocumentSerializer)
    def create(self, request):
        data = validated(DocumentWriteSerializer(data=request.data))
        household = selectors.households_visible(request.user).filter(pk=data["household"]).first()
        if household is None:
            raise serializers.ValidationError({"household": [NO_HOUSEHOLD]})
        document = self.write(services.document_upload, household=household, category=data["category"],
                              doc_type=data["doc_type"], title=data["title"], dated_on=data["dated_on"],
                              file=data["file"], reason=data.get("reason", ""))
        return Response(DocumentSerializer(self.base_queryset().get(pk=document.pk)).data,
                        status=status.HTTP_201_CREATED)

    @extend_schema(request=VersionWriteSerializer, responses=DocumentSerializer)
    @action(detail=True, methods=["post"])
    def versions(self, request, pk=None):
        document = self.get_object()
        data = validated(VersionWriteSerializer(data=request.data))
        self.write(services.document_version_add, document=document, file=data["file"], reason=data["reason"])
        return Response(DocumentSerializer(self.base_queryset().get(pk=document.pk)).data,
                        status=status.HTTP_201_CREATED)


class AidSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    kind = serializers.CharField()
    amount = serializers.DecimalField(max_digits=10, decimal_places=2)
    source = serializers.CharField()


class PlanSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    text = serializers.CharField()
    made_on = serializers.DateField()
    reason = serializers.CharField()
    recorded_at = serializers.DateTimeField()


class StudentFileSerializer(serializers.ModelSerializer):
    person_key = serializers.CharField(source="person.key", read_only=True)
    name = serializers.CharField(source="person.name", read_only=True)
    aid = AidSerializer(many=True, read_only=True)
    plans = serializers.SerializerMethodField()

    class Meta:
        model = StudentFile
        fields = ("id", "household", "division_code", "person_key", "name", "school", "stage", "grade",
                  "enrolled_year", "opened_on", "aid", "plans")
        read_only_fields = fields

    def get_plans(self, student) -> list[dict]:
        return [PlanSerializer(p).data for p in sorted(student.plans.all(), key=lambda p: -p.number)]


class StudentFileViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    model = StudentFile
    serializer_class = StudentFileSerializer

    def get_permissions(self):
        return [*super().get_permissions(), capability_permission(PERSONS_READ)(),
                capability_permission(ARCHIVES_READ)()]

    def base_queryset(self):
        return (StudentFile.objects.select_related("person").prefetch_related("aid", "plans")
                .order_by("division_code", "household_id", "pk"))


class CompletenessView(APIView):
    """Counts per village, no household (ARCHIVES_FIGURES)."""

    permission_classes = (IsAuthenticated, capability_permission(ARCHIVES_FIGURES))

    @extend_schema(responses={200: dict})
    def get(self, request):
        code = (request.query_params.get("division") or "").strip()
        if code and not Division.objects.filter(code=code).exists():
            raise serializers.ValidationError({"division": ["没有这个区划 / no such division"]})
        completeness = selectors.completeness_for(request.user, code)

        def figures(v) -> dict:
            return {"checked": v.checked, "complete": v.complete, "incomplete": v.incomplete,
                    "missing_documents": v.missing_documents,
                    "missing_by_type": [{"category": c, "doc_type": t, "households": n}
                                        for (c, t), n in sorted(v.missing_by_type.items())]}

        return Response({"villages": [{"village_code": v.village_code, **figures(v)} for v in completeness.villages],
                         "total": figures(completeness.total)})


router.register("archive-documents", DocumentViewSet, basename="api-archive-document")
router.register("student-files", StudentFileViewSet, basename="api-student-file")
extra_urls.append(path("archive-completeness/", CompletenessView.as_view(), name="api-archive-completeness"))
