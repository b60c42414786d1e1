"""Serializers of the registry API. Fields, enumerations and ranges come from the data
contract (neisheng.engine.schema) and error messages from the snapshot validator, so a
value the API rejects is one an import would reject with the same words."""

from __future__ import annotations

from decimal import Decimal

from rest_framework import serializers
from rest_framework.reverse import reverse

from neisheng import ids
from neisheng.accounts.access import PERSON_UNMASK, user_may
from neisheng.accounts.masking import mask_id_number
from neisheng.engine import schema
from neisheng.engine.validation import REASONS as CONTRACT_REASONS
from neisheng.platform import scope
from neisheng.platform.api import UnmaskingMixin
from neisheng.platform.extensions import (
    HouseholdAttribute,
    household_attributes,
    households_annotated,
)
from neisheng.registry.lookups import ALREADY_REGISTERED, already_registered_record
from neisheng.registry.models import Division, Household, IncomeItem, Person
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


def _required_messages() -> dict[str, str]:
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
    errors = _required_messages()
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
        errors = _required_messages() | {
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


class _Versioned:
    """Adds `version` to a record's payload (not listed in Meta.fields, which other
    concerns of the serializers edit)."""

    def get_fields(self):
        fields = super().get_fields()
        fields["version"] = VersionField()
        return fields


def _user(serializer: serializers.Serializer):
    return serializer.context["request"].user


def _unchanged_key(serializer: serializers.Serializer, value, key: str):
    """A primary key is given once, at creation."""
    if serializer.instance is not None and value != getattr(serializer.instance, key):
        raise serializers.ValidationError(message("immutable"))


def _key_optional_on_update(serializer: serializers.Serializer, fields: dict, key: str) -> dict:
    """A full update (PUT) need not repeat the key the URL already names; a client that
    addressed a person by their opaque key does not hold the full ID number at all."""
    if serializer.instance is not None:
        fields[key].required = False
    return fields


def _household_in_scope(serializer: serializers.Serializer, household_id: str) -> Household:
    household = scope.visible_to(_user(serializer), Household).filter(pk=household_id).first()
    if household is None:
        raise serializers.ValidationError(message("household_outside_scope"))
    return household


class DivisionSerializer(serializers.ModelSerializer):
    level_label = serializers.CharField(source="get_level_display", read_only=True)
    parent = serializers.CharField(source="parent_id", read_only=True, allow_null=True)

    class Meta:
        model = Division
        fields = ("code", "name", "level", "level_label", "parent")
        read_only_fields = fields


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


class HouseholdSerializer(_Versioned, serializers.ModelSerializer):
    household_id = contract_field("households", "household_id", Household)
    village = serializers.CharField(
        source="village_id", help_text="村代码 (12 digits): a level-5 division within your division",
        error_messages=_required_messages(),
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
        fields = _key_optional_on_update(self, super().get_fields(), "household_id")
        # Values other apps keep about households (monitoring's `risk`, …): platform.extensions.
        for attribute in household_attributes(in_payload=True):
            fields[attribute.name] = HouseholdAttributeField(attribute)
        return fields

    def get_members(self, household: Household) -> int:
        counted = getattr(household, "living_members", None)
        return counted if counted is not None else household.members.filter(alive=True).count()

    def validate_household_id(self, value: str) -> str:
        value = value.strip()
        _unchanged_key(self, value, "household_id")
        if not schema.HOUSEHOLDS.column("household_id").matches(value):
            # The contract's pattern: `neisheng validate`, uploads and the forms refuse the same.
            raise serializers.ValidationError(message("bad_household_id"), code="bad_household_id")
        if self.instance is None and Household.objects.filter(pk=value).exists():
            request = self.context.get("request")
            already_registered_record(user=_user(self), object_type="household", number=value, via="api",
                                      request=request)
            raise serializers.ValidationError(message("already_registered"), code="already_registered")
        return value

    def validate_village(self, value: str) -> Division:
        village = scope.visible_to(_user(self), Division).filter(code=value, level=schema.VILLAGE_LEVEL).first()
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


class _BelongsToHousehold:
    """The `household` field of a member or a ledger row: a household within scope, and
    never changed afterwards (registry.services keeps a record in the household it was
    registered in, as the web forms do)."""

    moved_message = "immutable"

    def validate_household(self, value: str) -> Household:
        household = _household_in_scope(self, value)
        if self.instance is not None and household.pk != self.instance.household_id:
            raise serializers.ValidationError(message(self.moved_message))
        return household

    def to_internal_value(self, data):
        values = super().to_internal_value(data)
        if "household_id" in values:
            values["household"] = values.pop("household_id")
        return values


class PersonSerializer(_Versioned, _BelongsToHousehold, UnmaskingMixin, serializers.ModelSerializer):
    moved_message = "person_moves"
    person_id = serializers.CharField(
        help_text="证件号码. On input the full 18-character number (creation only). On output masked "
        "(3704**********0012) unless ?unmask=1 was given by a role allowed to unmask.",
        error_messages=_required_messages(),
    )
    person_id_masked = serializers.SerializerMethodField(help_text="证件号码(脱敏) the masked ID number")
    key = serializers.SerializerMethodField(
        help_text="an opaque address of this person that does not disclose the ID number: "
        "/api/persons/{key}/ reads and changes the person",
    )
    url = serializers.SerializerMethodField(help_text="/api/persons/{key}/")
    id_unmasked = serializers.SerializerMethodField(help_text="true when person_id is shown in full")
    birth_year = serializers.SerializerMethodField(help_text="出生年份 the birth year, for every role")
    household = serializers.CharField(
        source="household_id", help_text="户编号: a household within your division",
        error_messages=_required_messages(),
    )
    name = contract_field("persons", "name", Person)
    relation = contract_field("persons", "relation", Person)
    sex = contract_field("persons", "sex", Person, required=False,
                         help_text="male/female; left out on creation: taken from the ID number")
    birth_date = contract_field("persons", "birth_date", Person, required=False,
                                help_text="YYYY-MM-DD; left out on creation: taken from the ID number. "
                                "Null on output for roles not allowed to unmask (see birth_year)")
    alive = contract_field("persons", "alive", Person)
    education = contract_field("persons", "education", Person)
    schooling = contract_field("persons", "schooling", Person)
    labor = contract_field("persons", "labor", Person)
    health = contract_field("persons", "health", Person)
    disability_grade = contract_field("persons", "disability_grade", Person)
    medical_insured = contract_field("persons", "medical_insured", Person)
    has_skill = contract_field("persons", "has_skill", Person)
    employed_months = contract_field("persons", "employed_months", Person)

    class Meta:
        model = Person
        fields = (
            "person_id", "person_id_masked", "id_unmasked", "key", "url", "household", "name", "relation", "sex",
            "birth_date", "birth_year", "alive", "education", "schooling", "labor", "health", "disability_grade",
            "medical_insured", "has_skill", "employed_months",
        )

    def get_fields(self):
        return _key_optional_on_update(self, super().get_fields(), "person_id")

    def get_person_id_masked(self, person: Person) -> str:
        return mask_id_number(person.person_id)

    def get_key(self, person: Person) -> str:
        return person.key

    def get_birth_year(self, person: Person) -> int:
        return person.birth_date.year

    def get_url(self, person: Person) -> str:
        return reverse("api-person-detail", kwargs={"person_id": self.get_key(person)},
                       request=self.context.get("request"))

    def get_id_unmasked(self, person: Person) -> bool:
        return bool(self.context.get("unmask"))

    def to_representation(self, person: Person) -> dict:
        data = super().to_representation(person)
        data["person_id"] = self.shown_id(person.person_id, division_code=person.household.village_id)
        request = self.context.get("request")
        if request is None or not user_may(request.user, PERSON_UNMASK):
            # The masked number hides the birth date; with the date given, the check digit
            # would leave about ten candidates for the whole number.
            data["birth_date"] = None
        return data

    def validate_person_id(self, value: str) -> str:
        try:
            number = ids.parse_id(value).number
        except ids.InvalidIdNumber as error:
            raise serializers.ValidationError(id_number_message(error), code=error.reason) from None
        _unchanged_key(self, number, "person_id")
        if self.instance is None and Person.objects.filter(pk=number).exists():
            already_registered_record(user=_user(self), object_type="person", number=number, via="api",
                                      request=self.context.get("request"))
            raise serializers.ValidationError(message("already_registered"), code="already_registered")
        return number

    def validate(self, attrs: dict) -> dict:
        number = attrs.get("person_id") or getattr(self.instance, "person_id", None)
        try:
            parsed = ids.parse_id(number)
        except ids.InvalidIdNumber:
            # A number stored before checks existed: nothing to compare with.
            return attrs
        creating = self.instance is None
        if creating:
            attrs.setdefault("birth_date", parsed.birth_date)
            attrs["sex"] = attrs.get("sex") or parsed.sex
        birth = attrs.get("birth_date", getattr(self.instance, "birth_date", None))
        sex = attrs.get("sex", getattr(self.instance, "sex", None))
        errors = {}
        if birth is not None and birth != parsed.birth_date:
            errors["birth_date"] = [message("birth_date_mismatch")]
        if sex and sex != parsed.sex:
            errors["sex"] = [message("sex_mismatch")]
        if errors:
            raise serializers.ValidationError(errors)
        return attrs


class IncomeItemSerializer(_Versioned, _BelongsToHousehold, serializers.ModelSerializer):
    household = serializers.CharField(
        source="household_id", help_text="户编号: a household within your division",
        error_messages=_required_messages(),
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
