"""Monitoring policies on pages (POLICY_EDIT): each year's active version and history, a
version's YAML with its difference from the version before, a new version (the YAML in a
text area, mistakes named by key), and activating a version (one per year).

A policy is the installation's for a year (runs of every division of that year use the
active version), so these pages are not narrowed by division."""

from __future__ import annotations

import difflib

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods

from neisheng.accounts.access import POLICY_EDIT
from neisheng.monitoring.models import PolicyVersion
from neisheng.monitoring.policies import (
    PolicyInvalid,
    policy_previous,
    policy_starting_text,
    policy_version_activate,
    policy_version_create,
    policy_years,
)
from neisheng.monitoring.policy_forms import PolicyVersionForm
from neisheng.platform.access import requires
from neisheng.platform.widgets import blank_choices_named
from neisheng.policy import default_policy_text, load_policy

YEARS = range(2000, 2101)


def _version(pk: int) -> PolicyVersion:
    version = PolicyVersion.objects.select_related("created_by", "activated_by").filter(pk=pk).first()
    if version is None:
        raise Http404("没有这个政策版本 / no such policy version")
    return version


@requires(POLICY_EDIT)
@require_http_methods(["GET", "HEAD"])
def policy_list(request):
    versions = list(PolicyVersion.objects.select_related("created_by", "activated_by").order_by("-year", "-created_at",
                                                                                             "-pk"))
    built_in_year = load_policy().year
    years = []
    for year in policy_years():
        of_year = [v for v in versions if v.year == year]
        years.append({"year": year, "versions": of_year, "active": next((v for v in of_year if v.active), None),
                      "built_in": year == built_in_year})
    return render(request, "monitoring/policy_list.html", {"years": years})


@requires(POLICY_EDIT)
@require_http_methods(["GET", "HEAD", "POST"])
def policy_new(request):
    """A new version of `?year=` (this year by default), starting from `?from=<id>`, else
    the year's active version, else the built-in policy."""
    try:
        year = int(request.GET.get("year", "") or load_policy().year)
    except ValueError:
        year = load_policy().year
    if year not in YEARS:
        raise Http404("政策年度应在 2000–2100 之间 / the year must be 2000–2100")
    if request.method == "POST":
        form = PolicyVersionForm(request.POST)
        if form.is_valid():
            try:
                version = policy_version_create(user=request.user, year=form.cleaned_data["year"],
                                                text=form.cleaned_data["text"], note=form.cleaned_data["note"])
            except PolicyInvalid as exc:  # checked by the form already; a race with the parser's defaults
                form.add_error("text", str(exc))
            else:
                messages.success(request, gettext("已保存为新版本。启用后,该年度的监测运行将使用它。"))
                return redirect("monitoring:policy", version.pk)
    else:
        start = PolicyVersion.objects.filter(pk=request.GET.get("from") or 0, year=year).first() \
            if (request.GET.get("from") or "").isdigit() else None
        form = PolicyVersionForm(initial={"year": year, "text": start.text if start else policy_starting_text(year)})
    blank_choices_named(form)
    return render(request, "monitoring/policy_form.html", {
        "form": form, "title": gettext("新的政策版本"), "subject": str(year),
        "cancel_url": reverse("monitoring:policies"), "submit_label": gettext("保存为新版本"),
        "back_url": reverse("monitoring:policies"), "back_label": gettext("监测政策"),
    })


def _diff(before: str, after: str) -> list[dict]:
    """The lines that differ (with three lines of context), each marked added, removed or kept."""
    lines = []
    for line in difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=3):
        if line.startswith(("---", "+++")):
            continue
        kind = "hunk" if line.startswith("@@") else {"+": "added", "-": "removed"}.get(line[:1], "kept")
        lines.append({"kind": kind, "text": line})
    return lines


@requires(POLICY_EDIT)
@require_http_methods(["GET", "HEAD", "POST"])
def policy_detail(request, pk: int):
    """A version: its YAML and its difference from the one before; a POST (the 启用 button)
    activates it, the year's previous active version deactivated in the same transaction."""
    version = _version(pk)
    if request.method == "POST":
        policy_version_activate(user=request.user, version=version)
        messages.success(request, gettext("已启用。该年度此后的监测运行将使用这个版本。"))
        return redirect("monitoring:policy", version.pk)
    previous = policy_previous(version)
    before = previous.text if previous is not None else default_policy_text()
    return render(request, "monitoring/policy_detail.html", {
        "version": version, "previous": previous, "diff": _diff(before, version.text),
        "runs": version.runs.count(),
    })
