"""A problem's refusals: TransitionRefused (neisheng.platform.workflow) when a rule refuses
a step now (400), django's PermissionDenied when the role may not do it at all (403),
Http404 outside the user's division. Each message is one sentence "中文 / English"."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied

from neisheng.platform.workflow import TransitionRefused

__all__ = ["PermissionDenied", "TransitionRefused", "refused"]


def refused(zh: str, en: str) -> TransitionRefused:
    return TransitionRefused(f"{zh} / {en}")
