"""The household assistance plan (帮扶计划): a page, and the same as an A4 PDF to print
and sign. Printing it is an export of a household's personal data: audited."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from neisheng.accounts.access import PERSONS_READ
from neisheng.accounts.services import audit_record
from neisheng.assistance.plans import plan_household, plan_of, plan_pdf
from neisheng.platform.access import requires


@requires(PERSONS_READ)
@require_http_methods(["GET", "HEAD"])
def plan_page(request, household_id: str):
    household = plan_household(request.user, household_id)
    return render(request, "assistance/plan_page.html", {"plan": plan_of(household), "household": household})


@requires(PERSONS_READ)
@require_http_methods(["GET", "HEAD"])
def plan_pdf_view(request, household_id: str):
    household = plan_household(request.user, household_id)
    pdf = plan_pdf(plan_of(household))
    audit_record(user=request.user, action="export", division_code=household.village_id,
                 object_type="assistance_plan", object_id=household.household_id, detail={"format": "pdf"},
                 request=request)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="plan-{household.household_id}.pdf"'
    return response
