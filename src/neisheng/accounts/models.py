"""People who use the platform, the division each works in, and the audit trail."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from neisheng.accounts.access import Role


class User(AbstractUser):
    role = models.CharField(_("角色"), max_length=16, choices=Role.choices, default=Role.VILLAGE)
    division = models.ForeignKey(
        "registry.Division",
        verbose_name=_("所属区划"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
        help_text=_("用户只能看到此区划以内的内容；只有系统管理员可以不指定。"),
    )
    display_name = models.CharField(_("姓名"), max_length=64, blank=True)
    phone = models.CharField(_("手机"), max_length=20, blank=True)

    # Read by neisheng.platform.scope: people are in scope as the places they work for.
    division_field = "division_id"

    class Meta(AbstractUser.Meta):
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def __str__(self) -> str:
        return self.display_name or self.username


class AuditEvent(models.Model):
    """Who saw or changed what, when: every unmasked view, change, import and export."""

    class Action(models.TextChoices):
        VIEW_UNMASKED = "view_unmasked", pgettext_lazy("audit action", "查看完整信息")
        CREATE = "create", pgettext_lazy("audit action", "新增")
        UPDATE = "update", pgettext_lazy("audit action", "修改")
        DELETE = "delete", pgettext_lazy("audit action", "删除")
        IMPORT = "import", pgettext_lazy("audit action", "导入")
        EXPORT = "export", pgettext_lazy("audit action", "导出")
        LOGIN = "login", pgettext_lazy("audit action", "登录")
        LOGIN_FAILED = "login_failed", pgettext_lazy("audit action", "登录失败")

    at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    user = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="audit_events",
                             verbose_name=_("用户"))
    username = models.CharField(_("用户名"), max_length=150, blank=True)
    action = models.CharField(_("操作"), max_length=16, choices=Action.choices, db_index=True)
    object_type = models.CharField(_("对象"), max_length=32, blank=True)
    object_id = models.CharField(_("编号"), max_length=64, blank=True, db_index=True)
    detail = models.JSONField(_("详情"), default=dict, blank=True)
    ip_address = models.GenericIPAddressField(_("IP 地址"), null=True, blank=True)
    # The division the event concerns (a household's village, an uploader's division…),
    # so scoping the log is one range filter whatever the object type; "" for events of
    # no division (a whole-registry import, an administrator without one).
    division_code = models.CharField(_("区划"), max_length=12, blank=True, default="", db_index=True)

    division_field = "division_code"

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("审计记录")
        verbose_name_plural = _("审计记录")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.username} {self.action} {self.object_type} {self.object_id}"
