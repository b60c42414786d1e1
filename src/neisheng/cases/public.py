"""The public self-report form (农户自主申报): a household reports its own hardship from a
phone, without an account.

What it must never do is tell anyone whether an ID number exists. So every submission
is answered with the same page, the same status and about the same time, matched or
not: the head's name and ID number are compared with the heads of the chosen village's
households; a match opens a case (channel self_report, no user) and the officers of the
village see every submission in /cases/self-reports/ either way.

Rate limit: at most NEISHENG_SELF_REPORT_PER_HOUR submissions an hour from one sender
(a keyed hash of the address, SECRET_KEY as the key: the address itself is never kept)
and as many for one ID number; over it the same neutral page answers with 429 and
nothing is stored. The limit is counted from the stored rows, so it holds across
processes and restarts with no cache to share. It is a setting, not policy: it protects
the installation and decides nothing about a household.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import time

from django.conf import settings
from django.db import IntegrityError, transaction
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods

from neisheng.cases.forms import SelfReportForm
from neisheng.cases.models import Channel, SelfReport
from neisheng.engine import schema
from neisheng.platform.workflow import TransitionRefused
from neisheng.registry.models import Division, Person

PER_HOUR_DEFAULT = 5
# Every answer takes at least this long, so a match (which opens a case) and a
# mismatch cannot be told apart by the time they take.
MIN_SECONDS_DEFAULT = 0.35


def per_hour() -> int:
    return int(getattr(settings, "NEISHENG_SELF_REPORT_PER_HOUR", PER_HOUR_DEFAULT))


def sender_hash(request) -> str:
    address = request.META.get("REMOTE_ADDR") or ""
    return hmac.new(settings.SECRET_KEY.encode(), address.encode(), hashlib.sha256).hexdigest()


def over_the_limit(*, sender: str, id_number: str, now=None) -> bool:
    since = (now or timezone.now()) - dt.timedelta(hours=1)
    # Counted over the public form's own rows: a cadre filing for a household is not a sender.
    recent = SelfReport.objects.filter(submitted_at__gte=since, filed_by__isnull=True)
    limit = per_hour()
    return (recent.filter(sender_hash=sender).count() >= limit
            or recent.filter(id_number=id_number).count() >= limit)


def matching_head(*, village_code: str, head_name: str, id_number: str) -> Person | None:
    """The living head of a household of that village with that name and ID number."""
    return (Person.objects.select_related("household")
            .filter(pk=id_number, name=head_name, relation="head", alive=True, household__village_id=village_code)
            .first())


@transaction.atomic
def self_report_receive(*, village_code: str, head_name: str, id_number: str, phone: str, reason: str,
                        sender: str, filed_by=None, reported_on: dt.date | None = None) -> SelfReport:
    """Store a self-report and, when the head matches a household of the village, open
    its case (channel self_report) through cases.services.case_report. A household that
    already has an open case keeps it: the report is linked to that case. The one write
    path of SelfReport rows."""
    from neisheng.cases.selectors import open_case_for
    from neisheng.cases.services import case_report

    head = matching_head(village_code=village_code, head_name=head_name, id_number=id_number)
    report = SelfReport.objects.create(
        village_code=village_code, head_name=head_name, id_number=id_number, phone=phone, reason=reason,
        household=head.household if head else None, status=SelfReport.Status.MATCHED if head
        else SelfReport.Status.UNMATCHED, sender_hash=sender, filed_by=filed_by,
    )
    if head is None:
        return report
    case = open_case_for(head.household)
    if case is None:
        try:
            with transaction.atomic():
                case = case_report(user=filed_by, household=head.household, channel=Channel.SELF_REPORT,
                                   reported_on=reported_on or timezone.localdate(), reason=reason,
                                   self_report=report)
        except (TransitionRefused, IntegrityError):
            # Opened by someone else a moment ago: the officers see the report beside it.
            case = open_case_for(head.household)
    report.case = case
    report.save(update_fields=["case"])
    return report


def _villages():
    return Division.objects.filter(level=schema.VILLAGE_LEVEL).order_by("code").only("code", "name", "parent_id")


@require_http_methods(["GET", "HEAD", "POST"])
def self_report(request):
    """The form; its POST stores the report and answers with the neutral page."""
    form = SelfReportForm(request.POST or None, villages=_villages())
    page = {"form": form, "submit_label": gettext("提交申报")}
    if request.method != "POST":
        return render(request, "cases/self_report_form.html", page)
    started = time.monotonic()
    if not form.is_valid():
        return render(request, "cases/self_report_form.html", page, status=400)
    data = form.cleaned_data
    sender = sender_hash(request)
    status = 200
    if over_the_limit(sender=sender, id_number=data["id_number"]):
        status = 429
    else:
        self_report_receive(village_code=data["village"], head_name=data["head_name"], id_number=data["id_number"],
                            phone=data["phone"], reason=data["reason"], sender=sender)
    _wait_until(started + float(getattr(settings, "NEISHENG_SELF_REPORT_MIN_SECONDS", MIN_SECONDS_DEFAULT)))
    return render(request, "cases/self_report_done.html", {"limited": status == 429}, status=status)


def _wait_until(moment: float) -> None:
    left = moment - time.monotonic()
    if left > 0:
        time.sleep(left)

