"""Sentences of engine.explain in the reader's language (the household page and the
cards other apps add to it):

    {% load explained %}
    {% say sentence names %}   人均纯收入 3,980 元 < 脱贫标准 4,500 元
                               Net income per person 3,980 yuan < poverty line 4,500 yuan

The sentence's Chinese msgid goes through gettext; amounts get thousands separators (no
".00" on whole yuan), shares become percentages, scores to three decimals at most (`|score`), labels
are translated and members are named from `names` (person_id → the name the page shows)
inside translate="no", since names are data, not words of either language.
"""

from __future__ import annotations

from decimal import Decimal

from django import template
from django.contrib.humanize.templatetags.humanize import intcomma
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext

from neisheng.accounts.masking import mask_id_number
from neisheng.engine.explain import Amount, Label, Labels, Members, Ratio, Score, Sentence

register = template.Library()


def amount(value: Decimal) -> str:
    """Yuan with separators: whole yuan without ".00", fen with two decimals, and more
    only when the engine kept them (a per-capita value that rounds onto a threshold)."""
    value = Decimal(value)
    if value == value.to_integral_value():
        return intcomma(int(value))
    cents = value.quantize(Decimal("0.01"))
    return intcomma(cents if cents == value else value.normalize())


def percent(value: Decimal) -> str:
    pct = Decimal(value) * 100
    return f"{int(pct)}%" if pct == pct.to_integral_value() else f"{pct.quantize(Decimal('0.1'))}%"


@register.filter
def score(value: float) -> str:
    """A score, cut-off or weight to three decimals at most, without trailing zeros
    (0.5, 0.375, 1), so 0.333 reads as the rounding of a third it is."""
    return f"{value:.3f}".rstrip("0").rstrip(".")


def _listed(parts) -> str:
    # The list separator is a word of the language: "、" in Chinese, ", " in English.
    return mark_safe(conditional_escape(gettext("、")).join(parts))


def _value(value, names: dict[str, str]) -> str:
    if isinstance(value, Amount):
        return conditional_escape(amount(value.value))
    if isinstance(value, Ratio):
        return conditional_escape(percent(value.value))
    if isinstance(value, Score):
        return conditional_escape(score(value.value))
    if isinstance(value, Label):
        return conditional_escape(gettext(value.text))
    if isinstance(value, Labels):
        return _listed(conditional_escape(gettext(t)) for t in value.texts)
    if isinstance(value, Members):
        # A member no longer in the household (after the run) is shown by the masked ID
        # number: the person id IS the ID number, never shown in full.
        return _listed(format_html('<span class="member" translate="no">{}</span>',
                                   names.get(pid) or mask_id_number(pid))
                       for pid in value.person_ids)
    if value is None:
        return "—"
    return conditional_escape(value)


@register.simple_tag
def say(sentence: Sentence, names: dict[str, str] | None = None) -> str:
    names = names or {}
    values = {key: _value(value, names) for key, value in sentence.values.items()}
    return mark_safe(conditional_escape(gettext(sentence.template)) % values)

