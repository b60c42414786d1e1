"""The councils' pages: the list of councils with each one's figures and the towns'
(councils.figures: counts only, researchers and departments too), a council's page (its
members, meetings, open items with their age, supervision notes and figures; the export
of its items with their responses), and the forms that write through the services.

A council's page and everything under it names villagers: persons.read and
councils.record. A council outside the user's scope is a 404, as if it did not exist."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language, gettext, gettext_lazy

from neisheng.accounts.access import COUNCILS_FIGURES, COUNCILS_RECORD, PERSONS_READ, user_may
from neisheng.councils import selectors, services
from neisheng.councils.forms import (
    CouncilForm,
    ItemForm,
    MeetingForm,
    MemberEndForm,
    MemberForm,
    NoteForm,
    ResponseForm,
)
from neisheng.councils.models import Council, CouncilMember, Item, Meeting
from neisheng.platform.access import requires
from neisheng.platform.charts import Bar, Cell, DashboardCard, cells
from neisheng.platform.exports import export_response
from neisheng.platform.listing import (
    Column,
    Filter,
    ListQuery,
    counts_cached,
    list_context,
    list_page,
)
from neisheng.registry.models import Division, Person
from neisheng.registry.selectors.tree import division_filter_choices

NAMES = (PERSONS_READ, COUNCILS_RECORD)
RECENT = 12


# --------------------------------------------------------------------------- shared


def in_page_language(sentence) -> str:
    text = str(sentence or "")
    if " / " in text:
        chinese, english = text.split(" / ", 1)
        text = english if (get_language() or "").startswith("en") else chinese
    return text.strip()


def errors_onto(form, refused: ValidationError) -> None:
    if hasattr(refused, "error_dict"):
        for name, errors in refused.message_dict.items():
            form.add_error(name if name in form.fields else None, [in_page_language(e) for e in errors])
    else:
        for message in refused.messages:
            form.add_error(None, in_page_language(message))


def form_page(request, form, *, title: str, back_url: str, subject: str = "", **more):
    return render(request, "patterns/form.html", {
        "form": form, "title": title, "subject": subject, "back_url": back_url, "cancel_url": back_url, **more},
        status=400 if form.errors else 200)


def council_for(user, pk) -> Council:
    council = selectors.councils_visible(user).filter(pk=pk).first()
    if council is None:
        raise Http404("no such council")
    return council


def village_names(codes) -> dict[str, str]:
    return dict(Division.objects.filter(code__in=set(codes)).values_list("code", "name"))


def _year(request) -> int:
    raw = (request.GET.get("year") or "").strip()
    today = timezone.localdate()
    return int(raw) if raw.isdigit() and 2000 <= int(raw) <= today.year else today.year


def _days(value) -> float | None:
    return None if value is None else round(value, 1)


# --------------------------------------------------------------------------- the list (figures)

COLUMNS = [
    Column("name", gettext_lazy("理事会"), order_by=("name",), css="primary"),
    Column("village", gettext_lazy("村"), order_by=("division_code",)),
    Column("meetings", gettext_lazy("会议"), numeric=True, css="primary"),
    Column("attendance", gettext_lazy("到会人次"), numeric=True),
    Column("suggestions", gettext_lazy("建议"), numeric=True),
    Column("demands", gettext_lazy("诉求"), numeric=True),
    Column("answered", gettext_lazy("已答复"), numeric=True),
    Column("on_time", gettext_lazy("按时答复"), numeric=True),
    Column("median", gettext_lazy("答复天数中位数"), numeric=True),
    Column("overdue", gettext_lazy("超期未答复"), numeric=True),
]
FIGURE_HEADERS = [gettext_lazy("会议"), gettext_lazy("应开会议"), gettext_lazy("少开会议"), gettext_lazy("到会人次"),
                  gettext_lazy("建议"), gettext_lazy("诉求"), gettext_lazy("已答复"), gettext_lazy("按时答复"),
                  gettext_lazy("答复天数中位数"), gettext_lazy("答复天数平均数"), gettext_lazy("超期未答复")]


def figure_values(f) -> list:
    return [f.meetings, f.meetings_owed, f.meetings_gap, f.attendance, f.suggestions, f.demands, f.answered,
            f.answered_on_time, _days(f.median_days), _days(f.mean_days), f.open_overdue]


def _filters(user, params, years) -> list[Filter]:
    divisions = division_filter_choices(user, (params.get("division") or "").strip())
    return [Filter("division", gettext_lazy("区划"), choices=[(d.code, d.name) for d in divisions], translate=False,
                   indent=frozenset(d.code for d in divisions if d.level == 5)),
            Filter("year", gettext_lazy("年度"), choices=[(str(y), str(y)) for y in years], translate=False)]


def _town_card(councils, year: int, names: dict) -> DashboardCard:
    towns = selectors.figures_for(councils, year=year, by="town")
    town_names = village_names(towns)
    rows, bars = [], []
    for code, f in sorted(towns.items()):
        name = town_names.get(code, code)
        href = reverse("councils:list") + f"?division={code}&year={year}"
        bars.append(Bar(name, f.answered_on_time, href=href, data=True))
        rows.append([Cell(name, href=href, data=True), *[Cell(v) for v in figure_values(f)]])
    total = selectors.total_for(councils, year=year)
    return DashboardCard(
        key="council-towns", title=gettext("各乡镇理事会工作"),
        note=gettext("%(year)s 年；图为按时答复的建议和诉求件数") % {"year": year},
        series=bars, headers=[gettext("乡镇"), *[gettext(str(h)) for h in FIGURE_HEADERS]], rows=rows,
        total=cells(gettext("合计"), *figure_values(total)) if rows else None, export_action=None)


@requires(COUNCILS_FIGURES)
def council_list(request):
    user = request.user
    today = timezone.localdate()
    years = list(range(today.year, today.year - 5, -1))
    query = ListQuery(request.GET, columns=COLUMNS, filters=_filters(user, request.GET, years),
                      path=reverse("councils:list"), search_label=gettext_lazy("理事会名称"))
    year = int(query.values.get("year") or today.year)
    rows = selectors.councils_visible(user)
    if query.values.get("division"):
        division = Division.objects.get(code=query.values["division"])
        rows = rows.filter(division_code__startswith=division.prefix)
    if query.q:
        rows = rows.filter(name__contains=query.q)
    councils = list(rows.order_by("division_code"))
    names = village_names(c.division_code for c in councils)
    per_village = selectors.figures_for(councils, year=year)
    if request.method == "POST":
        headers = [gettext("理事会"), gettext("村"), gettext("村代码"), *[gettext(str(h)) for h in FIGURE_HEADERS]]
        return export_response(request, object_type="council_list", detail={"filters": query.filter_params()},
                               filename="理事会-councils", title=gettext("理事会"), headers=headers,
                               rows=([c.name, names.get(c.division_code, ""), c.division_code,
                                      *figure_values(per_village[c.division_code])] for c in councils))

    def decorate(page_rows):
        for council in page_rows:
            council.village_name = names.get(council.division_code, "")
            council.figures = per_village[council.division_code]
            council.median = _days(council.figures.median_days)
        return page_rows

    counts = counts_cached(user=user, name="councils", key=query.filter_params(), compute=lambda: [rows.count()])
    page = list_page([rows.order_by(*query.order_by(tiebreak=["division_code"]))], query=query, counts=counts,
                     rows=decorate)
    return render(request, "councils/council_list.html", list_context(
        query, page, labels={c.name: gettext(str(c.label)) for c in COLUMNS}, year=year,
        card=_town_card(councils, year, names) if councils else None,
        may_record=user_may(user, COUNCILS_RECORD), reads_names=selectors.may_read_names(user)))


@requires(COUNCILS_RECORD)
def council_new(request):
    form = CouncilForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            council = services.council_create(user=request.user, division_code=data["village"].code,
                                              name=data["name"], founded_on=data["founded_on"],
                                              purpose=data["purpose"], request=request)
        except ValidationError as refused:
            errors_onto(form, refused)
        else:
            messages.success(request, gettext("已登记理事会"))
            return redirect("councils:detail", pk=council.pk)
    return form_page(request, form, title=gettext("登记理事会"), back_url=reverse("councils:list"),
                     back_label=gettext("返回理事会列表"))


# --------------------------------------------------------------------------- a council


ITEM_HEADERS = [gettext_lazy("编号"), gettext_lazy("类别"), gettext_lazy("事项分类"), gettext_lazy("提出日期"),
                gettext_lazy("提出的会议"), gettext_lazy("提出的农户"), gettext_lazy("提出人"), gettext_lazy("内容"),
                gettext_lazy("办结日期"), gettext_lazy("答复用时（天）"), gettext_lazy("按时"), gettext_lazy("答复日期"),
                gettext_lazy("答复人或单位"), gettext_lazy("办理情况"), gettext_lazy("是否办结")]


def _export_items(request, council):
    """Each item with each of its responses, one row per response (an open item without
    any: one row)."""
    from neisheng.engine.councils import answer_days

    limit = selectors.policy_of(timezone.localdate().year).councils_answer_days
    items = (selectors.items_visible(request.user).filter(council=council).select_related("meeting")
             .prefetch_related("responses").order_by("raised_on", "pk"))
    yes, no = gettext("是"), gettext("否")

    def rows():
        for item in items:
            days = answer_days(item.raised_on, item.closed_on)
            head = [item.pk, gettext(item.get_kind_display()), gettext(item.get_category_display()), item.raised_on,
                    f"{item.meeting.held_on:%Y-%m-%d} {item.meeting.topic}" if item.meeting else "",
                    item.household_id or "", item.raised_by, item.text, item.closed_on or "",
                    "" if days is None else days, "" if days is None else (yes if days <= limit else no)]
            responses = list(item.responses.all())
            for response in responses or [None]:
                yield head + ([response.responded_on, response.responder, response.action,
                               yes if response.closes else no] if response else ["", "", "", ""])

    return export_response(request, object_type="council_items", detail={"council": council.pk},
                           filename="理事会建议诉求-council-items", title=gettext("建议和诉求"),
                           headers=[gettext(str(h)) for h in ITEM_HEADERS], rows=rows())


def _figures_card(council, year: int) -> DashboardCard:
    f = selectors.figures_for([council], year=year)[council.division_code]
    labels = [gettext(str(h)) for h in FIGURE_HEADERS]
    values = figure_values(f)
    return DashboardCard(
        key="council-figures", title=gettext("%(year)s 年工作") % {"year": year},
        note=gettext("答复期限 %(days)s 天；每年应开会议 %(meetings)s 次") % {
            "days": selectors.policy_of(year).councils_answer_days,
            "meetings": selectors.policy_of(year).councils_meetings_per_year},
        series=[Bar(gettext("建议"), f.suggestions), Bar(gettext("诉求"), f.demands),
                Bar(gettext("已答复"), f.answered), Bar(gettext("按时答复"), f.answered_on_time, tone="green"),
                Bar(gettext("超期未答复"), f.open_overdue, tone="red" if f.open_overdue else "")],
        # One row, a column a figure: the card stays short above the council's lists.
        headers=labels, rows=[[Cell(value) for value in values]],
        export_action=None, extra={"figures": f})


@requires(*NAMES)
def council_detail(request, pk):
    user = request.user
    council = council_for(user, pk)
    if request.method == "POST":
        return _export_items(request, council)
    today = timezone.localdate()
    year = _year(request)
    members = list(selectors.members_visible(user).filter(council=council).select_related("household"))
    current = [m for m in members if m.ends_on is None]
    former = [m for m in members if m.ends_on is not None]
    meetings = list(selectors.meetings_visible(user).filter(council=council).order_by("-held_on", "-pk")[:RECENT])
    from django.db.models import Count

    counted = dict(Meeting.objects.filter(pk__in=[m.pk for m in meetings]).annotate(n=Count("attendance"))
                   .values_list("pk", "n"))
    for meeting in meetings:
        meeting.came = counted.get(meeting.pk, 0)
    open_items = selectors.open_items(council, today=today)
    answered = list(selectors.items_visible(user).filter(council=council, closed_on__isnull=False)
                    .order_by("-closed_on", "-pk")[:RECENT])
    for item in answered:
        item.days = (item.closed_on - item.raised_on).days
    notes = list(selectors.notes_visible(user).filter(council=council).select_related("project", "plan")[:RECENT])
    card = _figures_card(council, year)
    village = Division.objects.filter(code=council.division_code).first()
    return render(request, "councils/council_detail.html", {
        "council": council, "village": village, "current": current, "former": former, "meetings": meetings,
        "open_items": open_items, "answered": answered, "notes": notes, "card": card, "figures": card.extra["figures"],
        "year": year, "answer_days": selectors.policy_of(today.year).councils_answer_days,
        "overdue": [i for i in open_items if i.overdue],
    })


# --------------------------------------------------------------------------- members


@requires(*NAMES)
def member_new(request, pk):
    council = council_for(request.user, pk)
    villagers = list(Person.objects.filter(household__village_id=council.division_code, alive=True)
                     .order_by("household_id", "birth_date").only("key", "name", "household_id"))
    form = MemberForm(request.POST or None, villagers=villagers)
    back = reverse("councils:detail", args=[council.pk])
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        person = next((p for p in villagers if p.key == data["person"]), None) if data["person"] else None
        try:
            services.member_add(user=request.user, council=council, role=data["role"], starts_on=data["starts_on"],
                                person=person, name=data["name"], affiliation=data["affiliation"],
                                request=request)
        except ValidationError as refused:
            errors_onto(form, refused)
        else:
            messages.success(request, gettext("已登记成员"))
            return redirect(back)
    return form_page(request, form, title=gettext("登记理事会成员"), subject=council.name, back_url=back,
                     back_label=gettext("返回理事会"))


@requires(*NAMES)
def member_end(request, pk):
    member = selectors.members_visible(request.user).select_related("council").filter(pk=pk).first()
    if member is None:
        raise Http404("no such member")
    form = MemberEndForm(request.POST or None)
    back = reverse("councils:detail", args=[member.council_id])
    if request.method == "POST" and form.is_valid():
        try:
            services.member_end(user=request.user, member=member, ends_on=form.cleaned_data["ends_on"],
                                reason=form.cleaned_data["reason"], request=request)
        except ValidationError as refused:
            errors_onto(form, refused)
        else:
            messages.success(request, gettext("已登记离任"))
            return redirect(back)
    return form_page(request, form, title=gettext("登记成员离任"), subject=f"{member.name} · {member.council.name}",
                     back_url=back, back_label=gettext("返回理事会"))


# --------------------------------------------------------------------------- meetings


@requires(*NAMES)
def meeting_new(request, pk):
    council = council_for(request.user, pk)
    today = timezone.localdate()
    members = [m for m in CouncilMember.objects.filter(council=council).order_by("ends_on", "starts_on", "pk")
               if m.ends_on is None or m.ends_on >= today.replace(day=1)]
    form = MeetingForm(request.POST or None, members=members)
    back = reverse("councils:detail", args=[council.pk])
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            meeting = services.meeting_record(user=request.user, council=council, held_on=data["held_on"],
                                              kind=data["kind"], topic=data["topic"], minutes=data["minutes"],
                                              members=[int(m) for m in data["members"]],
                                              households=data["households"], request=request)
        except ValidationError as refused:
            errors_onto(form, refused)
        else:
            messages.success(request, gettext("已登记会议"))
            return redirect("councils:meeting", pk=meeting.pk)
    return form_page(request, form, title=gettext("登记会议"), subject=council.name, back_url=back,
                     back_label=gettext("返回理事会"), submit_label=gettext("保存会议"))


@requires(*NAMES)
def meeting_detail(request, pk):
    meeting = (selectors.meetings_visible(request.user).select_related("council", "recorded_by")
               .filter(pk=pk).first())
    if meeting is None:
        raise Http404("no such meeting")
    attendance = list(meeting.attendance.select_related("member", "household", "person").order_by("pk"))
    items = list(meeting.items.order_by("pk"))
    return render(request, "councils/meeting_detail.html", {
        "meeting": meeting, "council": meeting.council, "attendance": attendance, "items": items,
        "affairs_set": sum(1 for a in attendance if a.affairs_set)})


# --------------------------------------------------------------------------- items and responses


@requires(*NAMES)
def item_new(request, pk):
    council = council_for(request.user, pk)
    meetings = list(Meeting.objects.filter(council=council).order_by("-held_on", "-pk")[:50])
    initial = {}
    chosen = (request.GET.get("meeting") or "").strip()
    if chosen.isdigit() and any(m.pk == int(chosen) for m in meetings):
        initial["meeting"] = chosen
    form = ItemForm(request.POST or None, meetings=meetings, initial=initial)
    back = reverse("councils:detail", args=[council.pk])
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        meeting = next((m for m in meetings if str(m.pk) == data["meeting"]), None)
        try:
            item = services.item_raise(user=request.user, council=council, kind=data["kind"],
                                       category=data["category"], text=data["text"], raised_on=data["raised_on"],
                                       meeting=meeting, household=data["household"].strip() or None,
                                       raised_by=data["raised_by"], request=request)
        except ValidationError as refused:
            errors_onto(form, refused)
        else:
            messages.success(request, gettext("已登记建议或诉求"))
            return redirect("councils:item", pk=item.pk)
    return form_page(request, form, title=gettext("登记建议或诉求"), subject=council.name, back_url=back,
                     back_label=gettext("返回理事会"))


def _item_for(user, pk) -> Item:
    item = (selectors.items_visible(user).select_related("council", "meeting", "household", "recorded_by")
            .filter(pk=pk).first())
    if item is None:
        raise Http404("no such item")
    return item


@requires(*NAMES)
def item_detail(request, pk):
    from neisheng.engine.councils import answer_days, item_age

    item = _item_for(request.user, pk)
    today = timezone.localdate()
    limit = selectors.policy_of(item.raised_on.year).councils_answer_days
    days = answer_days(item.raised_on, item.closed_on)
    return render(request, "councils/item_detail.html", {
        "item": item, "council": item.council, "responses": list(item.responses.select_related("recorded_by")),
        "days": days, "on_time": days is not None and days <= limit, "limit": limit,
        "age": item_age(item.raised_on, today) if days is None else None,
        "overdue": days is None and item_age(item.raised_on, today) > limit})


@requires(*NAMES)
def item_respond(request, pk):
    item = _item_for(request.user, pk)
    form = ResponseForm(request.POST or None)
    back = reverse("councils:item", args=[item.pk])
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.item_respond(user=request.user, item=item, responded_on=data["responded_on"],
                                  responder=data["responder"], action=data["action"], closes=data["closes"],
                                  request=request)
        except ValidationError as refused:
            errors_onto(form, refused)
        else:
            messages.success(request, gettext("已登记答复"))
            return redirect(back)
    return form_page(request, form, title=gettext("登记答复"), subject=f"#{item.pk} · {item.council.name}",
                     back_url=back, back_label=gettext("返回事项"))


# --------------------------------------------------------------------------- supervision notes


@requires(*NAMES)
def note_new(request, pk):
    from neisheng.platform import scope
    from neisheng.projects.models import DistributionPlan, Project

    council = council_for(request.user, pk)
    projects = [p for p in scope.visible_to(request.user, Project, ancestors=True).order_by("name", "pk")
                if services.project_concerns_village(p, council.division_code)]
    plans = list(scope.visible_to(request.user, DistributionPlan, ancestors=True)
                 .filter(project__in=projects).select_related("project").order_by("-plan_on", "-pk"))
    form = NoteForm(request.POST or None, projects=projects, plans=plans)
    back = reverse("councils:detail", args=[council.pk])
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        kind, _, key = data["target"].partition(":")
        try:
            services.note_record(user=request.user, council=council, checked_on=data["checked_on"],
                                 checked=data["checked"], finding=data["finding"], concern=data["concern"],
                                 project=key if kind == "project" else None, plan=key if kind == "plan" else None,
                                 request=request)
        except ValidationError as refused:
            errors_onto(form, refused)
        else:
            messages.success(request, gettext("已登记监督记录"))
            return redirect(back)
    return form_page(request, form, title=gettext("登记监督记录"), subject=council.name, back_url=back,
                     back_label=gettext("返回理事会"))
