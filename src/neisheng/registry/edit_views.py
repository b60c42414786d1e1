"""The forms that create or change a household, a member or a ledger row."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render

from neisheng.platform import scope
from neisheng.policy import load_policy
from neisheng.registry import services
from neisheng.registry.forms import HouseholdForm, LedgerItemForm, PersonForm
from neisheng.registry.lookups import (
    already_registered_record,
    looks_like_id_number,
    normalised_id_number,
)
from neisheng.registry.models import IncomeItem
from neisheng.registry.selectors import household_file
from neisheng.registry.views import _household_for, editors_only


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
