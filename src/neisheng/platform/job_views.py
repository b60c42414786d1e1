"""The job page: where a job started from any page stands, as HTML or as JSON for the
page's polling. Only who may see the job's division sees it; anyone else gets 404."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from neisheng.platform.jobs import job_as_dict, jobs_visible_to


def _wants_json(request) -> bool:
    return request.GET.get("format") == "json" or "application/json" in request.headers.get("Accept", "")


@login_required
@require_http_methods(["GET", "HEAD"])
def job_detail(request, pk: int):
    job = jobs_visible_to(request.user).filter(pk=pk).first()
    if job is None:
        raise Http404("没有这个任务 / no such job")
    data = job_as_dict(job, request.user)
    if _wants_json(request):
        return JsonResponse(data, json_dumps_params={"ensure_ascii": False})
    return render(request, "platform/job.html", {"job": job, "data": data})
