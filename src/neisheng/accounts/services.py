"""Writes of the accounts workflow: the audit trail."""

from __future__ import annotations

from django.contrib.auth.hashers import make_password
from django.db import transaction

from neisheng.accounts.models import AuditEvent, User


def _client_ip(request) -> str | None:
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR")


@transaction.atomic
def audit_record(*, user: User | None, action: str, object_type: str = "", object_id: str = "",
                 detail: dict | None = None, request=None) -> AuditEvent:
    return AuditEvent.objects.create(
        user=user if (user is not None and user.is_authenticated) else None,
        username=getattr(user, "username", "") or "",
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        detail=detail or {},
        ip_address=_client_ip(request),
    )


@transaction.atomic
def audit_login_failure_record(*, username: str, request=None) -> AuditEvent:
    """A failed sign-in, under the username that was typed (linked to that user if one
    exists). The password is never passed here, so it can never be stored."""
    typed = (username or "")[:150]
    return AuditEvent.objects.create(
        user=User.objects.filter(username=typed).first() if typed else None,
        username=typed,
        action=AuditEvent.Action.LOGIN_FAILED,
        object_type="user",
        ip_address=_client_ip(request),
    )


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

    from neisheng.accounts.models import Role
    from neisheng.registry.models import Division

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
