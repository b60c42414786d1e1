"""The projects app's entries in the scope matrix (tests/web/test_scope_matrix.py): one
region per helper area. `targets` creates each area's records on both sides."""

from __future__ import annotations

ENDPOINTS: list[dict] = []
NOT_SCOPED: list[str] = []
_TARGETS: list = []


def targets(*, household, other_household, places) -> dict:
    extra: dict = {}
    for make in _TARGETS:
        extra.update(make(household=household, other_household=other_household, places=places))
    return extra


# --- B ---
# Projects and their own records. The target project is run by the target's village and
# serves it (its page and rows show the village's code); the household benefits from it.
_B_EDIT = ("projects.edit",)
_B_READ = ("persons.read",)
_B_HOUSEHOLDS = ("persons.read", "projects.edit")
ENDPOINTS += [
    {"name": "projects list", "template": "/projects/", "kind": "list", "needs": (), "shows": "village"},
    {"name": "projects list search", "template": "/projects/?q={t.village}", "kind": "list", "needs": (),
     "shows": "village"},
    {"name": "projects list by division", "template": "/projects/?division={t.village}&kind=photovoltaic",
     "kind": "list", "needs": (), "shows": "village"},
    {"name": "projects list export", "template": "/projects/", "kind": "list", "needs": (), "post": {},
     "shows": "village"},
    {"name": "project new", "template": "/projects/new/", "kind": "list", "needs": _B_EDIT, "shows": "village",
     "lists_rows": False},
    {"name": "projects import", "template": "/projects/import/", "kind": "list", "needs": _B_EDIT, "shows": None,
     "lists_rows": False},
    {"name": "projects import template", "template": "/projects/import/{t.extra[projects_sheet_all]}/template/", "kind": "list",
     "needs": _B_EDIT, "shows": None, "lists_rows": False},
    {"name": "projects import result", "template": "/projects/imports/{t.extra[projects_import]}/",
     "kind": "detail", "needs": _B_READ, "shows": "village"},
    {"name": "project page", "template": "/projects/{t.extra[project]}/", "kind": "detail", "needs": (),
     "shows": "village"},
    {"name": "project revenue card export", "template": "/projects/{t.extra[project]}/", "kind": "detail",
     "needs": (), "post": {"card": "project-revenue"}, "shows": None},
    {"name": "project edit", "template": "/projects/{t.extra[project]}/edit/", "kind": "detail", "needs": _B_EDIT,
     "shows": "village"},
    {"name": "project fund new", "template": "/projects/{t.extra[project]}/funds/new/", "kind": "detail",
     "needs": _B_EDIT, "shows": None},
    {"name": "project fund new sent", "template": "/projects/{t.extra[project]}/funds/new/", "kind": "detail",
     "needs": _B_EDIT, "post": {"source": "county", "amount": "10", "received_on": "2020-01-01"}, "shows": None,
     "answers": 302},
    {"name": "project expenditure new", "template": "/projects/{t.extra[project]}/expenditures/new/",
     "kind": "detail", "needs": _B_EDIT, "shows": None},
    {"name": "project asset new", "template": "/projects/{t.extra[project]}/assets/new/", "kind": "detail",
     "needs": _B_EDIT, "shows": None},
    {"name": "project revenue new", "template": "/projects/{t.extra[project]}/revenues/new/", "kind": "detail",
     "needs": _B_EDIT, "shows": None},
    {"name": "project document new", "template": "/projects/{t.extra[project]}/documents/new/", "kind": "detail",
     "needs": _B_EDIT, "shows": None},
    {"name": "project document", "template": "/projects/{t.extra[project]}/documents/{t.extra[project_document]}/",
     "kind": "detail", "needs": (), "shows": None},
    {"name": "project beneficiary new", "template": "/projects/{t.extra[project]}/beneficiaries/new/",
     "kind": "detail", "needs": _B_HOUSEHOLDS, "shows": None},
    {"name": "project beneficiary end",
     "template": "/projects/{t.extra[project]}/beneficiaries/{t.extra[project_beneficiary]}/end/",
     "kind": "detail", "needs": _B_HOUSEHOLDS, "shows": "household"},
    {"name": "project sheet import", "template": "/projects/{t.extra[project]}/import/{t.extra[projects_sheet]}/", "kind": "detail",
     "needs": _B_HOUSEHOLDS, "shows": None},
    {"name": "project sheet template", "template": "/projects/import/{t.extra[projects_sheet]}/template/", "kind": "list",
     "needs": _B_EDIT, "shows": None, "lists_rows": False},
    {"name": "API projects", "template": "/api/projects/", "kind": "list", "api": True, "needs": (),
     "shows": "village"},
    {"name": "API projects of a village", "template": "/api/projects/?division={t.village}", "kind": "list",
     "api": True, "needs": (), "shows": "village", "lists_rows": False},
    {"name": "API project", "template": "/api/projects/{t.extra[project]}/", "kind": "detail", "api": True,
     "needs": (), "shows": "village"},
    {"name": "API project funds", "template": "/api/project-funds/", "kind": "list", "api": True, "needs": (),
     "shows": "village"},
    {"name": "API project fund", "template": "/api/project-funds/{t.extra[project_fund]}/", "kind": "detail",
     "api": True, "needs": (), "shows": "village"},
    {"name": "API project expenditures", "template": "/api/project-expenditures/", "kind": "list", "api": True,
     "needs": (), "shows": "village"},
    {"name": "API project expenditure", "template": "/api/project-expenditures/{t.extra[project_expenditure]}/",
     "kind": "detail", "api": True, "needs": (), "shows": "village"},
    {"name": "API project assets", "template": "/api/project-assets/", "kind": "list", "api": True, "needs": (),
     "shows": "village"},
    {"name": "API project asset", "template": "/api/project-assets/{t.extra[project_asset]}/", "kind": "detail",
     "api": True, "needs": (), "shows": "village"},
    {"name": "API project revenues", "template": "/api/project-revenues/", "kind": "list", "api": True,
     "needs": (), "shows": "village"},
    {"name": "API project revenue", "template": "/api/project-revenues/{t.extra[project_revenue]}/",
     "kind": "detail", "api": True, "needs": (), "shows": "village"},
    {"name": "API project beneficiaries", "template": "/api/project-beneficiaries/", "kind": "list", "api": True,
     "needs": _B_READ},
    {"name": "API project beneficiary", "template": "/api/project-beneficiaries/{t.extra[project_beneficiary]}/",
     "kind": "detail", "api": True, "needs": _B_READ},
    {"name": "API project beneficiary end",
     "template": "/api/project-beneficiaries/{t.extra[project_beneficiary]}/end/", "kind": "detail",
     "api": True, "needs": _B_HOUSEHOLDS, "post": {"ends_on": "2099-12-31"}},
]


def _targets_b(*, household, other_household, places) -> dict:
    """On each side a photovoltaic project run by the household's village and serving it,
    with a fund, an expenditure, an asset, a year's revenue, a document, the household as
    beneficiary and a refused import; written directly (the services' rules have tests of
    their own)."""
    import datetime as dt
    from decimal import Decimal

    from django.core.files.base import ContentFile

    from neisheng.projects.models import (
        Asset,
        Beneficiary,
        Expenditure,
        Fund,
        Project,
        ProjectDivision,
        ProjectDocument,
        ProjectsImport,
        Revenue,
    )

    # The kinds of sheet stand in the import routes' <kind> (the route guard reads them so).
    made: dict = {"projects_sheet_all": "projects", "projects_sheet": "funds"}
    for side, suffix in ((household, ""), (other_household, "_elsewhere")):
        village = side.village_id
        project = Project.objects.create(division_code=village, name="村级光伏电站", kind="photovoltaic",
                                         number=f"GF-{village}")
        ProjectDivision.objects.create(project=project, division_code=village)
        fund = Fund.objects.create(project=project, source="central", amount=Decimal("1000.00"),
                                   received_on=dt.date(2020, 1, 1))
        expenditure = Expenditure.objects.create(fund=fund, amount=Decimal("100.00"), spent_on=dt.date(2020, 2, 1),
                                                 purpose="组件")
        asset = Asset.objects.create(project=project, name="光伏组件", value=Decimal("900.00"))
        revenue = Revenue.objects.create(project=project, year=2025, kind="electricity", amount=Decimal("700.00"),
                                         received_on=dt.date(2025, 12, 1))
        beneficiary = Beneficiary.objects.create(project=project, household=side, starts_on=dt.date(2020, 1, 1))
        document = ProjectDocument(project=project, title="立项批复", file_name=f"批复-{village}.txt",
                                   sha256="0" * 64, size=len(village))
        document.file.save(f"批复-{village}.txt", ContentFile(village.encode()), save=True)
        record = ProjectsImport(division_code=village, kind="projects", file_name="项目.xlsx", sha256="0" * 64,
                                outcome="refused", problems=[{"row": 2, "column": "name", "value": "",
                                                              "reason_zh": "“项目名称”不能为空",
                                                              "reason_en": "name is required"}])
        record.file.save("项目.xlsx", ContentFile(b"x"), save=True)
        made.update({f"project{suffix}": project.pk, f"project_fund{suffix}": fund.pk,
                     f"project_expenditure{suffix}": expenditure.pk, f"project_asset{suffix}": asset.pk,
                     f"project_revenue{suffix}": revenue.pk, f"project_beneficiary{suffix}": beneficiary.pk,
                     f"project_document{suffix}": document.pk, f"projects_import{suffix}": record.pk})
    return made


_TARGETS.append(_targets_b)

# --- C ---
# Distribution plans and payments. On each side a project run by the household's village
# with the household as beneficiary, an approved plan whose title names the household (so
# lists show it) with the household's pending payment, and a draft plan of another revenue.
_C_READ = ("persons.read",)
_C_PLAN = ("persons.read", "distributions.plan")
_C_PAY = ("persons.read", "payments.record")
ENDPOINTS += [
    {"name": "plans list", "template": "/projects/plans/", "kind": "list", "needs": _C_READ},
    {"name": "plans list of a project", "template": "/projects/plans/?project={t.extra[plan_project]}&state=approved",
     "kind": "list", "needs": _C_READ, "lists_rows": False},
    {"name": "plans list export", "template": "/projects/plans/", "kind": "list", "needs": _C_READ, "post": {}},
    {"name": "plan page", "template": "/projects/plans/{t.extra[plan]}/", "kind": "detail", "needs": _C_READ},
    {"name": "plan page of a draft", "template": "/projects/plans/{t.extra[plan_draft]}/", "kind": "detail",
     "needs": _C_READ},
    {"name": "plan page under review", "template": "/projects/plans/{t.extra[plan_reviewing]}/", "kind": "detail",
     "needs": _C_READ},
    {"name": "plan publicity list export", "template": "/projects/plans/{t.extra[plan]}/", "kind": "detail",
     "needs": _C_READ, "post": {}},
    {"name": "plan step form", "template": "/projects/plans/{t.extra[plan_draft]}/{t.extra[plan_step]}/", "kind": "detail",
     "needs": _C_PLAN, "shows": None},
    {"name": "plan step taken", "template": "/projects/plans/{t.extra[plan_draft]}/reject/", "kind": "detail",
     "needs": _C_PLAN, "post": {"reject-rejected_on": "2025-06-01", "reject-reason": "重新编制"}, "shows": None,
     "answers": 302},
    {"name": "plan new", "template": "/projects/{t.extra[plan_project]}/plans/new/", "kind": "detail",
     "needs": _C_PLAN},
    {"name": "plan import", "template": "/projects/{t.extra[plan_project]}/plans/import/", "kind": "detail",
     "needs": _C_PLAN, "shows": None},
    {"name": "payment pay form", "template": "/projects/payments/{t.extra[plan_payment]}/pay/", "kind": "detail",
     "needs": _C_PAY},
    {"name": "payment paid", "template": "/projects/payments/{t.extra[plan_payment]}/pay/", "kind": "detail",
     "needs": _C_PAY, "post": {"paid_on": "2025-06-02", "voucher_no": "V1"}, "shows": None, "answers": 302},
    {"name": "API distribution plans", "template": "/api/distribution-plans/", "kind": "list", "api": True,
     "needs": _C_READ},
    {"name": "API distribution plan", "template": "/api/distribution-plans/{t.extra[plan]}/", "kind": "detail",
     "api": True, "needs": _C_READ},
    {"name": "API distribution plan submit", "template": "/api/distribution-plans/{t.extra[plan_draft]}/submit/",
     "kind": "detail", "api": True, "needs": _C_PLAN, "post": {"submitted_on": "2025-06-01"}},
    # Approval needs a review decided and publicised: the draft's is refused (400), never shown elsewhere.
    {"name": "API distribution plan approve", "template": "/api/distribution-plans/{t.extra[plan_draft]}/approve/",
     "kind": "detail", "api": True, "needs": _C_PLAN, "post": {"approved_on": "2025-06-01"}, "shows": None,
     "answers": 400},
    {"name": "API payments", "template": "/api/payments/", "kind": "list", "api": True, "needs": _C_READ},
    {"name": "API payments of a plan", "template": "/api/payments/?plan={t.extra[plan]}", "kind": "list",
     "api": True, "needs": _C_READ, "lists_rows": False},
    {"name": "API payment", "template": "/api/payments/{t.extra[plan_payment]}/", "kind": "detail", "api": True,
     "needs": _C_READ},
    {"name": "API payment pay", "template": "/api/payments/{t.extra[plan_payment]}/pay/", "kind": "detail",
     "api": True, "needs": _C_PAY, "post": {"paid_on": "2025-06-02"}},
]


def _targets_c(*, household, other_household, places) -> dict:
    import datetime as dt
    from decimal import Decimal

    from neisheng.platform.models import Objection, Review
    from neisheng.projects.models import (
        Beneficiary,
        DistributionPlan,
        Payment,
        PlanShare,
        Project,
        ProjectDivision,
        Revenue,
    )

    made: dict = {}
    for side, suffix in ((household, ""), (other_household, "_elsewhere")):
        village = side.village_id
        project = Project.objects.create(division_code=village, name="大棚园区", kind="greenhouse")
        ProjectDivision.objects.create(project=project, division_code=village)
        Beneficiary.objects.create(project=project, household=side, starts_on=dt.date(2020, 1, 1))
        revenues = [Revenue.objects.create(project=project, year=year, kind="rent", amount=Decimal("500.00"),
                                           received_on=dt.date(year, 12, 1)) for year in (2023, 2024)]
        plan = DistributionPlan.objects.create(
            project=project, revenue=revenues[0], division_code=village, title=f"租金分配 {side.household_id}",
            plan_on=dt.date(2024, 1, 10), total=Decimal("500.00"), collective_share=Decimal(0),
            method="per_household", state="approved")
        share = PlanShare.objects.create(plan=plan, household=side, weight=Decimal(1), members=2,
                                         amount=Decimal("500.00"))
        payment = Payment.objects.create(plan=plan, share=share, household=side, amount=Decimal("500.00"))
        draft = DistributionPlan.objects.create(
            project=project, revenue=revenues[1], division_code=village, title=f"租金分配 {side.household_id} 草稿",
            plan_on=dt.date(2025, 1, 10), total=Decimal("500.00"), collective_share=Decimal(0),
            method="per_household")
        PlanShare.objects.create(plan=draft, household=side, weight=Decimal(1), members=2, amount=Decimal("500.00"))
        # A plan under review, publicised, with an objection not yet answered.
        revenue = Revenue.objects.create(project=project, year=2025, kind="rent", amount=Decimal("300.00"),
                                         received_on=dt.date(2025, 12, 1))
        reviewing = DistributionPlan.objects.create(
            project=project, revenue=revenue, division_code=village, title=f"租金分配 {side.household_id} 公示",
            plan_on=dt.date(2025, 12, 10), total=Decimal("300.00"), collective_share=Decimal("0.3"),
            collective_amount=Decimal("90.00"), method="per_person", state="reviewing")
        PlanShare.objects.create(plan=reviewing, household=side, weight=Decimal(2), members=2,
                                 amount=Decimal("210.00"))
        review = Review.objects.create(
            object_type="projects.distributionplan", object_id=str(reviewing.pk), division_code=village,
            subject=f"收益分配方案 {reviewing.title}", state=Review.State.PUBLICISED,
            council_decision=Review.Decision.AGREED, council_on=dt.date(2025, 12, 11), council_note="同意",
            publicity_days=5, publicity_start=dt.date(2025, 12, 12), publicity_end=dt.date(2025, 12, 16))
        Objection.objects.create(review=review, raised_by="李四", raised_on=dt.date(2025, 12, 13), text="人数不对")
        made.update({f"plan_project{suffix}": project.pk, f"plan{suffix}": plan.pk, f"plan_draft{suffix}": draft.pk,
                     f"plan_reviewing{suffix}": reviewing.pk, f"plan_payment{suffix}": payment.pk})
    # The step's name is part of the route (/projects/plans/<pk>/<step>/).
    made["plan_step"] = "submit"
    return made


_TARGETS.append(_targets_c)


# --- D ---
# Price lists and renovations. A price list is the county's (read by everyone of the
# county); a renovation is the household's (read in its village's scope). The target
# renovation has a line item over its reference price and a photo on both sides.
_D_READ = ("persons.read",)
_D_RECORD = ("persons.read", "renovations.record")
_D_CHECK = ("persons.read", "findings.audit")
_D_PRICES = ("persons.read", "prices.edit")
_D_PAGE = "/projects/renovations/{t.extra[d_renovation]}/"
ENDPOINTS += [
    {"name": "renovations list", "template": "/projects/renovations/", "kind": "list", "needs": _D_READ},
    {"name": "renovations list search", "template": "/projects/renovations/?q={t.household}", "kind": "list",
     "needs": _D_READ},
    {"name": "renovations list over and unchecked",
     "template": "/projects/renovations/?over=any&check=pending&division={t.village}", "kind": "list",
     "needs": _D_READ},
    {"name": "renovations list export", "template": "/projects/renovations/", "kind": "list", "needs": _D_READ,
     "post": {}},
    {"name": "renovation new", "template": "/projects/renovations/new/", "kind": "list", "needs": _D_RECORD,
     "shows": None, "lists_rows": False},
    {"name": "renovation new for household", "template": "/projects/renovations/new/?household={t.household}",
     "kind": "detail", "needs": _D_RECORD},
    {"name": "renovations import", "template": "/projects/renovations/import/", "kind": "list",
     "needs": _D_RECORD, "shows": None, "lists_rows": False},
    {"name": "renovations import template", "template": "/projects/renovations/import/?template=1",
     "kind": "list", "needs": _D_RECORD, "shows": None, "lists_rows": False},
    {"name": "renovation page", "template": _D_PAGE, "kind": "detail", "needs": _D_READ},
    {"name": "renovation item new", "template": _D_PAGE + "items/new/", "kind": "detail", "needs": _D_RECORD},
    {"name": "renovation photo new", "template": _D_PAGE + "photos/new/", "kind": "detail", "needs": _D_RECORD},
    {"name": "renovation photo", "template": _D_PAGE + "photos/{t.extra[d_photo]}/", "kind": "detail",
     "needs": _D_READ, "shows": None},
    {"name": "renovation site check", "template": _D_PAGE + "check/", "kind": "detail", "needs": _D_CHECK},
    {"name": "price lists", "template": "/projects/prices/", "kind": "list", "needs": _D_READ, "shows": None},
    {"name": "price list page", "template": "/projects/prices/{t.extra[d_price_list]}/", "kind": "detail",
     "needs": _D_READ, "shows": None},
    {"name": "price list import", "template": "/projects/prices/import/", "kind": "list", "needs": _D_PRICES,
     "shows": None, "lists_rows": False},
    {"name": "price list import template", "template": "/projects/prices/import/?template=1", "kind": "list",
     "needs": _D_PRICES, "shows": None, "lists_rows": False},
    {"name": "price list default", "template": "/projects/prices/default/", "kind": "list", "needs": _D_PRICES,
     "shows": None, "lists_rows": False},
    {"name": "API renovations", "template": "/api/renovations/", "kind": "list", "api": True, "needs": _D_READ},
    {"name": "API renovations over", "template": "/api/renovations/?over=price", "kind": "list", "api": True,
     "needs": _D_READ},
    {"name": "API renovation", "template": "/api/renovations/{t.extra[d_renovation]}/", "kind": "detail",
     "api": True, "needs": _D_READ},
    # An empty body is refused (400) once the renovation is found: elsewhere it is not found (404).
    {"name": "API renovation item add", "template": "/api/renovations/{t.extra[d_renovation]}/items/",
     "kind": "detail", "api": True, "needs": _D_RECORD, "post": {}, "shows": None, "answers": 400},
    {"name": "API renovation site check", "template": "/api/renovations/{t.extra[d_renovation]}/site-check/",
     "kind": "detail", "api": True, "needs": _D_CHECK, "post": {}, "shows": None, "answers": 400},
    {"name": "API price lists", "template": "/api/price-lists/", "kind": "list", "api": True, "needs": _D_READ,
     "shows": None},
    {"name": "API price list", "template": "/api/price-lists/{t.extra[d_price_list]}/", "kind": "detail",
     "api": True, "needs": _D_READ, "shows": None},
]


def _targets_d(*, household, other_household, places) -> dict:
    """A price list of each county, and on each side a renovation with one item over its
    reference price and a photo before (written directly: the matrix tests who sees them,
    not how they are recorded; the shipped list's import and audit run would cost every
    one of the matrix's thousands of tests a third of a second)."""
    import datetime as dt
    import io
    from decimal import Decimal

    from django.core.files.base import ContentFile
    from PIL import Image

    from neisheng.projects.models import (
        PriceList,
        ReferencePrice,
        Renovation,
        RenovationItem,
        RenovationPhoto,
    )

    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "white").save(buffer, "PNG")
    made = {}
    for suffix, someone in (("", household), ("_elsewhere", other_household)):
        price_list = PriceList.objects.create(division_code=someone.village_id[:6] + "000000", name="默认参考价格表",
                                              effective_on=dt.date(2025, 1, 1), is_default=True)
        ReferencePrice.objects.create(price_list=price_list, item_code="L01", name="泥工", unit="工日",
                                      reference_price=Decimal(200), max_quantity=Decimal(20))
        renovation = Renovation.objects.create(household=someone, price_list=price_list, done_on=dt.date(2025, 5, 1),
                                               contractor="县建一队")
        RenovationItem.objects.create(renovation=renovation, item_code="L01", name="泥工", kind="labor",
                                      quantity=Decimal(10), unit="工日", unit_price=Decimal(300),
                                      amount=Decimal(3000))
        photo = RenovationPhoto(renovation=renovation, moment="before", sha256="0" * 64, size=len(buffer.getvalue()))
        photo.file.save(f"scope-matrix-{renovation.pk}.png", ContentFile(buffer.getvalue()), save=True)
        made.update({f"d_renovation{suffix}": renovation.pk, f"d_photo{suffix}": photo.pk,
                     f"d_price_list{suffix}": price_list.pk})
    return made


_TARGETS.append(_targets_d)

# --- E ---
# The audit's findings and runs. A finding lies in its subject's division: the target's
# is a household's renovation total, in its village (every level sees it).
from neisheng.accounts.access import FINDINGS_AUDIT, PERSONS_READ

_E_READ = (PERSONS_READ,)
_E_DECIDE = (PERSONS_READ, FINDINGS_AUDIT)
ENDPOINTS += [
    {"name": "audit finding list", "template": "/projects/audit/", "kind": "list", "needs": _E_READ},
    {"name": "audit finding list search", "template": "/projects/audit/?q={t.household}", "kind": "list",
     "needs": _E_READ},
    {"name": "audit finding list filtered", "template": "/projects/audit/?division={t.village}&rule=renovation_total"
     "&state=new&open=open", "kind": "list", "needs": _E_READ},
    {"name": "audit finding export", "template": "/projects/audit/", "kind": "list", "needs": _E_READ, "post": {}},
    {"name": "audit finding page", "template": "/projects/audit/{t.extra[audit_finding]}/", "kind": "detail",
     "needs": _E_READ},
    {"name": "audit finding confirm", "template": "/projects/audit/{t.extra[audit_finding]}/confirm/",
     "kind": "detail", "needs": _E_DECIDE},
    {"name": "audit finding explain", "template": "/projects/audit/{t.extra[audit_finding]}/explain/",
     "kind": "detail", "needs": _E_DECIDE},
    {"name": "audit finding confirm sent", "template": "/projects/audit/{t.extra[audit_finding]}/confirm/",
     "kind": "detail", "needs": _E_DECIDE, "post": {"on": "{t.extra[audit_today]}", "note": "已核实"},
     "shows": None, "answers": 302},
    {"name": "audit run now", "template": "/projects/audit/run/", "kind": "list", "needs": _E_DECIDE,
     "shows": None, "lists_rows": False},
    # Runs carry counts and a division's name, no household number to find the county by.
    {"name": "audit runs", "template": "/projects/audit/runs/", "kind": "list", "needs": _E_READ, "shows": None,
     "lists_rows": False},
    {"name": "audit finding api list", "template": "/api/audit-findings/", "kind": "list", "api": True,
     "needs": _E_READ},
    {"name": "audit finding api list filtered", "template": "/api/audit-findings/?division={t.village}&open=true",
     "kind": "list", "api": True, "needs": _E_READ},
    {"name": "audit finding api page", "template": "/api/audit-findings/{t.extra[audit_finding]}/",
     "kind": "detail", "api": True, "needs": _E_READ},
    {"name": "audit finding api confirm", "template": "/api/audit-findings/{t.extra[audit_finding]}/confirm/",
     "kind": "detail", "api": True, "needs": _E_DECIDE, "post": {"on": "{t.extra[audit_today]}"}},
    {"name": "audit finding api explain", "template": "/api/audit-findings/{t.extra[audit_finding]}/explain/",
     "kind": "detail", "api": True, "needs": _E_DECIDE,
     "post": {"on": "{t.extra[audit_today]}", "reason": "已补足"}},
    {"name": "audit run api list", "template": "/api/audit-runs/", "kind": "list", "api": True, "needs": _E_READ,
     "shows": None},
    {"name": "audit run api page", "template": "/api/audit-runs/{t.extra[audit_run]}/", "kind": "detail",
     "api": True, "needs": _E_READ, "shows": None},
]


def _targets_e(*, household, other_household, places) -> dict:
    """A renovation-total finding of each household (in its village) and a run of each
    county (what a run over the county would store)."""
    from django.utils import timezone

    from neisheng.projects.audit import county_of
    from neisheng.projects.models import AuditFinding, AuditRun

    made = {}
    for name, someone in (("audit_finding", household), ("audit_finding_elsewhere", other_household)):
        finding = AuditFinding.objects.create(
            rule="renovation_total", subject_type="household", subject_id=someone.household_id,
            division_code=someone.village_id, household=someone, amount="20000.01", last_seen_at=timezone.now(),
            evidence={"total": "20000.01", "cap": "20000.00", "over": "0.01", "renovations": 2, "items": 5})
        made[name] = finding.pk
    for name, someone in (("audit_run", household), ("audit_run_elsewhere", other_household)):
        run = AuditRun.objects.create(division_code=county_of(someone.village_id), trigger="test", raised=1,
                                      counts={"renovation_total": 1})
        made[name] = run.pk
    made["audit_today"] = timezone.localdate().isoformat()
    return made


_TARGETS.append(_targets_e)

# --- F ---
_F_READ = ("persons.read",)
ENDPOINTS += [
    # Sums only (no household): every role reads the funds of the projects it sees.
    dict(name="project funds", template="/projects/funds/", kind="list", needs=(), shows=None),
    dict(name="project funds of a village", template="/projects/funds/?division={t.village}", kind="list",
         needs=(), shows="village"),
    dict(name="project funds card export", template="/projects/funds/?division={t.village}", kind="list",
         needs=(), post={"card": "funds-by-division"}, shows="village"),
    dict(name="project funds export", template="/projects/funds/", kind="list", needs=(), post={}, shows=None,
         lists_rows=False),
    # The default year is the latest with payments in the reader's scope, which other areas'
    # records may move: the household is looked for in the year named.
    dict(name="dividends paid", template="/projects/dividends/", kind="list", needs=_F_READ, shows=None,
         lists_rows=False),
    dict(name="dividends paid in a year", template="/projects/dividends/?year={t.extra[reports_paid_year]}",
         kind="list", needs=_F_READ),
    dict(name="dividends paid export", template="/projects/dividends/?year={t.extra[reports_paid_year]}",
         kind="list", needs=_F_READ, post={}),
    dict(name="dividends per village export", template="/projects/dividends/?year={t.extra[reports_paid_year]}",
         kind="list", needs=_F_READ, post={"card": "dividends-by-village"}, shows="village"),
    dict(name="households without dividends", template="/projects/unpaid/", kind="list", needs=_F_READ,
         shows=None, lists_rows=False),
    dict(name="households without dividends in a year",
         template="/projects/unpaid/?year={t.extra[reports_unpaid_year]}", kind="list", needs=_F_READ),
    dict(name="households without dividends nor labor",
         template="/projects/unpaid/?year={t.extra[reports_unpaid_year]}&labor=none", kind="list",
         needs=_F_READ, shows=None, lists_rows=False),
    dict(name="households without dividends export",
         template="/projects/unpaid/?year={t.extra[reports_unpaid_year]}", kind="list", needs=_F_READ, post={}),
    dict(name="dividends dashboard card export",
         template="/projects/reports/cards/{t.extra[reports_card]}/export/?division={t.village}", kind="detail",
         needs=(), post={}, shows="village"),
]


def _targets_f(*, household, other_household, places) -> dict:
    """On each side: a project of the village with a fund partly spent, the household a
    beneficiary paid a dividend in 2026 and owed one of another approved plan, a
    renovation of its home; the household lifted, so it receives nothing in 2020."""
    import datetime as dt
    from decimal import Decimal

    from neisheng.projects.models import (
        Beneficiary,
        DistributionPlan,
        Expenditure,
        Fund,
        Payment,
        PlanShare,
        PriceList,
        Project,
        ProjectDivision,
        Renovation,
        RenovationItem,
        Revenue,
    )
    from neisheng.registry.models import Household

    for someone in (household, other_household):
        village = someone.village_id
        Household.objects.filter(pk=someone.pk).update(status="lifted")
        project = Project.objects.create(division_code=village, name="村级光伏电站", kind="photovoltaic")
        ProjectDivision.objects.create(project=project, division_code=village)
        fund = Fund.objects.create(project=project, source="central", amount=Decimal("100000.00"),
                                   received_on=dt.date(2025, 3, 1))
        Expenditure.objects.create(fund=fund, amount=Decimal("30000.00"), spent_on=dt.date(2025, 5, 1),
                                   purpose="组件采购")
        Beneficiary.objects.create(project=project, household=someone, starts_on=dt.date(2025, 1, 1))
        revenue = Revenue.objects.create(project=project, year=2026, kind="electricity", amount=Decimal("9000.00"),
                                         received_on=dt.date(2026, 5, 20))
        for title, paid_on in (("2026 年上半年分配", dt.date(2026, 6, 30)), ("2026 年下半年分配", None)):
            plan = DistributionPlan.objects.create(
                project=project, revenue=revenue, division_code=village, title=title, plan_on=dt.date(2026, 6, 1),
                total=Decimal("4500.00"), collective_share=Decimal(0), method="per_household", state="approved")
            share = PlanShare.objects.create(plan=plan, household=someone, weight=Decimal(1), members=2,
                                             amount=Decimal("4500.00"))
            Payment.objects.create(plan=plan, share=share, household=someone, amount=Decimal("4500.00"),
                                   state="paid" if paid_on else "pending", paid_on=paid_on)
        prices = PriceList.objects.create(division_code=village[:6] + "000000", name="参考价格表",
                                          effective_on=dt.date(2025, 1, 1))
        renovation = Renovation.objects.create(household=someone, price_list=prices, done_on=dt.date(2026, 4, 1),
                                               contractor="某建筑队")
        RenovationItem.objects.create(renovation=renovation, item_code="L01", name="墙面粉刷", kind="labor",
                                      quantity=Decimal(10), unit="平方米", unit_price=Decimal("25.00"),
                                      amount=Decimal("250.00"))
    return {"reports_paid_year": 2026, "reports_unpaid_year": 2020, "reports_card": "dividends-by-division"}


_TARGETS.append(_targets_f)

