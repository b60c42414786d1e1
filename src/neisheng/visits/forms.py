"""The visit form: the same field names as POST /api/visits/ (interfaces11.md), so the
page works without JavaScript and the offline script can send the form's own fields.

Beside the API's `updates` (a JSON object) and `problems` (a JSON list), the form has
inputs a person can fill without JavaScript: `update_<field>` per household field (blank:
no change) and `problem_category`/`problem_description` (repeatable: the n-th category
goes with the n-th description). The API reads them too, so a FormData of this form is a
valid request as it stands.
"""

from __future__ import annotations

import json
import uuid

from django import forms
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy

from neisheng.platform.widgets import DateInput
from neisheng.problems.models import Category
from neisheng.registry.forms import WILLINGNESS_WORDS
from neisheng.registry.models import Household
from neisheng.visits.models import Kind
from neisheng.visits.services import BOOLEAN_FIELDS, UPDATABLE_FIELDS

NO_CHANGE = gettext_lazy("不修改")
YES_NO = [("true", gettext_lazy("是")), ("false", gettext_lazy("否"))]


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files under one name (`photos`); each is checked by content in the service."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"multiple": True,
                                                             "accept": "image/*"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, (list, tuple)):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []


def _update_choices(name: str) -> list[tuple[str, str]]:
    if name in BOOLEAN_FIELDS:
        choices = YES_NO
    elif name == "willingness":
        choices = [(str(value), label) for value, label in WILLINGNESS_WORDS]
    else:
        choices = list(Household._meta.get_field(name).choices)
    return [("", NO_CHANGE), *choices]


def _shown(household: Household, name: str) -> str:
    value = getattr(household, name)
    if name in BOOLEAN_FIELDS:
        return gettext("是") if value else gettext("否")
    if name == "willingness":
        return str(dict(WILLINGNESS_WORDS).get(value, value))
    return str(dict(Household._meta.get_field(name).flatchoices).get(value, value))


class VisitForm(forms.Form):
    household = forms.CharField(widget=forms.HiddenInput)
    idempotency_key = forms.UUIDField(widget=forms.HiddenInput)
    base_version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    recorded_offline = forms.BooleanField(widget=forms.HiddenInput, required=False)
    updates = forms.CharField(widget=forms.HiddenInput, required=False)
    problems = forms.CharField(widget=forms.HiddenInput, required=False)
    visited_on = forms.DateField(label=gettext_lazy("走访日期"), widget=DateInput())
    kind = forms.ChoiceField(label=gettext_lazy("走访类型"), choices=Kind.choices, initial=Kind.ROUTINE)
    findings = forms.CharField(label=gettext_lazy("走访情况"), required=False,
                               widget=forms.Textarea(attrs={"rows": 4}))
    photos = MultipleFileField(label=gettext_lazy("照片"), required=False,
                               help_text=gettext_lazy("可选多张;手机上传前会先缩小"))
    # Filled by the offline script from the phone's location when the cadre ticks
    # "记录位置" (a checkbox without a name, so a form sent without JavaScript has no place).
    latitude = forms.DecimalField(label=gettext_lazy("纬度"), required=False, widget=forms.HiddenInput)
    longitude = forms.DecimalField(label=gettext_lazy("经度"), required=False, widget=forms.HiddenInput)
    gps_accuracy_m = forms.IntegerField(label=gettext_lazy("定位精度(米)"), required=False, min_value=0,
                                        widget=forms.HiddenInput)
    raise_risk = forms.BooleanField(label=gettext_lazy("发现返贫致贫风险,登记监测对象线索"), required=False,
                                    widget=forms.CheckboxInput(attrs={"value": "true"}))
    risk_reason = forms.CharField(label=gettext_lazy("风险理由"), required=False,
                                  widget=forms.Textarea(attrs={"rows": 2}))
    problem_category = forms.ChoiceField(label=gettext_lazy("问题类别"), required=False,
                                         choices=[("", gettext_lazy("没有问题")), *Category.choices])
    problem_description = forms.CharField(label=gettext_lazy("问题描述"), required=False,
                                          widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, household: Household | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.household = household
        for name in UPDATABLE_FIELDS:
            field = forms.ChoiceField(label=Household._meta.get_field(name).verbose_name, required=False,
                                      choices=_update_choices(name))
            if household is not None:
                field.help_text = gettext("台账现为:%(value)s") % {"value": _shown(household, name)}
            self.fields[f"update_{name}"] = field
        if not self.is_bound:
            self.initial.setdefault("visited_on", timezone.localdate())
            self.initial.setdefault("idempotency_key", uuid.uuid4())
            self.initial.setdefault("recorded_offline", False)

    @property
    def update_fields(self):
        return [self[f"update_{name}"] for name in UPDATABLE_FIELDS]

    @property
    def main_fields(self):
        return [self[name] for name in ("visited_on", "kind", "findings", "photos")]

    @property
    def risk_fields(self):
        return [self[name] for name in ("raise_risk", "risk_reason")]

    @property
    def problem_fields(self):
        return [self[name] for name in ("problem_category", "problem_description")]

    def _list(self, name: str) -> list[str]:
        getlist = getattr(self.data, "getlist", None)
        if getlist is not None:
            return [str(v) for v in getlist(name)]
        value = self.data.get(name)
        return [] if value is None else [str(v) for v in (value if isinstance(value, list) else [value])]

    def clean_updates(self):
        text = (self.cleaned_data.get("updates") or "").strip()
        if not text:
            return {}
        try:
            value = json.loads(text)
        except ValueError:
            value = None
        if not isinstance(value, dict):
            raise forms.ValidationError(gettext("修改内容应为 JSON 对象(项目 → 新值)"))
        return value

    def clean_problems(self):
        text = (self.cleaned_data.get("problems") or "").strip()
        if not text:
            return []
        try:
            value = json.loads(text)
        except ValueError:
            value = None
        if not isinstance(value, list):
            raise forms.ValidationError(gettext("问题应为 JSON 列表,每项有 category 和 description"))
        return value

    def clean(self):
        data = super().clean()
        updates = dict(data.get("updates") or {})
        for name in UPDATABLE_FIELDS:
            chosen = (data.get(f"update_{name}") or "").strip()
            if chosen and name not in updates:
                updates[name] = chosen
        data["updates"] = updates
        problems = list(data.get("problems") or [])
        categories = self._list("problem_category")
        descriptions = self._list("problem_description")
        for index, category in enumerate(categories):
            description = descriptions[index] if index < len(descriptions) else ""
            if category.strip() or description.strip():
                problems.append({"category": category.strip() or "other", "description": description.strip()})
        data["problems"] = problems
        return data

    def service_arguments(self) -> dict:
        """What visits.services.visit_record takes, besides user and household."""
        data = self.cleaned_data
        return {
            "visited_on": data["visited_on"], "kind": data["kind"], "findings": data.get("findings", ""),
            "idempotency_key": data["idempotency_key"], "photos": data.get("photos") or [],
            "latitude": data.get("latitude"), "longitude": data.get("longitude"),
            "gps_accuracy_m": data.get("gps_accuracy_m"), "updates": data.get("updates") or {},
            "base_version": data.get("base_version"), "raise_risk": bool(data.get("raise_risk")),
            "risk_reason": data.get("risk_reason", ""), "problems": data.get("problems") or [],
            "recorded_offline": bool(data.get("recorded_offline")),
        }
