"""Forms of the accounts pages."""

from __future__ import annotations

from django import forms

from neisheng.accounts.models import AuditEvent


class AuditFilterForm(forms.Form):
    user = forms.CharField(label="用户名 username", required=False, max_length=150)
    action = forms.ChoiceField(
        label="操作 action", required=False, choices=[("", "全部 all"), *AuditEvent.Action.choices]
    )
    date_from = forms.DateField(
        label="起始日期 from", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label="截止日期 to", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    object_id = forms.CharField(label="对象编号 object id", required=False, max_length=64)

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", "截止日期不能早于起始日期 / the end date is before the start date")
        return cleaned

    def filters(self) -> dict:
        data = self.cleaned_data
        return {
            "username": data.get("user") or "",
            "action": data.get("action") or "",
            "date_from": data.get("date_from"),
            "date_to": data.get("date_to"),
            "object_id": data.get("object_id") or "",
        }
