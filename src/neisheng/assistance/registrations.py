"""What the assistance app adds to pages other apps own (platform.extensions): household
sections, work cards, dashboard cards and the audit log's words. Each helper's part is a
function called from `register()`."""

from __future__ import annotations


def register() -> None:
    register_c()
    register_d()
    register_h()
    register_f()
    register_e()
    register_g()


def register_f() -> None:
    """Job placements, welfare posts, industry participation: where their imports lead
    back to and the audit log's words."""
    from django.utils.translation import gettext_lazy

    from neisheng.assistance.imports import RETURN_URLS
    from neisheng.platform.audit import audit_vocabulary_register

    RETURN_URLS.update({"job_placement": "assistance:placements", "welfare_post": "assistance:posts",
                        "industry": "assistance:industry"})
    audit_vocabulary_register(object_types={
        "job_placement": gettext_lazy("就业帮扶"),
        "welfare_post": gettext_lazy("公益岗位"),
        "industry_participation": gettext_lazy("产业帮扶"),
    })


def register_h() -> None:
    """The evaluation page: the audit log's word for its export."""
    from django.utils.translation import gettext_lazy

    from neisheng.platform.audit import audit_vocabulary_register

    audit_vocabulary_register(object_types={"measure_evaluation": gettext_lazy("帮扶成效评估")})


def register_e() -> None:
    """Trainings, meetings and imports: the household page's "帮扶活动" card and the audit
    log's words."""
    from django.utils.translation import gettext_lazy

    from neisheng.assistance.sections import activities_section
    from neisheng.platform.audit import audit_vocabulary_register
    from neisheng.platform.extensions import HouseholdSection, household_section_add

    household_section_add(HouseholdSection(name="activities", template="assistance/household_activities.html",
                                           context=activities_section, order=14))
    audit_vocabulary_register(object_types={
        "training": gettext_lazy("技能培训"),
        "training_attendance": gettext_lazy("培训学员"),
        "training_list": gettext_lazy("技能培训"),
        "meeting": gettext_lazy("宣讲和议事"),
        "meeting_attendance": gettext_lazy("参加会议"),
        "meeting_list": gettext_lazy("宣讲和议事"),
        "activity_import": gettext_lazy("帮扶活动导入"),
    })


def register_d() -> None:
    """Overdue first measures: the work card of those who assign measures; the plan's
    and the overdue list's words in the audit log."""
    from django.utils.translation import gettext_lazy

    from neisheng.assistance.views_overdue import overdue_work
    from neisheng.platform.audit import audit_vocabulary_register
    from neisheng.platform.extensions import WorkCard, work_card_add

    # After the cases due (15): the households they approved wait for a measure.
    work_card_add(WorkCard(name="first-measure-overdue", template="assistance/overdue_work.html",
                           context=overdue_work, order=16))
    audit_vocabulary_register(object_types={
        "assistance_plan": gettext_lazy("帮扶计划"),
        "first_measures_overdue": gettext_lazy("首项措施逾期"),
    })


def register_c() -> None:
    """Coverage of the policy targets: its card on the monitoring dashboard and the audit
    log's words for the village lists and the exports."""
    from django.utils.translation import gettext_lazy

    from neisheng.assistance.coverage import register_run_figures
    from neisheng.assistance.views_coverage import register_dashboard
    from neisheng.platform.audit import audit_vocabulary_register

    register_dashboard()
    register_run_figures()
    audit_vocabulary_register(
        object_types={
            "poor_village": gettext_lazy("原贫困村"),
            "village_industry": gettext_lazy("村特色产业"),
            "coverage_gaps": gettext_lazy("政策目标覆盖缺口"),
            "coverage_dashboard": gettext_lazy("政策目标覆盖情况"),
        },
        fields={"poor_village": {"listed_year": gettext_lazy("列入年度")},
                "village_industry": {"name": gettext_lazy("产业"), "since": gettext_lazy("起始年度"),
                                     "ended": gettext_lazy("停止年度")}},
    )


def register_g() -> None:
    """Microcredit, education aid, insurance: where their imports lead back to and the
    audit log's words."""
    from django.utils.translation import gettext_lazy

    from neisheng.assistance.imports import RETURN_URLS
    from neisheng.platform.audit import audit_vocabulary_register

    RETURN_URLS.update({"microcredit": "assistance:credit", "education_aid": "assistance:aid",
                        "insurance": "assistance:insurance"})
    audit_vocabulary_register(object_types={
        "microcredit": gettext_lazy("小额信贷"),
        "microcredit_repayment": gettext_lazy("小额信贷还款"),
        "education_aid": gettext_lazy("教育资助"),
        "insurance_enrolment": gettext_lazy("参保资助"),
    })
