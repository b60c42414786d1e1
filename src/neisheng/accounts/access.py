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


class Role(models.TextChoices):
    COUNTY = "county", "县级干部 County officer"
    TOWN = "town", "乡镇干部 Town officer"
    VILLAGE = "village", "村干部 Village cadre"
    ASSISTANCE = "assistance", "帮扶责任人 Assistance cadre"
    DEPARTMENT = "department", "行业部门 Department clerk"
    AUDITOR = "auditor", "审计/纪检 Auditor"
    RESEARCHER = "researcher", "研究人员 Researcher"
    ADMIN = "admin", "系统管理员 Administrator"


PERSONS_READ = "persons.read"
REGISTRY_EDIT = "registry.edit"
PERSON_UNMASK = "person.unmask"
AUDIT_READ = "audit.read"
USERS_OVERSEE = "users.oversee"
SCOPE_UNBOUNDED = "scope.unbounded"

CAPABILITIES = {
    PERSONS_READ: "查看农户和人员明细 / see households and persons (without it: anonymised aggregates only)",
    REGISTRY_EDIT: "修改台账、导入 / change the registry and upload workbooks",
    PERSON_UNMASK: "查看完整证件号和手机号(记入审计) / see full ID and phone numbers (audited)",
    AUDIT_READ: "查看审计日志 / read the audit log",
    USERS_OVERSEE: "管理辖区内的用户和导入 / see the uploads and phone numbers of everyone in the division",
    SCOPE_UNBOUNDED: "未指定区划时可见全部 / without a division, see everything (others then see nothing)",
}

_OFFICER = frozenset({PERSONS_READ, REGISTRY_EDIT, PERSON_UNMASK})

ROLE_CAPABILITIES: dict[str, frozenset[str]] = {
    Role.COUNTY: _OFFICER,
    Role.TOWN: _OFFICER,
    Role.VILLAGE: _OFFICER,
    Role.ASSISTANCE: frozenset({PERSONS_READ, PERSON_UNMASK}),
    Role.DEPARTMENT: frozenset({PERSONS_READ}),
    Role.AUDITOR: frozenset({PERSONS_READ, PERSON_UNMASK}),
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
