"""User administration (RuoYi's 用户管理 and 角色管理): the users an administrator
manages, their history, and the roles × capabilities table.

An administrator with a division sees and changes only the users under it (anyone else
is "no such user", 404) and assigns only divisions under it; accounts.services checks
the same again on every write."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import F, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from neisheng.accounts import services
from neisheng.accounts.access import CAPABILITIES, ROLE_CAPABILITIES, USERS_MANAGE, Role
from neisheng.accounts.models import User
from neisheng.platform import scope
from neisheng.platform.access import requires
from neisheng.platform.audit import audit_event_sentences, audit_events_visible_to
from neisheng.platform.listing import Column, Filter, ListQuery, list_context, list_page
from neisheng.platform.user_forms import (
    DISABLED,
    ENABLED,
    Division,
    PasswordResetForm,
    UserCreateForm,
    UserEditForm,
)
from neisheng.platform.widgets import blank_choices_named

USER_PAGE_SIZE = 50
USER_HISTORY_SIZE = 20


def managed_users(actor):
    """The users `actor` manages: those under its division (everyone, for an unbounded
    administrator); a bounded administrator never reaches a superuser."""
    users = scope.visible_to(actor, User.objects.select_related("division"))
    if actor.division_id is not None:
        users = users.filter(is_superuser=False)
    return users


def _user_or_404(actor, pk) -> User:
    user = managed_users(actor).filter(pk=pk).first()
    if user is None or not services.user_is_managed_by(actor, user):
        raise Http404
    return user


def _form_errors_from(form, error: ValidationError) -> None:
    fields = set(form.fields)
    for field, messages_ in error.message_dict.items() if hasattr(error, "error_dict") else [(None, error.messages)]:
        form.add_error(field if field in fields else None, messages_)


USER_COLUMNS = [
    Column("username", gettext_lazy("用户名"), order_by=("username",), css="primary"),
    Column("name", gettext_lazy("姓名"), order_by=("display_name",), css="primary"),
    Column("role", gettext_lazy("角色"), order_by=("role",)),
    Column("division", gettext_lazy("区划"), order_by=("division_id",)),
    Column("phone", gettext_lazy("手机")),
    Column("active", gettext_lazy("状态"), order_by=("-is_active",)),
    Column("last_login", gettext_lazy("最近登录"), order_by=(F("last_login").desc(nulls_last=True),)),
]


def _division_filter_choices(actor, chosen: str) -> tuple[list, frozenset]:
    """The divisions to filter by: those above the villages in the actor's scope, and
    the villages of the chosen town (or of the chosen village's town) — a county has
    thousands of villages, too many for one select."""
    under = scope.visible_to(actor, Division).filter(level__lte=5)
    picked = under.filter(code=chosen).values_list("level", "parent_id").first() if chosen else None
    open_town = (chosen if picked[0] == 4 else picked[1]) if picked and picked[0] in (4, 5) else None
    choices, villages = [], []
    for code, name, level, parent in under.order_by("code").values_list("code", "name", "level", "parent_id"):
        if level < 5:
            choices.append((code, name))
            if code == open_town:
                choices.extend(villages)
        elif parent == open_town:
            villages.append((code, name))
            choices.append((code, name))
    return choices, frozenset(code for code, _name in villages)


@requires(USERS_MANAGE)
@require_http_methods(["GET", "HEAD"])
def user_list(request):
    actor = request.user
    divisions, indented = _division_filter_choices(actor, (request.GET.get("division") or "").strip())
    filters = [
        Filter("role", gettext_lazy("角色"), choices=Role.choices),
        Filter("division", gettext_lazy("区划"), choices=divisions, translate=False, indent=indented),
        Filter("active", gettext_lazy("状态"), choices=[("1", ENABLED), ("0", DISABLED)]),
    ]
    query = ListQuery(request.GET, columns=USER_COLUMNS, filters=filters, default_sort="username",
                      path=reverse("accounts:user_list"), search_label=gettext_lazy("用户名或姓名"))
    users = managed_users(actor)
    if query.q:
        users = users.filter(Q(username__icontains=query.q) | Q(display_name__icontains=query.q))
    if "role" in query.values:
        users = users.filter(role=query.values["role"])
    if "division" in query.values:
        prefix = Division.objects.get(code=query.values["division"]).prefix
        users = users.filter(division_id__gte=prefix.ljust(12, "0"), division_id__lte=prefix.ljust(12, "9"))
    if "active" in query.values:
        users = users.filter(is_active=query.values["active"] == "1")
    users = users.order_by(*query.order_by(tiebreak=["username", "pk"]))
    page = list_page([users], query=query, counts=[users.count()])
    return render(request, "accounts/user_list.html", list_context(query, page))


@requires(USERS_MANAGE)
@require_http_methods(["GET", "HEAD", "POST"])
def user_new(request):
    form = UserCreateForm(request.POST or None, actor=request.user)
    blank_choices_named(form)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = services.user_create(
                actor=request.user, username=data["username"], display_name=data["display_name"],
                role=data["role"], division=data["division"], phone=data["phone"], password=data["password1"],
                request=request)
        except ValidationError as exc:
            _form_errors_from(form, exc)
        else:
            messages.success(request, _("已新增用户"))
            return redirect("accounts:user_detail", pk=user.pk)
    return render(request, "accounts/user_form.html", {
        "form": form, "title": _("新增用户"), "cancel_url": reverse("accounts:user_list"),
        "submit_label": _("新增用户"),
    })


@requires(USERS_MANAGE)
@require_http_methods(["GET", "HEAD"])
def user_detail(request, pk: int):
    user = _user_or_404(request.user, pk)
    history = list(audit_events_visible_to(request.user).filter(object_type="user", object_id=str(user.pk))
                   [:USER_HISTORY_SIZE])
    return render(request, "accounts/user_detail.html", {
        "subject": user, "is_self": user.pk == request.user.pk,
        "history": list(zip(history, audit_event_sentences(history), strict=True)),
        "history_url": reverse("platform:audit") + f"?object_type=user&object_id={user.pk}",
    })


@requires(USERS_MANAGE)
@require_http_methods(["GET", "HEAD", "POST"])
def user_edit(request, pk: int):
    user = _user_or_404(request.user, pk)
    form = UserEditForm(request.POST or None, actor=request.user, user=user)
    blank_choices_named(form)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.user_update(actor=request.user, user=user, display_name=data["display_name"],
                                 role=data["role"], division=data["division"], phone=form.phone(),
                                 request=request)
        except ValidationError as exc:
            _form_errors_from(form, exc)
        else:
            messages.success(request, _("已保存"))
            return redirect("accounts:user_detail", pk=user.pk)
    detail_url = reverse("accounts:user_detail", args=[user.pk])
    return render(request, "accounts/user_form.html", {
        "form": form, "title": _("修改用户"), "subject": user.username, "cancel_url": detail_url,
        "back_url": detail_url, "back_label": _("返回用户"),
    })


def _set_active(request, pk: int, *, active: bool):
    user = _user_or_404(request.user, pk)
    change = services.user_enable if active else services.user_disable
    try:
        change(actor=request.user, user=user, request=request)
    except PermissionDenied as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("已启用该用户") if active else _("已停用该用户，他不能再登录"))
    return redirect("accounts:user_detail", pk=user.pk)


@requires(USERS_MANAGE)
@require_POST
def user_disable(request, pk: int):
    return _set_active(request, pk, active=False)


@requires(USERS_MANAGE)
@require_POST
def user_enable(request, pk: int):
    return _set_active(request, pk, active=True)


@requires(USERS_MANAGE)
@require_http_methods(["GET", "HEAD", "POST"])
def user_password(request, pk: int):
    user = _user_or_404(request.user, pk)
    form = PasswordResetForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.user_password_reset(actor=request.user, user=user, password=form.cleaned_data["password1"],
                                         request=request)
        except ValidationError as exc:
            _form_errors_from(form, exc)
        else:
            messages.success(request, _("密码已重置；该用户的登录已全部退出，需用新密码重新登录"))
            return redirect("accounts:user_detail", pk=user.pk)
    detail_url = reverse("accounts:user_detail", args=[user.pk])
    return render(request, "accounts/user_form.html", {
        "form": form, "title": _("重置密码"), "subject": user.username, "cancel_url": detail_url,
        "back_url": detail_url, "back_label": _("返回用户"), "submit_label": _("重置密码"),
    })


@requires(USERS_MANAGE)
@require_http_methods(["GET", "HEAD"])
def roles(request):
    """Roles × capabilities, read from the one table (accounts.access): who may do what."""
    role_list = list(Role)
    rows = [(capability, description, [(role, capability in ROLE_CAPABILITIES[role]) for role in role_list])
            for capability, description in CAPABILITIES.items()]
    return render(request, "accounts/roles.html", {"roles": role_list, "rows": rows})

