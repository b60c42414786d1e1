"""People who use the platform, the division each works in, and the audit trail."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models

from neisheng.accounts.access import Role


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

    # Read by neisheng.platform.scope: people are in scope as the places they work for.
    division_field = "division_id"

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
    # The division the event concerns (a household's village, an uploader's division…),
    # so scoping the log is one range filter whatever the object type; "" for events of
    # no division (a whole-registry import, an administrator without one).
    division_code = models.CharField("区划 division", max_length=12, blank=True, default="", db_index=True)

    division_field = "division_code"

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.username} {self.action} {self.object_type} {self.object_id}"
