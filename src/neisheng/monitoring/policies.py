"""Which policy applies: the active stored version of a year (county officers edit and
activate versions in the UI), else the built-in policy. Runs, cases, warning lists and
re-evaluations all ask here, so one year never has two policies in use."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from neisheng.accounts.access import POLICY_EDIT, user_may
from neisheng.accounts.services import audit_record
from neisheng.monitoring.models import PolicyVersion, _policy_from_text
from neisheng.monitoring.selectors import request_memoised
from neisheng.platform.access import refusal
from neisheng.policy import Policy, PolicyError, default_policy_text, policy_from_text


@dataclass(frozen=True)
class PolicyInUse:
    policy: Policy
    text: str  # the resolved YAML a run stores
    version: PolicyVersion | None  # None: the built-in policy


def policy_for_year(year: int) -> PolicyInUse:
    """The active version of `year`, or the built-in policy (whatever its year)."""
    # Several cards of one page ask; read once per request (a saved version empties the memo).
    return request_memoised(("policy_for_year", year), lambda: _policy_for_year(year))


def _policy_for_year(year: int) -> PolicyInUse:
    version = PolicyVersion.objects.filter(year=year, active=True).first()
    if version is not None:
        return PolicyInUse(_policy_from_text(version.text, f"policy {version.year} v{version.pk}"), version.text,
                           version)
    return _built_in()


def _built_in() -> PolicyInUse:
    # The built-in policy parsed once per process (by its text, as stored runs are):
    # every re-evaluation after an edit asks which policy applies.
    text = default_policy_text()
    return PolicyInUse(_policy_from_text(text, "default"), text, None)


def policy_current() -> PolicyInUse:
    """The policy of today's year when one is active; else the newest active version;
    else the built-in policy. Cases and warning lists count their days with it."""
    return request_memoised(("policy_current", timezone.localdate()), _policy_current)


def _policy_current() -> PolicyInUse:
    today = timezone.localdate()
    version = (PolicyVersion.objects.filter(year=today.year, active=True).first()
               or PolicyVersion.objects.filter(active=True).order_by("-year").first())
    if version is not None:
        return policy_for_year(version.year)
    return _built_in()


# --------------------------------------------------------------------------- versions (POLICY_EDIT)
#
# A version is a whole policy document as a county officer typed it (what a run stores),
# checked by the same parser the engine uses (neisheng.policy), so a mistake is refused
# with the key it is at. Versions are only ever added; activating one deactivates the
# year's previous one in the same transaction (the database allows one active per year).

BUILT_IN_SOURCE = "default"


@dataclass(frozen=True)
class PolicyProblem:
    key: str
    zh: str
    en: str

    def shown(self, language: str | None) -> str:
        return f"{self.key}: {self.en if (language or '').startswith('en') else self.zh}"


class PolicyInvalid(ValueError):
    def __init__(self, problem: PolicyProblem):
        self.problem = problem
        super().__init__(f"{problem.key}: {problem.zh} / {problem.en}")


def policy_text_problem(*, year: int, text: str) -> PolicyProblem | None:
    """What is wrong with `text` as the policy of `year`, by key (None: nothing)."""
    source = f"policy {year}"
    try:
        policy = policy_from_text(text, source=source)
    except PolicyError as exc:
        sentence = str(exc).removeprefix(f"{source}: {exc.key}: ")
        zh, _, en = sentence.partition(" / ")
        return PolicyProblem(exc.key, zh, en or zh)
    if policy.year != year:
        return PolicyProblem("year", f"应为 {year},实为 {policy.year}", f"must be {year}, got {policy.year}")
    return None


def policy_starting_text(year: int) -> str:
    """What a new version of `year` starts from: the year's active version, else its newest,
    else the built-in policy with its year (and reference date) moved to `year`."""
    version = (PolicyVersion.objects.filter(year=year, active=True).first()
               or PolicyVersion.objects.filter(year=year).order_by("-created_at", "-pk").first())
    if version is not None:
        return version.text
    text = default_policy_text()
    built_in = _built_in().policy.year
    if built_in == year:
        return text
    text = re.sub(rf"(?m)^year:\s*{built_in}\b", f"year: {year}", text)
    return re.sub(rf"(?m)^(reference_date:\s*){built_in}-", rf"\g<1>{year}-", text)


def _require(user) -> None:
    if not user_may(user, POLICY_EDIT):
        raise PermissionDenied(refusal(POLICY_EDIT))


@transaction.atomic
def policy_version_create(*, user, year: int, text: str, note: str = "") -> PolicyVersion:
    """Save `text` as a new (inactive) version of `year`; PolicyInvalid names the key."""
    _require(user)
    problem = policy_text_problem(year=year, text=text)
    if problem is not None:
        raise PolicyInvalid(problem)
    version = PolicyVersion.objects.create(year=year, text=text, note=note[:300], created_by=user,
                                           sha256=hashlib.sha256(text.encode("utf-8")).hexdigest())
    audit_record(user=user, action="create", division_code=user.division_id, object_type="policy_version",
                 object_id=str(version.pk), detail={"year": year, "note": version.note, "sha256": version.sha256})
    return version


@transaction.atomic
def policy_version_activate(*, user, version: PolicyVersion) -> PolicyVersion:
    """Make `version` the one its year's runs use; the year's previous active version is
    deactivated in the same transaction."""
    _require(user)
    previous = list(PolicyVersion.objects.select_for_update().filter(year=version.year, active=True)
                    .exclude(pk=version.pk))
    PolicyVersion.objects.filter(pk__in=[v.pk for v in previous]).update(active=False)
    version.active, version.activated_at, version.activated_by = True, timezone.now(), user
    version.save(update_fields=["active", "activated_at", "activated_by"])
    audit_record(user=user, action="update", division_code=user.division_id, object_type="policy_version",
                 object_id=str(version.pk), detail={"year": version.year, "changes": {"active": [False, True]},
                                                    "deactivated": [v.pk for v in previous]})
    return version


def policy_years() -> list[int]:
    """The years with versions, this year and the built-in policy's, newest first."""
    years = set(PolicyVersion.objects.values_list("year", flat=True).distinct())
    years |= {timezone.localdate().year, _built_in().policy.year}
    return sorted(years, reverse=True)


def policy_previous(version: PolicyVersion) -> PolicyVersion | None:
    """The version of the same year saved just before `version`."""
    return (PolicyVersion.objects.filter(year=version.year, created_at__lte=version.created_at, pk__lt=version.pk)
            .order_by("-created_at", "-pk").first())
