"""The form that assigns a measure (the form page pattern, platform.widgets)."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from neisheng.engine.measures import MEASURE_LABELS, MEASURES
from neisheng.measures.models import AssignedMeasure
from neisheng.platform.widgets import BLANK_LABEL, DateInput

WHOLE_HOUSEHOLD = ""


def _field(name: str):
    return AssignedMeasure._meta.get_field(name).verbose_name


class MemberSelect(forms.Select):
    """Members by name: names are data (translate="no"); the first choice, the whole
    household, is ours and is translated."""

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        if value not in ("", None):
            option["attrs"]["translate"] = "no"
        return option


class MeasureAssignForm(forms.Form):
    measure = forms.ChoiceField(label=AssignedMeasure._meta.get_field("measure").verbose_name)
    person = forms.ChoiceField(label=_("对象"), required=False, widget=MemberSelect,
                               help_text=_("措施针对某位成员时选择此人,否则为整户。"))
    assigned_on = forms.DateField(label=AssignedMeasure._meta.get_field("assigned_on").verbose_name,
                                  widget=DateInput())
    responsible = forms.CharField(label=AssignedMeasure._meta.get_field("responsible").verbose_name,
                                  max_length=100,
                                  widget=forms.TextInput(attrs={"placeholder": _("例如 镇人社服务中心")}))
    responsible_kind = forms.ChoiceField(label=_field("responsible_kind"), choices=AssignedMeasure.Responsible.choices,
                                         initial=AssignedMeasure.Responsible.DEPARTMENT, required=False)
    starts_on = forms.DateField(label=_field("starts_on"), required=False, widget=DateInput())
    ends_on = forms.DateField(label=_field("ends_on"), required=False, widget=DateInput())
    cost = forms.DecimalField(label=_field("cost"), required=False, min_value=0, max_digits=12, decimal_places=2)
    funding_source = forms.ChoiceField(label=_field("funding_source"), required=False,
                                       choices=[("", BLANK_LABEL), *AssignedMeasure.Funding.choices],
                                       help_text=_("填写了费用时必选。"))
    note = forms.CharField(label=AssignedMeasure._meta.get_field("note").verbose_name, required=False,
                           widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, members, recommended: dict[str, list[str]], **kwargs):
        """`members`: [(key, name)] of the living members; `recommended`: measure code →
        the keys of the members the latest run recommended it for ([] for the household),
        listed first among the measures."""
        super().__init__(*args, **kwargs)
        first = [code for code in MEASURES if code in recommended]
        others = [code for code in MEASURE_LABELS if code not in recommended]
        groups = []
        if first:
            groups.append((_("推荐措施"), [(code, _(MEASURE_LABELS[code])) for code in first]))
        groups.append((_("其他措施") if first else _("措施"), [(code, _(MEASURE_LABELS[code])) for code in others]))
        self.fields["measure"].choices = [("", BLANK_LABEL), *groups]
        self.fields["person"].choices = [(WHOLE_HOUSEHOLD, _("整户")), *members]
        self.fields["measure"].error_messages["invalid_choice"] = _("没有这项帮扶措施。")
        self.fields["person"].error_messages["invalid_choice"] = _("此人不是本户在世成员。")
        self.fields["assigned_on"].initial = timezone.localdate()


class MeasureStepForm(forms.Form):
    """One step of a measure: the day it happened, and the outcome (complete) or the
    reason (abandon) the step asks for; the service says what is missing."""

    effective_on = forms.DateField(label=_("生效日期"), widget=DateInput(),
                                   help_text=_("这一步实际发生的日期,可早于录入日期。"))

    def __init__(self, *args, step: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["effective_on"].initial = timezone.localdate()
        if step == "complete":
            self.fields["outcome"] = forms.CharField(label=_("成效"), widget=forms.Textarea(attrs={"rows": 3}),
                                                     help_text=_("写明这项措施带来了什么。"))
        elif step == "abandon":
            self.fields["reason"] = forms.CharField(label=_("放弃理由"), widget=forms.Textarea(attrs={"rows": 3}))
        else:
            self.fields["reason"] = forms.CharField(label=_("说明"), required=False,
                                                    widget=forms.Textarea(attrs={"rows": 2}))
