"""The one write path of village councils: councils, members, meetings with their
attendance, suggestions and demands with their responses, supervision notes.

Every write needs councils.record and a council whose village is in the user's scope,
runs in one transaction and leaves an audit event with the village's code. Refusals are
a ValidationError field by field (the forms put each message by its field; the API
answers 400 with them); a council outside the user's scope is a 404, as if it did not
exist.

Attendance takes part in the registry: a household that came to a meeting takes part in
village affairs, so its `participates_village_affairs` is set through the registry's
write path (`registry.services.household_update_many`), only where it was not set, in the
meeting's transaction, with "理事会会议 #<id>" as the reason the household's history shows.
A meeting never takes the flag away.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from neisheng.accounts.access import COUNCILS_RECORD
from neisheng.accounts.services import audit_record
from neisheng.councils.models import (
    Attendance,
    Council,
    CouncilMember,
    Item,
    Meeting,
    Response,
    SupervisionNote,
)
from neisheng.engine import schema
from neisheng.platform import scope
from neisheng.platform.access import require
from neisheng.registry.models import Division, Household, Person
from neisheng.registry.services import household_update_many

# The history's reason (registry.selectors.history reads "<名> #<id>"; the name is a msgid
# of context "change"): data, in the platform's data language.
REASON_NAME = "理事会会议"
TEXT_MAX = 4000


def meeting_reason(meeting: Meeting) -> str:
    return f"{REASON_NAME} #{meeting.pk}"


class Problems(dict):
    def add(self, field: str, message) -> None:
        self.setdefault(field, []).append(message)

    def raise_any(self) -> None:
        if self:
            raise ValidationError(dict(self))


def _today() -> dt.date:
    return timezone.localdate()


def _day(problems: Problems, field: str, day: dt.date | None, *, after: dt.date | None = None,
         after_message=None) -> None:
    if day is None:
        problems.add(field, _("请填写日期"))
    elif day > _today():
        problems.add(field, _("日期不能晚于今天"))
    elif after is not None and day < after:
        problems.add(field, after_message)


def _text(problems: Problems, field: str, value: str, message, *, max_length: int = TEXT_MAX) -> str:
    value = (value or "").strip()
    if not value:
        problems.add(field, message)
    elif len(value) > max_length:
        problems.add(field, _("内容过长"))
    return value


def council_in_scope_or_404(user, council: Council) -> Council:
    found = scope.visible_to(user, Council).filter(pk=council.pk).first()
    if found is None:
        raise Http404("未找到该理事会 / no such council")
    return found


def _household_of_village(problems: Problems, field: str, household, village: str) -> Household | None:
    if household is None or household == "":
        return None
    household_id = getattr(household, "pk", household)
    found = Household.objects.filter(pk=str(household_id).strip()).first()
    if found is None or found.village_id != village:
        problems.add(field, _("该户不是本村农户"))
        return None
    return found


# --------------------------------------------------------------------------- councils


@transaction.atomic
def council_create(*, user, division_code: str, name: str, founded_on: dt.date, purpose: str = "",
                   request=None) -> Council:
    """The council of a village in the user's scope; one per village."""
    require(user, COUNCILS_RECORD)
    problems = Problems()
    village = scope.visible_to(user, Division).filter(code=(division_code or "").strip(),
                                                      level=schema.VILLAGE_LEVEL).first()
    if village is None:
        problems.add("division_code", _("请选择您辖区内的村"))
    elif Council.objects.filter(division_code=village.code).exists():
        problems.add("division_code", _("该村已有理事会"))
    name = _text(problems, "name", name, _("请填写理事会名称"), max_length=100)
    _day(problems, "founded_on", founded_on)
    problems.raise_any()
    council = Council.objects.create(division_code=village.code, name=name, founded_on=founded_on,
                                     purpose=(purpose or "").strip(), recorded_by=user)
    audit_record(user=user, action="create", division_code=council.division_code, object_type="council",
                 object_id=str(council.pk), detail={"name": name, "founded_on": str(founded_on)}, request=request)
    return council


# --------------------------------------------------------------------------- members


@transaction.atomic
def member_add(*, user, council: Council, role: str, starts_on: dt.date, person: Person | str | None = None,
               name: str = "", affiliation: str = "", request=None) -> CouncilMember:
    """A member from `starts_on`: a villager (`person`, of the council's village) or a
    named outsider (`name`). Refused: a villager who already holds a role, a second
    president at the same time, a start before the council was founded."""
    require(user, COUNCILS_RECORD)
    council = council_in_scope_or_404(user, council)
    problems = Problems()
    if role not in CouncilMember.Role.values:
        problems.add("role", _("请选择职务"))
    _day(problems, "starts_on", starts_on, after=council.founded_on, after_message=_("任职日期早于理事会成立日期"))
    found = None
    if person not in (None, ""):
        person_id = getattr(person, "pk", person)
        found = Person.objects.select_related("household").filter(pk=str(person_id).strip()).first()
        if found is None or found.household.village_id != council.division_code or not found.alive:
            problems.add("person", _("此人不是本村在世村民"))
            found = None
        elif CouncilMember.objects.filter(council=council, person=found, ends_on__isnull=True).exists():
            problems.add("person", _("此人已在理事会任职"))
    shown_name = (found.name if found is not None else (name or "").strip())
    if found is None and person in (None, "") and not shown_name:
        problems.add("name", _("请选择村民或填写姓名"))
    if len(shown_name) > 64:
        problems.add("name", _("内容过长"))
    if role == CouncilMember.Role.PRESIDENT and CouncilMember.objects.filter(
            council=council, role=CouncilMember.Role.PRESIDENT, ends_on__isnull=True).exists():
        problems.add("role", _("理事会已有在任会长，请先登记其离任"))
    problems.raise_any()
    member = CouncilMember.objects.create(
        council=council, division_code=council.division_code, person=found,
        household=found.household if found is not None else None, name=shown_name,
        affiliation=(affiliation or "").strip()[:100], role=role, starts_on=starts_on, recorded_by=user)
    audit_record(user=user, action="create", division_code=council.division_code, object_type="council_member",
                 object_id=str(member.pk),
                 detail={"council": council.pk, "role": role, "starts_on": str(starts_on),
                         "villager": found is not None}, request=request)
    return member


@transaction.atomic
def member_end(*, user, member: CouncilMember, ends_on: dt.date, reason: str, request=None) -> CouncilMember:
    """The member leaves their role on `ends_on`, for `reason`; the row stays."""
    require(user, COUNCILS_RECORD)
    council = council_in_scope_or_404(user, member.council)
    member = CouncilMember.objects.select_for_update().get(pk=member.pk, council=council)
    problems = Problems()
    if member.ends_on is not None:
        problems.add("__all__", _("该成员已离任"))
    _day(problems, "ends_on", ends_on, after=member.starts_on, after_message=_("离任日期早于任职日期"))
    reason = _text(problems, "reason", reason, _("请填写离任原因"), max_length=200)
    problems.raise_any()
    member.ends_on, member.end_reason, member.ended_by, member.ended_at = ends_on, reason, user, timezone.now()
    member.save(update_fields=["ends_on", "end_reason", "ended_by", "ended_at"])
    audit_record(user=user, action="update", division_code=council.division_code, object_type="council_member",
                 object_id=str(member.pk),
                 detail={"changes": {"ends_on": [None, str(ends_on)], "end_reason": ["", reason]}}, request=request)
    return member


# --------------------------------------------------------------------------- meetings


@transaction.atomic
def meeting_record(*, user, council: Council, held_on: dt.date, kind: str, topic: str, minutes: str = "",
                   members: list | tuple = (), households: list | tuple = (), request=None) -> Meeting:
    """A meeting held on `held_on` and who came: members of the council who held a role
    that day, and villagers' households (a Household or its number) of the village. Each
    household that came and did not yet take part in village affairs now does (see the
    module's note), in this transaction."""
    require(user, COUNCILS_RECORD)
    council = council_in_scope_or_404(user, council)
    problems = Problems()
    if kind not in Meeting.Kind.values:
        problems.add("kind", _("请选择会议类型"))
    topic = _text(problems, "topic", topic, _("请填写议题"), max_length=200)
    _day(problems, "held_on", held_on, after=council.founded_on, after_message=_("会议日期早于理事会成立日期"))
    came: list[CouncilMember] = []
    member_ids = [getattr(m, "pk", m) for m in members]
    if member_ids:
        known = {m.pk: m for m in CouncilMember.objects.filter(council=council, pk__in=member_ids)}
        for pk in dict.fromkeys(member_ids):
            member = known.get(int(pk)) if str(pk).isdigit() else None
            if member is None:
                problems.add("members", _("不是本理事会的成员"))
            elif held_on is not None and not member.current_on(held_on):
                problems.add("members", _("%(name)s 在会议当天不在任") % {"name": member.name})
            else:
                came.append(member)
    villagers: list[Household] = []
    for household in dict.fromkeys(str(getattr(h, "pk", h)).strip() for h in households if h):
        found = Household.objects.filter(pk=household).first()
        if found is None or found.village_id != council.division_code:
            problems.add("households", _("户编号 %(number)s 不是本村农户") % {"number": household})
        else:
            villagers.append(found)
    problems.raise_any()
    meeting = Meeting.objects.create(council=council, division_code=council.division_code, held_on=held_on,
                                     kind=kind, topic=topic, minutes=(minutes or "").strip(), recorded_by=user)
    rows = [Attendance(meeting=meeting, division_code=council.division_code, member=m, household=m.household,
                       person=m.person) for m in came]
    seen = {m.household_id for m in came if m.household_id}
    rows += [Attendance(meeting=meeting, division_code=council.division_code, household=h)
             for h in villagers if h.pk not in seen]
    attending = {row.household_id for row in rows if row.household_id}
    to_set = list(Household.objects.filter(pk__in=attending, participates_village_affairs=False)
                  .order_by("pk"))
    for row in rows:
        row.affairs_set = row.household_id in {h.pk for h in to_set}
    Attendance.objects.bulk_create(rows)
    if to_set:
        household_update_many(user=user, changes=[(h, {"participates_village_affairs": True}) for h in to_set],
                              change_reason=meeting_reason(meeting))
    audit_record(user=user, action="create", division_code=council.division_code, object_type="council_meeting",
                 object_id=str(meeting.pk),
                 detail={"council": council.pk, "held_on": str(held_on), "kind": kind, "topic": topic,
                         "members": len(came), "households": len(attending),
                         "participates_village_affairs_set": len(to_set)}, request=request)
    return meeting


# --------------------------------------------------------------------------- suggestions and demands


@transaction.atomic
def item_raise(*, user, council: Council, kind: str, category: str, text: str, raised_on: dt.date | None = None,
               meeting: Meeting | None = None, household=None, raised_by: str = "", request=None) -> Item:
    """A villager's suggestion or demand, at one of the council's meetings (raised that
    day unless another is given) or on its own."""
    require(user, COUNCILS_RECORD)
    council = council_in_scope_or_404(user, council)
    problems = Problems()
    if kind not in Item.Kind.values:
        problems.add("kind", _("请选择建议或诉求"))
    if category not in Item.Category.values:
        problems.add("category", _("请选择事项分类"))
    text = _text(problems, "text", text, _("请填写内容"))
    if meeting is not None:
        meeting = Meeting.objects.filter(pk=getattr(meeting, "pk", meeting), council=council).first()
        if meeting is None:
            problems.add("meeting", _("不是本理事会的会议"))
        elif raised_on is None:
            raised_on = meeting.held_on
    _day(problems, "raised_on", raised_on)
    found = _household_of_village(problems, "household", household, council.division_code)
    raised_by = (raised_by or "").strip()
    if len(raised_by) > 100:
        problems.add("raised_by", _("内容过长"))
    problems.raise_any()
    item = Item.objects.create(council=council, division_code=council.division_code, kind=kind, category=category,
                               meeting=meeting, raised_on=raised_on, household=found, raised_by=raised_by, text=text,
                               recorded_by=user)
    audit_record(user=user, action="create", division_code=council.division_code, object_type="council_item",
                 object_id=str(item.pk),
                 detail={"council": council.pk, "kind": kind, "category": category, "raised_on": str(raised_on),
                         "meeting": meeting.pk if meeting else None}, request=request)
    return item


@transaction.atomic
def item_respond(*, user, item: Item, responded_on: dt.date, responder: str, action: str, closes: bool = False,
                 request=None) -> Response:
    """What was done about an item, by whom and when; `closes` closes it, and its
    response time is then counted (engine.councils.answer_days). A closed item takes no
    more responses: what follows is a new item."""
    require(user, COUNCILS_RECORD)
    council = council_in_scope_or_404(user, item.council)
    item = Item.objects.select_for_update().get(pk=item.pk, council=council)
    problems = Problems()
    if item.closed_on is not None:
        problems.add("__all__", _("该事项已办结"))
    _day(problems, "responded_on", responded_on, after=item.raised_on, after_message=_("答复日期早于提出日期"))
    responder = _text(problems, "responder", responder, _("请填写答复人或单位"), max_length=100)
    action = _text(problems, "action", action, _("请填写办理情况"))
    problems.raise_any()
    response = Response.objects.create(item=item, division_code=item.division_code, responded_on=responded_on,
                                       responder=responder, action=action, closes=bool(closes), recorded_by=user)
    if closes:
        item.closed_on = responded_on
        item.save(update_fields=["closed_on"])
    audit_record(user=user, action="create", division_code=item.division_code, object_type="council_response",
                 object_id=str(response.pk),
                 detail={"item": item.pk, "responded_on": str(responded_on), "closes": bool(closes),
                         "days": (responded_on - item.raised_on).days if closes else None}, request=request)
    return response


# --------------------------------------------------------------------------- supervision


def project_concerns_village(project, village: str) -> bool:
    """Whether a project is the village's: run by it or a division above it, or with the
    village among the divisions it benefits."""
    codes = {project.division_code, *project.divisions.values_list("division_code", flat=True)}
    divisions = Division.objects.filter(code__in=codes)
    return any(village == d.code or (d.level < schema.VILLAGE_LEVEL and village.startswith(d.prefix))
               for d in divisions)


@transaction.atomic
def note_record(*, user, council: Council, checked_on: dt.date, checked: str, finding: str, concern: bool = False,
                project=None, plan=None, request=None) -> SupervisionNote:
    """The council's note on a project or a distribution plan (of a project of the
    village), which the user may see."""
    from neisheng.projects.models import DistributionPlan, Project

    require(user, COUNCILS_RECORD)
    council = council_in_scope_or_404(user, council)
    problems = Problems()
    _day(problems, "checked_on", checked_on)
    checked = _text(problems, "checked", checked, _("请填写监督内容"))
    finding = _text(problems, "finding", finding, _("请填写发现的情况"))
    if plan not in (None, ""):
        plan = (scope.visible_to(user, DistributionPlan, ancestors=True).select_related("project")
                .filter(pk=getattr(plan, "pk", plan)).first())
        if plan is None or not project_concerns_village(plan.project, council.division_code):
            problems.add("plan", _("请选择本村项目的收益分配方案"))
            plan = None
        else:
            project = plan.project
    elif project not in (None, ""):
        project = scope.visible_to(user, Project, ancestors=True).filter(pk=getattr(project, "pk", project)).first()
        if project is None or not project_concerns_village(project, council.division_code):
            problems.add("project", _("请选择本村的项目"))
            project = None
    else:
        problems.add("project", _("请选择项目或收益分配方案"))
    problems.raise_any()
    note = SupervisionNote.objects.create(council=council, division_code=council.division_code,
                                          checked_on=checked_on, project=project, plan=plan, checked=checked,
                                          finding=finding, concern=bool(concern), recorded_by=user)
    audit_record(user=user, action="create", division_code=council.division_code, object_type="council_note",
                 object_id=str(note.pk),
                 detail={"council": council.pk, "checked_on": str(checked_on), "project": project.pk,
                         "plan": plan.pk if plan else None, "concern": bool(concern)}, request=request)
    return note
