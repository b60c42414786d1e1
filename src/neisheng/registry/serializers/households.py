"""Households in the API, with the values other apps keep about each (extension points)."""

from __future__ import annotations

from rest_framework import serializers

from neisheng.engine import schema
from neisheng.platform import scope
from neisheng.platform.extensions import (
    HouseholdAttribute,
    household_attributes,
    households_annotated,
)
from neisheng.registry.lookups import already_registered_record
from neisheng.registry.models import Division, Household
from neisheng.registry.serializers.fields import (
    Versioned,
    contract_field,
    key_optional_on_update,
    message,
    request_user,
    required_messages,
    unchanged_key,
)


class HouseholdAttributeField(serializers.ChoiceField):
    """A read-only value another app keeps about a household (platform.extensions), read
    from the annotation the viewset adds, or looked up for a household just saved."""

    def __init__(self, attribute: HouseholdAttribute):
        self.attribute = attribute
        super().__init__(choices=list(attribute.choices), read_only=True, allow_null=True,
                         help_text=attribute.help_text or attribute.label)

    def get_attribute(self, household: Household):
        name = self.attribute.name
        if hasattr(household, name):
            return getattr(household, name)
        rows = households_annotated(Household.objects.filter(pk=household.pk), [self.attribute])
        return rows.values_list(name, flat=True).first()

    def to_representation(self, value):
        return value


class HouseholdSerializer(Versioned, serializers.ModelSerializer):
    household_id = contract_field("households", "household_id", Household)
    village = serializers.CharField(
        source="village_id", help_text="村代码 (12 digits): a level-5 division within your division",
        error_messages=required_messages(),
    )
    village_name = serializers.CharField(source="village.name", read_only=True)
    status = contract_field("households", "status", Household)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    category = contract_field("households", "category", Household)
    category_label = serializers.CharField(source="get_category_display", read_only=True)
    housing = contract_field("households", "housing", Household)
    water = contract_field("households", "water", Household)
    food_clothing_ok = contract_field("households", "food_clothing_ok", Household)
    poverty_cause = contract_field("households", "poverty_cause", Household)
    lifted_year = contract_field("households", "lifted_year", Household)
    cooperative_member = contract_field("households", "cooperative_member", Household)
    industry_linked = contract_field("households", "industry_linked", Household)
    credit_access = contract_field("households", "credit_access", Household)
    participates_village_affairs = contract_field("households", "participates_village_affairs", Household)
    willingness = contract_field("households", "willingness", Household)
    sudden_event = contract_field("households", "sudden_event", Household)
    members = serializers.SerializerMethodField(help_text="在世成员数 living members")

    class Meta:
        model = Household
        fields = (
            "household_id", "village", "village_name", "status", "status_label", "category",
            "category_label", "housing", "water", "food_clothing_ok", "poverty_cause", "lifted_year",
            "cooperative_member", "industry_linked", "credit_access", "participates_village_affairs",
            "willingness", "sudden_event", "members",
        )

    def get_fields(self):
        fields = key_optional_on_update(self, super().get_fields(), "household_id")
        # Values other apps keep about households (monitoring's `risk`, …): platform.extensions.
        for attribute in household_attributes(in_payload=True):
            fields[attribute.name] = HouseholdAttributeField(attribute)
        return fields

    def get_members(self, household: Household) -> int:
        counted = getattr(household, "living_members", None)
        return counted if counted is not None else household.members.filter(alive=True).count()

    def validate_household_id(self, value: str) -> str:
        value = value.strip()
        unchanged_key(self, value, "household_id")
        if not schema.HOUSEHOLDS.column("household_id").matches(value):
            # The contract's pattern: `neisheng validate`, uploads and the forms refuse the same.
            raise serializers.ValidationError(message("bad_household_id"), code="bad_household_id")
        if self.instance is None and Household.objects.filter(pk=value).exists():
            request = self.context.get("request")
            already_registered_record(user=request_user(self), object_type="household", number=value, via="api",
                                      request=request)
            raise serializers.ValidationError(message("already_registered"), code="already_registered")
        return value

    def validate_village(self, value: str) -> Division:
        village = scope.visible_to(request_user(self), Division).filter(code=value, level=schema.VILLAGE_LEVEL).first()
        if village is None:
            raise serializers.ValidationError(message("village_outside_scope"))
        return village

    def validate_poverty_cause(self, value):
        return value or None

    def to_internal_value(self, data):
        values = super().to_internal_value(data)
        if "village_id" in values:
            values["village"] = values.pop("village_id")
        return values
