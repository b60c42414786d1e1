"""Forms of the review queue and the findings' steps: the shape of what was typed (a date,
a choice); the rules (a note to reject, a reason to dismiss, once only) are the services',
so a page and the API refuse with the same sentence."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from neisheng.platform.step_forms import StepDateForm


class ReviewDecisionForm(forms.Form):
    """Accept one candidate (by its rank on the page: the form never carries an ID
    number, which is a person's key) or reject the pair."""

    decision = forms.ChoiceField(label=_("核对结论"), choices=[("accept", _("确认为同一人")),
                                                               ("reject", _("否定,不是同一人"))],
                                 widget=forms.RadioSelect)
    candidate = forms.TypedChoiceField(label=_("候选人员"), coerce=int, required=False, widget=forms.RadioSelect)
    note = forms.CharField(label=_("核对说明"), required=False, widget=forms.Textarea(attrs={"rows": 2}),
                           help_text=_("否定时必填。"))

    def __init__(self, *args, candidates: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["candidate"].choices = [(n, _("候选 %(n)s") % {"n": n}) for n in range(1, candidates + 1)]
        self.fields["candidate"].initial = 1


class _OnForm(StepDateForm):
    pass


class FindingConfirmForm(_OnForm):
    reason = forms.CharField(label=_("核实情况"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class FindingDismissForm(_OnForm):
    reason = forms.CharField(label=_("排除理由"), widget=forms.Textarea(attrs={"rows": 2}))


class FindingOnForm(_OnForm):
    pass
