"""The surveys' forms (surveys.md): a new survey, a questionnaire's YAML and a question
added to it, one respondent's answers (the web form and the phone form share its
fields), the import of paper questionnaires and a reviewer's decision on a proposal.

Questions are the questionnaire's own words: their text, options and groups are data
(typed by the organiser), shown inside translate="no" by the templates; our words
(labels, help, errors) are Chinese msgids. The answer fields are named `q_<code>`.
"""

from __future__ import annotations

import re
import uuid
from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext, gettext_lazy, pgettext_lazy

from neisheng.platform import scope
from neisheng.platform.widgets import BLANK_LABEL, DateInput, blank_choices_named
from neisheng.registry.models import Division

ANSWER_PREFIX = "q_"
TYPES = [
    ("single", gettext_lazy("单选题")),
    ("multiple", gettext_lazy("多选题")),
    ("likert", gettext_lazy("量表题")),
    ("number", gettext_lazy("数值题")),
    ("text", gettext_lazy("填空题")),
]
RATES = [
    ("awareness", gettext_lazy("政策知晓率")),
    ("execution", gettext_lazy("执行到位率")),
    ("satisfaction", gettext_lazy("满意率")),
]
# The words of a five-point scale (the research's 很不同意 … 很同意); other scales are numbers.
LIKERT_WORDS = {
    5: [pgettext_lazy("likert", "很不同意"), pgettext_lazy("likert", "不同意"), pgettext_lazy("likert", "一般"),
        pgettext_lazy("likert", "同意"), pgettext_lazy("likert", "很同意")],
}
# Registry fields an answer may propose a change to (the contract's household columns a
# survey can ask about); the services decide what is accepted.
MAPPABLE_FIELDS = [
    ("willingness", gettext_lazy("脱贫意愿")),
    ("participates_village_affairs", gettext_lazy("参与村集体事务")),
]
CODE = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")


def field_name(code: str) -> str:
    return ANSWER_PREFIX + code


def data(text) -> str:
    """A questionnaire's or a user's words (a question, an option, a group's name) as a
    label: marked translate="no", so the page stays in one language around them."""
    return format_html('<span translate="no">{}</span>', text)


class DataSelect(forms.Select):
    """A select whose options are data (names, codes and titles users typed): each option
    but the blank one is marked translate="no"."""

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex=subindex, attrs=attrs)
        if value not in ("", None):
            option["attrs"] = {**option["attrs"], "translate": "no"}
        return option


def divisions_for(user) -> list[tuple[str, str]]:
    """The divisions a survey may be organised in: the user's own and those under it (a
    county's towns and villages), each named with its code."""
    rows = scope.visible_to(user, Division).filter(level__lte=5).order_by("code").values_list("code", "name")
    return [(code, f"{name}({code})") for code, name in rows]


# --------------------------------------------------------------------------- a survey


class SurveyForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("调查名称"), max_length=200)
    version = forms.TypedChoiceField(label=gettext_lazy("问卷版本"), coerce=int, widget=DataSelect)
    division = forms.ChoiceField(label=gettext_lazy("组织区划"), widget=DataSelect)
    issued = forms.IntegerField(label=gettext_lazy("发放份数"), min_value=1,
                                help_text=gettext_lazy("发放的问卷份数，回收率和有效率都以它为分母"))
    opened_on = forms.DateField(label=gettext_lazy("开始日期"), widget=DateInput())

    def __init__(self, *args, user, versions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["version"].choices = [("", BLANK_LABEL)] + [
            (v.pk, f"{v.questionnaire.code} v{v.number} {v.questionnaire.title}") for v in versions]
        self.fields["division"].choices = [("", BLANK_LABEL)] + divisions_for(user)
        if user.division_id:
            self.fields["division"].initial = user.division_id
        self.fields["opened_on"].initial = timezone.localdate()
        blank_choices_named(self)


class CloseForm(forms.Form):
    closed_on = forms.DateField(label=gettext_lazy("结束日期"), widget=DateInput())


# --------------------------------------------------------------------------- questionnaires


class QuestionnaireSourceForm(forms.Form):
    """The questionnaire as YAML; the view asks the engine whether it parses."""

    source = forms.CharField(label=gettext_lazy("问卷定义 (YAML)"), strip=False,
                             widget=forms.Textarea(attrs={"rows": 24, "spellcheck": "false",
                                                          "class": "yaml-source", "translate": "no"}))
    reason = forms.CharField(label=gettext_lazy("修改原因"), max_length=200, required=False)
    division = forms.ChoiceField(label=gettext_lazy("所属区划"), widget=DataSelect)

    def __init__(self, *args, user=None, reason_required: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].required = reason_required
        if user is None:  # a new version keeps the questionnaire's division
            del self.fields["division"]
        else:
            self.fields["division"].choices = [("", BLANK_LABEL)] + divisions_for(user)
            self.fields["division"].initial = user.division_id
            self.fields["reason"].label = gettext_lazy("说明")
            self.order_fields(["division", "source", "reason"])


def _key_list(text: str) -> list[str]:
    return [part for part in re.split(r"[\s,，;；、]+", text or "") if part]


class QuestionAddForm(forms.Form):
    """One question added to a questionnaire: saving makes a new version of it."""

    type = forms.ChoiceField(label=gettext_lazy("题型"), choices=TYPES)
    code = forms.CharField(label=gettext_lazy("题目代码"), max_length=60,
                           help_text=gettext_lazy("字母开头，只含字母、数字和下划线，如 q12"))
    text = forms.CharField(label=gettext_lazy("题目"), max_length=300, widget=forms.Textarea(attrs={"rows": 2}))
    options = forms.CharField(
        label=gettext_lazy("选项"), required=False, widget=forms.Textarea(attrs={"rows": 5}),
        help_text=gettext_lazy("单选题和多选题：每行一个选项，写成“代码: 选项文字”，如“A: 很了解”"))
    groups = forms.MultipleChoiceField(label=gettext_lazy("调查对象"), required=False,
                                       widget=forms.CheckboxSelectMultiple,
                                       help_text=gettext_lazy("不选：问所有调查对象"))
    required = forms.BooleanField(label=gettext_lazy("必答"), required=False, initial=True)
    scale = forms.IntegerField(label=gettext_lazy("量表级数"), required=False, min_value=2, max_value=11,
                               help_text=gettext_lazy("量表题：答案为 1 到该数"))
    grid = forms.CharField(label=gettext_lazy("量表组"), max_length=60, required=False,
                           help_text=gettext_lazy("同一组的量表题一起检查答案是否完全相同"))
    min = forms.DecimalField(label=gettext_lazy("最小值"), required=False)
    max = forms.DecimalField(label=gettext_lazy("最大值"), required=False)
    rate = forms.ChoiceField(label=gettext_lazy("计入比率"), required=False,
                             choices=[("", gettext_lazy("不计入"))] + RATES)
    rate_yes = forms.CharField(label=gettext_lazy("计为“是”的选项"), max_length=60, required=False,
                               help_text=gettext_lazy("选项代码，用逗号分隔，如 A,B"))
    maps_to = forms.ChoiceField(label=gettext_lazy("对应台账字段"), required=False,
                                choices=[("", gettext_lazy("不对应"))] + MAPPABLE_FIELDS,
                                help_text=gettext_lazy("答案作为台账修改建议，经审核后写入农户台账"))
    reason = forms.CharField(label=gettext_lazy("修改原因"), max_length=200, required=False)

    def __init__(self, *args, groups: dict, codes: set[str], **kwargs):
        super().__init__(*args, **kwargs)
        # Group labels are the questionnaire's own words (data).
        self.fields["groups"].choices = [(key, data(label)) for key, label in groups.items()]
        self.codes = codes
        blank_choices_named(self)

    def clean_code(self):
        code = self.cleaned_data["code"].strip()
        if not CODE.match(code):
            raise forms.ValidationError(gettext("题目代码须以字母开头，只含字母、数字和下划线"))
        if code in self.codes:
            raise forms.ValidationError(gettext("问卷中已有题目代码“%(code)s”") % {"code": code})
        return code

    def clean_options(self):
        options: dict[str, str] = {}
        for number, line in enumerate((self.cleaned_data.get("options") or "").splitlines(), start=1):
            line = line.strip()
            if not line:
                continue
            parts = re.split(r"[:：]", line, maxsplit=1)
            key, label = (parts[0].strip(), parts[1].strip()) if len(parts) == 2 else ("", "")
            if not key or not label:
                raise forms.ValidationError(gettext("第 %(n)s 行应写成“代码: 选项文字”") % {"n": number})
            if key in options:
                raise forms.ValidationError(gettext("选项代码“%(key)s”重复") % {"key": key})
            options[key] = label
        return options

    def clean(self):
        data = super().clean()
        kind = data.get("type")
        options = data.get("options") or {}
        if kind in ("single", "multiple") and not options and "options" not in self.errors:
            self.add_error("options", gettext("单选题和多选题至少要有一个选项"))
        if kind == "likert" and not data.get("scale"):
            self.add_error("scale", gettext("量表题须填写量表级数"))
        low, high = data.get("min"), data.get("max")
        if low is not None and high is not None and low > high:
            self.add_error("max", gettext("最大值不能小于最小值"))
        yes = _key_list(data.get("rate_yes", ""))
        if data.get("rate"):
            if kind not in ("single", "multiple", "likert"):
                self.add_error("rate", gettext("只有选择题和量表题可以计入比率"))
            elif not yes:
                self.add_error("rate_yes", gettext("计入比率的题目须写明计为“是”的选项"))
            elif kind != "likert":
                unknown = [key for key in yes if key not in options]
                if unknown:
                    self.add_error("rate_yes", gettext("“%(keys)s”不是本题的选项") % {"keys": "、".join(unknown)})
        data["rate_yes"] = yes
        return data

    def question(self) -> dict:
        """The question as the questionnaire's YAML writes it (only what was given)."""
        data = self.cleaned_data
        question: dict = {"code": data["code"], "text": data["text"].strip(), "type": data["type"]}
        if data["type"] in ("single", "multiple") and data["options"]:
            question["options"] = data["options"]
        if data["type"] == "likert":
            question["scale"] = data["scale"]
        if data.get("grid"):
            question["grid"] = data["grid"].strip()
        for bound in ("min", "max"):
            value = data.get(bound)
            if value is not None:
                question[bound] = int(value) if value == value.to_integral_value() else float(value)
        if data.get("groups"):
            question["groups"] = list(data["groups"])
        if not data.get("required"):
            question["required"] = False
        if data.get("rate"):
            question["rate"] = data["rate"]
            question["rate_yes"] = [int(k) if data["type"] == "likert" and k.isdigit() else k
                                    for k in data["rate_yes"]]
        if data.get("maps_to"):
            question["maps_to"] = data["maps_to"]
        return question


# --------------------------------------------------------------------------- answers


def _likert_choices(question) -> list[tuple[str, str]]:
    """1..scale, each with its words: the questionnaire's own (data) or the five-point
    scale's (ours, translated)."""
    scale = int(question.scale or 5)
    words = LIKERT_WORDS.get(scale)
    choices = []
    for n in range(1, scale + 1):
        own = (question.options or {}).get(str(n))
        if own:
            choices.append((str(n), format_html('{} <span translate="no">{}</span>', n, own)))
        elif words:
            choices.append((str(n), format_html("{} {}", n, words[n - 1])))
        else:
            choices.append((str(n), str(n)))
    return choices


def _option_choices(question) -> list[tuple[str, str]]:
    return [(str(k), format_html('<span translate="no">{} {}</span>', k, v)) for k, v in question.options.items()]


def _number(value) -> str:
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() else str(value)


def answer_field(question) -> forms.Field:
    """The form field of one question. Its label is the question's text and its options'
    words are the questionnaire's (data: marked translate="no")."""
    required = bool(getattr(question, "required", True))
    kind = question.type
    label = data(question.text)
    if kind == "single":
        return forms.ChoiceField(label=label, required=required, widget=forms.RadioSelect,
                                 choices=_option_choices(question))
    if kind == "multiple":
        return forms.MultipleChoiceField(label=label, required=required, widget=forms.CheckboxSelectMultiple,
                                         choices=_option_choices(question))
    if kind == "likert":
        return forms.ChoiceField(label=label, required=required, widget=forms.RadioSelect,
                                 choices=_likert_choices(question))
    if kind == "number":
        low, high = question.min, question.max
        attrs = {"inputmode": "decimal", "step": "any"}
        if low is not None:
            attrs["min"] = _number(low)
        if high is not None:
            attrs["max"] = _number(high)
        return forms.DecimalField(label=label, required=required,
                                  min_value=None if low is None else Decimal(_number(low)),
                                  max_value=None if high is None else Decimal(_number(high)),
                                  widget=forms.NumberInput(attrs=attrs))
    return forms.CharField(label=label, required=required, max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))


class ResponseForm(forms.Form):
    """One respondent's answers. With a group (the web form): the questions asked of it,
    required as the questionnaire says. Without (the phone form): the group is the first
    question and every question is here, each marked with the groups asked it; the phone's
    script asks only the chosen group's and checks what is required, and the server
    checks again. Both post these names."""

    idempotency_key = forms.UUIDField(widget=forms.HiddenInput)
    group = forms.ChoiceField(label=gettext_lazy("调查对象"), widget=forms.RadioSelect)
    respondent_id = forms.CharField(label=gettext_lazy("问卷编号"), max_length=60,
                                    help_text=gettext_lazy("纸质问卷上的编号；代农户填写时默认为户编号"))
    household = forms.CharField(label=gettext_lazy("户编号"), max_length=40, required=False,
                                help_text=gettext_lazy("代农户填写时填写户编号；台账对应的答案将作为修改建议待审核"))
    answered_on = forms.DateField(label=gettext_lazy("填写日期"), widget=DateInput())
    village_code = forms.ChoiceField(label=gettext_lazy("村"), required=False, widget=DataSelect)

    def __init__(self, *args, questionnaire, user, group: str | None = None, household=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.questionnaire = questionnaire
        self.group = group
        self.household = household
        self.fields["group"].choices = [(key, data(label)) for key, label in questionnaire.groups.items()]
        if group is not None:
            self.fields["group"].widget = forms.HiddenInput()
            self.fields["group"].initial = group
            self.questions = list(questionnaire.asked(group))
        else:
            self.questions = list(questionnaire.questions)
            if len(questionnaire.groups) == 1:
                self.fields["group"].initial = next(iter(questionnaire.groups))
        self.fields["answered_on"].initial = timezone.localdate()
        if not self.is_bound:
            self.fields["idempotency_key"].initial = uuid.uuid4()
        if household is not None:
            self.fields["household"].widget = forms.HiddenInput()
            self.fields["household"].initial = household.pk
            self.fields["respondent_id"].initial = household.pk
            del self.fields["village_code"]
        else:
            villages = scope.visible_to(user, Division).filter(level=5).order_by("code").values_list("code", "name")
            self.fields["village_code"].choices = [("", BLANK_LABEL)] + [(c, f"{n}({c})") for c, n in villages]
            self.fields["village_code"].help_text = gettext_lazy("受访者所在的村，用于按村计算知晓率、到位率和满意率")
        for question in self.questions:
            field = answer_field(question)
            if group is None:
                field.required = False  # which are required depends on the group chosen
            self.fields[field_name(question.code)] = field

    @property
    def fixed_fields(self):
        names = ["group"] if self.group is None else []
        names += ["respondent_id", "answered_on", "household", "village_code"]
        return [self[name] for name in names if name in self.fields and not self[name].is_hidden]

    @property
    def question_fields(self):
        return [{"question": question, "field": self[field_name(question.code)], "number": number}
                for number, question in enumerate(self.questions, start=1)]

    def answers(self) -> dict:
        """Question code → the answer as the engine reads it (option keys, a number as
        given, text); unanswered questions are left out."""
        out = {}
        for question in self.questions:
            value = self.cleaned_data.get(field_name(question.code))
            if value in (None, "", []):
                continue
            if question.type == "likert":
                value = int(value)
            elif question.type == "number":
                value = int(value) if value == value.to_integral_value() else float(value)
            elif question.type == "text":
                value = value.strip()
            out[question.code] = value
        return out


class GroupChoiceForm(forms.Form):
    group = forms.ChoiceField(label=gettext_lazy("调查对象"), widget=forms.RadioSelect)

    def __init__(self, *args, groups: dict, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["group"].choices = [(key, data(label)) for key, label in groups.items()]


# --------------------------------------------------------------------------- imports and proposals


class ImportForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("问卷数据文件(Excel 或 CSV)"),
                           widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}))


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(label=gettext_lazy("审核结果"), widget=forms.RadioSelect,
                                 choices=[("accept", gettext_lazy("采纳，写入台账")),
                                          ("decline", gettext_lazy("不采纳"))])
    decided_on = forms.DateField(label=gettext_lazy("审核日期"), widget=DateInput())
    reason = forms.CharField(label=gettext_lazy("说明"), max_length=200, required=False,
                             help_text=gettext_lazy("不采纳时必填"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["decided_on"].initial = timezone.localdate()

    def clean(self):
        data = super().clean()
        if data.get("decision") == "decline" and not (data.get("reason") or "").strip():
            self.add_error("reason", gettext("不采纳时须写明理由"))
        return data
