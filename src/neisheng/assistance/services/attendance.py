"""What the trainings' and meetings' services share: the division a course or meeting is
held in, the person or household it is recorded for, within the user's scope."""

from __future__ import annotations

from django.http import Http404
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from neisheng.divisions import PREFIX_LENGTH, level_of
from neisheng.platform import scope
from neisheng.registry.models import Division, Household, Person


def division_under(code: str, ancestor: str) -> bool:
    """Whether division `code` is `ancestor` or lies under it."""
    try:
        prefix = ancestor[: PREFIX_LENGTH[level_of(ancestor)]]
    except (KeyError, ValueError):
        return False
    return code.startswith(prefix)


def division_valid(user, code: str, problems: dict, *, field: str) -> None:
    """Add a problem under `field` unless `code` is a division within the user's scope."""
    if not code or not scope.code_is_within(user, code) or not Division.objects.filter(code=code).exists():
        problems.setdefault(field, []).append(_("请选择您管辖范围内的区划"))


def person_in_scope_or_404(user, person: Person) -> Person:
    found = scope.visible_to(user, Person).select_related("household").filter(pk=person.pk).first()
    if found is None:
        raise Http404("未找到此人 / no such person")
    return found


def household_in_scope_or_404(user, household: Household) -> Household:
    found = scope.visible_to(user, Household).filter(pk=household.pk).first()
    if found is None:
        raise Http404("未找到该户 / no such household")
    return found


def sentence_shown(message) -> str:
    """The half of a "中文 / English" sentence (TransitionRefused, PermissionDenied) in the
    active language."""
    zh, _sep, en = str(message).partition(" / ")
    return en if (get_language() or "").startswith("en") and en else zh
