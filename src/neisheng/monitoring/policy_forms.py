"""The policy editor's form: the YAML of one year's policy, checked by the policy parser
(neisheng.policy) so each mistake is shown beside the text, named by its key, in the
page's language."""

from __future__ import annotations

from django import forms
from django.utils.html import format_html
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from neisheng.monitoring.policies import policy_text_problem


class PolicyVersionForm(forms.Form):
    year = forms.IntegerField(label=_("政策年度"), min_value=2000, max_value=2100, widget=forms.HiddenInput)
    text = forms.CharField(
        label=_("政策全文(YAML)"), strip=False,
        widget=forms.Textarea(attrs={"rows": 28, "spellcheck": "false", "class": "code", "translate": "no",
                                     "autocapitalize": "off", "autocomplete": "off"}),
        help_text=_("保存为新版本;启用前不影响任何运行。"),
    )
    note = forms.CharField(label=_("修改说明"), max_length=300, required=False)

    def clean(self):
        data = super().clean()
        if "year" in data and "text" in data:
            problem = policy_text_problem(year=data["year"], text=data["text"])
            if problem is not None:
                sentence = problem.en if (get_language() or "").startswith("en") else problem.zh
                # The key is code (as the YAML spells it): marked so the page's language
                # scan and translators leave it alone.
                self.add_error("text", format_html('<code translate="no">{}</code>: {}',
                                                   problem.key, sentence))
        return data
