"""Divisions and the aggregate counts researchers may see."""

from __future__ import annotations

from rest_framework import serializers

from neisheng.platform.extensions import (
    household_attributes,
)
from neisheng.registry.models import Division


class DivisionSerializer(serializers.ModelSerializer):
    level_label = serializers.CharField(source="get_level_display", read_only=True)
    parent = serializers.CharField(source="parent_id", read_only=True, allow_null=True)

    class Meta:
        model = Division
        fields = ("code", "name", "level", "level_label", "parent")
        read_only_fields = fields


class CountsSerializer(serializers.Serializer):
    households = serializers.IntegerField()
    persons = serializers.IntegerField(help_text="在世成员 living persons")
    by_status = serializers.DictField(child=serializers.IntegerField())
    by_category = serializers.DictField(child=serializers.IntegerField())

    def get_fields(self):
        fields = super().get_fields()
        # Counts by the values other apps keep about households (by_risk, …): platform.extensions.
        for attribute in household_attributes(summarised=True):
            fields[attribute.summary] = serializers.DictField(
                child=serializers.IntegerField(),
                help_text=f"{'/'.join(attribute.choices)}, and 'none' for households without one",
            )
        return fields


class SummarySerializer(CountsSerializer):
    division = DivisionSerializer(allow_null=True)
