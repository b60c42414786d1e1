"""What the projects app adds to the platform's shared places (household sections, work
cards, dashboard sources, audit vocabulary). Each helper area adds one function below
and one call line in `register()`."""

from __future__ import annotations


def register() -> None:
    register_b()
    register_c()
    register_d()
    register_e()
    register_f()


def register_e() -> None:
    """The audit: its words in the audit log's sentences, and the auditors' work card of
    new findings."""
    from django.utils.translation import gettext_lazy, pgettext_lazy

    from neisheng.platform.audit import audit_vocabulary_register
    from neisheng.platform.extensions import WorkCard, work_card_add
    from neisheng.projects.models import AuditFinding

    audit_vocabulary_register(
        object_types={"audit_run": pgettext_lazy("audit object", "项目审计运行"),
                      "audit_finding": pgettext_lazy("audit object", "项目审计发现"),
                      "audit_finding_list": pgettext_lazy("audit object", "项目审计发现列表")},
        # The findings export's filters, named apart from other lists' "rule" and "state".
        filters={"audit_rule": (gettext_lazy("审计规则"), dict(AuditFinding.Check.choices)),
                 "audit_state": (gettext_lazy("状态"), dict(AuditFinding.State.choices)),
                 "audit_open": (gettext_lazy("是否仍存在"), {"open": gettext_lazy("仍存在"),
                                                          "cleared": gettext_lazy("不再出现")}),
                 "audit_project": (gettext_lazy("项目"), None)},
        fields={"audit_run": {"trigger": gettext_lazy("触发"), "raised": gettext_lazy("新发现"),
                              "cleared": gettext_lazy("不再出现"), "open": gettext_lazy("仍存在")},
                "audit_finding": {"step": gettext_lazy("处理"), "state": gettext_lazy("状态")}},
        values={"audit_finding": {"state": dict(AuditFinding.State.choices)}},
    )
    work_card_add(WorkCard(name="audit-findings-new", template="projects/audit_work.html",
                           context=_audit_work_context, order=29))


def _audit_work_context(request) -> dict | None:
    """For auditors: the new findings still found in their scope."""
    from django.urls import reverse

    from neisheng.accounts.access import FINDINGS_AUDIT, PERSONS_READ, user_may
    from neisheng.projects.models import AuditFinding
    from neisheng.projects.views_audit import findings_visible

    user = request.user
    if not user.is_authenticated or not user_may(user, PERSONS_READ) or not user_may(user, FINDINGS_AUDIT):
        return None
    new = findings_visible(user).filter(state=AuditFinding.State.NEW, cleared_at=None)
    first = list(new.select_related("project").order_by("-first_seen_at", "-pk")[:8])
    if not first:
        return None
    return {"count": new.count(), "findings": first,
            "list_url": reverse("projects:findings") + "?state=new&open=open"}


def register_f() -> None:
    """The division reports: the household page's card of its projects, the work card of
    payments to make, the dashboard's card of dividends paid, the audit log's words."""
    from django.utils.translation import gettext_lazy, pgettext_lazy

    from neisheng.platform.audit import audit_vocabulary_register
    from neisheng.platform.extensions import (
        HouseholdSection,
        WorkCard,
        household_section_add,
        work_card_add,
    )
    from neisheng.projects.sections import projects_section
    from neisheng.projects.views_reports import payments_work, register_dashboard

    household_section_add(HouseholdSection(name="projects", template="projects/sections_household.html",
                                           context=projects_section, order=16))
    work_card_add(WorkCard(name="dividend-payments", template="projects/reports_work_payments.html",
                           context=payments_work, order=28))
    register_dashboard()
    audit_vocabulary_register(object_types={
        "project_funds": pgettext_lazy("audit object", "项目资金报表"),
        "project_dividends": pgettext_lazy("audit object", "分红发放报表"),
        "project_unpaid": pgettext_lazy("audit object", "未获分红农户"),
        "projects_dashboard": pgettext_lazy("audit object", "分红发放统计卡片"),
    }, filters={"year": (gettext_lazy("年度"), None),
                "labor": (gettext_lazy("劳动能力"), {"none": gettext_lazy("无劳动能力户")})})


def register_b() -> None:
    """Projects, funds, expenditures, assets, beneficiaries, revenue, documents and the
    imports: the audit log's words, and where a project-less import leads back to."""
    from django.utils.translation import gettext_lazy, pgettext_lazy

    from neisheng.platform.audit import audit_vocabulary_register
    from neisheng.projects.models import Project
    from neisheng.projects.services.imports import RETURN_URLS

    RETURN_URLS.setdefault("projects", "projects:list")
    audit_vocabulary_register(
        object_types={
            "project": pgettext_lazy("audit object", "项目"),
            "project_list": pgettext_lazy("audit object", "项目列表"),
            "project_fund": pgettext_lazy("audit object", "项目资金"),
            "project_expenditure": pgettext_lazy("audit object", "资金支出"),
            "project_asset": pgettext_lazy("audit object", "项目资产"),
            "project_beneficiary": pgettext_lazy("audit object", "项目受益户"),
            "project_revenue": pgettext_lazy("audit object", "项目收益"),
            "project_document": pgettext_lazy("audit object", "项目文件"),
            "projects_import": pgettext_lazy("audit object", "项目工作簿导入"),
        },
        filters={"project_kind": (gettext_lazy("项目类型"), dict(Project.Kind.choices))},
        fields={"project": {"name": gettext_lazy("项目名称"), "kind": gettext_lazy("项目类型"),
                            "served": gettext_lazy("受益区划")}},
        values={"project": {"kind": dict(Project.Kind.choices)}},
    )


def register_c() -> None:
    """Distribution plans and payments: the audit log's words, and where an imported
    plan's refused sheet leads back to."""
    from django.utils.translation import gettext_lazy, pgettext_lazy

    from neisheng.platform.audit import audit_vocabulary_register
    from neisheng.projects.imports import RETURN_URLS
    from neisheng.projects.models import DistributionPlan

    RETURN_URLS.setdefault("payments", "projects:plans")
    audit_vocabulary_register(
        object_types={"distribution_plan": pgettext_lazy("audit object", "收益分配方案"),
                      "dividend_payment": pgettext_lazy("audit object", "分红发放")},
        fields={"distribution_plan": {"step": gettext_lazy("处理"), "total": gettext_lazy("分配金额(元)"),
                                      "collective": gettext_lazy("村集体金额(元)"),
                                      "method": gettext_lazy("分配方式"), "households": gettext_lazy("受益户数"),
                                      "payments": gettext_lazy("发放笔数"), "reason": gettext_lazy("理由")},
                "dividend_payment": {"step": gettext_lazy("处理"), "amount": gettext_lazy("金额(元)"),
                                     "paid_on": gettext_lazy("发放日期")}},
        values={"distribution_plan": {"method": dict(DistributionPlan.Method.choices)}},
    )


def register_d() -> None:
    """Price lists and renovations: the audit log's words, and where a refused price list
    or line-item sheet leads back to."""
    from django.utils.translation import gettext_lazy, pgettext_lazy

    from neisheng.platform.audit import audit_vocabulary_register
    from neisheng.projects.services.imports import RETURN_URLS

    RETURN_URLS.setdefault("prices", "projects:prices")
    RETURN_URLS.setdefault("renovation_items", "projects:renovations")
    audit_vocabulary_register(
        object_types={"price_list": pgettext_lazy("audit object", "改造参考价格表"),
                      "renovation": pgettext_lazy("audit object", "双提升改造"),
                      "renovation_item": pgettext_lazy("audit object", "改造明细"),
                      "renovation_photo": pgettext_lazy("audit object", "改造照片")},
        filters={"over": (gettext_lazy("超参考"), {"price": gettext_lazy("超参考价"),
                                                  "quantity": gettext_lazy("超最大数量"),
                                                  "any": gettext_lazy("超参考价或数量")}),
                 "check": (gettext_lazy("入户核查"), {"pending": gettext_lazy("待入户核查"),
                                                    "confirmed": gettext_lazy("核查属实"),
                                                    "not_confirmed": gettext_lazy("核查不符")})},
        fields={"renovation": {"site_check": gettext_lazy("入户核查")}},
    )
