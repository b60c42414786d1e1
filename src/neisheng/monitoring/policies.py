"""Which policy applies: the active stored version of a year (county officers edit and
activate versions in the UI), else the built-in policy. Runs, cases, warning lists and
re-evaluations all ask here, so one year never has two policies in use."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils import timezone

from neisheng.monitoring.models import PolicyVersion, _policy_from_text
from neisheng.policy import Policy, default_policy_text, load_policy


@dataclass(frozen=True)
class PolicyInUse:
    policy: Policy
    text: str  # the resolved YAML a run stores
    version: PolicyVersion | None  # None: the built-in policy


def policy_for_year(year: int) -> PolicyInUse:
    """The active version of `year`, or the built-in policy (whatever its year)."""
    version = PolicyVersion.objects.filter(year=year, active=True).first()
    if version is not None:
        return PolicyInUse(_policy_from_text(version.text, f"policy {version.year} v{version.pk}"), version.text,
                           version)
    return PolicyInUse(load_policy(), default_policy_text(), None)


def policy_current() -> PolicyInUse:
    """The policy of today's year when one is active; else the newest active version;
    else the built-in policy. Cases and warning lists count their days with it."""
    today = timezone.localdate()
    version = (PolicyVersion.objects.filter(year=today.year, active=True).first()
               or PolicyVersion.objects.filter(active=True).order_by("-year").first())
    if version is not None:
        return policy_for_year(version.year)
    return PolicyInUse(load_policy(), default_policy_text(), None)
