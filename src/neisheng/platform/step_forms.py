"""The date of a workflow step as a form field: the day it took effect, today unless said,
never in the future (platform.workflow refuses that too; the form says it first, on the
field)."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from neisheng.platform.widgets import DateInput


class StepDateForm(forms.Form):
    """Subclasses add their own fields (a note, a reason) and may name the date
    (`on_label`)."""

    on_label = _("日期")
    on = forms.DateField(label=_("日期"), widget=DateInput())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["on"].initial = timezone.localdate()
        self.fields["on"].label = self.on_label

    def clean_on(self):
        value = self.cleaned_data["on"]
        if value > timezone.localdate():
            raise forms.ValidationError(_("日期不能晚于今天。"), code="future")
        return value
