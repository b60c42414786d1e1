"""The forms of the case pages: one step form per target state with exactly the fields
cases.md names for it (cases.selectors.case_fields_for), the cadre's "file a case" form,
and the public self-report form.

The forms check the shape of what was typed (a date, a number, a file that is an image or
a PDF); the rules of a step (two checkers, the signed authorisation, a notice of 5 days,
the elimination conditions) are the services' (cases.services, engine.cases), so a page
and the API refuse the same step with the same sentence."""

from __future__ import annotations

from typing import ClassVar

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from neisheng.cases.models import Channel, MonitoringCase, State
from neisheng.engine import schema
from neisheng.platform.widgets import BLANK_LABEL, DateInput, ParentChildSelect, blank_choices_named
from neisheng.registry.models import Division

NAME_INPUTS = 4  # checkers' name inputs shown (two are required by the rule; more may be typed)
OBJECTION_ROWS = 3  # objections a notice's review form offers at once
# The signed authorisation's scan: images a phone takes, or a PDF a scanner makes,
# recognised by their first bytes (a renamed file is refused), at most this size.
SCAN_TYPES = {
    b"\xff\xd8\xff": "jpg",
    b"\x89PNG\r\n\x1a\n": "png",
    b"%PDF-": "pdf",
}
SCAN_MAX_BYTES = getattr(settings, "NEISHENG_CONSENT_SCAN_MAX_BYTES", 10 * 1024 * 1024)


class SeveralInputs(forms.Widget):
    """Several text inputs under one name (the checkers' names): each a line of its own,
    so a phone's keyboard types one name at a time."""

    template_name = "cases/widgets/several_inputs.html"

    def __init__(self, attrs=None, *, count: int = NAME_INPUTS):
        super().__init__(attrs=attrs)
        self.count = count

    def value_from_datadict(self, data, files, name):
        return data.getlist(name) if hasattr(data, "getlist") else data.get(name) or []

    def value_omitted_from_data(self, data, files, name):
        return False

    def id_for_label(self, id_):
        return f"{id_}_0" if id_ else id_

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        values = [v for v in (value or []) if v]
        values += [""] * max(self.count - len(values), 0)
        context["widget"]["values"] = values
        return context


class NamesField(forms.Field):
    widget = SeveralInputs

    def to_python(self, value):
        if isinstance(value, str):
            value = [value]
        return [" ".join(str(v).split()) for v in (value or []) if str(v).strip()]


class ObjectionsWidget(forms.Widget):
    """Pairs of inputs: an objection and how it was settled."""

    template_name = "cases/widgets/objections.html"

    def value_from_datadict(self, data, files, name):
        get = data.getlist if hasattr(data, "getlist") else (lambda key: data.get(key) or [])
        return list(zip(get(f"{name}_text"), get(f"{name}_settled")))

    def value_omitted_from_data(self, data, files, name):
        return False

    def id_for_label(self, id_):
        return f"{id_}_text_0" if id_ else id_

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        rows = [(t, s) for t, s in (value or []) if (t or s)]
        rows += [("", "")] * max(OBJECTION_ROWS - len(rows), 1)
        context["widget"]["rows"] = rows
        return context


class ObjectionsField(forms.Field):
    widget = ObjectionsWidget
    default_error_messages: ClassVar[dict] = {"unsettled": _("每条异议都要写明处理结果。")}

    def to_python(self, value):
        return [(" ".join(str(t).split()), str(s).strip()) for t, s in (value or []) if str(t).strip() or
                str(s).strip()]

    def validate(self, value):
        super().validate(value)
        if any(not text or not settled for text, settled in value):
            raise forms.ValidationError(self.error_messages["unsettled"], code="unsettled")


def scan_problem(upload) -> str | None:
    """Why an uploaded scan is refused (too large, not an image or a PDF by its content),
    or None."""
    if upload.size > SCAN_MAX_BYTES:
        return gettext("文件超过 {} MB。").format(SCAN_MAX_BYTES // (1024 * 1024))
    head = upload.read(16)
    upload.seek(0)
    if not any(head.startswith(magic) for magic in SCAN_TYPES):
        return str(_("只接受照片或 PDF 文件。"))
    return None


SETTLED_MARK = "→"
AGREED_CHOICES = [("yes", _("同意")), ("no", _("不同意"))]

LABELS = {
    "on": _("日期"),
    "checkers": _("核实人姓名(至少两人)"),
    "consent": _("农户已签字同意承诺授权书"),
    "consent_scan": _("承诺授权书扫描件"),
    "findings": _("比对发现"),
    "participants": _("参会人数"),
    "agreed": _("评议结果"),
    "notice_end": _("公示结束日期"),
    "objections": _("异议及处理结果"),
    "town_reviewed_on": _("乡镇审核日期"),
    "monitor_type": _("监测对象类型"),
    "note": _("备注"),
}
# A step whose date means something more precise than "the day it was done".
DATE_LABELS = {
    State.PUBLICIZED: _("公示开始日期"),
    State.ELIMINATION_PUBLICIZED: _("公示开始日期"),
    State.VERIFIED: _("入户核实日期"),
    State.ELIMINATION_PROPOSED: _("入户核实日期"),
    State.COMPARED: _("比对日期"),
    State.VILLAGE_REVIEWED: _("评议日期"),
    State.TOWN_REVIEWED: _("乡镇审核日期"),
    State.RISK_ELIMINATED: _("县级审批日期"),
}
REASON_LABEL = _("理由")


def step_fields(case: MonitoringCase, to: str) -> list[str]:
    """The fields of the step from the case's state to `to`, as cases.md lists them (the
    services say which: case_fields_for), with the date first and the note last."""
    from neisheng.cases.selectors import case_fields_for

    names = [n for n in case_fields_for(to, from_state=case.state) if n not in ("on", "note")]
    if "consent" in names and "consent_scan" not in names:
        names.insert(names.index("consent") + 1, "consent_scan")
    return ["on", *names, "note"]


def reason_required(case: MonitoringCase, to: str) -> bool:
    return to == State.REJECTED or (to == State.MONITORING and case.state != State.TOWN_REVIEWED)


class StepForm(forms.Form):
    """One step of a case: the date, the step's own fields, the note (the reason, for a
    rejection or a return to monitoring)."""

    def __init__(self, *args, case: MonitoringCase, to: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.case, self.to = case, to
        today = timezone.localdate()
        for name in step_fields(case, to):
            self.fields[name] = self._field(name, today)
        if reason_required(case, to):
            self.fields["note"].required = True
            self.fields["note"].label = REASON_LABEL
        blank_choices_named(self)

    def _field(self, name: str, today):
        label = LABELS[name]
        if name == "on":
            return forms.DateField(label=DATE_LABELS.get(self.to, label), widget=DateInput(), initial=today)
        if name in ("notice_end", "town_reviewed_on"):
            return forms.DateField(label=label, widget=DateInput())
        if name == "checkers":
            return NamesField(label=label, required=False,
                              help_text=_("每个输入框填一人;入户核实须两人以上。"))
        if name == "consent":
            return forms.BooleanField(label=label, required=False)
        if name == "consent_scan":
            return forms.FileField(label=label, required=False,
                                   # The form lives for one request: translated now, in its language.
                                   help_text=gettext("照片或 PDF 文件,不超过 {} MB。").format(
                                       SCAN_MAX_BYTES // (1024 * 1024)),
                                   widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,"
                                                                                    "application/pdf"}))
        if name == "findings":
            return forms.CharField(label=label, widget=forms.Textarea(attrs={"rows": 3}),
                                   help_text=_("各部门数据比对的发现;没有发现请填写“无发现”。"))
        if name == "participants":
            return forms.IntegerField(label=label, min_value=1, max_value=10_000)
        if name == "agreed":
            return forms.ChoiceField(label=label, choices=AGREED_CHOICES, widget=forms.RadioSelect)
        if name == "objections":
            return ObjectionsField(label=label, required=False,
                                   help_text=_("没有异议可留空;每条异议写明如何处理。"))
        if name == "monitor_type":
            return forms.ChoiceField(label=label, choices=[("", BLANK_LABEL), *schema.MONITOR_TYPE.items()],
                                     initial=self.case.monitor_type,
                                     help_text=_("已按最近一次监测的结果预选。"))
        if name == "note":
            return forms.CharField(label=label, required=False, widget=forms.Textarea(attrs={"rows": 2}))
        raise KeyError(name)

    def clean_consent_scan(self):
        upload = self.cleaned_data.get("consent_scan")
        if upload:
            problem = scan_problem(upload)
            if problem:
                raise forms.ValidationError(problem, code="bad_scan")
        return upload

    def service_arguments(self) -> dict:
        """What case_transition takes, from the cleaned form."""
        data = self.cleaned_data
        arguments = {"on": data["on"], "note": data.get("note", "")}
        for name in self.fields:
            if name in ("on", "note"):
                continue
            value = data.get(name)
            if name == "agreed":
                value = value == "yes"
            elif name == "objections":
                # cases.md's API takes objections as texts: each carries how it was settled,
                # after an arrow (no words of either language inside the data).
                value = [f"{text} {SETTLED_MARK} {settled}" for text, settled in value]
            elif name == "consent_scan" and not value:
                continue
            arguments[name] = value
        return arguments


def villages_field(villages, *, required: bool = True) -> forms.ChoiceField:
    """A town → village picker over the given villages (platform.widgets.ParentChildSelect)."""
    villages = list(villages)
    towns = Division.objects.filter(code__in={v.parent_id for v in villages}).order_by("code")
    field = forms.ChoiceField(label=_("所在村"), required=required,
                              choices=[("", BLANK_LABEL)] + [(v.code, v.name) for v in villages])
    field.widget = ParentChildSelect(parents=[(t.code, t.name) for t in towns],
                                     parent_of={v.code: v.parent_id for v in villages})
    field.widget.choices = field.choices
    field.widget.is_required = required
    return field


class CaseNewForm(forms.Form):
    """A cadre files a case for a household: the channel, the date, the reason in words."""

    channel = forms.ChoiceField(label=_("渠道"))
    reported_on = forms.DateField(label=_("登记日期"), widget=DateInput())
    reason = forms.CharField(label=_("申报或发现的理由"), widget=forms.Textarea(attrs={"rows": 3}))
    finding_ref = forms.CharField(label=_("部门预警线索"), required=False, max_length=100,
                                  help_text=_("部门筛查预警时填写线索编号或来源。"))

    def __init__(self, *args, channels, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["channel"].choices = [("", BLANK_LABEL), *channels]
        if len(channels) == 1:
            self.fields["channel"].initial = channels[0][0]
        self.fields["reported_on"].initial = timezone.localdate()
        if not any(code == Channel.DEPARTMENT_SCREENING for code, _label in channels):
            del self.fields["finding_ref"]

    def clean_reported_on(self):
        value = self.cleaned_data["reported_on"]
        if value > timezone.localdate():
            raise forms.ValidationError(_("登记日期不能晚于今天。"), code="future")
        return value


class SelfReportForm(forms.Form):
    """The public self-report form (农户自主申报), phone first: where, who, how to reach
    them, why."""

    village = forms.ChoiceField(label=_("所在村"))
    head_name = forms.CharField(label=_("户主姓名"), max_length=50)
    id_number = forms.CharField(label=_("户主身份证号"), max_length=18, min_length=15,
                                widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "text"}))
    phone = forms.CharField(label=_("联系电话"), max_length=20,
                            widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}))
    reason = forms.CharField(label=_("申报理由"), widget=forms.Textarea(attrs={"rows": 4}), max_length=2000,
                             help_text=_("请写明家里遇到的困难,例如患病、受灾、失业或收入骤减。"))

    def __init__(self, *args, villages, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["village"] = villages_field(villages)
        self.fields["village"].label = _("所在村")

    def clean_head_name(self):
        return " ".join(self.cleaned_data["head_name"].split())

    def clean_id_number(self):
        return self.cleaned_data["id_number"].strip().upper()

    def clean_phone(self):
        return "".join(self.cleaned_data["phone"].split())
