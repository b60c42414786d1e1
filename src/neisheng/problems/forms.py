"""The problem pages' forms: they check the shape of what was typed (a date, a choice,
files present); the rules (evidence by content, a different reviewer, a reason, dates in
order) are problems.services', so a page and the API refuse with the same sentence."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from neisheng.grid.models import Cadre
from neisheng.platform import scope
from neisheng.platform.widgets import BLANK_LABEL, DateInput, blank_choices_named
from neisheng.problems.models import Category


class _NotFuture:
    def _not_future(self, name: str):
        value = self.cleaned_data[name]
        if value > timezone.localdate():
            raise forms.ValidationError(_("日期不能晚于今天。"), code="future")
        return value


class ProblemRaiseForm(_NotFuture, forms.Form):
    category = forms.ChoiceField(label=_("类别"), choices=[("", BLANK_LABEL), *Category.choices])
    description = forms.CharField(label=_("问题描述"), widget=forms.Textarea(attrs={"rows": 3}))
    raised_on = forms.DateField(label=_("发现日期"), widget=DateInput())
    responsible = forms.ModelChoiceField(label=_("责任人"), queryset=Cadre.objects.none(), required=False,
                                         help_text=_("留空:该户的包户干部。"),
                                         widget=forms.Select(attrs={"translate": "no"}))
    deadline = forms.DateField(label=_("整改期限"), widget=DateInput(), required=False,
                               help_text=_("留空:按政策从发现日期起算。"))

    def __init__(self, *args, user, household, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["raised_on"].initial = timezone.localdate()
        # Cadres who may serve the household: those of its county, as the assignment has it.
        county = household.village_id[:6]
        self.fields["responsible"].queryset = scope.visible_to(user, Cadre.objects.filter(
            active=True, division_code__gte=county.ljust(12, "0"), division_code__lte=county.ljust(12, "9")))
        blank_choices_named(self)

    def clean_raised_on(self):
        return self._not_future("raised_on")


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data, initial=None):
        files = data if isinstance(data, (list, tuple)) else ([data] if data else [])
        return [super(MultipleFileField, self).clean(f, initial) for f in files]


class ProblemResolveForm(_NotFuture, forms.Form):
    resolved_on = forms.DateField(label=_("整改日期"), widget=DateInput())
    resolution = forms.CharField(label=_("整改情况"), widget=forms.Textarea(attrs={"rows": 4}))
    files = MultipleFileField(
        label=_("佐证材料"), required=False,
        widget=MultipleFileInput(attrs={"accept": "image/jpeg,image/png,image/webp,application/pdf,.docx,.xlsx"}),
        help_text=_("至少上传一张照片或一份文件(照片、PDF、文字文档或 Excel 表格),每个不超过 10 MB,一次最多 10 个。"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["resolved_on"].initial = timezone.localdate()

    def clean_resolved_on(self):
        return self._not_future("resolved_on")


class ProblemCloseForm(_NotFuture, forms.Form):
    closed_on = forms.DateField(label=_("销号日期"), widget=DateInput())
    note = forms.CharField(label=_("审核意见"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["closed_on"].initial = timezone.localdate()

    def clean_closed_on(self):
        return self._not_future("closed_on")


class ProblemReopenForm(_NotFuture, forms.Form):
    reopened_on = forms.DateField(label=_("退回日期"), widget=DateInput())
    reason = forms.CharField(label=_("退回理由"), widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reopened_on"].initial = timezone.localdate()

    def clean_reopened_on(self):
        return self._not_future("reopened_on")
