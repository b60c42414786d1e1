"""Registry pages: key figures, the division tree, the household list with search and
export, one household's file, and the forms that change a household, member or ledger row.

Every read goes through neisheng.platform.scope; a record outside the user's scope is
a 404, exactly like a record that does not exist, so the pages never confirm what lies
in another village. Roles without "persons.read" (researchers) see the aggregate pages
only (403 elsewhere); who may do what is the table in accounts.access.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.views.decorators.http import require_http_methods

from neisheng.accounts.access import PERSON_UNMASK, PERSONS_READ, REGISTRY_EDIT, user_may
from neisheng.accounts.masking import mask_id_number
from neisheng.engine import schema
from neisheng.platform import scope
from neisheng.platform.access import requires
from neisheng.platform.exports import export_response
from neisheng.platform.extensions import household_policy, household_sections_rendered
from neisheng.policy import load_policy
from neisheng.registry import services
from neisheng.registry.forms import HouseholdForm, LedgerItemForm, PersonForm
from neisheng.registry.lookups import (
    already_registered_record,
    id_number_lookup_record,
    looks_like_id_number,
    normalised_id_number,
)
from neisheng.registry.models import Division, Household, IncomeItem
from neisheng.registry.selectors import attributes, figures, history, household_file, listing, tree

persons_allowed = requires(PERSONS_READ)
editors_only = requires(PERSONS_READ, REGISTRY_EDIT)


def _list_url(**params) -> str:
    return reverse("registry:household_list") + ("?" + urlencode(params) if params else "")


@login_required
def home(request):
    counted = figures.cached_for_scope(request.user, "figures", lambda: figures.key_figures(request.user))
    return render(request, "registry/home.html", {
        "figures": counted,
        "division": request.user.division,
        "links": user_may(request.user, PERSONS_READ),
        "list_url": reverse("registry:household_list"),
    })


@login_required
def divisions(request):
    user = request.user
    links = user_may(user, PERSONS_READ)

    def tree_html():
        # A county's tree is thousands of nodes: rendering it costs more than counting.
        roots = tree.division_tree(user)
        return mark_safe(render_to_string("registry/_tree.html", {"roots": roots, "links": links})) if roots else ""

    return render(request, "registry/divisions.html", {
        "tree_html": figures.cached_for_scope(user, f"tree:{get_language()}:{links}", tree_html),
        "ancestors": tree.ancestors_of(user),
    })


@persons_allowed
@require_http_methods(["GET", "HEAD", "POST"])
def household_list(request):
    """The list; a POST to the same address (the page's export button, with its CSRF
    token; the filters stay in the query string) downloads these households as a
    workbook. Exports are never a GET: a link or an image on another site must not be
    able to make one, nor its audit entry."""
    user = request.user
    filters = listing.list_filters_from(user, request.GET)
    matching = listing.households_matching(user, filters)
    if looks_like_id_number(filters.q) and not request.GET.get("after") and not request.GET.get("before"):
        id_number_lookup_record(user=user, number=normalised_id_number(filters.q), via="household_search",
                                allowed=user_may(user, PERSON_UNMASK), found=matching.exists(), request=request)
    params = filters.as_params()
    if request.method == "POST":
        return _export(request, matching, params)
    page = listing.household_page(
        matching, after=request.GET.get("after", "").strip(), before=request.GET.get("before", "").strip(),
        user=user,
    )
    villages = _division_choices(user, filters.division)
    return render(request, "registry/household_list.html", {
        "page": page,
        "filters": filters,
        "params": params,
        "villages": villages,
        "statuses": schema.STATUS,
        "categories": schema.CATEGORY,
        "risks": listing.RISKS,
        "problems": listing.PROBLEMS,
        "with_results": attributes.results_exist(user),
        "next_url": _list_url(**params, after=page.next_after) if page.next_after else "",
        "prev_url": _list_url(**params, before=page.prev_before) if page.prev_before else "",
        "first_url": _list_url(**params),
    })


def _division_choices(user, selected) -> list:
    """The division filter's options: the towns in scope, and the villages of one town —
    the chosen one, or the only one. A county has thousands of villages; listing them all
    made every list page carry some 130 KB of options."""
    under = scope.visible_to(user, Division)
    towns = list(under.filter(level=4).order_by("code"))
    if not towns:
        return list(under.filter(level=5).order_by("code"))
    open_town = None
    if selected is not None and selected.level in (4, 5):
        open_town = selected.code if selected.level == 4 else selected.parent_id
    elif len(towns) == 1:
        open_town = towns[0].code
    villages = list(under.filter(level=5, parent_id=open_town).order_by("code")) if open_town else []
    choices = []
    for town in towns:
        choices.append(town)
        if town.code == open_town:
            choices.extend(villages)
    return choices


def _export(request, matching, params):
    return export_response(
        request, object_type="household_list", detail={"filters": params},
        filename="农户名单-households", title="农户 households",
        headers=listing.EXPORT_HEADERS, rows=listing.export_rows(matching, request.user),
    )


def _household_for(request, household_id):
    return get_object_or_404(
        scope.visible_to(request.user, Household.objects.select_related("village", "village__parent")),
        pk=household_id,
    )


@persons_allowed
def household_detail(request, household_id):
    household = _household_for(request, household_id)
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
        "sections": household_sections_rendered(request, household),
        "history": history.change_history(household, mask=mask_id_number),
        "can_edit": user_may(request.user, REGISTRY_EDIT),
    })


def _household_fields(household):
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
        shown.append((field.verbose_name, value))
    return shown


def _redirect_to(household):
    return redirect("registry:household_detail", household_id=household.household_id)


def _conflict_form(form_class, conflict: services.EditConflict, **kwargs):
    """The form again after a refused save: the record as it now is, with the fields the
    user changed as they typed them, the current version, and what the other person
    changed meanwhile. Saving it again is then a decision made knowingly."""
    shown = form_class(instance=conflict.record, initial=conflict.yours, **kwargs)
    data = {}
    for field in shown:
        value = field.value()
        if isinstance(value, bool):
            if value:
                data[field.name] = "on"
        elif value is not None:
            data[field.name] = value.isoformat() if isinstance(value, dt.date) else str(value)
    data["version"] = str(conflict.version)
    form = form_class(data, instance=conflict.record, **kwargs)
    form.is_valid()
    form.add_error(None, conflict.message_zh)
    for item in conflict.conflicts:
        form.add_error(None, item.sentence_zh())
    return form


def _save_edit(save, form, form_class, **form_kwargs):
    """Run the update `save(values, version)`; on a conflict, the form that shows it."""
    values = dict(form.cleaned_data)
    try:
        save(values, values.pop("version", None))
    except services.EditConflict as conflict:
        return _conflict_form(form_class, conflict, **form_kwargs)
    return None


def _audit_already_registered(request, form, field: str, object_type: str) -> None:
    """A refused registration of a taken number is recorded (registry.lookups)."""
    if request.method == "POST" and form.has_error(field, code="already_registered"):
        number = (form.data.get(field) or "").strip()
        if object_type == "person" and looks_like_id_number(number):
            number = normalised_id_number(number)
        already_registered_record(user=request.user, object_type=object_type, number=number, via="page",
                                  request=request)


@editors_only
def household_create(request):
    form = HouseholdForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        household = services.household_create(user=request.user, values=form.cleaned_data, request=request)
        messages.success(request, f"已新增农户 {household.household_id}")
        return _redirect_to(household)
    _audit_already_registered(request, form, "household_id", "household")
    return render(request, "registry/form.html", {"form": form, "title": "新增农户 New household"})


@editors_only
def household_edit(request, household_id):
    household = _household_for(request, household_id)
    form = HouseholdForm(request.POST or None, instance=household, user=request.user)
    if request.method == "POST" and form.is_valid():
        refused = _save_edit(
            lambda values, version: services.household_update(
                user=request.user, household=household, values=values, version=version, request=request),
            form, HouseholdForm, user=request.user)
        if refused is None:
            messages.success(request, "已保存")
            return _redirect_to(household)
        form = refused
    return render(request, "registry/form.html", {
        "form": form, "household": household, "title": f"修改农户 {household.household_id}",
    })


@editors_only
def person_create(request, household_id):
    household = _household_for(request, household_id)
    form = PersonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        person = services.person_create(user=request.user, household=household, values=form.cleaned_data,
                                        request=request)
        messages.success(request, f"已新增成员 {person.name}")
        return _redirect_to(household)
    _audit_already_registered(request, form, "person_id", "person")
    return render(request, "registry/form.html", {
        "form": form, "household": household, "title": f"新增成员 · {household.household_id}",
    })


@editors_only
def person_edit(request, household_id, member):
    household = _household_for(request, household_id)
    person = household_file.member_by_key(household, member)
    if person is None:
        raise Http404("没有这个成员 / no such member")
    form = PersonForm(request.POST or None, instance=person)
    if request.method == "POST" and form.is_valid():
        refused = _save_edit(
            lambda values, version: services.person_update(
                user=request.user, person=person, values=values, version=version, request=request),
            form, PersonForm)
        if refused is None:
            messages.success(request, f"已保存成员 {person.name}")
            return _redirect_to(household)
        form = refused
    return render(request, "registry/form.html", {
        "form": form, "household": household, "title": f"修改成员 {person.name}",
        "masked_id": person,
    })


@editors_only
def ledger_create(request, household_id):
    household = _household_for(request, household_id)
    form = LedgerItemForm(request.POST or None, initial={"year": load_policy().year, "source": "survey"})
    if request.method == "POST" and form.is_valid():
        services.ledger_item_create(user=request.user, household=household, values=form.cleaned_data,
                                    request=request)
        messages.success(request, "已新增台账")
        return _redirect_to(household)
    return render(request, "registry/form.html", {
        "form": form, "household": household, "title": f"新增收支台账 · {household.household_id}",
    })


@editors_only
def ledger_edit(request, household_id, item_id):
    household = _household_for(request, household_id)
    item = get_object_or_404(scope.visible_to(request.user, IncomeItem), pk=item_id, household=household)
    form = LedgerItemForm(request.POST or None, instance=item)
    if request.method == "POST" and form.is_valid():
        refused = _save_edit(
            lambda values, version: services.ledger_item_update(
                user=request.user, item=item, values=values, version=version, request=request),
            form, LedgerItemForm)
        if refused is None:
            messages.success(request, "已保存台账")
            return _redirect_to(household)
        form = refused
    return render(request, "registry/form.html", {
        "form": form, "household": household, "title": f"修改收支台账 · {household.household_id}",
    })
