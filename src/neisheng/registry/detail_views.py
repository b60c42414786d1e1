"""One household's file: its result first, then its facts."""

from __future__ import annotations

import datetime as dt

from django.db.models import prefetch_related_objects
from django.shortcuts import render

from neisheng.accounts.access import REGISTRY_EDIT, user_may
from neisheng.accounts.masking import mask_id_number
from neisheng.engine import schema
from neisheng.platform.extensions import household_policy, household_sections_rendered
from neisheng.policy import load_policy
from neisheng.registry.selectors import history, household_file
from neisheng.registry.views import _household_for, persons_allowed


@persons_allowed
def household_detail(request, household_id):
    household = _household_for(request, household_id)
    # Read once for the page: the cards of other apps (monitoring's result, portrait,
    # engine assessment) ask for household.members.all() and household.ledger.all() again.
    prefetch_related_objects([household], "members", "ledger")
    # Explained with the policy of the monitoring run the page shows (other apps' cards
    # come through platform.extensions); without a run, the installation's policy.
    policy = household_policy(household) or load_policy()
    today = dt.date.today()
    members = list(household.members.order_by("-alive", "birth_date"))
    alive = [p for p in members if p.alive]
    facts = household_file.member_facts(members, policy, today)
    member_rows = [
        {
            "person": p,
            "key": household_file.member_key(p),
            "age": facts[p.person_id].age,
            "age_at_reference": facts[p.person_id].age_at_reference,
        }
        for p in members
    ]
    return render(request, "registry/household_detail.html", {
        "household": household,
        "fields": _household_fields(household),
        "members": member_rows,
        "alive_count": len(alive),
        "policy": policy,
        "today": today,
        "ledger": household_file.ledger_by_year(household, len(alive)),
        "item_labels": schema.ITEM_LABELS,
        "source_labels": schema.SOURCE_LABELS,
        "guarantees": household_file.guarantees(household, members, policy, facts),
        "names": household_file.member_names(members),
        "sections": household_sections_rendered(request, household),
        "history": history.change_history(household, mask=mask_id_number),
        "can_edit": user_may(request.user, REGISTRY_EDIT),
    })


# Fields whose values are data (numbers, names, years), shown as they are; the others are
# codes shown by their translated labels.
_DATA_FIELDS = {"household_id", "village", "lifted_year", "willingness"}


def _household_fields(household):
    """(label, value, is_data) for the basic facts: labels and coded values are Chinese
    msgids the template translates; data is shown as it is, inside translate="no"."""
    shown = []
    for name in [
        "household_id", "village", "status", "category", "housing", "water", "food_clothing_ok",
        "poverty_cause", "lifted_year", "cooperative_member", "industry_linked", "credit_access",
        "participates_village_affairs", "willingness", "sudden_event",
    ]:
        field = household._meta.get_field(name)
        if name == "village":
            village = household.village
            value = f"{village.parent.name if village.parent else ''} {village.name}".strip()
        elif field.choices:
            value = getattr(household, f"get_{name}_display")() if getattr(household, name) else "—"
        else:
            value = getattr(household, name)
            if isinstance(value, bool):
                value = "是" if value else "否"
            elif value is None:
                value = "—"
        shown.append((field.verbose_name, value, name in _DATA_FIELDS and value != "—"))
    return shown
