"""The clerical-review queue's one write path (feeds.md "Matching"): a row whose best
candidate scored between `review` and `auto_accept` waits for a clerk, who accepts one
of its candidates as the same person or rejects the pair with a note.

The decision is kept beside the linkage's own outcome: `match_kind`, the probability and
the weight stay as the model gave them, so the accuracy of the model can still be
measured after clerks have worked. An accepted row counts as linked (FeedRow.linked), so
the feed's rules run again on it (feeds.services.feed_screen) and its findings appear.

Refusals: Http404 outside the user's division, PermissionDenied without `feeds.review`,
TransitionRefused (one sentence "中文 / English") when the row is not waiting or the
input is wrong."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404
from django.utils import timezone

from neisheng.accounts.access import FEEDS_REVIEW, user_may
from neisheng.accounts.services import audit_record
from neisheng.feeds.models import FeedRow, ReviewState
from neisheng.platform import scope
from neisheng.platform.workflow import TransitionRefused
from neisheng.registry.models import Person


def _refused(zh: str, en: str) -> TransitionRefused:
    return TransitionRefused(f"{zh} / {en}")


def _locked_pending(*, row: FeedRow, user) -> FeedRow:
    if not scope.code_is_within(user, row.division_code):
        raise Http404("未找到该数据行 / no such feed row")
    if not user_may(user, FEEDS_REVIEW):
        raise PermissionDenied("您的角色不能核对疑似匹配 / your role may not review candidate pairs")
    current = FeedRow.objects.select_for_update().get(pk=row.pk)
    if current.review_state != ReviewState.PENDING:
        raise _refused("该行不在待核对状态", "this row is not waiting for review")
    return current


def candidate_ids(row: FeedRow) -> list[str]:
    return [c.get("person_id") for c in (row.candidates or []) if c.get("person_id")]


def _candidate_person(*, row: FeedRow, user, person) -> Person:
    """The chosen candidate (the best one when none is named), which must be one the
    linkage proposed and lie in the user's scope: a clerk confirms a pair, never links a
    row to someone the model did not put beside it."""
    proposed = candidate_ids(row)
    if person is None:
        if not proposed:
            raise _refused("该行没有候选人员", "this row has no candidate person")
        person_id = proposed[0]
    else:
        person_id = person.person_id if isinstance(person, Person) else str(person)
    if person_id not in proposed:
        raise _refused("所选人员不是该行的候选人员", "the chosen person is not one of the row's candidates")
    chosen = scope.visible_to(user, Person.objects.select_related("household")).filter(pk=person_id).first()
    if chosen is None:
        raise _refused("所选人员不在您的管辖范围内", "the chosen person is outside your division")
    return chosen


@transaction.atomic
def feed_row_accept(*, row: FeedRow, user, person=None, note: str = "") -> FeedRow:
    """Accept `person` (a Person or an ID number; the best candidate when None) as the
    row's person, then raise the findings the accepted row now supports."""
    from neisheng.feeds.services import feed_screen

    current = _locked_pending(row=row, user=user)
    chosen = _candidate_person(row=current, user=user, person=person)
    current.review_state = ReviewState.ACCEPTED
    current.person = chosen
    current.household = chosen.household
    current.division_code = chosen.household.village_id
    current.reviewed_by = user
    current.reviewed_at = timezone.now()
    current.review_note = (note or "").strip()
    current.save(update_fields=["review_state", "person", "household", "division_code", "reviewed_by",
                                "reviewed_at", "review_note"])
    audit_record(user=user, action="update", division_code=current.division_code, object_type="feed_row",
                 object_id=str(current.pk),
                 detail={"step": "accept", "feed": current.feed_id, "row": current.row,
                         "household": chosen.household_id, "candidate_rank": candidate_ids(current).index(
                             chosen.person_id) + 1, "note": current.review_note})
    feed_screen(feed=current.feed, user=user)
    for name in ("review_state", "person", "household", "division_code", "reviewed_by", "reviewed_at",
                 "review_note"):
        setattr(row, name, getattr(current, name))
    return row


@transaction.atomic
def feed_row_reject(*, row: FeedRow, user, note: str) -> FeedRow:
    """Reject the pair: the row stays unlinked (its candidates are kept, so anyone can
    see what was refused); the note says why."""
    current = _locked_pending(row=row, user=user)
    note = (note or "").strip()
    if not note:
        raise _refused("否定疑似匹配需要说明理由", "rejecting a pair needs a note")
    current.review_state = ReviewState.REJECTED
    current.reviewed_by = user
    current.reviewed_at = timezone.now()
    current.review_note = note
    current.save(update_fields=["review_state", "reviewed_by", "reviewed_at", "review_note"])
    audit_record(user=user, action="update", division_code=current.division_code, object_type="feed_row",
                 object_id=str(current.pk),
                 detail={"step": "reject", "feed": current.feed_id, "row": current.row, "note": note})
    for name in ("review_state", "reviewed_by", "reviewed_at", "review_note"):
        setattr(row, name, getattr(current, name))
    return row
