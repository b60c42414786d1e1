"""Forms of the model households' pages. The review's steps reuse the projects app's
forms of the same shared step (民主评议, 公示, 异议, 审批)."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from neisheng.honours.models import Nomination
from neisheng.platform.widgets import DateInput, blank_choices_named
from neisheng.projects.forms_plans import (  # noqa: F401 - the shared review step's forms
    ApproveForm,
    DecideForm,
    ObjectForm,
    PubliciseForm,
    RejectForm,
    ResolveForm,
    SubmitForm,
)


def _today():
    return timezone.localdate()


class NominationForm(forms.Form):
    household = forms.CharField(label=_("户编号"), max_length=32)
    source = forms.ChoiceField(label=_("推荐方式"), choices=Nomination.Source.choices)
    nominated_by_name = forms.CharField(label=_("推荐人"), max_length=100,
                                        help_text=_("推荐的干部、村民小组或农户本人"))
    nominated_on = forms.DateField(label=_("推荐日期"), widget=DateInput())
    story = forms.CharField(label=_("事迹"), widget=forms.Textarea(attrs={"rows": 5}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["nominated_on"].initial = _today()
        blank_choices_named(self)


class ScoreForm(forms.Form):
    scored_on = forms.DateField(label=_("评分日期"), widget=DateInput())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["scored_on"].initial = _today()


class HelpActForm(forms.Form):
    done_on = forms.DateField(label=_("日期"), widget=DateInput())
    text = forms.CharField(label=_("帮助他人的事"), max_length=300, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["done_on"].initial = _today()


class WithdrawForm(forms.Form):
    withdrawn_on = forms.DateField(label=_("日期"), widget=DateInput())
    reason = forms.CharField(label=_("理由"), widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["withdrawn_on"].initial = _today()


class PairForm(forms.Form):
    # Household numbers and names are data: the page's language does not apply to them.
    household = forms.ChoiceField(label=_("结对农户"), choices=(), widget=forms.Select(attrs={"translate": "no"}))
    paired_on = forms.DateField(label=_("结对日期"), widget=DateInput())
    note = forms.CharField(label=_("说明"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, candidates=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["household"].choices = [("", "---------"), *candidates]
        self.fields["paired_on"].initial = _today()
        blank_choices_named(self)


class MeetingForm(forms.Form):
    met_on = forms.DateField(label=_("交流日期"), widget=DateInput())
    attendees = forms.CharField(label=_("参加人员"), max_length=300)
    discussed = forms.CharField(label=_("交流内容"), widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["met_on"].initial = _today()
