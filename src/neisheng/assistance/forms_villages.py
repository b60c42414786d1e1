"""Forms of the poor-village list and the villages' specialty industries: the village is
chosen with the town → village picker among the villages of the user's division."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from neisheng.engine.schema import VILLAGE_LEVEL
from neisheng.platform import scope
from neisheng.platform.widgets import BLANK_LABEL, ParentChildSelect
from neisheng.registry.models import Division


def village_field(user) -> forms.ChoiceField:
    villages = list(scope.visible_to(user, Division).filter(level=VILLAGE_LEVEL).order_by("code")
                    .only("code", "name", "parent_id"))
    towns = Division.objects.filter(code__in={v.parent_id for v in villages}).order_by("code")
    # Django's own message repeats the value sent: a code from outside the scope would
    # come back on the page.
    field = forms.ChoiceField(label=_("村"), choices=[("", BLANK_LABEL)] + [(v.code, v.name) for v in villages],
                              error_messages={"invalid_choice": _("请从列表中选择本辖区的村。")})
    field.widget = ParentChildSelect(parents=[(t.code, t.name) for t in towns],
                                     parent_of={v.code: v.parent_id for v in villages})
    field.widget.choices = field.choices
    field.widget.is_required = True
    return field


def _year_field(label, initial=None) -> forms.IntegerField:
    # A year is a code, not an amount: no thousands separator in the input.
    return forms.IntegerField(label=label, min_value=1978, max_value=2100, initial=initial,
                              widget=forms.NumberInput(attrs={"inputmode": "numeric"}))


class PoorVillageForm(forms.Form):
    def __init__(self, *args, user, year: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["village"] = village_field(user)
        self.fields["listed_year"] = _year_field(_("列入年度"), initial=2014)


class VillageIndustryForm(forms.Form):
    def __init__(self, *args, user, year: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["village"] = village_field(user)
        self.fields["name"] = forms.CharField(label=_("产业"), max_length=100,
                                              help_text=_("例如:高山脆李、中药材、生态养蜂"))
        self.fields["since"] = _year_field(_("起始年度"), initial=year)


class IndustryEndForm(forms.Form):
    def __init__(self, *args, year: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["ended"] = _year_field(_("停止年度"), initial=year)
        self.fields["ended"].help_text = _("从这一年起不再计入覆盖情况。")
