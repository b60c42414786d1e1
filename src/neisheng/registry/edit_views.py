"""The forms that create or change a household, a member or a ledger row."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _

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
from neisheng.registry.versions import record_version
from neisheng.registry.views import _household_for, editors_only


def _redirect_to(household):
    return redirect("registry:household_detail", household_id=household.household_id)


def _page(request, form, *, title: str, household=None, subject: str = "", **extra):
    """The form page pattern (patterns/form.html) for a registry form."""
    back = reverse("registry:household_detail", args=[household.household_id]) if household else None
    return render(request, "registry/form.html", {
        "form": form, "household": household, "title": title,
        "subject": subject or (household.household_id if household else ""),
        "back_url": back, "back_label": _("返回农户"),
        "cancel_url": back or reverse("registry:household_list"), **extra,
    })


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
    form.add_error(None, conflict.message_en if (get_language() or "zh").startswith("en") else conflict.message_zh)
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
        try:
            household = services.household_create(user=request.user, values=form.cleaned_data, request=request)
        except ValidationError as refused:
            # E.g. the village's automatic numbers are used up: said next to the number.
            for field, errors in refused.message_dict.items():
                for error in errors:
                    form.add_error(field if field in form.fields else None, error)
            return _page(request, form, title=_("新增农户"))
        messages.success(request, _("已新增农户 %(number)s") % {"number": household.household_id})
        return _redirect_to(household)
    _audit_already_registered(request, form, "household_id", "household")
    return _page(request, form, title=_("新增农户"))


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
            messages.success(request, _("已保存"))
            return _redirect_to(household)
        form = refused
    return _page(request, form, title=_("修改农户"), household=household)


@editors_only
def person_create(request, household_id):
    household = _household_for(request, household_id)
    form = PersonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        person = services.person_create(user=request.user, household=household, values=form.cleaned_data,
                                        request=request)
        messages.success(request, _("已新增成员 %(name)s") % {"name": person.name})
        return _redirect_to(household)
    _audit_already_registered(request, form, "person_id", "person")
    return _page(request, form, title=_("新增成员"), household=household)


@editors_only
def person_edit(request, household_id, member):
    household = _household_for(request, household_id)
    person = household_file.member_by_key(household, member)
    if person is None:
        raise Http404(_("没有这个成员"))
    form = PersonForm(request.POST or None, instance=person)
    if request.method == "POST" and form.is_valid():
        refused = _save_edit(
            lambda values, version: services.person_update(
                user=request.user, person=person, values=values, version=version, request=request),
            form, PersonForm)
        if refused is None:
            messages.success(request, _("已保存成员 %(name)s") % {"name": person.name})
            return _redirect_to(household)
        form = refused
    return _page(request, form, title=_("修改成员"), household=household, subject=person.name, masked_id=person)


@editors_only
def ledger_create(request, household_id):
    household = _household_for(request, household_id)
    form = LedgerItemForm(request.POST or None, initial={"year": load_policy().year, "source": "survey"})
    if request.method == "POST" and form.is_valid():
        services.ledger_item_create(user=request.user, household=household, values=form.cleaned_data,
                                    request=request)
        messages.success(request, _("已新增台账"))
        return _redirect_to(household)
    return _page(request, form, title=_("新增收支台账"), household=household)


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
            messages.success(request, _("已保存台账"))
            return _redirect_to(household)
        form = refused
    return _page(request, form, title=_("修改收支台账"), household=household,
                 delete_url=reverse("registry:ledger_delete", args=[household.household_id, item.pk]))


def _ledger_rows(item: IncomeItem) -> list[tuple[str, str]]:
    """The ledger row as the confirmation shows it: (label, value)."""
    from neisheng.registry.selectors.history import _label, _shown

    return [(_label(IncomeItem, name), _shown(IncomeItem, name, getattr(item, name)))
            for name in services.EDITABLE_LEDGER_FIELDS]


@editors_only
def ledger_delete(request, household_id, item_id):
    """GET: what is about to be deleted; POST: delete it (kept in the history)."""
    household = _household_for(request, household_id)
    item = get_object_or_404(scope.visible_to(request.user, IncomeItem), pk=item_id, household=household)
    errors = []
    version = record_version(item)
    if request.method == "POST":
        text = (request.POST.get("version") or "").strip()
        try:
            services.ledger_item_delete(user=request.user, item=item, version=int(text) if text.isdigit() else -1,
                                        request=request)
        except services.EditConflict as conflict:
            item.refresh_from_db()
            version = conflict.version
            errors.append(_("未删除:您打开本页后,这条台账已被修改。请核对下列内容后再确认删除。"))
        else:
            messages.success(request, _("已删除台账;原值保留在变更记录中"))
            return _redirect_to(household)
    return render(request, "patterns/confirm_delete.html", {
        "title": _("删除收支台账"), "subject": household.household_id, "rows": _ledger_rows(item),
        "version": version, "errors": errors,
        "cancel_url": reverse("registry:ledger_edit", args=[household.household_id, item.pk]),
    })
