"""The grid app's routes in the scope matrix (tests/web/test_scope_matrix.py): cadres and
pairs (CORE_ENDPOINTS, core_targets) and the assignment, coverage and public boards
(COVERAGE_ENDPOINTS, coverage_targets)."""

from __future__ import annotations

# --- cadres, pairs, imports (B) ---
from neisheng.accounts.access import GRID_EDIT, PERSONS_READ

_READ = (PERSONS_READ,)
_EDIT = (PERSONS_READ, GRID_EDIT)
_CADRE = "/grid/cadres/{t.extra[cadre]}/"
CORE_ENDPOINTS: list[dict] = [
    {"name": "grid cadre list", "template": "/grid/", "kind": "list", "needs": _READ},
    {"name": "grid cadre list by kind", "template": "/grid/?kind=assistance&active=yes", "kind": "list", "needs": _READ},
    {"name": "grid cadre list export", "template": "/grid/", "kind": "list", "needs": _READ, "post": {}},
    # The cadre's page lists its households by number.
    {"name": "grid cadre page", "template": _CADRE, "kind": "detail", "needs": _READ},
    {"name": "grid cadre edit", "template": _CADRE + "edit/", "kind": "detail", "needs": _EDIT},
    {"name": "grid cadre photo", "template": _CADRE + "photo/", "kind": "detail", "needs": _READ, "shows": None},
    {"name": "grid cadre photo edit", "template": _CADRE + "photo/edit/", "kind": "detail", "needs": _EDIT,
     "shows": None},
    {"name": "grid cadre deactivate", "template": _CADRE + "deactivate/", "kind": "detail", "needs": _EDIT,
     "shows": None},
    {"name": "grid cadre new", "template": "/grid/cadres/new/", "kind": "list", "needs": _EDIT, "shows": "village",
     "lists_rows": False},
    {"name": "grid pair list", "template": "/grid/pairs/", "kind": "list", "needs": _READ},
    {"name": "grid pair list search", "template": "/grid/pairs/?q={t.household}", "kind": "list", "needs": _READ},
    {"name": "grid pair list active export", "template": "/grid/pairs/?state=active", "kind": "list", "needs": _READ,
     "post": {}},
    {"name": "grid pair end", "template": "/grid/pairs/{t.extra[pair]}/end/", "kind": "detail", "needs": _EDIT},
    {"name": "grid household cadre", "template": "/grid/households/{t.household}/cadre/", "kind": "detail",
     "needs": _EDIT},
    {"name": "grid village list", "template": "/grid/villages/", "kind": "list", "needs": _READ, "shows": "village"},
    {"name": "grid village page", "template": "/grid/villages/{t.village}/", "kind": "detail", "needs": _READ,
     "shows": "village"},
    {"name": "grid leader start", "template": "/grid/villages/{t.village}/leader/", "kind": "detail",
     "needs": _EDIT, "shows": None},
    {"name": "grid area start", "template": "/grid/villages/{t.village}/areas/new/", "kind": "detail",
     "needs": _EDIT, "shows": None},
    {"name": "grid leader end", "template": "/grid/leader-pairs/{t.extra[leader_pair]}/end/", "kind": "detail",
     "needs": _EDIT, "shows": None},
    {"name": "grid area end", "template": "/grid/area-pairs/{t.extra[area_pair]}/end/", "kind": "detail",
     "needs": _EDIT, "shows": None},
    {"name": "grid import", "template": "/grid/import/", "kind": "list", "needs": _EDIT, "shows": None,
     "lists_rows": False},
    # Without a preview of one's own, applying shows the upload page again.
    {"name": "grid import apply", "template": "/grid/import/apply/", "kind": "list", "needs": _EDIT, "post": {},
     "shows": None, "lists_rows": False},
    {"name": "grid import template", "template": "/grid/import/template/", "kind": "list", "needs": _EDIT,
     "shows": None, "lists_rows": False},
    {"name": "API grid cadres", "template": "/api/grid/cadres/", "kind": "list", "api": True, "needs": _READ},
    {"name": "API grid cadre", "template": "/api/grid/cadres/{t.extra[cadre]}/", "kind": "detail", "api": True,
     "needs": _READ},
    {"name": "API grid pairs", "template": "/api/grid/pairs/", "kind": "list", "api": True, "needs": _READ},
    {"name": "API grid pair", "template": "/api/grid/pairs/{t.extra[pair]}/", "kind": "detail", "api": True,
     "needs": _READ},
    # An empty body is refused (400) once the pair is found: elsewhere it is not found (404).
    {"name": "API grid pair end", "template": "/api/grid/pairs/{t.extra[pair]}/end/", "kind": "detail",
     "api": True, "needs": _EDIT, "post": {}, "shows": None, "answers": 400},
]


def _grid_side(household, village) -> dict:
    """An assistance cadre of the village paired with the household (its number inside the
    cadre's, so a page naming the cadre names the division), a leader of the village and a
    village cadre of one of its areas."""
    import datetime as dt
    import io

    from django.core.files.base import ContentFile
    from PIL import Image

    from neisheng.grid.models import AreaPair, Cadre, CadreKind, CadrePair, LeaderPair

    started = dt.date(2026, 1, 5)
    cadre = Cadre.objects.create(cadre_id=f"{household.household_id}C", name="帮扶甲", division_code=village.code,
                                 phone="13800000001", unit="县农业农村局")
    image = io.BytesIO()
    Image.new("RGB", (40, 50), "navy").save(image, "JPEG")
    cadre.photo.save(f"{cadre.cadre_id}.jpg", ContentFile(image.getvalue()))
    pair = CadrePair.objects.create(cadre=cadre, household=household, division_code=village.code, started_on=started)
    leader = Cadre.objects.create(cadre_id=f"{village.code}L", name="包村乙", kind=CadreKind.LEADER,
                                  division_code=village.parent_id)
    leader_pair = LeaderPair.objects.create(leader=leader, village=village, started_on=started)
    area_cadre = Cadre.objects.create(cadre_id=f"{village.code}V", name="村干丙", kind=CadreKind.VILLAGE,
                                      division_code=village.code)
    area_pair = AreaPair.objects.create(cadre=area_cadre, village=village, area="一组", started_on=started)
    return {"cadre": cadre.pk, "pair": pair.pk, "leader_pair": leader_pair.pk, "area_pair": area_pair.pk}


def core_targets(*, household, other_household, places) -> dict:
    _grid_side(other_household, places["other_village"])
    return _grid_side(household, places["village"])


# --- assignment, coverage, public boards (C) ---
from neisheng.accounts.access import GRID_ASSIGN

_RUN = "/grid/assignments/{t.extra[assignment_run]}/"
COVERAGE_ENDPOINTS: list[dict] = [
    # Coverage rows carry their division code (data-code); the lists name households and
    # cadres whose numbers begin with the village's code.
    {"name": "grid coverage", "template": "/grid/coverage/", "kind": "list", "needs": _READ, "shows": "village"},
    {"name": "grid coverage by village", "template": "/grid/coverage/?division={t.village}&gaps=yes", "kind": "list",
     "needs": _READ, "shows": "village"},
    {"name": "grid coverage export", "template": "/grid/coverage/", "kind": "list", "needs": _READ, "post": {},
     "shows": "village"},
    {"name": "grid coverage households", "template": "/grid/coverage/households/", "kind": "list", "needs": _READ,
     "shows": "village"},
    {"name": "grid coverage households export", "template": "/grid/coverage/households/", "kind": "list",
     "needs": _READ, "post": {}, "shows": "village"},
    {"name": "grid coverage cadres", "template": "/grid/coverage/cadres/", "kind": "list", "needs": _READ,
     "shows": "village"},
    {"name": "grid coverage cadres export", "template": "/grid/coverage/cadres/", "kind": "list", "needs": _READ,
     "post": {}, "shows": "village"},
    # Runs are the town's: a village sees its town's run and, on it, its own pairs only.
    {"name": "grid assignment list", "template": "/grid/assignments/", "kind": "list", "needs": _READ,
     "shows": None},
    {"name": "grid assignment page", "template": _RUN, "kind": "detail", "needs": _READ, "shows": "village"},
    {"name": "grid assignment progress polled", "template": _RUN + "?format=json", "kind": "detail",
     "needs": _READ, "shows": None},
    {"name": "grid assignment pairs", "template": _RUN + "pairs/", "kind": "detail", "needs": _READ,
     "shows": "village"},
    {"name": "grid assignment pairs export", "template": _RUN + "pairs/", "kind": "detail", "needs": _READ,
     "post": {}, "shows": "village"},
    {"name": "grid assign start", "template": "/grid/assignments/start/", "kind": "detail", "needs": (GRID_ASSIGN,),
     "post": {"division": "{t.extra[town]}"}, "shows": None, "answers": 302},
    # A public board shows heads' names, never household numbers; the page carries the
    # village's code (data-village), the PDF is bytes.
    {"name": "grid board", "template": "/grid/board/{t.village}/", "kind": "detail", "needs": _READ,
     "shows": "village"},
    {"name": "grid board pdf", "template": "/grid/board/{t.village}/pdf/", "kind": "detail", "needs": _READ,
     "shows": None},
    {"name": "grid town boards pdf", "template": "/grid/boards/town/{t.extra[town]}/pdf/", "kind": "detail",
     "needs": _READ, "shows": None},
    # The dashboard card is counts (researchers see it); a division elsewhere is "no such division".
    {"name": "grid dashboard gaps export", "template": "/grid/dashboard/{t.extra[grid_card]}/export/?division={t.village}",
     "kind": "detail", "needs": (), "post": {}, "shows": "village"},
]


def _coverage_side(household, village) -> int:
    """A finished run of the village's town that paired a neighbour of the household with
    a cadre of capacity 0 (so also a cadre over capacity); the run's id."""
    import datetime as dt

    from django.utils import timezone

    from neisheng.grid.models import AssignmentRun, Cadre, CadrePair, PairSource
    from neisheng.registry.models import Household

    neighbour = Household.objects.filter(village=village).exclude(pk=household.pk).order_by("household_id").first()
    run = AssignmentRun.objects.create(division_code=village.parent_id, finished_at=timezone.now(), assigned=1,
                                       kept=1, unassigned=3, total_cost=1)
    cadre = Cadre.objects.create(cadre_id=f"{village.code}AUTO", name="自动丁", division_code=village.code,
                                 capacity=0, phone="13800000004", unit="县民政局")
    CadrePair.objects.create(cadre=cadre, household=neighbour, division_code=village.code,
                             started_on=dt.date(2026, 2, 1), source=PairSource.AUTO, assignment=run)
    return run.pk


def coverage_targets(*, household, other_household, places, core: dict) -> dict:
    _coverage_side(other_household, places["other_village"])
    return {"assignment_run": _coverage_side(household, places["village"]), "town": places["town"].code,
            "grid_card": "grid-coverage"}


ENDPOINTS = CORE_ENDPOINTS + COVERAGE_ENDPOINTS


def targets(*, household, other_household, places) -> dict:
    core = core_targets(household=household, other_household=other_household, places=places)
    return {**core, **coverage_targets(household=household, other_household=other_household, places=places,
                                        core=core)}
