"""Forms of the plan pages: a new plan of a project (a weight per beneficiary for the
weighted method), each step of the review, paying, and importing an existing plan."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from neisheng.platform.models import Review
from neisheng.platform.widgets import DateInput, blank_choices_named
from neisheng.projects.models import DistributionPlan, Revenue

WEIGHT_PREFIX = "weight_"


def _today():
    return timezone.localdate()


class PlanForm(forms.Form):
    """A plan of one of the project's revenues; the weights (one field per beneficiary
    active today, named weight_<household>) count only for the weighted method."""

    revenue = forms.ModelChoiceField(label=_("分配的收益"), queryset=Revenue.objects.none())
    title = forms.CharField(label=_("方案名称"), max_length=120, required=False)
    plan_on = forms.DateField(label=_("方案日期"), widget=DateInput())
    collective_share = forms.DecimalField(label=_("村集体比例"), min_value=Decimal(0), max_value=Decimal(1),
                                          max_digits=5, decimal_places=4, initial=Decimal(0),
                                          help_text=_("0 到 1 之间,例如 0.3"))
    method = forms.ChoiceField(label=_("分配方式"), choices=DistributionPlan.Method.choices)
    note = forms.CharField(label=_("说明"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, project, households: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["revenue"].queryset = project.revenues.order_by("-year", "-received_on", "-pk")
        self.fields["plan_on"].initial = _today()
        self.weight_fields = []
        for household_id, label in households:
            name = f"{WEIGHT_PREFIX}{household_id}"
            self.fields[name] = forms.DecimalField(label=label, required=False, min_value=Decimal(0),
                                                   max_digits=12, decimal_places=4, initial=Decimal(1))
            self.fields[name].household_id = household_id
            self.weight_fields.append(name)
        blank_choices_named(self)

    def weights(self) -> dict[str, Decimal] | None:
        if self.cleaned_data.get("method") != DistributionPlan.Method.WEIGHTED:
            return None
        return {self.fields[name].household_id: self.cleaned_data[name]
                for name in self.weight_fields if self.cleaned_data.get(name) is not None}


class PlanImportForm(forms.Form):
    revenue = forms.ModelChoiceField(label=_("分配的收益"), queryset=Revenue.objects.none())
    title = forms.CharField(label=_("方案名称"), max_length=120, required=False)
    plan_on = forms.DateField(label=_("方案日期"), widget=DateInput())
    collective_amount = forms.DecimalField(label=_("村集体金额(元)"), min_value=Decimal(0), max_digits=14,
                                           decimal_places=2, initial=Decimal(0))
    note = forms.CharField(label=_("说明"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, project, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["revenue"].queryset = project.revenues.order_by("-year", "-received_on", "-pk")
        blank_choices_named(self)

    def is_multipart(self) -> bool:
        # The sheet's file field is the import card's form's, sent in the same <form>.
        return True


class _Dated(forms.Form):
    date_field = "effective_on"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields[self.date_field].initial = _today()


class SubmitForm(_Dated):
    date_field = "submitted_on"
    submitted_on = forms.DateField(label=_("提交日期"), widget=DateInput())


class DecideForm(_Dated):
    date_field = "council_on"
    decision = forms.ChoiceField(label=_("评议结果"), choices=Review.Decision.choices)
    council_on = forms.DateField(label=_("评议日期"), widget=DateInput())
    note = forms.CharField(label=_("评议记录"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        blank_choices_named(self)

    def clean(self):
        data = super().clean()
        if data.get("decision") == Review.Decision.REFUSED and not (data.get("note") or "").strip():
            self.add_error("note", ValidationError(_("评议未通过时请写明理由。")))
        return data


class PubliciseForm(_Dated):
    date_field = "start_on"
    start_on = forms.DateField(label=_("公示开始日期"), widget=DateInput())


class ObjectForm(_Dated):
    date_field = "raised_on"
    raised_by = forms.CharField(label=_("异议人"), max_length=100)
    raised_on = forms.DateField(label=_("提出日期"), widget=DateInput())
    text = forms.CharField(label=_("异议内容"), widget=forms.Textarea(attrs={"rows": 2}))


class ResolveForm(_Dated):
    date_field = "resolved_on"
    objection = forms.TypedChoiceField(label=_("异议"), coerce=int, choices=())
    resolution = forms.CharField(label=_("处理结果"), widget=forms.Textarea(attrs={"rows": 2}))
    resolved_on = forms.DateField(label=_("处理日期"), widget=DateInput())

    def __init__(self, *args, objections=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["objection"].choices = [(o.pk, f"#{o.pk} {o.raised_on:%Y-%m-%d}") for o in objections]
        blank_choices_named(self)


class ApproveForm(_Dated):
    date_field = "approved_on"
    approved_on = forms.DateField(label=_("审批日期"), widget=DateInput())
    note = forms.CharField(label=_("审批意见"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class RejectForm(_Dated):
    date_field = "rejected_on"
    rejected_on = forms.DateField(label=_("日期"), widget=DateInput())
    reason = forms.CharField(label=_("理由"), widget=forms.Textarea(attrs={"rows": 2}))


class PayForm(_Dated):
    date_field = "paid_on"
    paid_on = forms.DateField(label=_("发放日期"), widget=DateInput())
    voucher_no = forms.CharField(label=_("发放凭证号"), max_length=60, required=False)
