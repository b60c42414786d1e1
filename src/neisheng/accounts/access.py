"""Who may do what: roles × capabilities, declared once as data.

Views (neisheng.platform.access.requires), API permissions (platform.access.capability_permission),
templates (the `may` filter of the `access` template library), services and the
scope-matrix test all read ROLE_CAPABILITIES; nothing else decides by role. A new app
adds its capabilities to CAPABILITIES and grants them in ROLE_CAPABILITIES.

Capabilities say what kind of thing a role may do; *where* (which division) is decided
by scope (neisheng.platform.scope), never here.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    # Chinese msgids; English in the translation catalogue (one language at a time).
    COUNTY = "county", _("县级干部")
    TOWN = "town", _("乡镇干部")
    VILLAGE = "village", _("村干部")
    ASSISTANCE = "assistance", _("帮扶责任人")
    DEPARTMENT = "department", _("行业部门")
    AUDITOR = "auditor", _("审计/纪检")
    RESEARCHER = "researcher", _("研究人员")
    ADMIN = "admin", _("系统管理员")


PERSONS_READ = "persons.read"
REGISTRY_EDIT = "registry.edit"
PERSON_UNMASK = "person.unmask"
AUDIT_READ = "audit.read"
USERS_OVERSEE = "users.oversee"
SCOPE_UNBOUNDED = "scope.unbounded"
USERS_MANAGE = "users.manage"

# What each capability lets a role do, in words (the roles page shows them).
CAPABILITIES = {
    PERSONS_READ: _("查看农户和人员明细（没有此权限只能看匿名汇总）"),
    REGISTRY_EDIT: _("修改台账、导入工作簿"),
    PERSON_UNMASK: _("查看完整证件号和手机号（记入审计日志）"),
    AUDIT_READ: _("查看本辖区的审计日志"),
    USERS_OVERSEE: _("查看辖区内所有人的导入和手机号"),
    SCOPE_UNBOUNDED: _("未指定区划时可见全部（其他角色未指定区划时什么也看不到）"),
    USERS_MANAGE: _("管理本辖区的用户：新增、修改角色和区划、停用、重置密码"),
}

_OFFICER = frozenset({PERSONS_READ, REGISTRY_EDIT, PERSON_UNMASK})

ROLE_CAPABILITIES: dict[str, frozenset[str]] = {
    Role.COUNTY: _OFFICER,
    Role.TOWN: _OFFICER,
    Role.VILLAGE: _OFFICER,
    Role.ASSISTANCE: frozenset({PERSONS_READ, PERSON_UNMASK}),
    Role.DEPARTMENT: frozenset({PERSONS_READ}),
    # The auditor reads the audit log of its division (scope filters it by division_code).
    Role.AUDITOR: frozenset({PERSONS_READ, PERSON_UNMASK, AUDIT_READ}),
    Role.RESEARCHER: frozenset(),
    Role.ADMIN: frozenset(CAPABILITIES),
}


def role_may(role: str, capability: str) -> bool:
    if capability not in CAPABILITIES:
        # A typo must not quietly refuse (or grant) everyone.
        raise KeyError(f"unknown capability {capability!r}")
    return capability in ROLE_CAPABILITIES.get(role, frozenset())


def user_may(user, capability: str) -> bool:
    """Whether a signed-in user's role grants `capability` (a superuser has them all)."""
    if not getattr(user, "is_authenticated", False):
        role_may(Role.ADMIN, capability)  # still refuses unknown names
        return False
    return bool(user.is_superuser) or role_may(user.role, capability)


def roles_with(capability: str) -> frozenset[str]:
    return frozenset(role.value for role in Role if role_may(role, capability))
