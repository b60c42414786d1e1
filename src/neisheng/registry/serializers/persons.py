"""Household members in the API: masked ID numbers, opaque keys, birth year only for roles
that may not unmask."""

from __future__ import annotations

from rest_framework import serializers
from rest_framework.reverse import reverse

from neisheng import ids
from neisheng.accounts.access import PERSON_UNMASK, user_may
from neisheng.accounts.masking import mask_id_number
from neisheng.platform.api import UnmaskingMixin
from neisheng.registry.lookups import already_registered_record
from neisheng.registry.models import Person
from neisheng.registry.serializers.fields import (
    BelongsToHousehold,
    Versioned,
    contract_field,
    id_number_message,
    key_optional_on_update,
    message,
    request_user,
    required_messages,
    unchanged_key,
)


class PersonSerializer(Versioned, BelongsToHousehold, UnmaskingMixin, serializers.ModelSerializer):
    moved_message = "person_moves"
    person_id = serializers.CharField(
        help_text="证件号码. On input the full 18-character number (creation only). On output masked "
        "(3704**********0012) unless ?unmask=1 was given by a role allowed to unmask.",
        error_messages=required_messages(),
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
        error_messages=required_messages(),
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
        return key_optional_on_update(self, super().get_fields(), "person_id")

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
        unchanged_key(self, number, "person_id")
        if self.instance is None and Person.objects.filter(pk=number).exists():
            already_registered_record(user=request_user(self), object_type="person", number=number, via="api",
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
