"""The demo county's department feeds (issue 12, item 7), checked as a newcomer would look
at them: files from at least six departments, as Excel and GB18030 CSV with Chinese
headers; rows that link exactly, probably, wait for review or stay unmatched; findings of
every rule, some confirmed into department_screening cases, one written to the ledger,
one dismissed with a reason; one review pair accepted, one rejected, one left waiting;
a malformed file refused with its bad rows named.

Built on the test county (300 households) with the demo logins, without the rest of the
demo (test_demo_workflows.py builds the whole demo, the feeds included)."""

from __future__ import annotations

import pytest

from neisheng.cases.models import MonitoringCase
from neisheng.engine.feeds import FEED_TYPES
from neisheng.engine.screening import RULES
from neisheng.feeds.models import Feed, FeedRow, Finding, ReviewState
from neisheng.registry.models import IncomeItem

pytestmark = pytest.mark.slow


def test_the_demo_county_has_feeds_findings_and_a_review_queue(db, county, tmp_path, settings,
                                                                django_capture_on_commit_callbacks):
    from neisheng.accounts.models import User
    from neisheng.accounts.services import demo_users_create
    from neisheng.web.demo_feeds import demo_feeds_build

    settings.MEDIA_ROOT = tmp_path / "uploads"
    logins = demo_users_create(county_code="500237", password="demo-feeds-test-2026")
    said = []
    with django_capture_on_commit_callbacks(execute=True):
        made = demo_feeds_build(home=tmp_path, logins=logins, say=said.append)
    users = {u["role"]: User.objects.get(username=u["username"]) for u in logins}

    # Eleven files from eight departments, uploaded and applied by the department login.
    applied = Feed.objects.filter(status=Feed.Status.APPLIED)
    assert sorted(applied.values_list("feed_type", flat=True)) == sorted(FEED_TYPES)
    assert len({FEED_TYPES[t].department for t in applied.values_list("feed_type", flat=True)}) >= 6
    assert all(f.uploaded_by == users["department"] and f.checksum for f in applied)
    folder = tmp_path / "demo-feeds"
    files = {p.suffix for p in folder.iterdir()}
    assert files == {".xlsx", ".csv"}
    roll = next(folder.glob("参保登记-*.csv")).read_bytes()
    with pytest.raises(UnicodeDecodeError):
        roll.decode("utf-8")
    assert roll.decode("gb18030").startswith("证件号码,姓名,出生日期,住址")

    # Rows of each outcome: the strangers are unmatched, the review queue has work.
    kinds = set(FeedRow.objects.values_list("match_kind", flat=True))
    assert kinds == {"exact", "probable", "review", "unmatched"}
    assert FeedRow.objects.filter(match_kind="unmatched").count() >= 5
    assert FeedRow.objects.filter(match_kind="probable", id_number="").exists()  # found without the ID number
    reviewed = FeedRow.objects.filter(match_kind="review")
    assert reviewed.filter(review_state=ReviewState.ACCEPTED).count() == 1
    assert reviewed.filter(review_state=ReviewState.REJECTED).count() == 1
    assert reviewed.filter(review_state=ReviewState.PENDING).count() >= 1
    # The accepted pair raised its finding (disaster loss over the threshold).
    accepted = reviewed.get(review_state=ReviewState.ACCEPTED)
    assert Finding.objects.filter(rule="disaster_loss", person=accepted.person).exists()

    # Findings of every rule, each once; the rows just under a threshold raised nothing.
    assert set(Finding.objects.values_list("rule", flat=True)) == set(RULES)
    assert Finding.objects.filter(rule="high_school_fees").count() == 1
    assert Finding.objects.filter(rule="outpatient_self_pay").count() == 1
    assert Finding.objects.filter(rule="uninsured").count() == 3
    assert Finding.objects.filter(rule="child_not_in_school").count() == 2
    assert Finding.objects.filter(rule="new_serious_illness").count() == 1

    # Decisions: confirmed, two cases in the department_screening channel, one ledger write,
    # one dismissed with its reason.
    assert Finding.objects.filter(state="confirmed").count() >= 6
    cases = MonitoringCase.objects.filter(findings__isnull=False)
    assert cases.count() == 2 and set(cases.values_list("channel", flat=True)) == {"department_screening"}
    ledger = Finding.objects.get(ledger_written_at__isnull=False)
    assert IncomeItem.objects.filter(household=ledger.household, source="civil_affairs").exists()
    assert Finding.objects.filter(state="dismissed").count() == 1

    # A malformed file refused whole, every bad row named.
    refused = Feed.objects.get(status=Feed.Status.REJECTED)
    assert refused.issues_total == 3 and sorted(i["row"] for i in refused.issues) == [2, 3, 4]
    assert not FeedRow.objects.filter(feed=refused).exists()

    summary = "\n".join([*said, *made.lines()])
    assert "the department feeds are applied" in summary and "部门数据 department feeds: 11" in summary
    assert made.cases == 2 and made.review_accepted == 1 and made.findings_by_rule["uninsured"] == 3
