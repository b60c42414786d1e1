"""The form that assigns a measure (the form page pattern, platform.widgets)."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils.translation import gettext_lazy as _

from neisheng.engine.measures import MEASURE_LABELS, MEASURES
from neisheng.measures.models import AssignedMeasure
from neisheng.platform.widgets import BLANK_LABEL, DateInput

WHOLE_HOUSEHOLD = ""


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
        self.fields["assigned_on"].initial = dt.date.today()
