"""The demo county's responsibility grid (issue 11, item 8): what a county office has once
its 三级网格 is in place, so a newcomer sees every grid page with something on it — and a
few gaps to fix.

Made by the demo logins through the same services the pages, the workbook import and the
API call (grid.services, grid.assign, visits.services, problems.services), never by
writing rows:

- cadres: a leader per village from its town's government (包村), two village cadres per
  village each with an area (包片), assistance cadres (包户) serving villages, towns and
  the county, each with a phone; those on the demo village's board with a photo drawn
  here (a silhouette with the surname);
- most households that need a cadre paired as an import would pair them (the villages'
  own cadres, five each), the rest by the engine's assignment, run as the "assign" button
  runs it (a job, here executed at once);
- gaps on purpose: a village without a leader, one without a village cadre, a cadre over
  capacity (capacity lowered after pairing), a handful of households without a cadre
  (their cadre transferred out today);
- the "assistance" login is an assistance cadre of the demo village, so its week has
  rows; a week of visits in the demo village (some households overdue, one visit whose
  update conflicts with an edit made meanwhile, one raising a risk that opened a
  cadre_screening case) and one in every other village;
- problems in every state: open, overdue, resolved awaiting review, closed, reopened.

Dates are counted back from today; every step takes its date through its service, so
nothing here is written directly.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import math
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

# Share of each village's needing households paired with the village's own cadres as an
# import would (the rest is left to the assignment), and the capacity in each tier: the
# villages' cadres hold most, the towns' and the county's the rest, with some room spare
# so the gaps can be fixed by pressing "assign" again.
IMPORTED_SHARE = 0.7
VILLAGE_SHARE, TOWN_SHARE, COUNTY_SHARE = 0.75, 0.2, 0.1
PAIRED_DAYS_AGO = 180  # the imported pairs and the leaders' and village cadres' pairs
VILLAGE_CADRES_PER_VILLAGE = 2
AREAS = ("一组至三组", "四组至六组")
VISITS_IN_OTHER_VILLAGES = 1
DEMO_NAMESPACE = uuid.UUID("6f1c2a10-0b1e-4c55-9a53-3d2e0f6b8a11")
# Near 巫山县 (31.07 N, 109.88 E): where a phone would put the visits.
HERE = (31.07, 109.88)

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢谭向冉谭"
GIVEN = ("建国", "秀英", "志强", "丽华", "明", "军", "海燕", "文斌", "平", "红梅", "晓东", "春燕", "德胜", "永福",
         "玉兰", "小平", "勇", "静", "新民", "桂英", "国华", "丽", "家兴", "成刚", "雪梅", "洪波", "俊", "霞",
         "天明", "晓燕", "世杰", "红", "德华", "春梅", "安平", "玲")
DEPARTMENTS = ("县农业农村委", "县乡村振兴局", "县教委", "县卫生健康委", "县人力社保局", "县住房城乡建委",
               "县水利局", "县民政局", "县医保局", "县财政局", "县交通局", "县林业局")
LEADER_POSTS = ("镇党委副书记", "镇人大主席", "副镇长", "镇纪委书记", "镇组织委员", "镇宣传委员", "镇武装部长",
                "镇党委委员")
VILLAGE_POSTS = ("村党支部书记", "村委会主任")
PHONE_PREFIXES = ("139", "138", "136", "151", "187", "158", "177", "133")
PHOTO_COLOURS = ("#dbe7f3", "#e3efe0", "#f3e7d6", "#ece3f1", "#f1e0e0", "#e0eeee")
FONT_FILES = ("wqy-microhei.ttc", "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", "NotoSansCJK-Regular.ttc")

FINDINGS = (
    "家中成员身体状况良好,务工收入稳定,两不愁三保障均已落实。",
    "户主在外务工,家中老人留守,饮水安全,住房安全。",
    "了解今年种养殖情况,产业收入与去年持平。",
    "宣讲防返贫监测政策,告知农户自主申报渠道和帮扶干部电话。",
    "核实家庭成员医保参保情况,均已参保。",
    "子女在校就读,享受教育资助政策。",
)


@dataclass
class DemoGrid:
    """What the grid's build made, for the summary, and the seconds each part took."""

    cadres_by_kind: dict[str, int] = field(default_factory=dict)
    pairs_imported: int = 0
    pairs_assigned: int = 0
    assignment_unassigned: int = 0
    without_cadre: int = 0
    over_capacity: list[str] = field(default_factory=list)
    village_without_leader: str = ""
    village_without_village_cadre: str = ""
    cadre_login: str = ""
    photos: int = 0
    cadre_name: str = ""
    visits: int = 0
    overdue_households: int = 0
    problems_by_state: dict[str, int] = field(default_factory=dict)
    problems_overdue: int = 0
    problems_reopened: int = 0
    seconds: dict[str, float] = field(default_factory=dict)

    def lines(self) -> list[str]:
        """The summary printed before the browser opens."""
        kinds = ", ".join(f"{k} {v}" for k, v in self.cadres_by_kind.items())
        problems = ", ".join(f"{k} {v}" for k, v in self.problems_by_state.items())
        gaps = [f"无包村领导 no leader: {self.village_without_leader}" if self.village_without_leader else "",
                f"无村干部包片 no village cadre: {self.village_without_village_cadre}"
                if self.village_without_village_cadre else "",
                f"超出包户上限 over capacity: {', '.join(self.over_capacity)}" if self.over_capacity else "",
                f"未结对农户 households without a cadre: {self.without_cadre}"]
        return [
            (f"网格干部 cadres: {sum(self.cadres_by_kind.values())} ({kinds}), 照片 with a photo {self.photos}; "
             f"包户 pairs: 导入 imported {self.pairs_imported}, 自动分配 assigned {self.pairs_assigned}"),
            f"待补缺口 gaps to fix: {'; '.join(g for g in gaps if g)}",
            (f"走访 visits: {self.visits}; 逾期未访 households overdue: {self.overdue_households}; "
             f"登录 {self.cadre_login} 即帮扶干部 is the cadre {self.cadre_name}"),
            (f"问题台账 problems: {sum(self.problems_by_state.values())} ({problems}); 逾期 overdue "
             f"{self.problems_overdue}; 退回重改 reopened {self.problems_reopened}"),
        ]


def ago(days: int) -> dt.date:
    from django.utils import timezone

    return timezone.localdate() - dt.timedelta(days=days)


def _digest(text: str) -> int:
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big")


def cadre_name(n: int) -> str:
    """The n-th demo name: the same names every build."""
    return SURNAMES[(n * 7) % len(SURNAMES)] + GIVEN[(n * 11 + n // len(SURNAMES)) % len(GIVEN)]


def cadre_phone(cadre_id: str) -> str:
    number = _digest(cadre_id)
    return f"{PHONE_PREFIXES[number % len(PHONE_PREFIXES)]}{number % 100_000_000:08d}"


@lru_cache(maxsize=1)
def _font(size: int):
    from PIL import ImageFont

    for name in FONT_FILES:
        try:
            return ImageFont.truetype(name, size)
        except OSError:
            continue
    return None  # no CJK font: the silhouette alone


@lru_cache(maxsize=512)
def cadre_photo(surname: str, colour: str) -> bytes:
    """A portrait placeholder: a silhouette on a light background with the surname on it
    (PNG, 240×300). Drawn here so the demo needs no picture files."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (240, 300), colour)
    draw = ImageDraw.Draw(image)
    draw.ellipse((75, 40, 165, 140), fill="#8a97a6")
    draw.pieslice((25, 150, 215, 390), 180, 360, fill="#8a97a6")
    font = _font(64)
    if font is not None:
        draw.text((120, 230), surname, font=font, fill="white", anchor="mm")
    out = io.BytesIO()
    image.save(out, "PNG", optimize=True)
    return out.getvalue()


def picture(name: str, text: str, colour: str = "#e8efe4"):
    """A small JPEG standing for a photo taken on a phone (a visit's or a problem's evidence),
    as an uploaded file."""
    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (320, 240), colour)
    draw = ImageDraw.Draw(image)
    draw.rectangle((60, 110, 260, 210), outline="#7a6a50", width=6)
    draw.polygon(((50, 115), (160, 40), (270, 115)), outline="#7a6a50", width=6)
    font = _font(28)
    if font is not None:
        draw.text((160, 160), text, font=font, fill="#5a4a30", anchor="mm")
    out = io.BytesIO()
    image.save(out, "JPEG", quality=80)
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


def visit_key(*parts) -> uuid.UUID:
    """The visit's idempotency key, as a phone would give it: stable across builds."""
    return uuid.uuid5(DEMO_NAMESPACE, "/".join(str(p) for p in parts))


# --------------------------------------------------------------------------- the whole build


def demo_grid_build(*, home: Path, logins: list[dict], year: int,
                    say: Callable[[str], None] = lambda _: None, workflows=None) -> DemoGrid:
    """Everything above, in order; `logins` as accounts.services.demo_users_create
    returned them. `home`, `year` and `workflows` (what demo_workflows made) are taken like
    demo_workflows_build takes them but not needed: the cases it opened are read from the
    database, dates count back from today. One transaction: the grid is there whole or not
    at all, and the database file is written once."""
    from django.db import transaction

    from neisheng.accounts.models import User

    users = {u["role"]: User.objects.get(username=u["username"]) for u in logins}
    made = DemoGrid()
    clock = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        made.seconds[name] = made.seconds.get(name, 0.0) + now - clock
        clock = now

    with transaction.atomic():
        _build(users=users, made=made, lap=lap, say=say)
    return made


def _build(*, users, made: DemoGrid, lap, say) -> None:
    places = _places(users)
    cadres = demo_cadres(users=users, places=places, made=made)
    lap("cadres")
    demo_leaders_and_areas(users=users, places=places, cadres=cadres, made=made)
    demo_pairs(users=users, places=places, cadres=cadres, made=made)
    lap("pairs")
    made.photos = demo_cadre_photos(user=users["county"], village=places.demo_village)
    lap("photos")
    say(f"已建立网格:{sum(made.cadres_by_kind.values())} 名干部 / the grid is in place: "
        f"{sum(made.cadres_by_kind.values())} cadres")
    demo_visits(users=users, places=places, made=made)
    lap("visits")
    demo_problems(users=users, places=places, made=made)
    lap("problems")
    _count(made, users=users, places=places)
    say("已登记走访和问题台账 / visits and the problem ledger recorded")


@dataclass
class Places:
    county: object
    towns: list
    villages: list
    demo_town: object
    demo_village: object
    needing: dict[str, list[str]]  # village code -> household ids needing a cadre, in order
    no_leader: object | None = None  # the gap villages
    no_village_cadre: object | None = None


def _places(users) -> Places:
    from neisheng.grid.selectors import needing_cadre_table
    from neisheng.registry.models import Division

    county = users["county"].division
    towns = list(Division.objects.filter(level=4, code__startswith=county.prefix).order_by("code"))
    villages = list(Division.objects.filter(level=5, code__startswith=county.prefix).order_by("code"))
    needing_table = needing_cadre_table(division_code=county.code)
    needing: dict[str, list[str]] = defaultdict(list)
    for household_id, village in zip(needing_table["household_id"].to_pylist(),
                                     needing_table["village_code"].to_pylist()):
        needing[village].append(household_id)
    places = Places(county=county, towns=towns, villages=villages, demo_town=users["town"].division,
                    demo_village=users["village"].division, needing={k: sorted(v) for k, v in needing.items()})
    places.no_leader, places.no_village_cadre = _gap_villages(places)
    return places


def _gap_villages(places: Places) -> tuple[object | None, object | None]:
    """(a village without a leader, one without a village cadre): the last villages of the
    demo town other than the demo village, else of the county; none in a one-village county."""
    others = [v for v in places.villages if v.code != places.demo_village.code]
    in_town = [v for v in others if v.code.startswith(places.demo_town.prefix)]
    pool = in_town if len(in_town) >= 2 else others
    if not pool:
        return None, None
    return pool[-1], (pool[-2] if len(pool) >= 2 else None)


# --------------------------------------------------------------------------- cadres


def demo_cadres(*, users, places: Places, made: DemoGrid) -> dict[str, list]:
    """The county officer enters every cadre at once, as the workbook's cadres sheet would
    (one by one, a county's thousand cadres would add a quarter of a minute to the demo)."""
    from neisheng.grid.services import cadres_create_many

    county_user = users["county"]
    no_leader, no_village_cadre = places.no_leader, places.no_village_cadre
    made.village_without_leader = no_leader.name if no_leader else ""
    made.village_without_village_cadre = no_village_cadre.name if no_village_cadre else ""
    prefix = places.county.code[:6]
    serial = Counter()
    made_cadres: dict[str, list] = defaultdict(list)

    rows: list[tuple[str, dict]] = []  # (group, values)

    def create(letter: str, kind: str, *, division, unit: str, post: str = "", group: str) -> None:
        serial[letter] += 1
        cadre_id = f"{prefix}{letter}{serial[letter]:05d}"
        rows.append((group, {"cadre_id": cadre_id, "name": cadre_name(sum(serial.values())), "kind": kind,
                             "unit": unit, "post": post, "division_code": division.code,
                             "phone": cadre_phone(cadre_id), "capacity": None}))

    town_of = {t.prefix: t for t in places.towns}
    for village in places.villages:
        town = town_of.get(village.code[:9]) or places.demo_town
        if no_leader is None or village.code != no_leader.code:
            n = sum(1 for group, values in rows if group == "leader" and values["division_code"] == town.code)
            create("L", "leader", division=town, unit=f"{town.name}人民政府", post=LEADER_POSTS[n % len(LEADER_POSTS)],
                   group="leader")
        if no_village_cadre is None or village.code != no_village_cadre.code:
            for post in VILLAGE_POSTS[:VILLAGE_CADRES_PER_VILLAGE]:
                create("V", "village", division=village, unit=f"{village.name}村民委员会", post=post,
                       group=f"village:{village.code}")
        need = len(places.needing.get(village.code, ()))
        for n in range(math.ceil(need * VILLAGE_SHARE / 5) if need else 0):
            create("A", "assistance", division=village, unit=DEPARTMENTS[(n + serial["A"]) % len(DEPARTMENTS)],
                   post="驻村工作队队员" if n else "驻村第一书记", group=f"assist:{village.code}")
    for town in places.towns:
        need = sum(len(v) for code, v in places.needing.items() if code.startswith(town.prefix))
        for _ in range(math.ceil(need * TOWN_SHARE / 5) if need else 0):
            create("A", "assistance", division=town, unit=f"{town.name}人民政府", post="镇干部", group="assist:town")
    need = sum(len(v) for v in places.needing.values())
    for n in range(math.ceil(need * COUNTY_SHARE / 5) + 1):
        create("A", "assistance", division=places.county, unit=DEPARTMENTS[n % len(DEPARTMENTS)], post="帮扶干部",
               group="assist:county")
    created = cadres_create_many(user=county_user, rows=[values for _, values in rows])
    for (group, _), cadre in zip(rows, created, strict=True):
        made_cadres[group].append(cadre)
    kinds = Counter(c.kind for cs in made_cadres.values() for c in cs)
    made.cadres_by_kind = {k: kinds[k] for k in ("leader", "village", "assistance") if kinds[k]}
    return made_cadres


def demo_cadre_photos(*, user, village) -> int:
    """The photo of each cadre on the demo village's board, uploaded as the cadre page
    uploads one. The others have none yet (their boards show a silhouette): a photo is a
    service call each, and a county has a thousand cadres."""
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.db.models import Q

    from neisheng.grid.models import Cadre
    from neisheng.grid.services import cadre_photo_set

    on_boards = Cadre.objects.filter(active=True).filter(
        Q(household_pairs__division_code=village.code, household_pairs__ended_on__isnull=True)
        | Q(village_pairs__village=village, village_pairs__ended_on__isnull=True)
        | Q(area_pairs__village=village, area_pairs__ended_on__isnull=True)
    ).distinct().order_by("cadre_id")
    count = 0
    for cadre in on_boards:
        count += 1
        content = cadre_photo(cadre.name[0], PHOTO_COLOURS[_digest(cadre.cadre_id) % len(PHOTO_COLOURS)])
        cadre_photo_set(user=user, cadre=cadre,
                        photo=SimpleUploadedFile(f"{cadre.cadre_id}.png", content, content_type="image/png"))
    return count


# --------------------------------------------------------------------------- pairs


def demo_leaders_and_areas(*, users, places: Places, cadres, made: DemoGrid) -> None:
    """包村 and 包片: each leader takes the next village of their town (the gap village
    stays without), each village cadre an area of their village."""
    from neisheng.grid.services import area_pair_start, leader_pair_start

    county_user = users["county"]
    leaders = defaultdict(list)
    for leader in cadres["leader"]:
        leaders[leader.division_code].append(leader)
    for village in places.villages:
        town = next((t for t in places.towns if village.code.startswith(t.prefix)), places.demo_town)
        if village != places.no_leader and leaders[town.code]:
            leader_pair_start(user=county_user, leader=leaders[town.code].pop(0), village=village,
                              started_on=ago(PAIRED_DAYS_AGO))
        for cadre, area in zip(cadres.get(f"village:{village.code}", ()), AREAS):
            area_pair_start(user=county_user, cadre=cadre, village=village, area=area,
                            started_on=ago(PAIRED_DAYS_AGO))


def demo_pairs(*, users, places: Places, cadres, made: DemoGrid) -> None:
    """包户: the villages' cadres take most of their village's households (as an import
    would: five each, 180 days ago), one cadre's capacity is lowered below their load,
    the county officer runs the assignment for the rest, and one cadre leaves today."""
    from django.db.models import Count

    from neisheng.grid.assign import assignment_start
    from neisheng.grid.models import CadrePair
    from neisheng.grid.services import (
        cadre_deactivate,
        cadre_pairs_create_many,
        cadre_update,
        cadre_user_link,
    )
    from neisheng.platform.jobs import job_execute
    from neisheng.registry.models import Household

    county_user = users["county"]
    max_per = _max_per_cadre()
    pairs = []
    for village in places.villages:
        own = cadres.get(f"assist:{village.code}", [])
        needing = places.needing.get(village.code, [])
        take = min(int(len(needing) * IMPORTED_SHARE), len(own) * max_per)
        for n, household_id in enumerate(needing[:take]):
            pairs.append((own[n // max_per], household_id))
    households = Household.objects.in_bulk([h for _, h in pairs])
    made.pairs_imported = cadre_pairs_create_many(user=county_user, pairs=[(c, households[h]) for c, h in pairs],
                                                  started_on=ago(PAIRED_DAYS_AGO), source="import")

    demo_cadre = cadres[f"assist:{places.demo_village.code}"][0] \
        if cadres.get(f"assist:{places.demo_village.code}") else None
    # Over capacity: a full cadre of another village (else the demo village's second) is
    # given a smaller capacity of their own after pairing (grid.md rule 1 keeps the pairs).
    loads = dict(CadrePair.objects.filter(ended_on__isnull=True).values("cadre").annotate(n=Count("pk"))
                 .values_list("cadre", "n"))
    full = [c for group, cs in cadres.items() if group.startswith("assist:") and group[7:].isdigit()
            for c in cs if c != demo_cadre and loads.get(c.pk, 0) >= max_per]
    if full:
        over = full[-1]
        cadre_update(user=county_user, cadre=over, values={"capacity": max_per - 1})
        made.over_capacity.append(over.name)

    run = assignment_start(user=county_user, division_code=places.county.code)
    # The button's job, run here and now rather than by the server's worker.
    job_execute.call(job_id=run.job_id)
    run.refresh_from_db()
    if run.error:
        raise RuntimeError(f"the demo's assignment failed: {run.error}")
    made.pairs_assigned, made.assignment_unassigned = run.assigned, run.unassigned

    # A handful without a cadre: a full cadre of another village (else any other) leaves today.
    active = CadrePair.objects.filter(ended_on__isnull=True).exclude(cadre=demo_cadre)
    if made.over_capacity:
        active = active.exclude(cadre=over)
    leaving = None
    for pairs_of in (active.exclude(division_code=places.demo_village.code), active):
        leaving = (pairs_of.values("cadre").annotate(n=Count("pk")).order_by("-n", "-cadre")
                   .values_list("cadre", flat=True).first())
        if leaving is not None:
            break
    if leaving is not None:
        from neisheng.grid.models import Cadre

        cadre_deactivate(user=county_user, cadre=Cadre.objects.get(pk=leaving), on=ago(0),
                         reason="工作调动,调离本县,所包农户待重新结对")
    if demo_cadre is not None:
        # The assistance login becomes the cadre's account: their week, their households.
        cadre_user_link(user=county_user, cadre=demo_cadre, account=users["assistance"])
        made.cadre_login, made.cadre_name = users["assistance"].username, demo_cadre.name


def _max_per_cadre() -> int:
    from neisheng.monitoring.policies import policy_current

    return policy_current().policy.grid_max_per_cadre


# --------------------------------------------------------------------------- visits


def _paired(village_code: str) -> list:
    from neisheng.grid.models import CadrePair

    return list(CadrePair.objects.filter(ended_on__isnull=True, division_code=village_code)
                .select_related("cadre", "household").order_by("household_id"))


def _cadence(pair) -> int:
    from neisheng.monitoring.policies import policy_current

    policy = policy_current().policy
    return policy.grid_visit_days_monitored if pair.household.status == "monitored" \
        else policy.grid_visit_days_lifted


def demo_visits(*, users, places: Places, made: DemoGrid) -> None:
    """A week of visits in the demo village by its assistance login (the cadres of each
    household going with it): of every eight paired households, one never visited and
    one last visited just past its cadence (both overdue), the others in the last week;
    one visit sent from a phone whose update conflicts with an edit made meanwhile, one
    raising a risk, two raising a problem. Two visits in every other village."""
    from neisheng.registry.models import Household
    from neisheng.registry.services import household_update
    from neisheng.registry.versions import record_version
    from neisheng.visits.services import visit_record

    visitor, officer = users["assistance"], users["county"]
    pairs = _paired(places.demo_village.code)
    conflict_done = risk_done = False
    problems_raised = 0
    for n, pair in enumerate(pairs):
        household = pair.household
        plan = n % 8
        if plan == 0:
            continue  # never visited
        cadence = _cadence(pair)
        days = cadence + 1 + n % 3 if plan == 1 else 1 + n % 6
        extra = {}
        kind = "routine"
        findings = FINDINGS[n % len(FINDINGS)]
        if plan == 2 and not conflict_done and n >= 8:
            # The village cadre's phone read the record, then the town office entered the
            # house's appraisal before the phone sent its visit: the visit is kept, its
            # update is not (an assistance cadre's updates are only proposed: the village
            # cadre, who may edit the registry, records this one).
            base = record_version(household)
            household_update(user=users["town"], household=household, values={"housing": "c_class"})
            extra = {"updates": {"housing": "d_class"}, "base_version": base, "recorded_offline": True}
            findings = "暴雨后房屋承重墙开裂,现场判断为 D 级危房。"
            days = 0  # this morning, on the phone, while the office edited the record
            conflict_done = True
        elif plan == 3 and not risk_done and household.status == "lifted" and not _open_case(household):
            kind = "screening"
            findings = "户主突发重病住院,家庭医疗支出大,收入骤降。"
            extra = {"raise_risk": True, "risk_reason": "走访发现户主突发重病住院,医疗支出大,存在返贫风险"}
            days = 2
            risk_done = True
        elif plan in (4, 5) and problems_raised < 2:
            kind = "follow_up" if plan == 5 else "routine"
            problem = ({"category": "housing", "description": "厨房屋顶漏雨,需修缮"} if plan == 4
                       else {"category": "water", "description": "入户水管冻裂,饮水不便"})
            extra = {"problems": [problem]}
            problems_raised += 1
        if n % 4 == 1 and "recorded_offline" not in extra:
            extra["recorded_offline"] = True
        photos = [picture(f"visit-{household.pk}.jpg", "走访")] if n % 5 == 2 else ()
        jitter = (_digest(household.pk) % 1000) / 20000
        visit_record(user=users["village"] if "updates" in extra else visitor,
                     household=Household.objects.get(pk=household.pk), visited_on=ago(days),
                     kind=kind, findings=findings, idempotency_key=visit_key(household.pk, days),
                     cadres=[pair.cadre], photos=photos, latitude=round(HERE[0] + jitter, 6),
                     longitude=round(HERE[1] - jitter, 6), gps_accuracy_m=8 + n % 20, **extra)
    for village in places.villages:
        if village.code == places.demo_village.code:
            continue
        for n, pair in enumerate(_paired(village.code)[:VISITS_IN_OTHER_VILLAGES]):
            visit_record(user=officer, household=pair.household, visited_on=ago(2 + n), kind="routine",
                         findings=FINDINGS[n], idempotency_key=visit_key(pair.household_id, 2 + n),
                         cadres=[pair.cadre])


def _open_case(household) -> bool:
    from neisheng.cases.models import CLOSED_STATES, MonitoringCase

    return MonitoringCase.objects.filter(household=household).exclude(state__in=CLOSED_STATES).exists()


# --------------------------------------------------------------------------- problems


@dataclass(frozen=True)
class ProblemPlan:
    category: str
    description: str
    raised_ago: int
    resolved_ago: int | None = None  # by the assistance cadre
    closed_ago: int | None = None  # by the town officer
    reopened_ago: int | None = None  # by the town officer, after the resolution
    resolution: str = ""
    reason: str = ""


PROBLEM_PLANS = (
    # open, in time (the visits raised two more)
    ProblemPlan("education", "孩子上学交通不便,申请学生交通补助", 6),
    # open, overdue
    ProblemPlan("housing", "房屋外墙开裂,需要危房鉴定", 40),
    ProblemPlan("medical", "慢性病门诊待遇未办理", 35),
    # resolved, awaiting review (one of them past its deadline)
    ProblemPlan("policy", "产业奖补资金未兑现", 20, resolved_ago=2, resolution="已协调镇农业服务中心兑现奖补资金 1,200 元"),
    ProblemPlan("employment", "家中劳动力希望就近务工", 38, resolved_ago=1,
                resolution="已推荐到村扶贫车间务工,月收入约 2,500 元"),
    # closed
    ProblemPlan("water", "自来水水压不足", 50, resolved_ago=30, closed_ago=28, resolution="已更换入户管道,水压正常"),
    ProblemPlan("income", "养殖的生猪销售困难", 25, resolved_ago=10, closed_ago=7,
                resolution="已对接县农产品电商平台,生猪全部售出"),
    # reopened: resolved, sent back with a reason, open again
    ProblemPlan("housing", "厕所未完成改造", 28, resolved_ago=14, reopened_ago=8,
                resolution="已购买改厕材料", reason="现场核查:改厕尚未完工,材料到位不等于整改完成"),
)


def demo_problems(*, users, places: Places, made: DemoGrid) -> None:
    """PROBLEM_PLANS in the demo village's paired households (the cadre responsible being
    the household's), each step by the role that makes it."""
    from neisheng.problems.services import (
        problem_close,
        problem_raise,
        problem_reopen,
        problem_resolve,
    )

    cadre_user, reviewer = users["assistance"], users["town"]
    pairs = _paired(places.demo_village.code)
    if not pairs:
        return
    for n, plan in enumerate(PROBLEM_PLANS):
        household = pairs[(n * 3 + 1) % len(pairs)].household
        problem = problem_raise(user=cadre_user, household=household, category=plan.category,
                                description=plan.description, raised_on=ago(plan.raised_ago))
        if plan.resolved_ago is not None:
            problem = problem_resolve(user=cadre_user, problem=problem, resolved_on=ago(plan.resolved_ago),
                                      resolution=plan.resolution,
                                      files=[picture(f"整改-{problem.pk}.jpg", "整改后")])
        if plan.closed_ago is not None:
            problem = problem_close(user=reviewer, problem=problem, closed_on=ago(plan.closed_ago),
                                    note="现场核查属实,同意销号")
        if plan.reopened_ago is not None:
            problem = problem_reopen(user=reviewer, problem=problem, reopened_on=ago(plan.reopened_ago),
                                     reason=plan.reason)


# --------------------------------------------------------------------------- the summary


def _count(made: DemoGrid, *, users, places: Places) -> None:
    from django.utils import timezone

    from neisheng.engine.grid import problem_overdue
    from neisheng.grid.models import CadrePair
    from neisheng.grid.selectors import needing_cadre_table
    from neisheng.problems.models import Problem
    from neisheng.visits.models import Visit

    today = timezone.localdate()
    needing = set(needing_cadre_table(division_code=places.county.code)["household_id"].to_pylist())
    paired = set(CadrePair.objects.filter(ended_on__isnull=True).values_list("household_id", flat=True))
    made.without_cadre = len(needing - paired)
    made.visits = Visit.objects.count()
    made.overdue_households = _overdue_households(places, today)
    states = Counter(Problem.objects.values_list("state", flat=True))
    made.problems_by_state = {s: states[s] for s in ("open", "resolved", "closed") if states[s]}
    made.problems_overdue = sum(problem_overdue(state, deadline, today=today)
                                for state, deadline in Problem.objects.values_list("state", "deadline"))
    made.problems_reopened = Problem.objects.filter(reopened_times__gt=0, state="open").count()


def _overdue_households(places: Places, today: dt.date) -> int:
    """Households of the demo village overdue for a visit (engine.grid's rule)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    from neisheng.engine.grid import visit_schedule
    from neisheng.grid.selectors import needing_cadre_table
    from neisheng.monitoring.policies import policy_current

    needing = needing_cadre_table(division_code=places.demo_village.code)
    last = _last_visits(places.demo_village.code)
    table = needing.append_column("last_visited_on", pa.array(
        [last.get(h) for h in needing["household_id"].to_pylist()], pa.date32()))
    policy = policy_current().policy
    schedule = visit_schedule(table, today=today, monitored_days=policy.grid_visit_days_monitored,
                              lifted_days=policy.grid_visit_days_lifted)
    return pc.sum(schedule["overdue"]).as_py() or 0


def _last_visits(village_code: str) -> dict[str, dt.date]:
    from django.db.models import Max

    from neisheng.visits.models import Visit

    return dict(Visit.objects.filter(division_code=village_code).values("household_id")
                .annotate(last=Max("visited_on")).values_list("household_id", "last"))
