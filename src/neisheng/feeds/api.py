"""REST API of department feeds: GET /api/feeds/ (filters feed_type, status, department),
GET /api/feeds/{id}/ (with its counts and findings by rule), GET /api/feed-rows/?feed=&match_kind=
(the rows with their match; ID numbers masked unless ?unmask=1 by a role that may).

Rows outside the user's division are never listed and answer 404; a county's feed is
listed to a town or village officer when one of its rows is linked in their division,
with the counts of their rows. Registered on the platform's one router."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers
from rest_framework.response import Response

from neisheng.accounts.access import PERSONS_READ
from neisheng.engine.feeds import DEPARTMENTS, FEED_TYPES, MATCH_KINDS
from neisheng.feeds import selectors
from neisheng.feeds.models import Feed, FeedRow, ReviewState
from neisheng.platform.access import capability_permission
from neisheng.platform.api import UNMASK_PARAMETER, ScopedViewSet, UnmaskingMixin, router
from neisheng.registry.api_filters import choice_parameter

# ---- helper D: feeds and their rows -------------------------------------------------


class FeedSerializer(serializers.ModelSerializer):
    uploaded_by = serializers.CharField(source="uploaded_by.username", read_only=True)
    counts = serializers.SerializerMethodField(
        help_text="rows, count_exact, count_probable, count_review, count_unmatched, findings_count: the whole "
                  "feed's when it lies in the user's division, else those of the user's rows")

    class Meta:
        model = Feed
        fields = ("id", "feed_type", "department", "division_code", "original_name", "checksum", "size",
                  "uploaded_by", "uploaded_at", "received_on", "status", "counts", "issues_total", "applied_at",
                  "error")
        read_only_fields = fields

    def get_counts(self, feed: Feed) -> dict:
        known = self.context.get("counts")
        if known is not None and feed.pk in known:
            return known[feed.pk]
        return selectors.feed_counts(self.context["request"].user, [feed])[feed.pk]


class FeedDetailSerializer(FeedSerializer):
    findings_by_rule = serializers.SerializerMethodField()
    issues = serializers.JSONField(read_only=True, help_text="the problems of a refused file (the first 1,000)")

    class Meta(FeedSerializer.Meta):
        fields = (*FeedSerializer.Meta.fields, "issues", "findings_by_rule")
        read_only_fields = fields

    def get_findings_by_rule(self, feed: Feed) -> dict[str, int]:
        return {code: n for code, _, n in selectors.findings_by_rule(self.context["request"].user, feed)}


class FeedFilter(serializers.Serializer):
    feed_type = choice_parameter(FEED_TYPES, "数据类型 (feeds.md)")
    status = choice_parameter(Feed.Status.values, "状态")
    department = choice_parameter(DEPARTMENTS, "部门")

    def apply(self, queryset):
        for name in ("feed_type", "status", "department"):
            if self.validated_data.get(name):
                queryset = queryset.filter(**{name: self.validated_data[name]})
        return queryset


@extend_schema_view(list=extend_schema(parameters=[FeedFilter]))
class FeedViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """部门比对 Department feeds the user may see, newest first (feeds.md)."""

    model = Feed
    serializer_class = FeedSerializer
    filter_class = FeedFilter

    def get_permissions(self):
        return [*super().get_permissions(), capability_permission(PERSONS_READ)()]

    def scoped_queryset(self):
        return selectors.feeds_visible_to(self.request.user).order_by("-uploaded_at", "-pk")

    def get_serializer_class(self):
        return FeedDetailSerializer if self.action == "retrieve" else FeedSerializer

    def list(self, request, *args, **kwargs):
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        feeds = list(page if page is not None else queryset)
        context = {**self.get_serializer_context(), "counts": selectors.feed_counts(request.user, feeds)}
        data = FeedSerializer(feeds, many=True, context=context).data
        return self.get_paginated_response(data) if page is not None else Response(data)


class FeedRowSerializer(UnmaskingMixin, serializers.ModelSerializer):
    id_number = serializers.SerializerMethodField()
    person_id = serializers.SerializerMethodField()
    household_id = serializers.CharField(read_only=True, allow_null=True)
    values = serializers.SerializerMethodField(help_text="each column's text as the department sent it "
                                                         "(the ID number masked like id_number)")

    class Meta:
        model = FeedRow
        fields = ("id", "feed", "row", "name", "id_number", "match_kind", "match_probability", "match_weight",
                  "person_id", "household_id", "review_state", "division_code", "values")
        read_only_fields = fields

    def get_id_number(self, row: FeedRow) -> str:
        return self.shown_id(row.id_number, row.division_code)

    def get_values(self, row: FeedRow) -> dict:
        values = dict(row.values or {})
        if values.get("id_number"):
            values["id_number"] = self.shown_id(values["id_number"], row.division_code)
        return values

    def get_person_id(self, row: FeedRow) -> str | None:
        return self.shown_id(row.person_id, row.division_code) if row.person_id else None


class FeedRowFilter(serializers.Serializer):
    feed = serializers.IntegerField(required=False, help_text="the feed's id")
    match_kind = choice_parameter(MATCH_KINDS, "匹配结果: exact, probable, review, unmatched")
    review_state = choice_parameter([v for v in ReviewState.values if v], "核对: pending, accepted, rejected")

    def apply(self, queryset):
        data = self.validated_data
        for name in ("match_kind", "review_state"):
            if data.get(name):
                queryset = queryset.filter(**{name: data[name]})
        if data.get("feed") is not None:
            queryset = queryset.filter(feed_id=data["feed"])
        return queryset


@extend_schema_view(list=extend_schema(parameters=[FeedRowFilter, UNMASK_PARAMETER]),
                    retrieve=extend_schema(parameters=[UNMASK_PARAMETER]))
class FeedRowViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """部门比对数据行 Rows of applied feeds under the user's division, with their match."""

    model = FeedRow
    serializer_class = FeedRowSerializer
    filter_class = FeedRowFilter
    reveals_id_numbers = True

    def get_permissions(self):
        return [*super().get_permissions(), capability_permission(PERSONS_READ)()]

    def base_queryset(self):
        return FeedRow.objects.order_by("feed_id", "row")


router.register("feeds", FeedViewSet, basename="api-feed")
router.register("feed-rows", FeedRowViewSet, basename="api-feed-row")

# ---- end D ---------------------------------------------------------------------------
# ---- helper E: findings (appended below) ---------------------------------------------
# The findings' endpoints live in their own module; importing it registers them.
from neisheng.feeds import finding_api  # noqa: F401

# ---- end E ---------------------------------------------------------------------------
