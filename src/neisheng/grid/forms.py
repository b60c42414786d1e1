"""The grid's forms (docs/ui.md, "Form page"). They only read what was typed; every rule
is the services' (grid/services.py), whose refusal the view shows next to the form."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from neisheng.grid.models import Cadre, CadreKind
from neisheng.grid.services import CAPACITY_MAX, SERVED_LEVELS
from neisheng.platform import scope
from neisheng.platform.widgets import BLANK_LABEL, DateInput, ParentChildSelect, blank_choices_named
from neisheng.registry.models import Division


class DataSelect(forms.Select):
    """A select whose options are data (names, codes): marked translate="no"."""

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex=subindex, attrs=attrs)
        if value not in ("", None):
            option["attrs"]["translate"] = "no"
        return option


def cadre_label(cadre: Cadre, load: int | None = None) -> str:
    text = f"{cadre.name}（{cadre.cadre_id}）"
    return text if load is None else f"{text} {load}"


def division_choices(user) -> tuple[list, ParentChildSelect]:
    """The places a cadre may serve, in the user's scope: counties, towns and villages,
    as the town → village picker (a town is offered under itself, with its villages)."""
    divisions = list(scope.visible_to(user, Division).filter(level__in=SERVED_LEVELS).order_by("code")
                     .only("code", "name", "level", "parent_id"))
    towns = [d for d in divisions if d.level == 4]
    parent_of = {d.code: d.parent_id for d in divisions if d.level == 5}
    parent_of.update({t.code: t.code for t in towns})
    choices = [("", BLANK_LABEL)] + [(d.code, f"{d.name}（{d.code}）") for d in divisions]
    widget = ParentChildSelect(parents=[(t.code, t.name) for t in towns], parent_of=parent_of)
    widget.choices = choices
    return choices, widget


class CadreForm(forms.Form):
    cadre_id = forms.CharField(label=_("干部编号"), max_length=32)
    name = forms.CharField(label=_("姓名"), max_length=64)
    kind = forms.ChoiceField(label=_("类别"), choices=CadreKind.choices, initial=CadreKind.ASSISTANCE)
    unit = forms.CharField(label=_("工作单位"), max_length=100, required=False)
    post = forms.CharField(label=_("职务"), max_length=64, required=False)
    division_code = forms.ChoiceField(label=_("服务区划"))
    phone = forms.CharField(label=_("联系电话"), max_length=20, required=False)
    capacity = forms.IntegerField(label=_("包户上限"), min_value=0, max_value=CAPACITY_MAX, required=False,
                                  help_text=_("留空按政策规定的每人包户上限"))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        choices, widget = division_choices(user)
        self.fields["division_code"].choices = choices
        self.fields["division_code"].widget = widget
        self.fields["phone"].widget.attrs.update({"inputmode": "tel", "autocomplete": "off"})
        blank_choices_named(self)


class PhotoForm(forms.Form):
    photo = forms.FileField(label=_("照片"), help_text=_("图片文件，保存时缩小到最长边 600 像素"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["photo"].widget.attrs["accept"] = "image/*"


class _Dated(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field, forms.DateField):
                field.widget = DateInput()
                field.initial = timezone.localdate()


class EndForm(_Dated):
    """Ending a pair, or a cadre's leaving (every pair of theirs ends)."""

    on = forms.DateField(label=_("解除日期"))
    reason = forms.CharField(label=_("解除原因"), widget=forms.Textarea(attrs={"rows": 3}))


class DeactivateForm(EndForm):
    on = forms.DateField(label=_("离岗日期"))
    reason = forms.CharField(label=_("原因"), widget=forms.Textarea(attrs={"rows": 3}))


class CadreChoiceField(forms.ModelChoiceField):
    def __init__(self, *args, loads: dict | None = None, **kwargs):
        self.loads = loads or {}
        super().__init__(*args, **kwargs)

    def label_from_instance(self, cadre):
        return cadre_label(cadre)


def _cadre_field(field: forms.ModelChoiceField, queryset) -> None:
    field.queryset = queryset
    field.widget = DataSelect(choices=field.choices)
    field.empty_label = BLANK_LABEL
    field.widget.choices = field.choices


class HouseholdPairForm(_Dated):
    """包户 for a household: a new pair, or a change of cadre (the reason is then required
    by the service: the old pair ends with it)."""

    cadre = CadreChoiceField(label=_("帮扶责任人"), queryset=Cadre.objects.none())
    on = forms.DateField(label=_("结对日期"))
    reason = forms.CharField(label=_("更换原因"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, cadres, changing: bool, **kwargs):
        super().__init__(*args, **kwargs)
        _cadre_field(self.fields["cadre"], cadres)
        if changing:
            self.fields["on"].label = _("更换日期")
            self.fields["reason"].required = True
        else:
            del self.fields["reason"]


class LeaderPairForm(_Dated):
    leader = CadreChoiceField(label=_("包村领导"), queryset=Cadre.objects.none())
    on = forms.DateField(label=_("结对日期"))

    def __init__(self, *args, cadres, **kwargs):
        super().__init__(*args, **kwargs)
        _cadre_field(self.fields["leader"], cadres)


class AreaPairForm(_Dated):
    cadre = CadreChoiceField(label=_("村干部"), queryset=Cadre.objects.none())
    area = forms.CharField(label=_("片区"), max_length=64, help_text=_("例如：一组、二组"))
    on = forms.DateField(label=_("结对日期"))

    def __init__(self, *args, cadres, **kwargs):
        super().__init__(*args, **kwargs)
        _cadre_field(self.fields["cadre"], cadres)


class ImportForm(forms.Form):
    workbook = forms.FileField(label=_("Excel 工作簿"), help_text=_("按模板填写：干部、包户，可选包村、包片"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["workbook"].widget.attrs["accept"] = ".xlsx"
