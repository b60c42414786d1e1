"""What the surveys app adds to the platform's shared places (audit vocabulary, work and
dashboard cards, the household page's section)."""

from __future__ import annotations

SECTION_SHOWN = 5
WORK_SHOWN = 8


def register() -> None:
    register_pages()


def register_pages() -> None:
    """The audit log's words for the surveys' records and exports, the household page's
    card of its questionnaires, and the home page's card of open surveys and proposals."""
    from django.utils.translation import gettext_lazy, pgettext_lazy

    from neisheng.platform.audit import audit_vocabulary_register
    from neisheng.platform.extensions import (
        HouseholdSection,
        WorkCard,
        household_section_add,
        work_card_add,
    )
    from neisheng.surveys.models import RegistryProposal, Response, Survey

    audit_vocabulary_register(
        object_types={
            "questionnaire": pgettext_lazy("audit object", "问卷"),
            "survey": pgettext_lazy("audit object", "问卷调查"),
            "survey_list": pgettext_lazy("audit object", "问卷调查列表"),
            "survey_report": pgettext_lazy("audit object", "问卷调查报告"),
            "survey_response": pgettext_lazy("audit object", "回收问卷"),
            "survey_responses": pgettext_lazy("audit object", "回收问卷列表"),
            "survey_import": pgettext_lazy("audit object", "纸质问卷导入"),
            "survey_proposal": pgettext_lazy("audit object", "问卷答案的台账修改建议"),
        },
        # The exports' filters, named apart from other lists' "state" and "source".
        filters={"survey_state": (gettext_lazy("状态"), dict(Survey.State.choices)),
                 "survey_group": (gettext_lazy("调查对象"), None),
                 "survey_source": (gettext_lazy("来源"), dict(Response.Source.choices))},
        fields={"survey_proposal": {"state": gettext_lazy("状态"), "field": gettext_lazy("台账字段"), "value": gettext_lazy("问卷答案"),
                                    "before": gettext_lazy("台账原值"), "reason": gettext_lazy("说明")},
                "survey": {"state": gettext_lazy("状态"), "issued": gettext_lazy("发放份数"),
                           "closed_on": gettext_lazy("结束日期")}},
        values={"survey_proposal": {"state": dict(RegistryProposal.State.choices)},
                "survey": {"state": dict(Survey.State.choices)}},
    )
    household_section_add(HouseholdSection(name="surveys", template="surveys/household_section.html",
                                           context=household_section, order=37))
    work_card_add(WorkCard(name="surveys", template="surveys/work_surveys.html", context=work_context, order=32))


def household_section(request, household) -> dict | None:
    """The household page's "问卷调查" card: its questionnaires (roles that read persons),
    and for those who collect answers the open surveys to fill for it on a phone."""
    from django.urls import reverse

    from neisheng.accounts.access import PERSONS_READ, SURVEYS_COLLECT, user_may
    from neisheng.surveys import selectors
    from neisheng.surveys.models import Survey

    user = request.user
    if not user_may(user, PERSONS_READ):
        return None
    responses = list(selectors.responses_visible(user).filter(household=household)
                     .select_related("survey", "survey__version").order_by("-answered_on", "-pk")[:SECTION_SHOWN + 1])
    surveys = []
    if user_may(user, SURVEYS_COLLECT):
        surveys = list(selectors.surveys_visible(user).filter(state=Survey.State.OPEN)
                       .order_by("-opened_on", "-pk")[:SECTION_SHOWN])
    if not responses and not surveys:
        return None
    for response in responses:
        questionnaire = selectors.questionnaire_of(response.survey.version)
        response.group_label = questionnaire.groups.get(response.group, response.group)
    return {
        "household": household, "responses": responses[:SECTION_SHOWN], "more": len(responses) > SECTION_SHOWN,
        "surveys": [{"survey": s, "phone_url": reverse("surveys:phone", args=[s.pk]) + f"?household={household.pk}",
                     "web_url": reverse("surveys:fill", args=[s.pk]) + f"?household={household.pk}"}
                    for s in surveys],
    }


def work_context(request) -> dict | None:
    """The home page's card: the open surveys a collector may fill, and the registry
    changes answers propose that wait for a reviewer. Asked on every visit of the home
    page: exists() before anything is counted."""
    from django.urls import reverse

    from neisheng.accounts.access import PERSONS_READ, SURVEYS_COLLECT, SURVEYS_REVIEW, user_may
    from neisheng.surveys import selectors
    from neisheng.surveys.models import RegistryProposal, Survey

    user = request.user
    if not user.is_authenticated:
        return None
    collects = user_may(user, SURVEYS_COLLECT) and user_may(user, PERSONS_READ)
    reviews = user_may(user, SURVEYS_REVIEW) and user_may(user, PERSONS_READ)
    open_surveys = selectors.surveys_visible(user).filter(state=Survey.State.OPEN) if collects else None
    pending = selectors.proposals_visible(user).filter(state=RegistryProposal.State.PROPOSED) if reviews else None
    has_open = open_surveys is not None and open_surveys.exists()
    has_pending = pending is not None and pending.exists()
    if not has_open and not has_pending:
        return None
    surveys = list(open_surveys.order_by("-opened_on", "-pk")[:WORK_SHOWN]) if has_open else []
    return {
        "surveys": [{"survey": s, "phone_url": reverse("surveys:phone", args=[s.pk])} for s in surveys],
        "open_count": open_surveys.count() if has_open else 0,
        "pending_count": pending.count() if has_pending else 0,
        "list_url": reverse("surveys:list") + "?state=open",
        "proposals_url": reverse("surveys:proposals"),
    }
