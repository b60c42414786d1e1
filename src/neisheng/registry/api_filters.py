"""Query parameters of the registry API's lists, checked like any other input: an unknown
code is a 400 naming the parameter, not an empty list that looks like "no households".

Each filter only narrows a queryset that already came from neisheng.platform.scope, so it
can never widen what a user sees."""

from __future__ import annotations

from django.db.models import QuerySet
from rest_framework import serializers

from neisheng.engine import schema
from neisheng.platform.extensions import household_attributes, households_annotated
from neisheng.registry.models import Division
from neisheng.registry.serializers.fields import message

TRUE_VALUES = ("1", "true", "yes", "on")


def wants_unmask(request) -> bool:
    return request.query_params.get("unmask", "").strip().lower() in TRUE_VALUES


def choice_parameter(mapping, help_text: str) -> serializers.ChoiceField:
    return serializers.ChoiceField(
        choices=list(mapping), required=False, help_text=help_text,
        error_messages={"invalid_choice": message("unknown_code")},
    )


class DivisionParameter(serializers.Serializer):
    division = serializers.CharField(
        required=False, help_text="区划代码: only what lies under this division (12 digits)",
    )

    def validate_division(self, code: str) -> Division:
        division = Division.objects.filter(code=code).first()
        if division is None:
            raise serializers.ValidationError(message("unknown_division"))
        return division


def code_bounds(division: Division) -> tuple[str, str]:
    """The codes under a division, as neisheng.platform.scope reads a user's scope."""
    return division.prefix.ljust(12, "0"), division.prefix.ljust(12, "9")


def under(queryset: QuerySet, field: str, division: Division | None) -> QuerySet:
    if division is None:
        return queryset
    low, high = code_bounds(division)
    return queryset.filter(**{f"{field}__gte": low, f"{field}__lte": high})


class DivisionFilter(serializers.Serializer):
    parent = serializers.CharField(required=False, help_text="上级代码: the children of this division")
    level = serializers.ChoiceField(choices=[int(k) for k in schema.LEVELS], required=False,
                                    help_text="级别 1 province … 5 village")

    def apply(self, queryset: QuerySet) -> QuerySet:
        data = self.validated_data
        if "parent" in data:
            queryset = queryset.filter(parent_id=data["parent"])
        if "level" in data:
            queryset = queryset.filter(level=data["level"])
        return queryset


class HouseholdFilter(DivisionParameter):
    """The household's own fields, and a parameter for each value other apps keep about
    households (platform.extensions, e.g. monitoring's `risk`)."""

    status = choice_parameter(schema.STATUS, "户类型")
    category = choice_parameter(schema.CATEGORY, "保障类别")

    def get_fields(self):
        fields = super().get_fields()
        for attribute in household_attributes(filterable=True):
            fields[attribute.name] = choice_parameter(attribute.choices, attribute.help_text or attribute.label)
        return fields

    def apply(self, queryset: QuerySet) -> QuerySet:
        data = self.validated_data
        queryset = under(queryset, "village_id", data.get("division"))
        for name in ("status", "category"):
            if name in data:
                queryset = queryset.filter(**{name: data[name]})
        chosen = [a for a in household_attributes(filterable=True) if a.name in data]
        if chosen:
            queryset = households_annotated(queryset, chosen)
            queryset = queryset.filter(**{a.name: data[a.name] for a in chosen})
        return queryset


class PersonFilter(DivisionParameter):
    household = serializers.CharField(required=False, help_text="户编号: the members of this household")
    alive = serializers.BooleanField(required=False, allow_null=True, default=None,
                                     help_text="true: living only; false: deceased only")

    def apply(self, queryset: QuerySet) -> QuerySet:
        data = self.validated_data
        queryset = under(queryset, "household__village_id", data.get("division"))
        if "household" in data:
            queryset = queryset.filter(household_id=data["household"])
        if data.get("alive") is not None:
            queryset = queryset.filter(alive=data["alive"])
        return queryset


class IncomeItemFilter(DivisionParameter):
    household = serializers.CharField(required=False, help_text="户编号")
    year = serializers.IntegerField(required=False, help_text="年度")
    item = choice_parameter(schema.ITEM_LABELS, "项目")

    def apply(self, queryset: QuerySet) -> QuerySet:
        data = self.validated_data
        queryset = under(queryset, "household__village_id", data.get("division"))
        for name, field in (("household", "household_id"), ("year", "year"), ("item", "item")):
            if name in data:
                queryset = queryset.filter(**{field: data[name]})
        return queryset


class SummaryParameters(DivisionParameter):
    pass
