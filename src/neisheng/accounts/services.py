"""Writes of the accounts workflow: the audit trail."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

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
    from django.contrib.auth.password_validation import validate_password

    from neisheng.accounts.access import Role

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
        role_label = Role(role).label
        user = User.objects.filter(username=username).first() or User(username=username)
        user.role = role
        user.division = division
        user.display_name = f"演示{role_label.split()[0]}"
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
