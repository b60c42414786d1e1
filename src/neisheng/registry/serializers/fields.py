"""What every registry serializer shares: the contract's fields with the validator's
messages, amounts, versions, and the checks of keys and scope."""

from __future__ import annotations

from decimal import Decimal

from rest_framework import serializers

from neisheng import ids
from neisheng.engine import schema
from neisheng.engine.validation import REASONS as CONTRACT_REASONS
from neisheng.platform import scope
from neisheng.registry.lookups import ALREADY_REGISTERED
from neisheng.registry.models import Household
from neisheng.registry.versions import record_version

API_REASONS = {
    "village_outside_scope": (
        "不是您辖区内的村级区划",
        "not a village (level 5) within your division",
    ),
    "household_outside_scope": ("您的辖区内没有这个户编号", "no household with this number within your division"),
    "unknown_division": ("区划代码不存在", "no division with this code"),
    "immutable": ("创建后不能修改", "cannot be changed once created"),
    "person_moves": ("不能在此更换成员所属的户", "a member cannot be moved to another household here"),
    "unknown_source": ("不是允许的来源", "not one of the allowed sources"),
    "id_number": ("证件号码", "ID number"),
    "already_registered": ALREADY_REGISTERED,
}


def message(reason: str, extra: str = "") -> str:
    """One error message, Chinese first with the English in parentheses."""
    zh, en = CONTRACT_REASONS.get(reason) or API_REASONS[reason]
    return f"{zh}{extra} ({en})"


def id_number_message(error: ids.InvalidIdNumber) -> str:
    """The ID number's problem named as neisheng.ids names it: format, birth date or checksum."""
    return message(f"id_{error.reason}") + f" [{error.reason}]"


def required_messages() -> dict[str, str]:
    text = message("required")
    return {"required": text, "null": text, "blank": text}


def contract_field(table: str, name: str, model, **kwargs) -> serializers.Field:
    """A serializer field for one column of the contract, with its enumeration or range
    and the validator's messages; required unless the column may be empty or the model
    gives a default."""
    column = schema.TABLES[table].column(name)
    model_field = model._meta.get_field(name)
    kwargs.setdefault("required", not (column.nullable or model_field.has_default()))
    if column.nullable:
        kwargs.setdefault("allow_null", True)
    errors = required_messages()
    if column.choices:
        errors["invalid_choice"] = message("unknown_item" if name == "item" else "unknown_code")
        return serializers.ChoiceField(
            choices=list(column.choices.items()), error_messages=errors,
            allow_blank=column.nullable, **kwargs,
        )
    if column.kind == "int":
        low, high = column.min_value, column.max_value
        span = f" {low}–{high}" if low is not None and high is not None else ""
        errors |= {"invalid": message("not_an_integer"), "max_string_length": message("not_an_integer"),
                   "min_value": message("out_of_range", span), "max_value": message("out_of_range", span)}
        return serializers.IntegerField(min_value=low, max_value=high, error_messages=errors, **kwargs)
    if column.kind == "bool":
        errors["invalid"] = message("not_a_boolean")
        return serializers.BooleanField(error_messages=errors, **kwargs)
    if column.kind == "date":
        errors["invalid"] = message("not_a_date")
        errors["datetime"] = message("not_a_date")
        return serializers.DateField(error_messages=errors, **kwargs)
    n = model_field.max_length
    errors["max_length"] = f"不能超过{n}个字符 (at most {n} characters)"
    return serializers.CharField(max_length=model_field.max_length, error_messages=errors, **kwargs)


class AmountField(serializers.DecimalField):
    """Yuan with at most two decimals, never negative; 1.230 is the same amount as 1.23,
    as the snapshot validator sees it."""

    def __init__(self, **kwargs):
        errors = required_messages() | {
            "invalid": message("not_a_number"),
            "min_value": message("negative_amount"),
            "max_decimal_places": message("too_many_decimals"),
        }
        super().__init__(max_digits=14, decimal_places=2, min_value=Decimal(0),
                         error_messages=errors, **kwargs)

    def validate_precision(self, value):
        if value != value.quantize(Decimal("0.01")):
            self.fail("max_decimal_places", max_decimal_places=self.decimal_places)
        return super().validate_precision(value.quantize(Decimal("0.01")))


class VersionField(serializers.IntegerField):
    """The record's version (registry.versions): read from every payload, sent back with
    every change (PUT or PATCH). A field someone else changed since is never overwritten
    with the value read before: a save that changes it too is refused with 409 and what
    was changed, by whom and when."""

    def __init__(self, **kwargs):
        super().__init__(source="*", min_value=0, required=False, help_text=(
            "版本: the version read; required with every change (PUT/PATCH). A field changed by "
            "someone else since then is refused with 409 Conflict, never silently overwritten"), **kwargs)

    def to_representation(self, record) -> int:
        return record_version(record)

    def run_validation(self, data=serializers.empty):
        # source="*": the validated number is merged into the values as "version".
        value = super().run_validation(data)
        return {"version": value}


class Versioned:
    """Adds `version` to a record's payload (not listed in Meta.fields, which other
    concerns of the serializers edit)."""

    def get_fields(self):
        fields = super().get_fields()
        fields["version"] = VersionField()
        return fields


def request_user(serializer: serializers.Serializer):
    return serializer.context["request"].user


def unchanged_key(serializer: serializers.Serializer, value, key: str):
    """A primary key is given once, at creation."""
    if serializer.instance is not None and value != getattr(serializer.instance, key):
        raise serializers.ValidationError(message("immutable"))


def key_optional_on_update(serializer: serializers.Serializer, fields: dict, key: str) -> dict:
    """A full update (PUT) need not repeat the key the URL already names; a client that
    addressed a person by their opaque key does not hold the full ID number at all."""
    if serializer.instance is not None:
        fields[key].required = False
    return fields


def household_in_scope(serializer: serializers.Serializer, household_id: str) -> Household:
    household = scope.visible_to(request_user(serializer), Household).filter(pk=household_id).first()
    if household is None:
        raise serializers.ValidationError(message("household_outside_scope"))
    return household


class BelongsToHousehold:
    """The `household` field of a member or a ledger row: a household within scope, and
    never changed afterwards (registry.services keeps a record in the household it was
    registered in, as the web forms do)."""

    moved_message = "immutable"

    def validate_household(self, value: str) -> Household:
        household = household_in_scope(self, value)
        if self.instance is not None and household.pk != self.instance.household_id:
            raise serializers.ValidationError(message(self.moved_message))
        return household

    def to_internal_value(self, data):
        values = super().to_internal_value(data)
        if "household_id" in values:
            values["household"] = values.pop("household_id")
        return values
