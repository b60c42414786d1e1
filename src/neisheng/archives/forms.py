"""The archives' forms: they read the fields; the services decide what may be kept."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy

from neisheng.archives.models import CATEGORY_LABELS, DOCUMENT_TYPE_LABELS, StudentAid
from neisheng.engine.schema import SCHOOLING
from neisheng.platform.widgets import BLANK_LABEL, DateInput, blank_choices_named

ACCEPT = ".pdf,.jpg,.jpeg,.png,.docx,.xlsx,.doc,.xls"


class DataSelect(forms.Select):
    """A select whose options are data (members' names): marked translate="no"."""

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex=subindex, attrs=attrs)
        if value not in ("", None):
            option["attrs"] = {**option["attrs"], "translate": "no"}
        return option


def _file_field():
    return forms.FileField(label=gettext_lazy("文件"), widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}),
                           help_text=gettext_lazy("PDF、图片、文档或 Excel 表格,按文件内容检查类型"))


class UploadForm(forms.Form):
    category = forms.ChoiceField(label=gettext_lazy("档案类别"), choices=list(CATEGORY_LABELS.items()))
    doc_type = forms.ChoiceField(label=gettext_lazy("文件类型"), choices=list(DOCUMENT_TYPE_LABELS.items()))
    title = forms.CharField(label=gettext_lazy("文件名称"), max_length=120)
    dated_on = forms.DateField(label=gettext_lazy("文件日期"), widget=DateInput())
    person = forms.ChoiceField(label=gettext_lazy("成员"), required=False, widget=DataSelect,
                               help_text=gettext_lazy("学生的材料请选择学生本人"))
    file = _file_field()

    def __init__(self, *args, members=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [("", BLANK_LABEL), *CATEGORY_LABELS.items()]
        self.fields["doc_type"].choices = [("", BLANK_LABEL), *DOCUMENT_TYPE_LABELS.items()]
        self.fields["person"].choices = [("", BLANK_LABEL), *((p.key, p.name) for p in members)]
        self.fields["dated_on"].initial = timezone.localdate()
        blank_choices_named(self)


class VersionForm(forms.Form):
    file = _file_field()
    reason = forms.CharField(label=gettext_lazy("说明"), max_length=200,
                             help_text=gettext_lazy("为什么上传新版本,如:补盖公章、换成清晰的扫描件"))


class StudentForm(forms.Form):
    person = forms.ChoiceField(label=gettext_lazy("学生"), widget=DataSelect)
    school = forms.CharField(label=gettext_lazy("学校"), max_length=100)
    stage = forms.ChoiceField(label=gettext_lazy("学段"))
    grade = forms.CharField(label=gettext_lazy("年级"), max_length=40, required=False)
    enrolled_year = forms.IntegerField(label=gettext_lazy("入学年份"), min_value=2000, max_value=2100)
    opened_on = forms.DateField(label=gettext_lazy("建档日期"), widget=DateInput())

    def __init__(self, *args, candidates=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].choices = [("", BLANK_LABEL), *((p.key, p.name) for p in candidates)]
        self.fields["stage"].choices = [("", BLANK_LABEL),
                                        *((k, gettext_lazy(v)) for k, v in SCHOOLING.items() if k != "not_in_school")]
        self.fields["opened_on"].initial = timezone.localdate()
        blank_choices_named(self)


class AidForm(forms.Form):
    year = forms.IntegerField(label=gettext_lazy("年度"), min_value=2000, max_value=2100)
    kind = forms.ChoiceField(label=gettext_lazy("资助类型"), choices=StudentAid.Kind.choices)
    amount = forms.DecimalField(label=gettext_lazy("金额(元)"), max_digits=10, decimal_places=2, min_value=0)
    source = forms.CharField(label=gettext_lazy("资助来源"), max_length=100,
                             help_text=gettext_lazy("如:县教育局、学校、社会捐助"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", BLANK_LABEL), *StudentAid.Kind.choices]
        self.fields["year"].initial = timezone.localdate().year
        blank_choices_named(self)


class PlanForm(forms.Form):
    text = forms.CharField(label=gettext_lazy("帮扶方案"), widget=forms.Textarea(attrs={"rows": 6, "translate": "no"}))
    made_on = forms.DateField(label=gettext_lazy("制定日期"), widget=DateInput())
    reason = forms.CharField(label=gettext_lazy("修改原因"), max_length=200, required=False,
                             help_text=gettext_lazy("修改已有方案时必填"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["made_on"].initial = timezone.localdate()
