"""Widgets every app's forms reuse (docs/ui.md, "Form page").

- `blank_choices_named(form)`: the empty choice of every select reads "请选择", never
  Django's "---------".
- `ParentChildSelect`: one field shown as two selects, e.g. town → village. The parent
  select only narrows the child's options (site.js, "form pattern"); it is not submitted.
  Without script the parent stays hidden and the child lists its options in <optgroup>s
  by parent, so the choice is still one select away.
- `LabelledScale`: a small integer scale (脱贫意愿 1–5) as radio buttons, each with its
  words, the values at or below a policy cut-off marked.
- `DateInput`: the browser's date picker (type=date), values in ISO form.

The platform knows no model: the registry hands the widgets plain (code, label) pairs
of the divisions in the user's scope.
"""

from __future__ import annotations

from collections.abc import Sequence

from django import forms
from django.utils.translation import gettext_lazy as _

BLANK_LABEL = _("请选择")
TOWN_LABEL = _("乡镇")
ALL_TOWNS_LABEL = _("全部乡镇")
DJANGO_BLANK = "---------"


def blank_choice() -> list[tuple[str, str]]:
    return [("", BLANK_LABEL)]


def blank_choices_named(form: forms.BaseForm) -> None:
    """Name the empty choice of every select of `form` "请选择" (the model fields'
    defaults and ModelChoiceField's empty_label say "---------")."""
    for field in form.fields.values():
        if isinstance(field, forms.ModelChoiceField):
            if field.empty_label is not None:
                field.empty_label = BLANK_LABEL
            continue
        if isinstance(field, forms.ChoiceField):
            choices = list(field.choices)
            if choices and choices[0][0] in ("", None) and str(choices[0][1]) == DJANGO_BLANK:
                field.choices = [("", BLANK_LABEL), *choices[1:]]


class DateInput(forms.DateInput):
    """The browser's own date picker; the value must be ISO (YYYY-MM-DD) for it."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class ParentChildSelect(forms.Select):
    """A select of children (villages) preceded by a select of their parents (towns).

    `parents`: [(code, label)]; `parent_of`: {child code: parent code}. The child's
    choices are grouped by parent here, so a form only gives the flat list. Every option
    carries `data-parent`; site.js fills the child select with the chosen parent's
    options only. `parent_label` names the parent select for screen readers and eyes."""

    template_name = "patterns/widgets/parent_child_select.html"

    def __init__(self, attrs=None, *, parents: Sequence[tuple[str, str]] = (),
                 parent_of: dict[str, str] | None = None, parent_label=TOWN_LABEL,
                 all_parents_label=ALL_TOWNS_LABEL):
        super().__init__(attrs=attrs)
        self.parents = list(parents)
        self.parent_of = dict(parent_of or {})
        self.parent_label = parent_label
        self.all_parents_label = all_parents_label

    def optgroups(self, name, value, attrs=None):
        """The flat choices, grouped under their parent's label in the parents' order."""
        labels = dict(self.parents)
        blank, by_parent, orphans = [], {code: [] for code, _label in self.parents}, []
        for index, (option_value, option_label) in enumerate(self.choices):
            key = "" if option_value is None else str(option_value)
            if key == "":
                blank.append((index, option_value, option_label))
                continue
            parent = self.parent_of.get(key)
            by_parent.get(parent, orphans).append((index, option_value, option_label))
        groups = []
        chosen = {str(v) for v in value if v is not None}
        for parent_code, entries in [(None, blank), *by_parent.items(), (None, orphans)]:
            if not entries:
                continue
            subgroup = [
                self.create_option(name, option_value, option_label, str(option_value) in chosen, index,
                                   attrs=attrs)
                for index, option_value, option_label in entries
            ]
            group_name = labels.get(parent_code) if parent_code else None
            groups.append((group_name, subgroup, entries[0][0]))
        return groups

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex=subindex, attrs=attrs)
        parent = self.parent_of.get("" if value is None else str(value))
        if parent:
            option["attrs"]["data-parent"] = parent
        if value not in ("", None):
            option["attrs"]["translate"] = "no"  # a division's name is data
        return option

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        chosen = next((v for v in context["widget"]["value"] if v), None)
        context["widget"]["parent"] = {
            "id": f"{context['widget']['attrs'].get('id', name)}_parent",
            "label": self.parent_label,
            "all_label": self.all_parents_label,
            "choices": self.parents,
            "selected": self.parent_of.get(str(chosen)) if chosen else None,
        }
        return context


class LabelledScale(forms.RadioSelect):
    """A scale of whole numbers as radio buttons, each with its words ("1 没有意愿").

    `marked_at_most`: values at or below it are marked (class "scale-marked" and the
    `marked_label` words), e.g. the policy's willingness_deprived_at_most, so the cut-off
    the engine applies is visible where the value is typed."""

    template_name = "patterns/widgets/labelled_scale.html"
    option_template_name = "patterns/widgets/labelled_scale_option.html"

    def __init__(self, attrs=None, choices=(), *, marked_at_most: int | None = None, marked_label=""):
        super().__init__(attrs=attrs, choices=choices)
        self.marked_at_most = marked_at_most
        self.marked_label = marked_label

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex=subindex, attrs=attrs)
        option["number"] = value
        option["marked"] = (self.marked_at_most is not None and value not in ("", None)
                            and int(value) <= self.marked_at_most)
        option["marked_label"] = self.marked_label
        return option

