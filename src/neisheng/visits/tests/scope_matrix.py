"""The visits app's routes in the scope matrix (tests/web/test_scope_matrix.py)."""

from __future__ import annotations

import datetime as dt
import io
import uuid

from django.core.files.base import ContentFile
from django.utils import timezone

from neisheng.accounts.access import PERSONS_READ, REGISTRY_EDIT, VISITS_RECORD

READ = (PERSONS_READ,)
ENDPOINTS = [
    {"name": "visit list", "template": "/visits/", "kind": "list", "needs": READ},
    {"name": "visit list search", "template": "/visits/?q={t.household}", "kind": "list", "needs": READ},
    {"name": "visit list conflicts", "template": "/visits/?conflicts=yes&division={t.village}", "kind": "list",
     "needs": READ, "lists_rows": False},
    {"name": "visit list export", "template": "/visits/", "kind": "list", "needs": READ, "post": {}},
    {"name": "visit page", "template": "/visits/{t.extra[visit]}/", "kind": "detail", "needs": READ},
    # The photo is a JPEG: it shows nothing of the division as text, only to whom it is served.
    {"name": "visit photo", "template": "/visits/{t.extra[visit]}/photos/{t.extra[visit_photo]}/", "kind": "detail",
     "needs": READ, "shows": None},
    {"name": "visit apply updates", "template": "/visits/{t.extra[visit]}/apply/", "kind": "detail",
     "needs": (PERSONS_READ, REGISTRY_EDIT), "post": {}, "shows": None, "answers": 302},
    {"name": "visit new", "template": "/visits/new/?household={t.household}", "kind": "detail",
     "needs": (PERSONS_READ, VISITS_RECORD)},
    # A cadre's own week (none of these users is a cadre: the page asks to choose), and an
    # officer's choice of a village, which elsewhere is "no such village".
    {"name": "visit week", "template": "/visits/week/", "kind": "list", "needs": READ, "shows": None,
     "lists_rows": False},
    {"name": "visit week of a village", "template": "/visits/week/?village={t.village}", "kind": "detail",
     "needs": READ, "shows": None},
    # helper E's queue of the visits a phone has not sent yet (kept in the phone's IndexedDB).
    {"name": "visits queue", "template": "/visits/queue/", "kind": "list", "needs": (VISITS_RECORD,),
     "shows": None, "lists_rows": False},
    {"name": "API visits", "template": "/api/visits/", "kind": "list", "api": True, "needs": READ},
    {"name": "API visits of a household", "template": "/api/visits/?household={t.household}", "kind": "list",
     "api": True, "needs": READ},
    {"name": "API visit", "template": "/api/visits/{t.extra[visit]}/", "kind": "detail", "api": True, "needs": READ},
]
# The service worker and the manifest are the same for everyone and show no division
# (browsers fetch the manifest without cookies).
NOT_SCOPED = ["/visits/sw.js", "/visits/manifest.webmanifest"]


def _jpeg() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (40, 30), (90, 140, 60)).save(out, "JPEG")
    return out.getvalue()


def _visit_of(household):
    """A visit forty days ago whose update clashed with a later edit, with a photo."""
    from neisheng.visits.models import Photo, Visit

    visit = Visit.objects.create(
        household=household, division_code=household.village_id,
        visited_on=timezone.localdate() - dt.timedelta(days=40), kind="routine", findings="房屋漏雨",
        idempotency_key=uuid.uuid4(), updates={"housing": "c_class"}, base_version=0, update_status="conflict",
        update_message="未保存 / not saved")
    content = _jpeg()
    photo = Photo(visit=visit, sha256="0" * 64, width=40, height=30, size=len(content))
    photo.file.save(f"visit-{visit.pk}.jpg", ContentFile(content), save=False)
    photo.save()
    return visit, photo


def _cadre_account(places) -> None:
    """The assistance cadre of the village has a cadre record, so that their home shows
    the week's work card (visits/work_week.html) to the language scan, which signs in
    as "<role>-scan" (web/tests/test_one_language.py) and takes this user when it exists."""
    from neisheng.accounts.models import User
    from neisheng.grid.models import Cadre

    user = User.objects.filter(username="assistance-scan").first() or User.objects.create_user(
        username="assistance-scan", password="neisheng-scan-cadre-2026", role="assistance",
        division=places["village"], display_name="测试帮扶责任人")
    # The problems app's matrix may have made it a cadre already (problems/tests/scope_matrix.py).
    if not Cadre.objects.filter(user=user).exists():
        Cadre.objects.create(cadre_id="SCAN-CADRE", name="扫描帮扶", division_code=places["village"].code, user=user)


def targets(*, household, other_household, places) -> dict:
    _cadre_account(places)
    extra = {}
    for side, key in ((household, ""), (other_household, "_elsewhere")):
        visit, photo = _visit_of(side)
        extra.update({f"visit{key}": visit.pk, f"visit_photo{key}": photo.pk})
    return extra
