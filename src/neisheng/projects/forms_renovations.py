"""Forms of renovations and price lists: the renovation, a line item (its code chosen
from the renovation's own list), a photo, the auditor's on-site check, and the price
list's import (a name and a date beside the file)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from neisheng.assistance.imports import ACCEPTED_SUFFIXES, ActivityImportForm
from neisheng.platform.widgets import DateInput, blank_choice, blank_choices_named
from neisheng.projects.models import PriceList, Project, RenovationItem, RenovationPhoto


class RenovationForm(forms.Form):
    household = forms.CharField(label=_("户编号"), max_length=20)
    done_on = forms.DateField(label=_("完工日期"), widget=DateInput())
    contractor = forms.CharField(label=_("施工方"), max_length=120, required=False)
    project = forms.ModelChoiceField(label=_("所属项目"), queryset=Project.objects.none(), required=False)
    note = forms.CharField(label=_("说明"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, projects=None, household_given: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if household_given:
            del self.fields["household"]
        if projects is not None:
            self.fields["project"].queryset = projects
        # Project names are data.
        self.fields["project"].widget.attrs["translate"] = "no"
        blank_choices_named(self)


class ItemForm(forms.Form):
    item_code = forms.ChoiceField(label=_("项目编码"))
    kind = forms.ChoiceField(label=_("类别"), choices=[])
    quantity = forms.DecimalField(label=_("数量"), max_digits=12, decimal_places=3, min_value=0)
    unit_price = forms.DecimalField(label=_("单价(元)"), max_digits=12, decimal_places=2, min_value=0)

    def __init__(self, *args, price_list: PriceList, **kwargs):
        super().__init__(*args, **kwargs)
        # The items' names are data (the county's list): the select is not translated.
        self.fields["item_code"].choices = [*blank_choice(), *(
            (r.item_code, f"{r.item_code} {r.name}({r.unit})") for r in price_list.items.all())]
        self.fields["item_code"].widget.attrs["translate"] = "no"
        self.fields["kind"].choices = [*blank_choice(), *RenovationItem.Kind.choices]


class PhotoForm(forms.Form):
    moment = forms.ChoiceField(label=_("时点"), choices=[], widget=forms.RadioSelect)
    file = forms.FileField(label=_("照片"), help_text=_("照片文件,以文件内容识别格式"),
                           widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png"}))
    caption = forms.CharField(label=_("说明"), max_length=200, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["moment"].choices = RenovationPhoto.Moment.choices


class SiteCheckForm(forms.Form):
    checked_on = forms.DateField(label=_("核查日期"), widget=DateInput())
    checked = forms.TypedChoiceField(label=_("核查结果"), coerce=lambda v: v == "yes", widget=forms.RadioSelect,
                                     choices=[("yes", _("核查属实")), ("no", _("核查不符"))])
    remarks = forms.CharField(label=_("核查意见"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
                              help_text=_("核查不符时必填"))


class PriceListImportForm(ActivityImportForm):
    name = forms.CharField(label=_("价格表名称"), max_length=120)
    effective_on = forms.DateField(label=_("执行日期"), widget=DateInput())
    county = forms.ChoiceField(label=_("县"), choices=[], required=False)

    field_order = ("name", "effective_on", "county", "file")

    def __init__(self, *args, counties=None, **kwargs):
        super().__init__(*args, **kwargs)
        if counties is None:
            del self.fields["county"]
        else:
            self.fields["county"].required = True
            self.fields["county"].choices = [*blank_choice(), *counties]
            self.fields["county"].widget.attrs["translate"] = "no"
        self.fields["file"].widget.attrs["accept"] = ",".join(ACCEPTED_SUFFIXES)
        self.order_fields(self.field_order)
