"""Forms of the audit's decisions and of starting a run: the shape of what was typed (a
date, a note); the rules (a reason to explain, the order of steps) are the services', so
a page and the API refuse with the same sentence."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from neisheng.platform.step_forms import StepDateForm
from neisheng.platform.widgets import blank_choice


class _OnForm(StepDateForm):
    on_label = _("处理日期")


class FindingConfirmForm(_OnForm):
    note = forms.CharField(label=_("核实情况"), required=False, widget=forms.Textarea(attrs={"rows": 3}))


class FindingExplainForm(_OnForm):
    reason = forms.CharField(label=_("说明理由"), widget=forms.Textarea(attrs={"rows": 3}),
                             error_messages={"required": _("请填写说明理由。")})


class AuditRunForm(forms.Form):
    """Which county to audit: the user's own, or one of the counties in scope for a user
    whose scope has no bound (an administrator of the whole installation)."""

    division = forms.ChoiceField(label=_("审计的县"), required=False)

    def __init__(self, *args, counties: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["division"].choices = blank_choice() + counties
        self.fields["division"].required = bool(counties)
