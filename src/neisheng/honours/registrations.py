"""What the model households app adds to the platform's shared places: the audit log's
words for its records and the household page's card."""

from __future__ import annotations


def register() -> None:
    from django.utils.translation import gettext_lazy, pgettext_lazy

    from neisheng.honours.models import Nomination
    from neisheng.platform.audit import audit_vocabulary_register
    from neisheng.platform.extensions import HouseholdSection, household_section_add

    audit_vocabulary_register(
        object_types={
            "honour_nomination": pgettext_lazy("audit object", "脱贫示范户推荐"),
            "honour_help_act": pgettext_lazy("audit object", "示范户帮助他人记录"),
            "honour_pairing": pgettext_lazy("audit object", "示范户结对"),
            "honour_pair_meeting": pgettext_lazy("audit object", "示范户结对交流"),
            "honour_roll": pgettext_lazy("audit object", "光荣榜"),
            "honour_figures": pgettext_lazy("audit object", "示范户评选汇总"),
        },
        filters={"honour_state": (gettext_lazy("状态"), dict(Nomination.State.choices)),
                 "honour_source": (gettext_lazy("推荐方式"), dict(Nomination.Source.choices))},
    )
    household_section_add(HouseholdSection(name="honours", template="honours/household_section.html",
                                           context=household_section, order=39))


def household_section(request, household) -> dict | None:
    """The household page's "脱贫示范户" card: its nominations and pairings (roles that
    read persons), and a link to nominate it for those who nominate a household whose
    status the policy allows."""
    from neisheng.accounts.access import HONOURS_NOMINATE, PERSONS_READ, user_may
    from neisheng.honours import selectors, services

    user = request.user
    if not user_may(user, PERSONS_READ):
        return None
    found = selectors.household_honours(user, household)
    may_nominate = (user_may(user, HONOURS_NOMINATE)
                    and household.status in services.honours_policy().honours_nominee_statuses)
    if not any(found.values()) and not may_nominate:
        return None
    return {"household": household, "may_nominate": may_nominate, **found}
