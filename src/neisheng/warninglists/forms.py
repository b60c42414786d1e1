"""The forms of the warning lists: handing rows over, and dismissing a row."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils.translation import gettext, gettext_lazy

from neisheng.platform.widgets import DateInput, blank_choices_named
from neisheng.warninglists.services import DISMISS_REASONS, cadres_for, towns_for


class HandoverForm(forms.Form):
    """To whom (a town of the user's division, or a cadre working in it), by when, and a
    note. `to` is "d:<division code>" or "u:<user id>"; the template draws the select
    with the names as data (translate="no")."""

    to = forms.ChoiceField(label=gettext_lazy("交办对象"))
    deadline = forms.DateField(label=gettext_lazy("办结期限"), widget=DateInput())
    note = forms.CharField(label=gettext_lazy("交办说明"), required=False, max_length=2000,
                           widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, user, default_deadline: dt.date, days: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.towns = list(towns_for(user))
        self.cadres = list(cadres_for(user))
        self.fields["to"].choices = [("", ""), *((f"d:{t.code}", t.name) for t in self.towns),
                                     *((f"u:{c.pk}", str(c)) for c in self.cadres)]
        self.fields["deadline"].initial = default_deadline
        self.fields["deadline"].help_text = gettext("默认为今天起 %(n)s 天(政策设定)。") % {
            "n": days}
        blank_choices_named(self)

    def groups(self) -> list[tuple[str, list[tuple[str, str]]]]:
        """The select's options by group (towns, cadres), names as data."""
        groups = []
        if self.towns:
            groups.append((gettext("乡镇"), [(f"d:{t.code}", t.name) for t in self.towns]))
        if self.cadres:
            groups.append((gettext("干部"), [(f"u:{c.pk}", f"{c} · {c.division.name}") for c in self.cadres]))
        return groups

    def target(self) -> dict:
        """The service's `to_division` or `to_user` for the chosen value."""
        kind, _, key = self.cleaned_data["to"].partition(":")
        if kind == "d":
            return {"to_division": next(t for t in self.towns if t.code == key)}
        return {"to_user": next(c for c in self.cadres if str(c.pk) == key)}


class DismissForm(forms.Form):
    reason = forms.ChoiceField(label=gettext_lazy("排除理由"), widget=forms.RadioSelect,
                               choices=list(DISMISS_REASONS.items()))
    other = forms.CharField(label=gettext_lazy("具体说明"), required=False, max_length=2000,
                            widget=forms.Textarea(attrs={"rows": 3}),
                            help_text=gettext_lazy("选择“其他”时必填;也可补充说明所选理由。"))

    def clean(self):
        cleaned = super().clean()
        code, other = cleaned.get("reason"), (cleaned.get("other") or "").strip()
        if code == "other" and not other:
            self.add_error("other", gettext("请说明排除的理由。"))
        return cleaned

    def reason_text(self) -> str:
        """What is stored: the chosen reason's Chinese words (the row page translates a
        known one), then the words typed, or the words typed alone for "other"."""
        code, other = self.cleaned_data["reason"], self.cleaned_data["other"].strip()
        if code == "other":
            return other
        label = DISMISS_REASONS[code]
        from django.utils import translation

        with translation.override("zh-hans"):
            chosen = str(label)
        return f"{chosen}:{other}" if other else chosen
