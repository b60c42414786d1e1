"""The public board (公示牌) of a village: who answers for it and how to reach them.

Title (the village's name), the leader (包村), the village cadres with their areas (包片),
each assistance cadre (包户) with photo, name, unit, phone and their households — by the
household head's NAME ONLY (a board hangs in the open: no ID, no household number, no
address) — the office hotline (policy `grid.hotline`) and the date printed.

The same content is a page and an A4 PDF drawn by WeasyPrint from an HTML template
(CSS paged media: page numbers, a cadre never split across pages). The PDF is made
offline: photos are embedded as data: URIs read from storage, and the fetcher allows
only data: URLs, so nothing on the network (or the server's disk) is ever read. The
Chinese font is WenQuanYi Micro Hei through fontconfig (installed by .ci/run), then any
CJK sans-serif fontconfig finds.
"""

from __future__ import annotations

import base64
from collections import defaultdict
from dataclasses import dataclass, field
from importlib import resources

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from neisheng.accounts.access import PERSONS_READ
from neisheng.accounts.services import audit_record
from neisheng.grid import selectors
from neisheng.grid.models import Cadre, CadrePair
from neisheng.platform import scope
from neisheng.platform.access import requires
from neisheng.registry.models import Division

VILLAGE, TOWN = 5, 4
# A grey head and shoulders, for a cadre without a photo.
SILHOUETTE = "data:image/svg+xml;base64," + base64.b64encode(
    b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 90 120" width="90" height="120">'
    b'<rect width="90" height="120" fill="#e8eaed"/><circle cx="45" cy="44" r="22" fill="#9aa0a6"/>'
    b'<path d="M8 120c2-30 18-44 37-44s35 14 37 44z" fill="#9aa0a6"/></svg>').decode()
PHOTO_TYPES = {b"\xff\xd8\xff": "image/jpeg", b"\x89PNG": "image/png", b"RIFF": "image/webp", b"GIF8": "image/gif"}


@dataclass
class BoardCadre:
    cadre: Cadre
    photo: str  # a data: URI (the photo, or the silhouette)
    households: list[str] = field(default_factory=list)  # heads' names
    area: str = ""


@dataclass
class Board:
    village: Division
    town_name: str
    leader: BoardCadre | None
    areas: list[BoardCadre]
    cadres: list[BoardCadre]
    hotline: str
    printed_on: object

    @property
    def households(self) -> int:
        return sum(len(c.households) for c in self.cadres)


def photo_uri(cadre: Cadre) -> str:
    """The cadre's photo as a data: URI, the silhouette when there is none (or it cannot be
    read: a board still prints)."""
    if not cadre.photo:
        return SILHOUETTE
    try:
        with cadre.photo.open("rb") as handle:
            data = handle.read()
    except (OSError, ValueError):
        return SILHOUETTE
    kind = next((t for magic, t in PHOTO_TYPES.items() if data.startswith(magic)), None)
    if kind is None:
        return SILHOUETTE
    return f"data:{kind};base64,{base64.b64encode(data).decode()}"


def board_village(user, village_code: str) -> Division:
    village = scope.visible_to(user, Division).filter(code=village_code, level=VILLAGE).first()
    if village is None:
        raise Http404("没有这个村 / no such village")
    return village


def board_of(village: Division, *, embed: bool = True) -> Board:
    """The village's board; `embed`: photos inside (the PDF), else linked (the page, which
    the browser loads through the cadre's photo address, scoped like the cadre)."""
    from neisheng.monitoring.policies import policy_current

    def shown(cadre: Cadre, **more) -> BoardCadre:
        if embed:
            photo = photo_uri(cadre)
        else:
            photo = reverse("grid:cadre_photo", args=[cadre.pk]) if cadre.photo else SILHOUETTE
        return BoardCadre(cadre=cadre, photo=photo, **more)

    leader_pair = selectors.active_leader_pair(village.code)
    areas = [shown(p.cadre, area=p.area) for p in selectors.active_area_pairs(village.code).order_by("area", "pk")]
    pairs = list(CadrePair.objects.filter(ended_on__isnull=True, household__village_id=village.code)
                 .select_related("cadre").order_by("cadre__name", "cadre__cadre_id", "household_id"))
    heads = selectors.head_names([p.household_id for p in pairs])
    by_cadre: dict[int, list[str]] = defaultdict(list)
    cadres: dict[int, Cadre] = {}
    for pair in pairs:
        cadres[pair.cadre_id] = pair.cadre
        by_cadre[pair.cadre_id].append(heads.get(pair.household_id, ""))
    town = village.parent.name if village.parent_id else ""
    return Board(
        village=village, town_name=town, leader=shown(leader_pair.leader) if leader_pair else None, areas=areas,
        cadres=[shown(cadre, households=[name for name in by_cadre[pk] if name]) for pk, cadre in cadres.items()],
        hotline=policy_current().policy.grid_hotline, printed_on=timezone.localdate(),
    )


def board_pdf(boards: list[Board], *, title: str) -> bytes:
    """The boards as one A4 PDF, each village from a new page."""
    from weasyprint import CSS, HTML
    from weasyprint.urls import URLFetcher

    html = render_to_string("grid/board_pdf.html", {"boards": boards, "title": title})
    # The stylesheet is read from the installed package, never fetched: the fetcher only
    # allows the photos' data: URLs.
    css = CSS(string=resources.files("neisheng.grid").joinpath("static/grid/board-print.css").read_text("utf-8"))
    return HTML(string=html, url_fetcher=URLFetcher(allowed_protocols=["data"])).write_pdf(stylesheets=[css])


def _pdf_response(request, pdf: bytes, *, filename: str, code: str, villages: list[str]) -> HttpResponse:
    # A board names people and households: printing one is an export like any other.
    audit_record(user=request.user, action="export", division_code=request.user.division_id,
                 object_type="grid_board", object_id=code, detail={"villages": villages},
                 request=request)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}.pdf"'
    return response


@requires(PERSONS_READ)
@require_http_methods(["GET", "HEAD"])
def board_page(request, village_code: str):
    village = board_village(request.user, village_code)
    return render(request, "grid/board.html", {"board": board_of(village, embed=False)})


@requires(PERSONS_READ)
@require_http_methods(["GET", "HEAD"])
def board_pdf_view(request, village_code: str):
    village = board_village(request.user, village_code)
    pdf = board_pdf([board_of(village)], title=village.name)
    return _pdf_response(request, pdf, filename=f"board-{village.code}", code=village.code, villages=[village.code])


@requires(PERSONS_READ)
@require_http_methods(["GET", "HEAD"])
def town_boards_pdf_view(request, town_code: str):
    """Every village of a town, one board after the other."""
    # A village officer's town is above their scope: they print the boards they may see.
    town = scope.visible_to(request.user, Division, ancestors=True).filter(code=town_code, level=TOWN).first()
    if town is None:
        raise Http404("没有这个乡镇 / no such town")
    villages = list(scope.visible_to(request.user, Division).filter(parent_id=town.code, level=VILLAGE)
                    .select_related("parent").order_by("code"))
    if not villages:
        raise Http404("这个乡镇没有村 / the town has no village")
    pdf = board_pdf([board_of(v) for v in villages], title=town.name)
    return _pdf_response(request, pdf, filename=f"boards-{town.code}", code=town.code,
                         villages=[v.code for v in villages])
