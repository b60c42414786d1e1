"""Writes of the accounts workflow: the audit trail and the administration of users."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from neisheng.accounts.access import SCOPE_UNBOUNDED, USERS_MANAGE, Role, user_may
from neisheng.accounts.masking import mask_phone
from neisheng.accounts.models import AuditEvent, User


def _client_ip(request) -> str | None:
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR")


@transaction.atomic
def audit_record(*, user: User | None, action: str, division_code: str | None, object_type: str = "",
                 object_id: str = "", detail: dict | None = None, request=None) -> AuditEvent:
    """The one writer of the audit trail. `division_code` is the division the event
    concerns (required, so no caller can forget it; None or "" for none): the audit log
    is scoped by it alone (neisheng.platform.audit), whatever the object type."""
    return AuditEvent.objects.create(
        division_code=division_code or "",
        user=user if (user is not None and user.is_authenticated) else None,
        username=getattr(user, "username", "") or "",
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        detail=detail or {},
        ip_address=_client_ip(request),
    )


def _division_of(user: User | None) -> str:
    return (user.division_id or "") if user is not None else ""


LOGIN_FAILURES_OVER_LIMIT = "over_limit"


@transaction.atomic
def audit_login_failure_record(*, username: str, request=None) -> AuditEvent:
    """A failed sign-in, under the username that was typed (linked to that user if one
    exists). The password is never passed here, so it can never be stored.

    Failures are counted, not written one row each: someone typing ever-new usernames
    could otherwise fill the audit table without limit. Within one window
    (settings.AUDIT_LOGIN_FAILURE_WINDOW) every attempt with the same username from the
    same address adds to one row's detail["attempts"]; each account, and all unknown
    usernames together, get at most settings.AUDIT_LOGIN_FAILURE_ROWS such rows per
    window, after which one "over_limit" row counts the rest. The total stays exact."""
    typed = (username or "")[:150]
    address = _client_ip(request)
    now = timezone.now()
    user = User.objects.filter(username=typed).first() if typed else None
    in_window = AuditEvent.objects.select_for_update().filter(
        action=AuditEvent.Action.LOGIN_FAILED, at__gte=now - settings.AUDIT_LOGIN_FAILURE_WINDOW,
    )
    # The account attacked, or all unknown usernames as one: each has its own budget.
    in_window = in_window.filter(user=user) if user is not None else in_window.filter(user__isnull=True)
    # Marked in object_id, not only in detail: a JSON key that is absent is NULL in SQL,
    # which an exclude() on it would silently drop.
    counted = in_window.exclude(object_id=LOGIN_FAILURES_OVER_LIMIT)

    event = counted.filter(username=typed, ip_address=address).order_by("-at", "-id").first()
    if event is None and counted.count() >= settings.AUDIT_LOGIN_FAILURE_ROWS:
        event = in_window.filter(object_id=LOGIN_FAILURES_OVER_LIMIT).order_by("-at", "-id").first()
        if event is None:
            return AuditEvent.objects.create(
                user=user, username=typed if user is not None else "", division_code=_division_of(user),
                action=AuditEvent.Action.LOGIN_FAILED, object_type="user", object_id=LOGIN_FAILURES_OVER_LIMIT,
                ip_address=address, detail={"over_limit": True, "attempts": 1, "last_at": now.isoformat()},
            )
    if event is not None:
        event.detail = {**event.detail, "attempts": int(event.detail.get("attempts", 1)) + 1,
                        "last_at": now.isoformat()}
        event.save(update_fields=["detail"])
        return event
    return AuditEvent.objects.create(
        user=user,
        username=typed,
        division_code=_division_of(user),
        action=AuditEvent.Action.LOGIN_FAILED,
        object_type="user",
        ip_address=address,
        detail={"attempts": 1},
    )


@transaction.atomic
def api_token_issue(*, username: str, renew: bool = False) -> str:
    """The API token of the active user `username` (created on first use; replaced when
    `renew`), recorded in the audit log when created. Raises LookupError with one
    sentence when there is no such active user."""
    from rest_framework.authtoken.models import Token

    user = User.objects.filter(username=username, is_active=True).first()
    if user is None:
        raise LookupError(f"没有启用的用户 {username!r} / no active user {username!r}")
    if renew:
        Token.objects.filter(user=user).delete()
    token, created = Token.objects.get_or_create(user=user)
    if created:
        audit_record(user=None, action=AuditEvent.Action.CREATE, division_code=user.division_id,
                     object_type="api_token",
                     object_id=str(user.pk), detail={"username": user.username, "renewed": renew})
    return token.key


# Readable words for demo passwords (pinyin of things in a mountain county).
_PASSWORD_WORDS = (
    "shanshui", "tianye", "chayuan", "yumi", "huasheng", "qiaoliang", "hetang", "zhuzi",
    "yangguang", "baiyun", "xiaoxi", "guoyuan", "mianhua", "tudou", "hongshu", "lizi",
    "juzi", "pingguo", "shumu", "caodi", "niulan", "yangqun", "fengche", "shitou",
    "shanlu", "daotian", "maimiao", "jinqiao", "cuizhu", "liushu", "taohua", "yinghua",
    "chuntian", "qiufeng", "dongxue", "xiayu", "xingkong", "yueliang", "shanding", "hekou",
)

_DEMO_ROLES = (
    # (username, role, where: county / town / village / None)
    ("county", "county", "county"),
    ("town", "town", "town"),
    ("village", "village", "village"),
    ("assistance", "assistance", "village"),
    ("department", "department", "county"),
    ("auditor", "auditor", "county"),
    ("researcher", "researcher", "county"),
    ("admin", "admin", None),
)


def demo_password_generate() -> str:
    """Three words and four digits, e.g. "chayuan-baiyun-hetang-4821" (at least 12
    characters, passes the configured password validators)."""
    import secrets

    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    while True:
        words = [secrets.choice(_PASSWORD_WORDS) for _ in range(3)]
        password = "-".join(words) + f"-{secrets.randbelow(10000):04d}"
        try:
            validate_password(password)
        except ValidationError:
            continue
        if len(password) >= 12:
            return password


@transaction.atomic
def demo_users_create(*, county_code: str, password: str | None = None) -> list[dict]:
    """One user per role in the county `county_code` (6 or 12 digits), created or reset:
    county officer, department clerk, auditor and researcher on the county; town officer
    on its first town; village and assistance cadres on that town's first village;
    administrator without a division. All share `password` (checked against the password
    validators; a readable one is generated when None).

    Returns [{"username", "password", "role", "role_label", "division", "division_code"}].
    Raises ValueError when the county is not in the registry or has no town or village.
    """
    # The model a user's division is (the registry's), reached through the relation so
    # that accounts imports nothing of the apps above it.
    Division = User._meta.get_field("division").related_model
    code = (county_code or "").strip()
    county = Division.objects.filter(level=3, code__startswith=code[:6]).order_by("code").first() if len(code) >= 6 else None
    if county is None:
        raise ValueError(f"区划中没有县 {county_code!r} / no county {county_code!r} in the registry")
    town = Division.objects.filter(level=4, code__startswith=county.prefix).order_by("code").first()
    village = (
        Division.objects.filter(level=5, code__startswith=town.prefix).order_by("code").first() if town else None
    )
    if town is None or village is None:
        raise ValueError(f"县 {county.name} 下没有乡镇或村 / county {county.code} has no town or village")

    if password is None:
        password = demo_password_generate()
    else:
        validate_password(password)

    places = {"county": county, "town": town, "village": village, None: None}
    # One shared password: hash it once rather than once per user (hashing is slow by design).
    hashed = make_password(password)
    created = []
    for username, role, where in _DEMO_ROLES:
        division = places[where]
        role_label = str(Role(role).label)
        user = User.objects.filter(username=username).first() or User(username=username)
        user.role = role
        user.division = division
        # Stored data, so in Chinese whatever language the command runs in.
        with translation.override("zh-hans"):
            user.display_name = f"演示{Role(role).label}"
        user.is_active = True
        user.password = hashed
        user.save()
        created.append({
            "username": username,
            "password": password,
            "role": role,
            "role_label": role_label,
            "division": division.name if division else "",
            "division_code": division.code if division else "",
        })
    return created


# --------------------------------------------------------------------------- user administration
#
# The one write path for users (the pages in platform.user_views call these). An
# administrator with a division manages only the users under it and assigns only
# divisions under it; checked here, not only in the forms, so no other caller can
# create an unbounded user or move someone out of reach.

USER_AUDITED_FIELDS = ("username", "display_name", "role", "division", "phone", "is_active")


def _division_is_managed_by(actor: User, division) -> bool:
    """Whether `division` (a registry Division, or None for "no division") lies under the
    actor's division: the same code range as platform.scope, reached through the
    Division's own prefix because accounts lies below platform."""
    if actor.division_id is None:
        return bool(actor.is_superuser) or user_may(actor, SCOPE_UNBOUNDED)
    if division is None:
        return False
    return division.code.startswith(actor.division.prefix)


def user_is_managed_by(actor: User, user: User) -> bool:
    """Whether `actor` may change `user`: with the capability, and the user's division
    under the actor's (an unbounded user only by an unbounded administrator)."""
    if not user_may(actor, USERS_MANAGE):
        return False
    if actor.division_id is not None and user.is_superuser:
        return False
    return _division_is_managed_by(actor, user.division if user.division_id else None)


def _require_manages(actor: User, user: User | None = None) -> None:
    if not user_may(actor, USERS_MANAGE):
        raise PermissionDenied(_("您的角色不能管理用户"))
    if user is not None and not user_is_managed_by(actor, user):
        raise PermissionDenied(_("此用户不在您管理的区划内"))


def _check_role_and_division(actor: User, *, role: str, division) -> None:
    """Raise ValidationError (keyed by form field) for a role or division the actor may
    not assign."""
    if role not in Role.values:
        raise ValidationError({"role": _("没有这个角色")})
    if division is None:
        if role != Role.ADMIN:
            # Without a division anyone but an administrator sees nothing at all.
            raise ValidationError({"division": _("请选择所属区划（只有系统管理员可以不指定）")})
        if actor.division_id is not None:
            raise ValidationError({"division": _("您只能在本辖区内指定区划，不能设置不受区划限制的用户")})
    elif not _division_is_managed_by(actor, division):
        raise ValidationError({"division": _("此区划不在您管理的范围内")})


def _audit_value(name: str, value):
    if value is None:
        return ""
    if name == "division":
        return getattr(value, "code", value) or ""
    if name == "phone":
        # The audit log shows phone numbers masked like every page.
        return mask_phone(value)
    return value


def _changes(before: dict, after: dict) -> dict:
    """{field: [old, new]} of the fields whose audited value changed."""
    pairs = {name: [_audit_value(name, before.get(name)), _audit_value(name, after[name])] for name in after}
    return {name: pair for name, pair in pairs.items() if pair[0] != pair[1]}


def _user_audit(*, actor: User, action: str, user: User, detail: dict, request) -> None:
    audit_record(user=actor, action=action, division_code=user.division_id, object_type="user",
                 object_id=str(user.pk), detail={"username": user.username, **detail}, request=request)


@transaction.atomic
def user_create(*, actor: User, username: str, display_name: str, role: str, division, phone: str = "",
                password: str, request=None) -> User:
    """A new active user. Raises ValidationError (keyed by field) for a taken username, a
    password the validators refuse, or a role/division the actor may not assign;
    PermissionDenied without the capability."""
    _require_manages(actor)
    username = (username or "").strip()
    if not username:
        raise ValidationError({"username": _("请填写用户名")})
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": _("此用户名已被使用")})
    _check_role_and_division(actor, role=role, division=division)
    user = User(username=username, display_name=display_name.strip(), role=role, division=division,
                phone=(phone or "").strip(), is_active=True)
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from exc
    user.set_password(password)
    user.save()
    after = {name: getattr(user, name) for name in USER_AUDITED_FIELDS}
    _user_audit(actor=actor, action=AuditEvent.Action.CREATE, user=user, request=request,
                detail={"changes": _changes(dict.fromkeys(after), after)})
    return user


@transaction.atomic
def user_update(*, actor: User, user: User, display_name: str, role: str, division, phone: str = "",
                request=None) -> User:
    """Change a user's name, role, division and phone number (old → new in the audit log).
    Administrators do not change their own role or division: one slip would lock them
    out of the page they are using."""
    user = User.objects.select_for_update(of=("self",)).select_related("division").get(pk=user.pk)
    _require_manages(actor, user)
    _check_role_and_division(actor, role=role, division=division)
    if user.pk == actor.pk and (role != user.role or getattr(division, "code", None) != user.division_id):
        raise ValidationError({"role": _("不能修改自己的角色或区划")})
    fields = ("display_name", "role", "division", "phone")
    before = {name: getattr(user, name) for name in fields}
    user.display_name, user.role, user.division, user.phone = (
        display_name.strip(), role, division, (phone or "").strip())
    after = {name: getattr(user, name) for name in fields}
    changes = _changes(before, after)
    if changes:
        user.save(update_fields=["display_name", "role", "division", "phone"])
        _user_audit(actor=actor, action=AuditEvent.Action.UPDATE, user=user, request=request,
                    detail={"changes": changes})
    return user


def _user_set_active(*, actor: User, user: User, active: bool, request) -> User:
    user = User.objects.select_for_update().get(pk=user.pk)
    _require_manages(actor, user)
    if user.pk == actor.pk:
        raise PermissionDenied(_("不能停用或启用自己的账号"))
    if user.is_active != active:
        user.is_active = active
        user.save(update_fields=["is_active"])
        _user_audit(actor=actor, action=AuditEvent.Action.UPDATE, user=user, request=request,
                    detail={"changes": {"is_active": [not active, active]}})
    return user


@transaction.atomic
def user_disable(*, actor: User, user: User, request=None) -> User:
    """The user can no longer sign in (nor use an API token); open sessions end at their
    next request (Django refuses inactive users)."""
    return _user_set_active(actor=actor, user=user, active=False, request=request)


@transaction.atomic
def user_enable(*, actor: User, user: User, request=None) -> User:
    return _user_set_active(actor=actor, user=user, active=True, request=request)


@transaction.atomic
def user_password_reset(*, actor: User, user: User, password: str, request=None) -> User:
    """A new password typed by the administrator (checked by the validators). The user's
    sessions end: Django ties each session to the password hash, so every session opened
    with the old password is refused at its next request."""
    user = User.objects.select_for_update().get(pk=user.pk)
    _require_manages(actor, user)
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from exc
    user.set_password(password)
    user.save(update_fields=["password"])
    _user_audit(actor=actor, action=AuditEvent.Action.UPDATE, user=user, request=request,
                detail={"password_reset": True})
    return user
