"""Starting a monitoring run from the monitoring page: a POST that queues the run as a
background job and sends the user to its progress page (/jobs/<id>/)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from neisheng.accounts.access import REGISTRY_EDIT
from neisheng.monitoring.jobs import monitoring_run_start
from neisheng.platform import scope
from neisheng.platform.access import requires

YEARS = range(2000, 2101)


@requires(REGISTRY_EDIT)
@require_POST
def run_start(request):
    # The run covers the whole registry: only someone who sees all of it starts one.
    if not scope.code_is_within(request.user, ""):
        raise PermissionDenied("监测运行覆盖全部区划,仅限不限区划的管理员 / a monitoring run covers every "
                               "division: only an administrator without a division may start one")
    try:
        year = int(request.POST.get("year", ""))
    except ValueError:
        year = 0
    if year not in YEARS:
        messages.error(request, gettext("请填写 2000–2100 之间的监测年度。"))
        return redirect("monitoring:overview")
    job = monitoring_run_start(user=request.user, year=year)
    return redirect("jobs:detail", job.pk)
