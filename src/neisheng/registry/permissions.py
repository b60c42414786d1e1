"""Who may call which part of the registry API. Scope (which rows) is not decided here:
every queryset comes from accounts.selectors, so a row outside the user's division is
simply not found."""

from __future__ import annotations

from rest_framework.permissions import SAFE_METHODS, BasePermission


class SeesPersons(BasePermission):
    """Researchers see anonymised aggregates only, never a household or a person."""

    message = "您的角色只能查看汇总统计,不能查看农户或人员明细 (your role sees aggregates only, not households or persons)"

    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and user.sees_persons)


class EditsIfRoleAllows(BasePermission):
    """Reading is for everyone who sees persons; changing the registry only for the
    roles in EDITING_ROLES (and then only within their division, which the serializers
    and the scoped querysets enforce)."""

    message = "您的角色不能修改台账 (your role may not change the registry)"

    def has_permission(self, request, view) -> bool:
        if request.method in SAFE_METHODS:
            return True
        user = request.user
        return bool(user and user.is_authenticated and user.can_edit)
