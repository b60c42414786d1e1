"""Writes of department feeds (feeds.md): a feed is uploaded and checked whole, then
applied — linked to the registry and screened — in one transaction, or not at all.

The engine does the work (engine.feeds.feed_read, engine.linkage.link_feed,
engine.screening.screen_feed) on the registry of the feed's division as the data
contract's tables; this module keeps the file, stores what the engine says and counts it.
The review queue's and the findings' services (E) live in feeds/review.py and
feeds/findings.py and call `feed_screen` here after a clerk accepts a pair.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from neisheng.accounts.access import FEEDS_UPLOAD, user_may
from neisheng.accounts.services import audit_record
from neisheng.divisions import PREFIX_LENGTH, level_of
from neisheng.engine.feeds import FEED_TYPES, FeedFileError, feed_read
from neisheng.feeds.models import ISSUES_KEPT, Feed, FeedRow, Finding, ReviewState
from neisheng.platform import scope
from neisheng.transfers.services import without_nul
from neisheng.transfers.uploads import upload_limit

logger = logging.getLogger(__name__)

# The rows of one bulk insert: SQLite's limit on a statement's parameters and
# PostgreSQL's message size both stay far off.
BATCH = 1_000
# How many subjects one "already raised?" query names.
SUBJECTS_PER_QUERY = 500
APPLICABLE = (Feed.Status.PENDING, Feed.Status.APPLYING, Feed.Status.FAILED)
DISCARDABLE = (Feed.Status.PENDING, Feed.Status.REJECTED, Feed.Status.FAILED)
LINKED_KINDS = ("exact", "probable")

Progress = Callable[[str], None]


class FeedRefused(Exception):
    """The feed cannot be uploaded, applied or discarded now: one sentence, "中文 / English"."""


def _require(user, capability: str) -> None:
    if not user_may(user, capability):
        raise PermissionDenied("您的角色不能执行此操作 / your role may not do this")


def _require_scope(user, feed: Feed) -> None:
    # Out of scope reads as "no such feed", as on the pages.
    if not scope.code_is_within(user, feed.division_code):
        raise Feed.DoesNotExist


# --------------------------------------------------------------------------- upload


@transaction.atomic
def feed_upload(*, user, uploaded_file: UploadedFile, feed_type: str) -> Feed:
    """Keep the file as it came (original name, SHA-256, size, who, when) and check every
    row with engine.feeds.feed_read: a file with any problem is REJECTED with every
    problem counted (the first ISSUES_KEPT kept), else PENDING. Nothing is linked yet."""
    _require(user, FEEDS_UPLOAD)
    if user.division_id is None:
        raise FeedRefused("您没有所属区划,无法确定比对哪个区划的登记数据 / you belong to no division, so there "
                          "is no registry to match the feed against")
    if feed_type not in FEED_TYPES:
        raise FeedRefused(f"未知的数据类型“{feed_type}” / unknown feed type “{feed_type}”")
    if uploaded_file.size > upload_limit():
        size = f"{upload_limit() / (1024 * 1024):g}"
        raise FeedRefused(f"文件超过 {size} MB 的上传上限 / the file is over the {size} MB upload limit")
    name = Path(uploaded_file.name).name[:255]
    feed = Feed(feed_type=feed_type, department=FEED_TYPES[feed_type].department,
                division_code=user.division_id, original_name=name, uploaded_by=user,
                received_on=timezone.localdate())
    feed.file.save(name, uploaded_file, save=False)
    with feed.file.open("rb") as stored:
        feed.checksum = hashlib.file_digest(stored, "sha256").hexdigest()
    feed.size = feed.file.size
    try:
        table = feed_read(Path(feed.file.path), feed_type, file_name=name, max_problems=ISSUES_KEPT)
    except FeedFileError as refused:
        feed.status = Feed.Status.REJECTED
        feed.issues = without_nul([_problem_dict(p) for p in refused.problems[:ISSUES_KEPT]])
        feed.issues_total = max(refused.total, len(refused.problems))
    else:
        feed.status = Feed.Status.PENDING
        feed.rows = table.num_rows
    feed.save()
    audit_record(user=user, action="create", division_code=feed.division_code, object_type="feed",
                 object_id=str(feed.pk), detail={"file": name, "type": feed_type, "sha256": feed.checksum,
                                                 "rows": feed.rows, "problems": feed.issues_total})
    return feed


def _problem_dict(problem) -> dict:
    return {"file": problem.file, "row": problem.row, "column": problem.column,
            "column_zh": getattr(problem, "column_zh", ""), "value": problem.value,
            "reason_zh": problem.reason_zh, "reason_en": problem.reason_en}


@transaction.atomic
def feed_discard(*, feed: Feed, user) -> Feed:
    """A feed never applied is set aside; its file and checksum stay on record."""
    _require(user, FEEDS_UPLOAD)
    locked = Feed.objects.select_for_update().get(pk=feed.pk)
    _require_scope(user, locked)
    if locked.status not in DISCARDABLE:
        raise FeedRefused("该文件已比对或已放弃,不能放弃 / this feed has already been applied or discarded")
    locked.status = Feed.Status.DISCARDED
    locked.save(update_fields=["status"])
    audit_record(user=user, action="update", division_code=locked.division_code, object_type="feed",
                 object_id=str(locked.pk), detail={"status": [feed.status, locked.status]})
    return locked


# --------------------------------------------------------------------------- the registry


def feed_registry_tables(*, division_code: str) -> dict[str, pa.Table]:
    """The registry under `division_code` as the data contract's tables the engine reads:
    persons, households, divisions, income_items."""
    from neisheng.registry.snapshots import registry_tables

    return registry_tables(division_code=division_code)


def _linked_rows_q() -> Q:
    return Q(match_kind__in=LINKED_KINDS) | Q(review_state=ReviewState.ACCEPTED)


def known_deaths_table(*, division_code: str) -> pa.Table:
    """person_id, death_date of every person a death feed already applied under the
    division linked (exact, probable, or accepted in review); the earliest date when
    several feeds say so."""
    rows = FeedRow.objects.filter(feed__feed_type="death", feed__status=Feed.Status.APPLIED,
                                  person__isnull=False).filter(_linked_rows_q())
    if division_code:
        low, high = code_bounds(division_code)
        rows = rows.filter(division_code__gte=low, division_code__lte=high)
    earliest: dict[str, dt.date] = {}
    for person_id, values in rows.values_list("person_id", "values").iterator(BATCH):
        text = (values or {}).get("death_date") or ""
        try:
            day = dt.date.fromisoformat(text)
        except ValueError:
            continue
        if person_id not in earliest or day < earliest[person_id]:
            earliest[person_id] = day
    people = sorted(earliest)
    return pa.table({"person_id": pa.array(people, pa.string()),
                     "death_date": pa.array([earliest[p] for p in people], pa.date32())})


def code_bounds(division_code: str) -> tuple[str, str]:
    """The lowest and highest 12-digit codes under a division (itself included)."""
    prefix = division_code[: PREFIX_LENGTH[level_of(division_code)]]
    return prefix.ljust(12, "0"), prefix.ljust(12, "9")


# --------------------------------------------------------------------------- apply


class _Computed:
    """What the engine said about one feed, before anything is written."""

    def __init__(self, *, table, linkage, findings, villages):
        self.table = table
        self.linkage = linkage
        self.findings = findings
        self.villages = villages  # household_id -> village code


def _policy():
    from neisheng.monitoring.policies import policy_current

    return policy_current().policy


def _read_kept(feed: Feed) -> pa.Table:
    return feed_read(Path(feed.file.path), feed.feed_type, file_name=feed.original_name, max_problems=ISSUES_KEPT)


def _villages(households: pa.Table) -> dict[str, str]:
    return dict(zip(households.column("household_id").to_pylist(), households.column("village_code").to_pylist()))


def _compute(feed: Feed, progress: Progress) -> _Computed:
    from neisheng.engine.linkage import link_feed
    from neisheng.engine.screening import screen_feed

    policy = _policy()
    progress("read")
    table = _read_kept(feed)
    progress("registry")
    tables = feed_registry_tables(division_code=feed.division_code)
    progress("link")
    linkage = link_feed(table, persons=tables["persons"], households=tables["households"],
                        divisions=tables["divisions"], auto_accept=policy.feeds_auto_accept,
                        review=policy.feeds_review)
    progress("screen")
    findings = screen_feed(feed.feed_type, table, linkage.matches, persons=tables["persons"],
                           households=tables["households"], income_items=tables["income_items"],
                           policy=policy, today=feed.received_on,
                           known_deaths=known_deaths_table(division_code=feed.division_code))
    return _Computed(table=table, linkage=linkage, findings=findings, villages=_villages(tables["households"]))


def _failure_sentence(exc: BaseException) -> str:
    if isinstance(exc, FeedFileError):
        first = exc.problems[0].sentence("zh") if exc.problems else ""
        english = exc.problems[0].sentence("en") if exc.problems else ""
        return f"文件已不能读取:{first} / the kept file can no longer be read: {english}"
    return "比对失败,未写入任何数据,请联系管理员 / matching failed; nothing was written, please tell the administrator"


def feed_apply(*, feed: Feed, user, progress: Progress | None = None) -> Feed:
    """Link every row and screen the feed, then write every row with its match, every
    finding not raised before and the counts in one transaction: on any error nothing of
    it is written and the feed is FAILED with one sentence in `error` (returned, not
    raised, so the failure itself is kept). `progress(step)` names each step begun.

    The engine's reading runs before the transaction, not inside it: a county's feed
    takes a while to link, and neither the feed's lock nor the job's progress (which
    the page polls) should wait for it. The feed is locked and its state checked again
    when the results are written, so a second click finds it applied."""
    _require(user, FEEDS_UPLOAD)
    _require_scope(user, feed)
    progress = progress or (lambda step: None)
    _check_applicable(Feed.objects.get(pk=feed.pk))
    try:
        computed = _compute(feed, progress)
        progress("store")
        with transaction.atomic():
            locked = Feed.objects.select_for_update().get(pk=feed.pk)
            _check_applicable(locked)
            counts = _store(locked, computed)
            locked.status = Feed.Status.APPLIED
            locked.applied_by = user
            locked.applied_at = timezone.now()
            locked.error = ""
            locked.model_settings = _json_safe(computed.linkage.settings or {})
            for name, value in counts.items():
                setattr(locked, name, value)
            locked.save()
            audit_record(user=user, action="import", division_code=locked.division_code, object_type="feed",
                         object_id=str(locked.pk), detail={"file": locked.original_name, "type": locked.feed_type,
                                                           **counts})
    except FeedRefused:
        raise
    except Exception as exc:  # every failure leaves the feed FAILED and nothing else written
        logger.exception("feed %s: apply failed", feed.pk)
        sentence = _failure_sentence(exc)
        Feed.objects.filter(pk=feed.pk).exclude(status=Feed.Status.APPLIED).update(
            status=Feed.Status.FAILED, error=sentence)
    return Feed.objects.get(pk=feed.pk)


def _check_applicable(feed: Feed) -> None:
    if feed.status not in APPLICABLE:
        raise FeedRefused("该文件未通过检查、已比对或已放弃,不能比对 / this feed was refused, already applied "
                          "or discarded, so it cannot be applied")


def _json_safe(value):
    import json

    return json.loads(json.dumps(value, default=str))


def _text(value, kind: str) -> str:
    """A typed feed value as the text kept in FeedRow.values (dates ISO, yes/no as codes)."""
    if value is None:
        return ""
    if kind == "yesno":
        return "yes" if value else "no"
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _candidates_by_row(pairs: pa.Table) -> dict[int, list[dict]]:
    """Linkage.pairs by feed row, best first, each pair as the engine gave it (rank,
    person_id, household_id, match_probability, match_weight, level_<c>, w_<c>)."""
    by_row: dict[int, list[dict]] = {}
    if pairs is None or pairs.num_rows == 0:
        return by_row
    for pair in pairs.to_pylist():
        by_row.setdefault(int(pair["row"]), []).append({k: v for k, v in pair.items() if k != "row"})
    for candidates in by_row.values():
        candidates.sort(key=lambda c: (c.get("rank") is None, c.get("rank") or 0))
    return by_row


def _store(feed: Feed, computed: _Computed) -> dict[str, int]:
    columns = FEED_TYPES[feed.feed_type].all_columns
    matches = {int(m["row"]): m for m in computed.linkage.matches.to_pylist()}
    candidates = _candidates_by_row(computed.linkage.pairs)
    counts = {"count_exact": 0, "count_probable": 0, "count_review": 0, "count_unmatched": 0}
    batch: list[FeedRow] = []
    for record in computed.table.to_pylist():
        number = int(record["row"])
        match = matches.get(number) or {"match_kind": "unmatched"}
        kind = match["match_kind"]
        counts[f"count_{kind}"] += 1
        linked = kind != "unmatched"
        household_id = match.get("household_id") if linked else None
        batch.append(FeedRow(
            feed=feed, row=number, values={c.name: _text(record.get(c.name), c.kind) for c in columns},
            name=(record.get("name") or "")[:64], id_number=(record.get("id_number") or "")[:32],
            match_kind=kind, person_id=match.get("person_id") if linked else None, household_id=household_id,
            match_probability=match.get("match_probability"), match_weight=match.get("match_weight"),
            candidates=_json_safe(candidates.get(number, [])),
            review_state=ReviewState.PENDING if kind == "review" else ReviewState.NONE,
            division_code=computed.villages.get(household_id) or feed.division_code,
        ))
        if len(batch) >= BATCH:
            FeedRow.objects.bulk_create(batch)
            batch = []
    FeedRow.objects.bulk_create(batch)
    counts["findings_count"] = _findings_store(feed, computed.findings, computed.villages)
    counts["rows"] = computed.table.num_rows
    return counts


def _findings_store(feed: Feed, findings: pa.Table, villages: dict[str, str]) -> int:
    """Bulk-create the findings whose (rule, subject, period) was never raised, by any
    feed; how many were created."""
    wanted: dict[tuple[str, str, str], dict] = {}
    for finding in findings.to_pylist():
        subject = finding.get("person_id") or finding["household_id"]
        key = (finding["rule"], subject, finding.get("period") or "")
        wanted.setdefault(key, finding)
    subjects = sorted({key[1] for key in wanted})
    raised: set[tuple[str, str, str]] = set()
    for start in range(0, len(subjects), SUBJECTS_PER_QUERY):
        raised.update(Finding.objects.filter(subject__in=subjects[start:start + SUBJECTS_PER_QUERY])
                      .values_list("rule", "subject", "period"))
    new = [Finding(feed=feed, rule=rule, household_id=f["household_id"], person_id=f.get("person_id") or None,
                   subject=subject, period=period, rows=[int(r) for r in (f.get("rows") or [])],
                   evidence=f.get("evidence") or "",
                   division_code=villages.get(f["household_id"]) or feed.division_code)
           for (rule, subject, period), f in wanted.items() if (rule, subject, period) not in raised]
    Finding.objects.bulk_create(new, batch_size=BATCH)
    return len(new)


# --------------------------------------------------------------------------- screening again


def _matches_now(feed: Feed) -> pa.Table:
    """The feed's rows as linked today: a pair a clerk accepted counts as probable, with
    the person the clerk chose; a pair still waiting or rejected counts as not linked."""
    rows, people, households, kinds, probabilities = [], [], [], [], []
    for number, kind, state, person_id, household_id, probability in (
            FeedRow.objects.filter(feed=feed).order_by("row")
            .values_list("row", "match_kind", "review_state", "person_id", "household_id", "match_probability")):
        if kind == "review":
            kind = "probable" if state == ReviewState.ACCEPTED else ("unmatched" if state == ReviewState.REJECTED
                                                                      else "review")
        linked = kind in LINKED_KINDS
        rows.append(number)
        people.append(person_id if linked else None)
        households.append(household_id if linked else None)
        kinds.append(kind)
        probabilities.append(probability if kind != "unmatched" else None)
    return pa.table({"row": pa.array(rows, pa.int64()), "person_id": pa.array(people, pa.string()),
                     "household_id": pa.array(households, pa.string()), "match_kind": pa.array(kinds, pa.string()),
                     "match_probability": pa.array(probabilities, pa.float64())})


@transaction.atomic
def feed_screen(*, feed: Feed, user) -> int:
    """Run the rules again on the applied feed's rows as linked now (after a clerk's
    decision in the review queue) and add the findings not raised yet; how many."""
    from neisheng.engine.screening import screen_feed

    locked = Feed.objects.select_for_update().get(pk=feed.pk)
    _require_scope(user, locked)
    if locked.status != Feed.Status.APPLIED:
        raise FeedRefused("该文件尚未比对 / this feed has not been applied")
    tables = feed_registry_tables(division_code=locked.division_code)
    findings = screen_feed(locked.feed_type, _read_kept(locked), _matches_now(locked), persons=tables["persons"],
                           households=tables["households"], income_items=tables["income_items"],
                           policy=_policy(), today=locked.received_on,
                           known_deaths=known_deaths_table(division_code=locked.division_code))
    added = _findings_store(locked, findings, _villages(tables["households"]))
    if added:
        locked.findings_count = Finding.objects.filter(feed=locked).count()
        locked.save(update_fields=["findings_count"])
        audit_record(user=user, action="update", division_code=locked.division_code, object_type="feed",
                     object_id=str(locked.pk), detail={"screened": added})
    return added
