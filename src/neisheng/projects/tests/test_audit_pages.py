"""The audit's pages (helper E): the findings list with its counts and filters, one
finding with its evidence in words, the decision forms, the Excel export, "run the audit
now" as a job; and auditors, who read everything of their division and write only
findings (and renovations' on-site checks)."""

from __future__ import annotations

from decimal import Decimal
from io import BytesIO

import openpyxl
import pytest
from django.urls import URLPattern, get_resolver, reverse
from django.utils import timezone

from neisheng.platform.models import Job
from neisheng.projects.jobs import audit_job
from neisheng.projects.models import (
    AuditFinding,
    AuditRun,
    Beneficiary,
    DistributionPlan,
    Payment,
    PriceList,
    Renovation,
)
from neisheng.projects.services.audit import audit_run
from neisheng.projects.tests.test_audit import (
    DAY,
    household_in,
    overspent_fund_made,
    plan_made,
    project_made,
)

pytestmark = pytest.mark.django_db
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
WORDS = "方案收益 7,000.00 元,发放合计 4,899.99 元,村集体 2,100.00 元,相差 0.01 元"


@pytest.fixture
def audited(places):
    """A plan off by one fen (in the town), its payment to a household that is not a
    beneficiary (in the village), an overspent fund (in the county); and an overspent
    fund of the other county."""
    household = household_in(places["village"])
    project = project_made(places["county"].code, name="巫山光伏电站")
    plan = plan_made(project, household, division_code=places["town"].code)
    fund = overspent_fund_made(project)
    other = overspent_fund_made(project_made(places["other_county"].code, name="邻县大棚"))
    audit_run(division_code=places["county"].code, trigger="test")
    audit_run(division_code=places["other_county"].code, trigger="test")
    return {"household": household, "project": project, "plan": plan, "fund": fund, "other_fund": other,
            "payment": Payment.objects.get(plan=plan)}


def _signed_in(client, make_user, role, division):
    user = make_user(role, division)
    client.force_login(user)
    return user


def _finding(rule, subject) -> AuditFinding:
    return AuditFinding.objects.get(rule=rule, subject_id=str(subject))


# --------------------------------------------------------------------------- the list


def test_the_list_shows_the_findings_of_the_division_with_counts_by_rule(client, make_user, places, audited):
    _signed_in(client, make_user, "auditor", places["county"])
    Payment.objects.filter(pk=audited["payment"].pk).update(amount=Decimal("4900.00"))
    audit_run(division_code=places["county"].code, trigger="test")  # the plan's sum is cleared

    page = client.get(reverse("projects:findings")).content.decode()
    rows = {f.pk for f in AuditFinding.objects.filter(division_code__startswith=places["county"].code[:6])}
    assert all(f'data-finding="{pk}"' in page for pk in rows)
    assert f'data-finding="{_finding("overspent_fund", audited["other_fund"].pk).pk}"' not in page
    assert 'data-rule="overspent_fund"><td><a' in page and "巫山光伏电站" in page

    cleared = client.get(reverse("projects:findings") + "?open=cleared").content.decode()
    assert f'data-finding="{_finding("plan_sum", audited["plan"].pk).pk}"' in cleared
    assert f'data-finding="{_finding("overspent_fund", audited["fund"].pk).pk}"' not in cleared
    by_rule = client.get(reverse("projects:findings") + "?rule=payee_not_beneficiary").content.decode()
    assert by_rule.count('class="audit-finding-row"') == 1


def test_a_village_cadre_sees_the_payment_but_not_the_towns_plan(client, make_user, places, audited):
    _signed_in(client, make_user, "village", places["village"])
    page = client.get(reverse("projects:findings")).content.decode()
    assert f'data-finding="{_finding("payee_not_beneficiary", audited["payment"].pk).pk}"' in page
    assert f'data-finding="{_finding("plan_sum", audited["plan"].pk).pk}"' not in page
    assert client.get(reverse("projects:finding", args=[_finding("plan_sum", audited["plan"].pk).pk])).status_code \
        == 404


def test_the_export_opens_in_excel_with_the_evidence_in_words(client, make_user, places, audited):
    _signed_in(client, make_user, "auditor", places["county"])
    response = client.post(reverse("projects:findings") + "?rule=plan_sum")
    assert response.status_code == 200 and response["Content-Type"].startswith(XLSX)
    sheet = openpyxl.load_workbook(BytesIO(response.content), read_only=True).worksheets[0]
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert rows[0][:3] == ["审计规则", "对象类型", "对象编号"] and len(rows) == 2
    assert rows[1][0] == "分配合计不符" and rows[1][2] == str(audited["plan"].pk)
    assert rows[1][7].startswith(WORDS) and rows[1][6] == -0.01


# --------------------------------------------------------------------------- one finding


def test_the_finding_page_says_the_evidence_in_words_and_links_to_its_subject(client, make_user, places, audited):
    _signed_in(client, make_user, "auditor", places["county"])
    plan_sum = _finding("plan_sum", audited["plan"].pk)
    page = client.get(reverse("projects:finding", args=[plan_sum.pk])).content.decode()
    assert WORDS in page
    assert f'href="{reverse("projects:plan", args=[audited["plan"].pk])}"' in page
    assert f'href="{reverse("projects:detail", args=[audited["project"].pk])}"' in page
    assert 'id="finding-step-confirm"' in page and 'id="finding-step-explain"' in page

    payee = _finding("payee_not_beneficiary", audited["payment"].pk)
    page = client.get(reverse("projects:finding", args=[payee.pk])).content.decode()
    assert "发放日期 2025-06-30" in page and "发放金额 4,899.99 元" in page
    assert f'href="{reverse("registry:household_detail", args=[audited["household"].household_id])}"' in page

    client.cookies.load({"django_language": "en"})
    english = client.get(reverse("projects:finding", args=[plan_sum.pk]), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Plan revenue 7,000.00 yuan, Paid in total 4,899.99 yuan, Village collective 2,100.00 yuan, " \
           "Difference 0.01 yuan" in english


def test_confirming_then_explaining_through_the_forms(client, make_user, places, audited):
    auditor = _signed_in(client, make_user, "auditor", places["county"])
    finding = _finding("overspent_fund", audited["fund"].pk)
    today = timezone.localdate().isoformat()
    response = client.post(reverse("projects:finding_confirm", args=[finding.pk]), {"on": today, "note": "账实不符"})
    assert response.status_code == 302 and response["Location"] == reverse("projects:finding", args=[finding.pk])
    refused = client.post(reverse("projects:finding_explain", args=[finding.pk]), {"on": today, "reason": ""})
    assert refused.status_code == 400 and "请填写说明理由。" in refused.content.decode()
    client.post(reverse("projects:finding_explain", args=[finding.pk]), {"on": today, "reason": "已追回超支款"})
    finding.refresh_from_db()
    assert (finding.state, finding.reason, finding.decided_by) == ("explained", "已追回超支款", auditor)
    page = client.get(reverse("projects:finding", args=[finding.pk])).content.decode()
    assert page.count('class="finding-step"') == 2 and "账实不符" in page and "已追回超支款" in page
    assert 'id="finding-next"' not in page


def test_an_officer_reads_findings_but_may_not_decide_them(client, make_user, places, audited):
    _signed_in(client, make_user, "county", places["county"])
    finding = _finding("overspent_fund", audited["fund"].pk)
    assert client.get(reverse("projects:finding", args=[finding.pk])).status_code == 200
    page = client.get(reverse("projects:finding", args=[finding.pk])).content.decode()
    assert 'id="finding-next"' not in page
    today = timezone.localdate().isoformat()
    assert client.post(reverse("projects:finding_confirm", args=[finding.pk]), {"on": today}).status_code == 403
    assert client.post(f"/api/audit-findings/{finding.pk}/confirm/", {"on": today}).status_code == 403
    assert client.post(reverse("projects:audit_run")).status_code == 403
    finding.refresh_from_db()
    assert finding.state == "new"


# --------------------------------------------------------------------------- runs


def test_running_the_audit_now_is_a_job_whose_run_is_listed(client, make_user, places, audited):
    _signed_in(client, make_user, "auditor", places["county"])
    response = client.post(reverse("projects:audit_run"))
    job = Job.objects.get(kind="projects_audit")
    assert response.status_code == 302 and response["Location"] == reverse("jobs:detail", args=[job.pk])
    assert job.func_path == "neisheng.projects.jobs.audit_job" and job.division_code == places["county"].code
    before = AuditRun.objects.count()
    result = audit_job(job_id=job.pk, **job.params)
    run = AuditRun.objects.get(pk=result["run"])
    assert AuditRun.objects.count() == before + 1 and run.trigger == f"job #{job.pk}"
    assert result["still_open"] == 3 and run.run_by.role == "auditor"
    page = client.get(reverse("projects:audit_runs")).content.decode()
    assert f'data-run="{run.pk}"' in page
    other_runs = AuditRun.objects.filter(division_code__startswith=places["other_county"].code[:6])
    assert other_runs.exists() and all(f'data-run="{r.pk}"' not in page for r in other_runs)


# --------------------------------------------------------------------------- the API


def test_the_api_lists_filters_and_decides(client, make_user, places, audited):
    _signed_in(client, make_user, "auditor", places["county"])
    listed = client.get("/api/audit-findings/?rule=plan_sum").json()
    rows = listed["results"] if isinstance(listed, dict) else listed
    assert [r["subject_id"] for r in rows] == [str(audited["plan"].pk)]
    assert rows[0]["evidence_words"].startswith(WORDS)
    finding = _finding("overspent_fund", audited["fund"].pk)
    refused = client.post(f"/api/audit-findings/{finding.pk}/explain/", {"reason": " "})
    assert refused.status_code == 400 and "detail" in refused.json()
    done = client.post(f"/api/audit-findings/{finding.pk}/explain/", {"reason": "已追回"}).json()
    assert done["state"] == "explained" and done["history"][0]["step"] == "explain"
    other = _finding("overspent_fund", audited["other_fund"].pk)
    assert client.get(f"/api/audit-findings/{other.pk}/").status_code == 404
    runs = client.get("/api/audit-runs/").json()
    runs = runs["results"] if isinstance(runs, dict) else runs
    assert runs and all(r["division_code"].startswith(places["county"].code[:6]) for r in runs)


# --------------------------------------------------------------------------- auditors write only findings

# Routes of the projects app an auditor may only read, or may write (the findings'
# decisions, the run, and the on-site check of a renovation). Every other route of the
# app writes, and must refuse an auditor: a new route that is not named here fails the
# test until it is placed.
READ_ROUTES = {"list", "detail", "import_detail", "import_template", "document", "plans", "plan", "renovations",
               "renovation", "renovation_photo", "prices", "price_list", "findings", "finding", "audit_runs",
               "funds", "dividends", "unpaid", "reports_card_export"}
AUDITOR_WRITES = {"finding_confirm", "finding_explain", "audit_run", "renovation_check"}


def _routes() -> list[URLPattern]:
    resolver = get_resolver()
    namespace = next(p for p in resolver.url_patterns if getattr(p, "namespace", None) == "projects")
    return [p for p in namespace.url_patterns if isinstance(p, URLPattern)]


@pytest.fixture
def records(places):
    household = household_in(places["village"])
    project = project_made(places["county"].code)
    beneficiary = Beneficiary.objects.create(project=project, household=household, starts_on=DAY)
    plan = plan_made(project, household, division_code=places["county"].code, total="100.00", collective="0.00",
                     paid=("100.00",))
    DistributionPlan.objects.filter(pk=plan.pk).update(state=DistributionPlan.State.DRAFT)
    Payment.objects.filter(plan=plan).update(state=Payment.State.PENDING, paid_on=None)
    prices = PriceList.objects.create(division_code=places["county"].code, name="参考价", effective_on=DAY)
    renovation = Renovation.objects.create(household=household, price_list=prices, done_on=DAY)
    return {"project": project, "beneficiary": beneficiary, "plan": plan, "payment": Payment.objects.get(plan=plan),
            "renovation": renovation, "prices": prices}


def _kwargs(name: str, pattern: URLPattern, records) -> dict:
    wanted = set(pattern.pattern.converters)
    if name.startswith("plan_step"):
        pk = records["plan"].pk
    elif name.startswith("payment"):
        pk = records["payment"].pk
    elif name.startswith("renovation"):
        pk = records["renovation"].pk
    elif name.startswith("price"):
        pk = records["prices"].pk
    else:
        pk = records["project"].pk
    values = {"pk": pk, "beneficiary": records["beneficiary"].pk, "kind": "funds", "step": "submit"}
    missing = wanted - set(values)
    assert not missing, f"route {name} takes {missing}: give the test a value for it"
    return {key: values[key] for key in wanted}


def test_an_auditor_is_refused_every_write_route_of_the_app(client, make_user, places, records):
    _signed_in(client, make_user, "auditor", places["county"])
    routes = {p.name: p for p in _routes()}
    unplaced = set(routes) - READ_ROUTES - AUDITOR_WRITES
    writes = sorted(name for name in unplaced)
    assert {"new", "fund_new", "plan_new", "payment_pay", "renovation_new", "expenditure_new"} <= set(writes)
    answers = {}
    for name in writes:
        url = reverse(f"projects:{name}", kwargs=_kwargs(name, routes[name], records))
        answers[name] = (client.get(url).status_code, client.post(url, {}).status_code)
    refused = {name: codes for name, codes in answers.items() if codes[1] != 403 or codes[0] not in (403, 405)}
    assert not refused, f"routes an auditor may use to write: {refused}"
    assert not Payment.objects.filter(state=Payment.State.PAID).exclude(plan__state="approved").exists()
    assert DistributionPlan.objects.get(pk=records["plan"].pk).state == DistributionPlan.State.DRAFT


def test_an_auditor_reads_every_page_of_the_division(client, make_user, places, records, audited):
    _signed_in(client, make_user, "auditor", places["county"])
    for name, args in (("list", []), ("detail", [records["project"].pk]), ("plans", []),
                       ("plan", [audited["plan"].pk]), ("renovations", []), ("renovation", [records["renovation"].pk]),
                       ("findings", []), ("audit_runs", [])):
        assert client.get(reverse(f"projects:{name}", args=args)).status_code == 200, name


def test_run_page_for_an_administrator_without_a_division_asks_which_county(client, make_user, places):
    _signed_in(client, make_user, "admin", None)
    page = client.get(reverse("projects:audit_run"))
    assert page.status_code == 200 and f'value="{places["county"].code}"' in page.content.decode()
    response = client.post(reverse("projects:audit_run"), {"division": places["county"].code})
    assert response.status_code == 302
    assert Job.objects.get(kind="projects_audit").params["division"] == places["county"].code


def test_runs_take_well_under_a_second_for_a_small_county(places):
    overspent_fund_made(project_made(places["county"].code))
    run = audit_run(division_code=places["county"].code, trigger="timing")
    assert 0 < run.seconds < 5
