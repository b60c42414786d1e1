"""The home page's work card "cases waiting for you" (platform.extensions.work_card_add):
the cases in the user's scope at a state from which the user's role makes the next step
(a village cadre: verification, village review and notice; a town officer: verification
and town review; a county officer: comparison and approval …), overdue first, then by
deadline. Proposing a risk elimination is not counted as waiting: every monitored
household could be proposed, and the conditions decide when."""

from __future__ import annotations

from django.db.models import Case, IntegerField, Value, When
from django.urls import reverse
from django.utils import timezone

from neisheng.accounts.access import PERSONS_READ, user_may
from neisheng.cases import selectors
from neisheng.cases.models import State
from neisheng.cases.workflow import CASE_WORKFLOW
from neisheng.platform.extensions import WorkCard, work_card_add

FIRST_CASES = 8
# States whose next step is optional work, not a case waiting for someone.
NOT_WAITING = {State.MONITORING, State.RISK_ELIMINATED}


def waiting_states(user) -> list[str]:
    states = set()
    for step in CASE_WORKFLOW.steps:
        # Rejection is open to the town and county at every identifying state: it is
        # a way out, not the step the case waits for.
        if step.target == State.REJECTED:
            continue
        if step.capability and user_may(user, step.capability):
            states.update(s for s in step.source if s not in NOT_WAITING)
    return sorted(states)


def cases_due_context(request) -> dict | None:
    user = request.user
    if not user.is_authenticated or not user_may(user, PERSONS_READ):
        return None
    states = waiting_states(user)
    if not states:
        return None
    today = timezone.localdate()
    waiting = selectors.cases_visible_to(user).filter(state__in=states)
    if not waiting.exists():
        return None
    overdue = waiting.filter(selectors.cases_overdue_q(today))
    first = (waiting.annotate(late=Case(When(selectors.cases_overdue_q(today), then=Value(0)),
                                        default=Value(1), output_field=IntegerField()))
             .select_related("household__village").order_by("late", "deadline", "pk")[:FIRST_CASES])
    return {
        "count": waiting.count(), "overdue": overdue.count(),
        "cases": [{"case": c, "overdue": selectors.case_is_overdue(c, today),
                   "url": reverse("cases:detail", args=[c.pk])} for c in first],
        "list_url": reverse("cases:list") + ("?state=" + states[0] if len(states) == 1 else ""),
        "overdue_url": reverse("cases:list") + "?overdue=yes",
    }


def register() -> None:
    work_card_add(WorkCard(name="cases-due", template="cases/work_due.html", context=cases_due_context, order=15))
