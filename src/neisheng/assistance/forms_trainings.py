"""Forms of trainings and meetings (the form pattern, docs/ui.md): the course or meeting,
and one attendee added by hand. A person is named by their ID number and found within the
user's scope only: a number registered elsewhere is answered as not registered."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from neisheng import ids
from neisheng.assistance.models import Meeting, Training
from neisheng.platform import scope
from neisheng.platform.widgets import BLANK_LABEL, DateInput, blank_choices_named
from neisheng.registry.models import Division, Household, Person

INDENT = "\u00a0\u00a0"  # a town's villages under it in the select
NOT_IN_SCOPE = _("在您管辖范围内的登记中没有这个证件号码")


class DivisionSelect(forms.Select):
    """A select of divisions; their names are data (translate="no")."""

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex=subindex, attrs=attrs)
        if value not in ("", None):
            option["attrs"]["translate"] = "no"
        return option


def division_choices(user) -> list[tuple[str, str]]:
    """The user's division and every division under it (county, towns, villages)."""
    divisions = scope.visible_to(user, Division).filter(level__gte=3).order_by("code").only("code", "name", "level")
    return [("", BLANK_LABEL)] + [(d.code, f"{INDENT * max(d.level - 3, 0)}{d.name}({d.code})") for d in divisions]


def _division_field(user, label) -> forms.ChoiceField:
    choices = division_choices(user)
    field = forms.ChoiceField(label=label, choices=choices, widget=DivisionSelect)
    if len(choices) == 2:
        field.initial = choices[1][0]
    elif user.division_id:
        field.initial = user.division_id
    return field


class TrainingForm(forms.ModelForm):
    class Meta:
        model = Training
        fields = ("division_code", "course", "skill", "starts_on", "ends_on", "trainer", "venue", "organizer",
                  "fees_waived")

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["division_code"] = _division_field(user, _("举办区划"))
        for name in ("starts_on", "ends_on"):
            self.fields[name].widget = DateInput()
        self.fields["skill"].help_text = _("如电工、厨师、家政服务;结业取得证书的学员记为掌握实用技能")
        blank_choices_named(self)


class MeetingForm(forms.ModelForm):
    class Meta:
        model = Meeting
        fields = ("division_code", "kind", "held_on", "topic", "host", "minutes")

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["division_code"] = _division_field(user, _("举办区划"))
        self.fields["held_on"].widget = DateInput()
        blank_choices_named(self)


def _person_in_scope(user, number: str) -> Person:
    number = (number or "").strip()
    if not ids.is_valid(number):
        raise forms.ValidationError(_("不是有效的18位身份证号码"))
    number = number[:17] + number[17].upper()
    person = scope.visible_to(user, Person).select_related("household").filter(pk=number).first()
    if person is None:
        raise forms.ValidationError(NOT_IN_SCOPE)
    return person


class AttendanceForm(forms.Form):
    """One trainee, added by hand."""

    person_id = forms.CharField(label=_("证件号码"), max_length=18)
    name = forms.CharField(label=_("姓名"), max_length=64, required=False,
                           help_text=_("填写后与登记的姓名核对"))
    days_attended = forms.IntegerField(label=_("出勤天数"), min_value=0, max_value=366)
    completed = forms.BooleanField(label=_("结业"), required=False)
    certificate_no = forms.CharField(label=_("证书编号"), max_length=60, required=False)
    certified_on = forms.DateField(label=_("发证日期"), required=False, widget=DateInput())
    note = forms.CharField(label=_("备注"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["person_id"].widget.attrs.update({"autocomplete": "off", "inputmode": "text"})

    def clean_person_id(self):
        self.person = _person_in_scope(self.user, self.cleaned_data["person_id"])
        return self.person.person_id

    def clean(self):
        cleaned = super().clean()
        person = getattr(self, "person", None)
        name = (cleaned.get("name") or "").strip()
        if person is not None and name and name != person.name:
            self.add_error("name", _("姓名与登记的该证件号码的姓名不一致"))
        return cleaned


class MeetingAttendanceForm(forms.Form):
    """One household at a meeting, by its number or by the member who came."""

    person_id = forms.CharField(label=_("证件号码"), max_length=18, required=False,
                                help_text=_("参加会议的成员;也可只填户编号"))
    household_id = forms.CharField(label=_("户编号"), max_length=32, required=False)
    note = forms.CharField(label=_("备注"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.person = None
        self.household = None

    def clean(self):
        cleaned = super().clean()
        number = (cleaned.get("person_id") or "").strip()
        household_id = (cleaned.get("household_id") or "").strip()
        if not number and not household_id:
            raise forms.ValidationError(_("请填写证件号码或户编号"))
        if number:
            try:
                self.person = _person_in_scope(self.user, number)
            except forms.ValidationError as error:
                self.add_error("person_id", error)
        if household_id:
            self.household = scope.visible_to(self.user, Household).filter(pk=household_id).first()
            if self.household is None:
                self.add_error("household_id", _("在您管辖范围内的登记中没有这个户编号"))
        if self.person is not None and self.household is not None \
                and self.person.household_id != self.household.household_id:
            self.add_error("person_id", _("此人不是该户成员"))
        if self.household is None and self.person is not None and not household_id:
            self.household = self.person.household
        return cleaned
