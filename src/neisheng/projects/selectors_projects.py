"""Which projects a user sees: those run within the user's division, and those serving a
division within it (a village cadre sees the town's greenhouse park that pays its
villagers; the park's funds and revenue, and of its households only the village's own,
since beneficiaries, shares and payments are scoped by the household's village)."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, QuerySet
from django.http import Http404

from neisheng.platform import scope
from neisheng.projects.models import Project, ProjectDivision


def projects_visible(user) -> QuerySet[Project]:
    served = scope.visible_to(user, ProjectDivision.objects.filter(project=OuterRef("pk")))
    return Project.objects.filter(scope.within(user, "division_code") | Exists(served))


def project_for(user, pk) -> Project:
    """The project `pk` if the user sees it; Http404 otherwise (the same answer as a
    project that does not exist, so its existence is not disclosed)."""
    project = projects_visible(user).filter(pk=pk).first()
    if project is None:
        raise Http404("no such project")
    return project
