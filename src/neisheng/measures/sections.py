"""What the measures app adds to the household page (platform.extensions), registered
in MeasuresConfig.ready(): the measures assigned to the household."""

from __future__ import annotations

from django.utils.translation import gettext_lazy, pgettext_lazy

from neisheng.accounts.access import MEASURES_ASSIGN, user_may
from neisheng.engine.measures import MEASURE_LABELS
from neisheng.measures import selectors
from neisheng.measures.views import ORIGINS
from neisheng.platform.audit import audit_vocabulary_register
from neisheng.platform.extensions import HouseholdSection, household_section_add


def household_measures(request, household) -> dict | None:
    """The measures assigned to the household, newest first, and the way to assign one;
    no card for a role that may not assign and has none to see."""
    measures = selectors.with_member_names(list(selectors.measures_of(household)))
    may_assign = user_may(request.user, MEASURES_ASSIGN)
    if not measures and not may_assign:
        return None
    return {"household": household, "measures": measures, "may_assign": may_assign}


def register() -> None:
    # Right after monitoring's card (10), which recommends them; the case (15) follows.
    household_section_add(HouseholdSection(
        name="measures-assigned", template="measures/household_measures.html", context=household_measures,
        order=12,
    ))
    # The audit log names the assignments and the list's export filters in words.
    measures = {code: gettext_lazy(label) for code, label in MEASURE_LABELS.items()}
    audit_vocabulary_register(
        object_types={"assigned_measure": pgettext_lazy("audit object", "帮扶措施"),
                      "assigned_measures": pgettext_lazy("audit object", "帮扶措施清单")},
        filters={"measure": (gettext_lazy("措施"), measures), "origin": (gettext_lazy("来源"), dict(ORIGINS))},
    )
