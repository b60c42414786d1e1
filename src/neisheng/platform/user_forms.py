"""Forms of the user administration pages. They offer only what the administrator may
assign (divisions in its scope); accounts.services checks it again on every write."""

from __future__ import annotations

from django import forms
from django.contrib.auth.password_validation import password_validators_help_text_html
from django.utils.translation import gettext_lazy as _

from neisheng.accounts.access import Role
from neisheng.accounts.masking import mask_phone
from neisheng.accounts.models import User
from neisheng.platform import scope
from neisheng.platform.widgets import BLANK_LABEL, ParentChildSelect

# The registry's division model, reached through the user relation (platform lies below
# the registry and imports nothing of it).
Division = User._meta.get_field("division").related_model

ENABLED, DISABLED = _("启用"), _("停用")


def division_choices(actor) -> tuple[list, list, dict]:
    """(choices, towns, parent_of) of the divisions the actor may assign: those under its
    division (every one for an unbounded administrator), the villages grouped by town."""
    divisions = list(scope.visible_to(actor, Division).filter(level__lte=5).order_by("code")
                     .values_list("code", "name", "level", "parent_id"))
    towns = [(code, name) for code, name, level, _parent in divisions if level == 4]
    town_codes = {code for code, _name in towns}
    parent_of = {}
    for code, _name, level, parent in divisions:
        if level == 5 and parent in town_codes:
            parent_of[code] = parent
        elif level == 4:
            parent_of[code] = code  # a town is chosen among its own villages
    choices = [(code, f"{name} {code}") for code, name, _level, _parent in divisions]
    return choices, towns, parent_of


class DivisionChoiceField(forms.ChoiceField):
    """A division code in the actor's scope, cleaned to the Division (None when empty)."""

    def __init__(self, *, actor, **kwargs):
        choices, towns, parent_of = division_choices(actor)
        super().__init__(choices=[("", BLANK_LABEL), *choices],
                         widget=ParentChildSelect(parents=towns, parent_of=parent_of), **kwargs)

    def clean(self, value):
        code = super().clean(value)
        return Division.objects.filter(code=code).first() if code else None


def _role_field():
    return forms.ChoiceField(label=_("角色"), choices=[("", BLANK_LABEL), *Role.choices])


class _UserFields(forms.Form):
    display_name = forms.CharField(label=_("姓名"), max_length=64,
                                   widget=forms.TextInput(attrs={"placeholder": _("如：张三")}))

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"] = _role_field()
        self.fields["division"] = DivisionChoiceField(
            actor=actor, label=_("所属区划"), required=False,
            help_text=_("用户只能看到此区划以内的内容；只有系统管理员可以不指定。"))
        self.fields["phone"] = forms.CharField(
            label=_("手机"), max_length=20, required=False,
            widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off", "placeholder": _("11 位手机号")}))


def _passwords_match(form, first: str, second: str) -> None:
    one, two = form.cleaned_data.get(first), form.cleaned_data.get(second)
    if one and two and one != two:
        form.add_error(second, _("两次输入的密码不一致"))


class UserCreateForm(_UserFields):
    field_order = ("username", "display_name", "role", "division", "phone", "password1", "password2")

    username = forms.CharField(label=_("用户名"), max_length=150,
                               widget=forms.TextInput(attrs={"autocomplete": "off", "placeholder": _("登录用的名字")}))
    password1 = forms.CharField(label=_("初始密码"), strip=False,
                                widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
                                help_text=password_validators_help_text_html())
    password2 = forms.CharField(label=_("再次输入密码"), strip=False,
                                widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, actor=actor, **kwargs)
        self.order_fields(self.field_order)

    def clean(self):
        cleaned = super().clean()
        _passwords_match(self, "password1", "password2")
        return cleaned


class UserEditForm(_UserFields):
    """The phone number is never shown in full here: the field starts empty (its masked
    value as placeholder) and an empty field keeps the number."""

    clear_phone = forms.BooleanField(label=_("删除手机号"), required=False)

    def __init__(self, *args, actor, user: User, **kwargs):
        initial = {"display_name": user.display_name, "role": user.role, "division": user.division_id or ""}
        super().__init__(*args, actor=actor, initial=initial, **kwargs)
        self.order_fields(["display_name", "role", "division", "phone", "clear_phone"])
        self.user = user
        if user.phone:
            self.fields["phone"].widget.attrs["placeholder"] = mask_phone(user.phone)
            self.fields["phone"].help_text = _("留空则不修改")
        else:
            del self.fields["clear_phone"]

    def phone(self) -> str:
        if self.cleaned_data.get("clear_phone"):
            return ""
        return self.cleaned_data.get("phone") or self.user.phone


class PasswordResetForm(forms.Form):
    password1 = forms.CharField(label=_("新密码"), strip=False,
                                widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
                                help_text=password_validators_help_text_html())
    password2 = forms.CharField(label=_("再次输入新密码"), strip=False,
                                widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))

    def clean(self):
        cleaned = super().clean()
        _passwords_match(self, "password1", "password2")
        return cleaned
