"""People who use the platform, the division each works in, and the audit trail."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
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


# Who may see a full ID or phone number (every such view is logged), who may change the
# registry, and who sees only anonymised aggregates.
UNMASKING_ROLES = frozenset({Role.COUNTY, Role.TOWN, Role.VILLAGE, Role.ASSISTANCE, Role.AUDITOR, Role.ADMIN})
EDITING_ROLES = frozenset({Role.COUNTY, Role.TOWN, Role.VILLAGE, Role.ADMIN})
AGGREGATE_ONLY_ROLES = frozenset({Role.RESEARCHER})


class User(AbstractUser):
    role = models.CharField("角色 role", max_length=16, choices=Role.choices, default=Role.VILLAGE)
    division = models.ForeignKey(
        "registry.Division",
        verbose_name="所属区划 division",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
        help_text="The user sees only what lies under this division; empty only for administrators.",
    )
    display_name = models.CharField("姓名 name", max_length=64, blank=True)
    phone = models.CharField("手机 phone", max_length=20, blank=True)

    @property
    def can_unmask(self) -> bool:
        return self.role in UNMASKING_ROLES

    @property
    def can_edit(self) -> bool:
        return self.role in EDITING_ROLES

    @property
    def sees_persons(self) -> bool:
        return self.role not in AGGREGATE_ONLY_ROLES

    def __str__(self) -> str:
        return self.display_name or self.username


class AuditEvent(models.Model):
    """Who saw or changed what, when: every unmasked view, change, import and export."""

    class Action(models.TextChoices):
        VIEW_UNMASKED = "view_unmasked", "查看完整信息 viewed unmasked"
        CREATE = "create", "新增 created"
        UPDATE = "update", "修改 changed"
        DELETE = "delete", "删除 deleted"
        IMPORT = "import", "导入 imported"
        EXPORT = "export", "导出 exported"
        LOGIN = "login", "登录 logged in"
        LOGIN_FAILED = "login_failed", "登录失败 failed login"

    at = models.DateTimeField("时间 when", auto_now_add=True, db_index=True)
    user = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="audit_events")
    username = models.CharField("用户 user", max_length=150, blank=True)
    action = models.CharField("操作 action", max_length=16, choices=Action.choices, db_index=True)
    object_type = models.CharField("对象 object", max_length=32, blank=True)
    object_id = models.CharField("编号 id", max_length=64, blank=True, db_index=True)
    detail = models.JSONField("详情 detail", default=dict, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.username} {self.action} {self.object_type} {self.object_id}"
