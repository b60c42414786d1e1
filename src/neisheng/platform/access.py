"""The gates that read the roles × capabilities table (neisheng.accounts.access): one
decorator for pages, one permission class factory for the API. A refused role gets 403
whatever the division; which rows it then sees is scope's business (platform.scope).

    @requires(PERSONS_READ)                       # a page
    permission_classes = (IsAuthenticated, capability_permission(REGISTRY_EDIT, writes_only=True))
"""

from __future__ import annotations

import functools
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from rest_framework.permissions import SAFE_METHODS, BasePermission

from neisheng.accounts.access import (
    AUDIT_READ,
    CAPABILITIES,
    PERSON_UNMASK,
    PERSONS_READ,
    REGISTRY_EDIT,
    user_may,
)

# What a refused user is told, per capability (pages and API alike).
REFUSALS = {
    PERSONS_READ: "您的角色只能查看汇总统计,不能查看农户或人员明细 / your role sees aggregates only, "
                  "not households or persons",
    REGISTRY_EDIT: "您的角色不能修改台账或导入 / your role may not change the registry or upload",
    PERSON_UNMASK: "您的角色不能查看完整号码 / your role may not see full numbers",
    AUDIT_READ: "您的角色不能查看审计日志 / your role may not read the audit log",
}


def refusal(capability: str) -> str:
    return REFUSALS.get(capability, f"您的角色无此权限 / your role may not do this ({capability})")


def require(user, capability: str) -> None:
    """Raise PermissionDenied (403) unless the user's role grants `capability`."""
    if not user_may(user, capability):
        raise PermissionDenied(refusal(capability))


def requires(*capabilities: str):
    """A page for signed-in users (others go to the login page) whose role grants every
    one of `capabilities` (others get 403)."""
    for capability in capabilities:
        if capability not in CAPABILITIES:
            raise KeyError(f"unknown capability {capability!r}")

    def decorate(view):
        @login_required
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            for capability in capabilities:
                require(request.user, capability)
            return view(request, *args, **kwargs)

        wrapped.capabilities = capabilities
        return wrapped

    return decorate


@functools.cache
def capability_permission(capability: str, *, writes_only: bool = False) -> type[BasePermission]:
    """A DRF permission class granting requests by roles with `capability`; with
    `writes_only`, reading is left to the other permissions and only changes need it."""
    if capability not in CAPABILITIES:
        raise KeyError(f"unknown capability {capability!r}")

    def has_permission(self, request, view) -> bool:
        if writes_only and request.method in SAFE_METHODS:
            return True
        return user_may(request.user, capability)

    name = "May_" + capability.replace(".", "_") + ("_ToWrite" if writes_only else "")
    return type(name, (BasePermission,), {
        "message": refusal(capability), "has_permission": has_permission,
        "capability": capability, "writes_only": writes_only,
        "__doc__": f"Requests by roles with {capability!r}" + (" (changes only)." if writes_only else "."),
    })
