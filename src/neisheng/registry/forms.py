"""Forms for one household, member or ledger row. They check what `neisheng validate`
checks on a snapshot, with the same Chinese messages (engine.validation.REASONS), so a
cadre typing a record and a clerk importing a workbook are told the same thing."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.functional import lazy
from django.utils.html import format_html
from django.utils.text import format_lazy
from django.utils.translation import get_language, gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from neisheng import ids
from neisheng.engine import schema
from neisheng.engine.validation import REASONS
from neisheng.platform import scope
from neisheng.platform.widgets import (
    BLANK_LABEL,
    DateInput,
    LabelledScale,
    ParentChildSelect,
    blank_choices_named,
)
from neisheng.policy import load_policy
from neisheng.registry.lookups import ALREADY_REGISTERED
from neisheng.registry.models import Division, Household, IncomeItem, Person
from neisheng.registry.services import household_number_next
from neisheng.registry.versions import record_version


def in_language(pair: tuple[str, str]) -> str:
    """The Chinese or English of a (zh, en) pair of the engine's, for the current page."""
    return pair[1] if (get_language() or "zh").startswith("en") else pair[0]


in_language_lazy = lazy(in_language, str)


def reason(code: str) -> str:
    """`neisheng validate`'s words for a problem, in the page's language."""
    return in_language_lazy(REASONS[code])


def _range_validators(table: schema.Table, column: str) -> list:
    spec = table.column(column)
    message = format_lazy("{}({}–{})", reason("out_of_range"), spec.min_value, spec.max_value)
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


VERSION_MISSING = _("本页缺少版本信息,请重新打开本页后再保存")


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


# 脱贫意愿 as the contract describes it (1 none … 5 strong), each value in words.
WILLINGNESS_WORDS = [
    (1, pgettext_lazy("willingness", "没有意愿")), (2, pgettext_lazy("willingness", "意愿较弱")),
    (3, pgettext_lazy("willingness", "一般")), (4, pgettext_lazy("willingness", "意愿较强")),
    (5, pgettext_lazy("willingness", "意愿强烈")),
]


def village_picker(user, field: forms.ModelChoiceField) -> list[Division]:
    """The villages of the user's scope as a town → village picker (platform.widgets):
    a village cadre gets exactly one village, a town officer their town's."""
    villages = list(scope.visible_to(user, Division).filter(level=schema.VILLAGE_LEVEL).order_by("code")
                    .only("code", "name", "parent_id"))
    field.queryset = scope.visible_to(user, Division).filter(level=schema.VILLAGE_LEVEL).order_by("code")
    field.choices = [("", BLANK_LABEL)] + [(v.code, f"{v.name}({v.code})") for v in villages]
    # The towns of those villages only; their names are those a cadre of the village knows.
    towns = Division.objects.filter(code__in={v.parent_id for v in villages}).order_by("code")
    field.widget = ParentChildSelect(
        parents=[(t.code, t.name) for t in towns], parent_of={v.code: v.parent_id for v in villages},
    )
    field.widget.choices = field.choices
    field.widget.is_required = field.required
    field.error_messages["invalid_choice"] = reason("unknown_village")
    if len(villages) == 1:
        field.initial = villages[0].code
    return villages


class HouseholdForm(forms.ModelForm):
    willingness = forms.TypedChoiceField(
        label=Household._meta.get_field("willingness").verbose_name, coerce=int,
        choices=WILLINGNESS_WORDS, initial=3,
    )

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
        villages = village_picker(user, self.fields["village"])
        if editing:
            del self.fields["household_id"]
        else:
            number = self.fields["household_id"]
            # Left empty, the number is the county's scheme (services.household_number_next).
            number.required = False
            number.help_text = _("留空则按村代码加顺序号自动编号;如填写,须为未登记的编号")
            number.widget.attrs.update({"placeholder": _("留空自动编号"), "autocomplete": "off"})
            self.proposed_number = None
            if len(villages) == 1:
                # One village: the number it would get now (another create may take it first).
                try:
                    self.proposed_number = household_number_next(villages[0].code)
                except ValidationError as used_up:
                    number.help_text = used_up.message_dict["household_id"][0]
            if self.proposed_number:
                # The number is data (translate="no"); the form lives for one request, so the
                # sentence is translated here, in the request's language.
                sentence = gettext("留空则自动编为 {}(保存时按当时的顺序号);如填写,须为未登记的编号")
                number.help_text = format_html(sentence.replace("{}", '<span translate="no">{}</span>'),
                                               self.proposed_number)
        _apply_ranges(self, schema.HOUSEHOLDS, ["lifted_year"])
        self.fields["lifted_year"].widget.attrs["placeholder"] = _("例如 2020")
        cut_off = load_policy().willingness_deprived_at_most
        self.fields["willingness"].widget = LabelledScale(
            choices=WILLINGNESS_WORDS, marked_at_most=cut_off, marked_label=_("计为意愿弱"),
        )
        self.fields["willingness"].help_text = format_lazy(
            _("不高于 {} 分计为“脱贫意愿弱”(内生动力指标,按政策设置)"), cut_off)
        self.fields["willingness"].error_messages["invalid_choice"] = format_lazy(
            "{}(1–5)", reason("out_of_range"))
        blank_choices_named(self)
        _add_version(self)

    def clean(self):
        data = super().clean()
        _clean_version(self, data)
        return data

    def clean_household_id(self):
        value = (self.cleaned_data["household_id"] or "").strip()
        if not value:
            return ""
        if not schema.HOUSEHOLDS.column("household_id").matches(value):
            # The contract's pattern: `neisheng validate`, uploads and the API refuse the same.
            raise forms.ValidationError(reason("bad_household_id"), code="bad_household_id")
        if Household.objects.filter(pk=value).exists():
            # The same words wherever the household is (registry.lookups); the view audits it.
            raise forms.ValidationError(in_language(ALREADY_REGISTERED), code="already_registered")
        return value


class PersonForm(forms.ModelForm):
    birth_date = forms.DateField(
        label=Person._meta.get_field("birth_date").verbose_name, required=False,
        help_text=_("留空则按证件号码填写"), widget=DateInput(),
        error_messages={"invalid": reason("not_a_date")},
    )
    sex = forms.ChoiceField(
        label=Person._meta.get_field("sex").verbose_name, required=False,
        choices=[("", _("按证件号码"))] + [(c, _(v)) for c, v in schema.SEX.items()],
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
            self.fields["person_id"].widget.attrs.update({
                "autocomplete": "off", "inputmode": "text", "placeholder": _("18 位证件号码"),
            })
        self.fields["name"].widget.attrs["placeholder"] = _("姓名")
        _apply_ranges(self, schema.PERSONS, ["disability_grade", "employed_months"])
        _choice_messages(self)
        blank_choices_named(self)
        _add_version(self)

    def clean_person_id(self):
        value = self.cleaned_data["person_id"].strip()
        try:
            parsed = ids.parse_id(value)
        except ids.InvalidIdNumber as exc:
            raise forms.ValidationError(reason(f"id_{exc.reason}"), code=f"id_{exc.reason}") from None
        if Person.objects.filter(pk=parsed.number).exists():
            # The same words wherever the person is (registry.lookups); the view audits it.
            raise forms.ValidationError(in_language(ALREADY_REGISTERED), code="already_registered")
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
        amount.widget.attrs.update({"step": "0.01", "min": "0", "inputmode": "decimal",
                                    "placeholder": _("例如 1200.00")})
        _apply_ranges(self, schema.INCOME_ITEMS, ["year"])
        blank_choices_named(self)
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
