"""The review of what surveys propose for the registry: an answer mapped to a household's
field (脱贫意愿, 参与村集体事务) waits for a reviewer, who sees the household, the field,
the registry's value and the answer side by side and accepts it (written through the
registry's one write path, the survey named in the household's history) or declines it
with a reason, each on a date. Roles that read persons and review surveys (the offices
that keep the registry)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy
from django.views.decorators.http import require_http_methods

from neisheng.accounts.access import PERSONS_READ, SURVEYS_REVIEW
from neisheng.platform.access import requires
from neisheng.platform.listing import (
    Column,
    Filter,
    ListQuery,
    counts_cached,
    list_context,
    list_page,
)
from neisheng.registry.forms import WILLINGNESS_WORDS
from neisheng.registry.models import Household
from neisheng.surveys import selectors, services
from neisheng.surveys.forms import DecisionForm
from neisheng.surveys.models import RegistryProposal
from neisheng.surveys.views import errors_onto

reviewers = requires(PERSONS_READ, SURVEYS_REVIEW)


def field_label(field: str) -> str:
    try:
        return str(Household._meta.get_field(field).verbose_name)
    except FieldDoesNotExist:  # a field the registry no longer has: its code
        return field


def value_shown(field: str, value) -> str:
    """A registry value in words: 是/否, a willingness with its words, a code's label."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return gettext("是") if value else gettext("否")
    if field == "willingness":
        words = dict(WILLINGNESS_WORDS).get(value)
        return f"{value} {words}" if words else str(value)
    try:
        choices = dict(Household._meta.get_field(field).flatchoices)
    except FieldDoesNotExist:
        choices = {}
    return str(choices.get(value, value))


def with_words(proposals: list) -> list:
    for p in proposals:
        p.field_label = field_label(p.field)
        p.before_shown = value_shown(p.field, p.value_before)
        p.value_shown = value_shown(p.field, p.value)
        p.now_shown = value_shown(p.field, getattr(p.household, p.field, None))
    return proposals


COLUMNS = [
    Column("household", gettext_lazy("户编号"), order_by=("household_id",), css="primary"),
    Column("field", gettext_lazy("台账字段"), order_by=("field",), css="primary"),
    Column("before", gettext_lazy("台账原值")),
    Column("value", gettext_lazy("问卷答案")),
    Column("survey", gettext_lazy("调查")),
    Column("state", gettext_lazy("状态"), order_by=("state",)),
    Column("decide", gettext_lazy("审核")),
]


def _filters(user) -> list[Filter]:
    surveys = selectors.surveys_visible(user).order_by("-opened_on", "-pk").values_list("pk", "name")[:200]
    return [Filter("state", gettext_lazy("状态"), choices=RegistryProposal.State.choices),
            Filter("survey", gettext_lazy("调查"), choices=[(str(pk), name) for pk, name in surveys],
                   translate=False)]


@reviewers
@require_http_methods(["GET", "HEAD"])
def proposal_list(request):
    user = request.user
    params = request.GET.copy()
    # Arriving without a state: what waits for a decision.
    if "state" not in params and not params.get("q"):
        params["state"] = RegistryProposal.State.PROPOSED
    query = ListQuery(params, columns=COLUMNS, filters=_filters(user), path=reverse("surveys:proposals"),
                      search_label=gettext_lazy("户编号"))
    rows = selectors.proposals_visible(user)
    values = query.values
    if values.get("state"):
        rows = rows.filter(state=values["state"])
    if values.get("survey"):
        rows = rows.filter(response__survey_id=values["survey"])
    if query.q:
        rows = rows.filter(household__pk__startswith=query.q)
    counts = counts_cached(user=user, name="survey-proposals", key=query.filter_params(),
                           compute=lambda: [rows.count()])
    page = list_page([rows.select_related("household", "response__survey", "decided_by")
                      .order_by(*query.order_by(tiebreak=["household_id", "field", "pk"]))],
                     query=query, counts=counts, rows=with_words)
    return render(request, "surveys/proposal_list.html", list_context(
        query, page, labels={c.name: gettext(str(c.label)) for c in COLUMNS}, today=timezone.localdate(),
        back=request.get_full_path()))


@reviewers
@require_http_methods(["GET", "HEAD", "POST"])
def proposal_decide(request, pk):
    user = request.user
    proposal = get_object_or_404(selectors.proposals_visible(user).select_related(
        "household", "household__village", "response", "response__survey", "decided_by"), pk=pk)
    with_words([proposal])
    form = DecisionForm(request.POST or None)
    back = request.POST.get("next") or request.GET.get("next") or ""
    if not back.startswith(reverse("surveys:proposals")):
        back = reverse("surveys:proposals")
    if request.method == "POST" and proposal.state == RegistryProposal.State.PROPOSED and form.is_valid():
        data = form.cleaned_data
        try:
            if data["decision"] == "accept":
                services.proposal_accept(user=user, proposal=proposal, decided_on=data["decided_on"], request=request)
                messages.success(request, gettext("已采纳，户 %(household)s 的台账已更新") % {
                    "household": proposal.household_id})
            else:
                services.proposal_decline(user=user, proposal=proposal, decided_on=data["decided_on"],
                                          reason=data["reason"], request=request)
                messages.success(request, gettext("已记录不采纳及理由"))
        except ValidationError as refused:
            errors_onto(form, refused)
        else:
            return redirect(back)
    return render(request, "surveys/proposal_decide.html", {
        "proposal": proposal, "form": form, "next": back, "submit_label": gettext("保存审核结果"),
        "cancel_url": back,
    }, status=400 if form.errors else 200)
