"""The councils' forms (patterns/form.html): a council, a member and a member leaving, a
meeting with who came (phone first: the members as boxes to tick, the villagers'
household numbers typed or scanned one after another), a suggestion or demand, a
response, a supervision note. The services decide; the forms only read what was typed.
Names and numbers are data: every option naming a person, household, meeting or project
is marked translate="no"."""

from __future__ import annotations

import re

from django import forms
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy

from neisheng.councils.models import CouncilMember, Item, Meeting
from neisheng.platform.widgets import BLANK_LABEL, DateInput, blank_choices_named

SEPARATORS = re.compile(r"[\s,，;；、]+")


class DataSelect(forms.Select):
    """Options other than the blank one are data (names, numbers): translate="no"."""

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex=subindex, attrs=attrs)
        if value not in ("", None):
            option["attrs"] = {**option["attrs"], "translate": "no"}
        return option


def _today():
    return timezone.localdate()


class CouncilForm(forms.Form):
    village = forms.ModelChoiceField(label=gettext_lazy("村"), queryset=None)
    name = forms.CharField(label=gettext_lazy("理事会名称"), max_length=100)
    founded_on = forms.DateField(label=gettext_lazy("成立日期"), widget=DateInput())
    purpose = forms.CharField(label=gettext_lazy("章程要点"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, user, **kwargs):
        from neisheng.registry.forms import village_picker

        super().__init__(*args, **kwargs)
        village_picker(user, self.fields["village"])
        blank_choices_named(self)


class MemberForm(forms.Form):
    role = forms.ChoiceField(label=gettext_lazy("职务"), choices=CouncilMember.Role.choices)
    person = forms.ChoiceField(label=gettext_lazy("本村村民"), required=False, widget=DataSelect,
                               help_text=gettext_lazy("本村村民从名单中选择；村外人员留空并填写姓名"))
    name = forms.CharField(label=gettext_lazy("村外人员姓名"), max_length=64, required=False)
    affiliation = forms.CharField(label=gettext_lazy("身份或单位"), max_length=100, required=False)
    starts_on = forms.DateField(label=gettext_lazy("任职日期"), widget=DateInput())

    def __init__(self, *args, villagers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].choices = [("", BLANK_LABEL)] + [
            (p.key, f"{p.name}（{p.household_id}）") for p in villagers]
        self.fields["starts_on"].initial = _today()
        blank_choices_named(self)


class MemberEndForm(forms.Form):
    ends_on = forms.DateField(label=gettext_lazy("离任日期"), widget=DateInput())
    reason = forms.CharField(label=gettext_lazy("离任原因"), max_length=200)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["ends_on"].initial = _today()


class MeetingForm(forms.Form):
    held_on = forms.DateField(label=gettext_lazy("会议日期"), widget=DateInput())
    kind = forms.ChoiceField(label=gettext_lazy("会议类型"), choices=Meeting.Kind.choices)
    topic = forms.CharField(label=gettext_lazy("议题"), max_length=200)
    members = forms.MultipleChoiceField(label=gettext_lazy("到会成员"), required=False, widget=forms.CheckboxSelectMultiple)
    households = forms.CharField(
        label=gettext_lazy("到会村民的户编号"), required=False,
        widget=forms.Textarea(attrs={"rows": 3, "inputmode": "numeric", "autocomplete": "off"}),
        help_text=gettext_lazy("每户一个户编号，用空格、逗号或换行分隔；到会的农户记为参与村集体事务"))
    minutes = forms.CharField(label=gettext_lazy("会议记录"), required=False, widget=forms.Textarea(attrs={"rows": 5}))

    def __init__(self, *args, members, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["members"].choices = [
            (str(m.pk), format_html('<span translate="no">{}</span> · {}', m.name, m.get_role_display()))
            for m in members]
        self.fields["held_on"].initial = _today()
        blank_choices_named(self)

    def clean_households(self) -> list[str]:
        return [n for n in SEPARATORS.split(self.cleaned_data.get("households") or "") if n]


class ItemForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("类别"), choices=Item.Kind.choices, widget=forms.RadioSelect)
    category = forms.ChoiceField(label=gettext_lazy("事项分类"), choices=Item.Category.choices)
    meeting = forms.ChoiceField(label=gettext_lazy("提出的会议"), required=False, widget=DataSelect,
                                help_text=gettext_lazy("会外提出的留空"))
    raised_on = forms.DateField(label=gettext_lazy("提出日期"), required=False, widget=DateInput(),
                                help_text=gettext_lazy("在会议上提出的可留空，即会议日期"))
    household = forms.CharField(label=gettext_lazy("提出的农户（户编号）"), max_length=32, required=False)
    raised_by = forms.CharField(label=gettext_lazy("提出人"), max_length=100, required=False)
    text = forms.CharField(label=gettext_lazy("内容"), widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args, meetings, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["meeting"].choices = [("", BLANK_LABEL)] + [
            (str(m.pk), f"{m.held_on:%Y-%m-%d} {m.topic}") for m in meetings]
        blank_choices_named(self)


class ResponseForm(forms.Form):
    responded_on = forms.DateField(label=gettext_lazy("答复日期"), widget=DateInput())
    responder = forms.CharField(label=gettext_lazy("答复人或单位"), max_length=100)
    action = forms.CharField(label=gettext_lazy("办理情况"), widget=forms.Textarea(attrs={"rows": 4}))
    closes = forms.BooleanField(label=gettext_lazy("已办结"), required=False,
                                help_text=gettext_lazy("勾选后该事项办结，按提出到办结的天数计算答复用时"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["responded_on"].initial = _today()


class NoteForm(forms.Form):
    target = forms.ChoiceField(label=gettext_lazy("监督对象"), widget=DataSelect,
                               help_text=gettext_lazy("本村的项目或其收益分配方案"))
    checked_on = forms.DateField(label=gettext_lazy("监督日期"), widget=DateInput())
    checked = forms.CharField(label=gettext_lazy("监督内容"), widget=forms.Textarea(attrs={"rows": 3}))
    finding = forms.CharField(label=gettext_lazy("发现的情况"), widget=forms.Textarea(attrs={"rows": 3}))
    concern = forms.BooleanField(label=gettext_lazy("发现问题需跟进"), required=False)

    def __init__(self, *args, projects, plans, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target"].choices = [("", BLANK_LABEL)] + [
            (f"project:{p.pk}", p.name) for p in projects] + [
            (f"plan:{p.pk}", f"{p.title}（{p.project.name}）") for p in plans]
        self.fields["checked_on"].initial = _today()
        blank_choices_named(self)
