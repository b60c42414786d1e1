"""The audit page's filters: who, what, when, which object."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from neisheng.accounts.models import AuditEvent
from neisheng.platform.audit import AUDIT_OBJECT_TYPES


def _object_type_choices():
    return [("", _("全部")), *AUDIT_OBJECT_TYPES.items()]


class AuditFilterForm(forms.Form):
    user = forms.CharField(label=_("用户"), required=False, max_length=150,
                           widget=forms.TextInput(attrs={"placeholder": _("用户名或姓名")}))
    action = forms.ChoiceField(label=_("操作"), required=False,
                               choices=[("", _("全部")), *AuditEvent.Action.choices])
    date_from = forms.DateField(label=_("起始日期"), required=False,
                                widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("截止日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    # Callable choices: an app registering its object types later still appears.
    object_type = forms.ChoiceField(label=_("对象类型"), required=False, choices=_object_type_choices)
    object_id = forms.CharField(label=_("对象编号"), required=False, max_length=64,
                                widget=forms.TextInput(attrs={"placeholder": _("农户编号、证件号、批次号")}))

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("截止日期不能早于起始日期"))
        return cleaned

    def filters(self) -> dict:
        data = self.cleaned_data
        return {
            "username": data.get("user") or "",
            "action": data.get("action") or "",
            "date_from": data.get("date_from"),
            "date_to": data.get("date_to"),
            "object_type": data.get("object_type") or "",
            "object_id": data.get("object_id") or "",
        }
