"""Forms of the projects core: a project, and each of its children (fund, expenditure,
asset, beneficiary joining and leaving, revenue, document). They only read what is typed;
every rule is the service's (services.projects), whose refusals the views put back on
the fields."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy

from neisheng.platform import scope
from neisheng.platform.widgets import BLANK_LABEL, DateInput, blank_choices_named
from neisheng.projects.models import Fund, Project, Revenue
from neisheng.registry.models import Division

MONEY = {"min_value": 0, "max_digits": 14, "decimal_places": 2}


def division_choices(user, *, levels=(3, 4, 5)) -> list:
    """The divisions in the user's scope (their own first), villages grouped under their
    town: [(code, label)] and (town name, [(code, label)]) groups for a select."""
    rows = list(scope.visible_to(user, Division).filter(level__in=levels).order_by("code")
                .only("code", "name", "level", "parent_id"))
    above = [d for d in rows if d.level < 5]
    villages: dict[str, list] = {}
    for d in rows:
        if d.level == 5:
            villages.setdefault(d.parent_id, []).append((d.code, f"{d.name}({d.code})"))
    choices: list = [(d.code, f"{d.name}({d.code})") for d in above]
    names = {d.code: d.name for d in above}
    for town, items in villages.items():
        choices.append((names.get(town) or town, items))
    return choices


class _Form(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        blank_choices_named(self)


class ProjectForm(_Form):
    division_code = forms.ChoiceField(label=gettext_lazy("主管区划"), widget=forms.Select(attrs={"translate": "no"}))
    served_codes = forms.MultipleChoiceField(
        label=gettext_lazy("受益区划"), required=False,
        widget=forms.SelectMultiple(attrs={"translate": "no", "size": 6}),
        help_text=gettext_lazy("可多选;不选则为主管区划本身。受益户须住在这些区划之内。"))
    number = forms.CharField(label=gettext_lazy("项目编号"), max_length=40, required=False)
    name = forms.CharField(label=gettext_lazy("项目名称"), max_length=120)
    kind = forms.ChoiceField(label=gettext_lazy("项目类型"), choices=[("", BLANK_LABEL), *Project.Kind.choices])
    started_on = forms.DateField(label=gettext_lazy("开工日期"), required=False, widget=DateInput())
    completed_on = forms.DateField(label=gettext_lazy("建成日期"), required=False, widget=DateInput())
    manager = forms.CharField(label=gettext_lazy("管护单位"), max_length=100, required=False)
    description = forms.CharField(label=gettext_lazy("项目内容"), required=False,
                                  widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, user, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        choices = division_choices(user)
        self.fields["division_code"].choices = [("", BLANK_LABEL), *choices]
        self.fields["served_codes"].choices = division_choices(user, levels=(4, 5))
        if user.division_id:
            self.fields["division_code"].initial = user.division_id
        if editing:
            # The running division holds the funds and revenue: it is not changed.
            del self.fields["division_code"]


class FundForm(_Form):
    source = forms.ChoiceField(label=gettext_lazy("资金来源"), choices=[("", BLANK_LABEL), *Fund.Source.choices])
    amount = forms.DecimalField(label=gettext_lazy("金额(元)"), **MONEY)
    received_on = forms.DateField(label=gettext_lazy("到位日期"), widget=DateInput())
    document_no = forms.CharField(label=gettext_lazy("文号"), max_length=80, required=False)
    note = forms.CharField(label=gettext_lazy("说明"), max_length=200, required=False)


class ExpenditureForm(_Form):
    # Options name the fund's document number (data).
    fund = forms.ChoiceField(label=gettext_lazy("资金"), widget=forms.Select(attrs={"translate": "no"}))
    amount = forms.DecimalField(label=gettext_lazy("金额(元)"), **MONEY)
    spent_on = forms.DateField(label=gettext_lazy("支出日期"), widget=DateInput())
    purpose = forms.CharField(label=gettext_lazy("用途"), max_length=200)
    payee = forms.CharField(label=gettext_lazy("收款单位"), max_length=120, required=False)
    voucher_no = forms.CharField(label=gettext_lazy("凭证号"), max_length=60, required=False)

    def __init__(self, *args, funds: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["fund"].choices = [("", BLANK_LABEL), *funds]
        if len(funds) == 1:
            self.fields["fund"].initial = funds[0][0]


class AssetForm(_Form):
    name = forms.CharField(label=gettext_lazy("资产名称"), max_length=120)
    value = forms.DecimalField(label=gettext_lazy("价值(元)"), **MONEY)
    location = forms.CharField(label=gettext_lazy("坐落"), max_length=120, required=False)
    holder = forms.CharField(label=gettext_lazy("产权或持有单位"), max_length=120, required=False)
    acquired_on = forms.DateField(label=gettext_lazy("形成日期"), required=False, widget=DateInput())
    note = forms.CharField(label=gettext_lazy("说明"), max_length=200, required=False)


class BeneficiaryForm(_Form):
    household = forms.CharField(label=gettext_lazy("户编号"), max_length=40)
    starts_on = forms.DateField(label=gettext_lazy("受益开始日期"), widget=DateInput())
    ends_on = forms.DateField(label=gettext_lazy("受益结束日期"), required=False, widget=DateInput())
    note = forms.CharField(label=gettext_lazy("说明"), max_length=200, required=False)


class BeneficiaryEndForm(_Form):
    ends_on = forms.DateField(label=gettext_lazy("受益结束日期"), widget=DateInput())


class RevenueForm(_Form):
    year = forms.IntegerField(label=gettext_lazy("年度"), min_value=2000, max_value=2100)
    kind = forms.ChoiceField(label=gettext_lazy("收益类型"), choices=[("", BLANK_LABEL), *Revenue.Kind.choices])
    amount = forms.DecimalField(label=gettext_lazy("金额(元)"), **MONEY)
    received_on = forms.DateField(label=gettext_lazy("到账日期"), widget=DateInput())
    payer = forms.CharField(label=gettext_lazy("付款单位"), max_length=120, required=False)
    note = forms.CharField(label=gettext_lazy("说明"), max_length=200, required=False)


class DocumentForm(_Form):
    title = forms.CharField(label=gettext_lazy("文件名称"), max_length=120,
                            help_text=gettext_lazy("如:立项批复、合同、验收报告"))
    file = forms.FileField(label=gettext_lazy("文件"))
