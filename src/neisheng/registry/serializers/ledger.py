"""Ledger rows (income items) in the API."""

from __future__ import annotations

from rest_framework import serializers

from neisheng.engine import schema
from neisheng.registry.models import IncomeItem
from neisheng.registry.serializers.fields import (
    AmountField,
    BelongsToHousehold,
    Versioned,
    contract_field,
    message,
    required_messages,
)


class IncomeItemSerializer(Versioned, BelongsToHousehold, serializers.ModelSerializer):
    household = serializers.CharField(
        source="household_id", help_text="户编号: a household within your division",
        error_messages=required_messages(),
    )
    year = contract_field("income_items", "year", IncomeItem)
    item = contract_field("income_items", "item", IncomeItem)
    item_label = serializers.CharField(source="get_item_display", read_only=True)
    kind = serializers.SerializerMethodField(help_text="income 收入, cost 生产经营费用 or rigid 刚性支出")
    amount = AmountField(help_text="金额(元) yuan, ≥ 0, at most two decimals")
    source = serializers.CharField(
        required=False, default="survey", max_length=32,
        help_text="来源: " + ", ".join(f"{code} {label}" for code, label in schema.SOURCE_LABELS.items()),
    )

    class Meta:
        model = IncomeItem
        fields = ("id", "household", "year", "item", "item_label", "kind", "amount", "source")

    def validate_source(self, value: str) -> str:
        # A department code outside the short list may stay on a row that already has it.
        if value in schema.SOURCE_LABELS or (self.instance is not None and value == self.instance.source):
            return value
        raise serializers.ValidationError(message("unknown_source"))

    def get_kind(self, item: IncomeItem) -> str:
        return schema.LEDGER_ITEMS[item.item].kind if item.item in schema.LEDGER_ITEMS else ""
