"""Forms for one household, member or ledger row. They check what `neisheng validate`
checks on a snapshot, with the same Chinese messages (engine.validation.REASONS), so a
cadre typing a record and a clerk importing a workbook are told the same thing."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from neisheng import ids
from neisheng.engine import schema
from neisheng.engine.validation import REASONS
from neisheng.platform import scope
from neisheng.registry.lookups import ALREADY_REGISTERED
from neisheng.registry.models import Division, Household, IncomeItem, Person
from neisheng.registry.versions import record_version


def reason(code: str) -> str:
    return REASONS[code][0]


def _range_validators(table: schema.Table, column: str) -> list:
    spec = table.column(column)
    message = reason("out_of_range") + f"({spec.min_value}–{spec.max_value})"
    return [MinValueValidator(spec.min_value, message), MaxValueValidator(spec.max_value, message)]


def _apply_ranges(form: forms.ModelForm, table: schema.Table, columns: list[str]) -> None:
    for column in columns:
        if column in form.fields:
            field = form.fields[column]
            spec = table.column(column)
            field.validators.extend(_range_validators(table, column))
            field.widget.attrs.update({"min": spec.min_value, "max": spec.max_value})


def _choice_messages(form: forms.ModelForm) -> None:
    for field in form.fields.values():
        if isinstance(field, forms.ChoiceField):
            field.error_messages["invalid_choice"] = reason("unknown_code")
        field.error_messages["required"] = reason("required")


VERSION_MISSING = "本页缺少版本信息,请重新打开本页后再保存"


def _add_version(form: forms.ModelForm) -> None:
    """An edit form carries the version of the record it shows (registry.versions), so
    the save can tell what someone else changed meanwhile instead of undoing it."""
    if form.instance.pk is None or form.instance._state.adding:
        return
    form.fields["version"] = forms.CharField(widget=forms.HiddenInput, required=False)
    if not form.is_bound:
        form.initial.setdefault("version", record_version(form.instance))


def _clean_version(form: forms.ModelForm, data: dict) -> None:
    if "version" not in form.fields:
        return
    text = (data.get("version") or "").strip()
    if not text.isdigit():
        form.add_error(None, VERSION_MISSING)
        return
    data["version"] = int(text)


class HouseholdForm(forms.ModelForm):
    class Meta:
        model = Household
        fields = [
            "household_id", "village", "status", "category", "housing", "water", "food_clothing_ok",
            "poverty_cause", "lifted_year", "cooperative_member", "industry_linked", "credit_access",
            "participates_village_affairs", "willingness", "sudden_event",
        ]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        _choice_messages(self)
        self.user = user
        editing = self.instance.pk is not None and not self.instance._state.adding
        if editing:
            del self.fields["household_id"]
        # Only villages the user may work in; a village cadre gets exactly one.
        villages = scope.visible_to(user, Division).filter(level=schema.VILLAGE_LEVEL).order_by("code")
        self.fields["village"].queryset = villages
        self.fields["village"].label_from_instance = lambda d: f"{d.name}({d.code})"
        self.fields["village"].error_messages["invalid_choice"] = reason("unknown_village")
        if villages.count() == 1:
            self.fields["village"].initial = villages.first()
        _apply_ranges(self, schema.HOUSEHOLDS, ["willingness", "lifted_year"])
        _add_version(self)

    def clean(self):
        data = super().clean()
        _clean_version(self, data)
        return data

    def clean_household_id(self):
        value = self.cleaned_data["household_id"].strip()
        if not schema.HOUSEHOLDS.column("household_id").matches(value):
            # The contract's pattern: `neisheng validate`, uploads and the API refuse the same.
            raise forms.ValidationError(reason("bad_household_id"), code="bad_household_id")
        if Household.objects.filter(pk=value).exists():
            # The same words wherever the household is (registry.lookups); the view audits it.
            raise forms.ValidationError(ALREADY_REGISTERED[0], code="already_registered")
        return value


class PersonForm(forms.ModelForm):
    birth_date = forms.DateField(
        label=Person._meta.get_field("birth_date").verbose_name, required=False,
        help_text="留空则按证件号码填写 / left empty: taken from the ID number",
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": reason("not_a_date")},
    )
    sex = forms.ChoiceField(
        label=Person._meta.get_field("sex").verbose_name, required=False,
        choices=[("", "按证件号码 / from the ID number")] + [(c, _(v)) for c, v in schema.SEX.items()],
    )

    class Meta:
        model = Person
        fields = [
            "person_id", "name", "relation", "sex", "birth_date", "alive", "education", "schooling",
            "labor", "health", "disability_grade", "medical_insured", "has_skill", "employed_months",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.editing = self.instance.pk is not None and not self.instance._state.adding
        if self.editing:
            # The ID number is the person's key: a wrong one is fixed by registering the
            # person anew, which keeps both records in the history.
            del self.fields["person_id"]
        else:
            self.fields["person_id"].widget.attrs.update({"autocomplete": "off", "inputmode": "text"})
        _apply_ranges(self, schema.PERSONS, ["disability_grade", "employed_months"])
        _choice_messages(self)
        _add_version(self)

    def clean_person_id(self):
        value = self.cleaned_data["person_id"].strip()
        try:
            parsed = ids.parse_id(value)
        except ids.InvalidIdNumber as exc:
            raise forms.ValidationError(reason(f"id_{exc.reason}"), code=f"id_{exc.reason}") from None
        if Person.objects.filter(pk=parsed.number).exists():
            # The same words wherever the person is (registry.lookups); the view audits it.
            raise forms.ValidationError(ALREADY_REGISTERED[0], code="already_registered")
        self.parsed_id = parsed
        return parsed.number

    def clean(self):
        data = super().clean()
        parsed = getattr(self, "parsed_id", None)
        if self.editing:
            try:
                parsed = ids.parse_id(self.instance.person_id)
            except ids.InvalidIdNumber:
                parsed = None
        if parsed is not None:
            if data.get("birth_date") is None and "birth_date" not in self.errors:
                data["birth_date"] = parsed.birth_date
            elif data.get("birth_date") and data["birth_date"] != parsed.birth_date:
                self.add_error("birth_date", reason("birth_date_mismatch"))
            if not data.get("sex"):
                data["sex"] = parsed.sex
            elif data["sex"] != parsed.sex:
                self.add_error("sex", reason("sex_mismatch"))
        else:
            for name in ("birth_date", "sex"):
                if not data.get(name) and name not in self.errors and "person_id" not in self.errors:
                    self.add_error(name, reason("required"))
        _clean_version(self, data)
        return data

    def _post_clean(self):
        # Without a valid ID number the birth date and sex cannot be derived; the model's
        # own "cannot be blank" would only repeat the ID number's error in other words.
        if "person_id" in self.errors:
            return
        super()._post_clean()


KIND_LABELS = {"income": _("收入"), "cost": _("生产经营费用"), "rigid": _("刚性支出")}


class LedgerItemForm(forms.ModelForm):
    source = forms.ChoiceField(
        label=IncomeItem._meta.get_field("source").verbose_name,
        choices=[(c, _(v)) for c, v in schema.SOURCE_LABELS.items()], initial="survey",
    )

    class Meta:
        model = IncomeItem
        fields = ["year", "item", "amount", "source"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _choice_messages(self)
        self.fields["item"].choices = [
            (code, format_lazy("{}({})", _(item.zh), KIND_LABELS[item.kind]))
            for code, item in schema.LEDGER_ITEMS.items()
        ]
        self.fields["item"].error_messages["invalid_choice"] = reason("unknown_item")
        current = self.instance.source if self.instance.pk else None
        if current and current not in schema.SOURCE_LABELS:
            # A department code not in the short list stays selectable on edit.
            self.fields["source"].choices = [(current, current)] + self.fields["source"].choices
        amount = self.fields["amount"]
        amount.error_messages.update({
            "invalid": reason("not_a_number"),
            "max_decimal_places": reason("too_many_decimals"),
            "max_digits": reason("out_of_range"),
            "max_whole_digits": reason("out_of_range"),
        })
        amount.widget.attrs.update({"step": "0.01", "min": "0", "inputmode": "decimal"})
        _apply_ranges(self, schema.INCOME_ITEMS, ["year"])
        _add_version(self)

    def clean(self):
        data = super().clean()
        _clean_version(self, data)
        return data

    def clean_amount(self):
        amount = self.cleaned_data["amount"]
        if amount < 0:
            raise forms.ValidationError(reason("negative_amount"))
        if amount != amount.quantize(Decimal("0.01")):
            raise forms.ValidationError(reason("too_many_decimals"))
        return amount
