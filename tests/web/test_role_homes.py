"""Each role's home starts with that role's own work, above the fold on a phone (375×812)
and on a desktop (1366×768), and nothing scrolls sideways. Each home leaves its picture
as home-<role>-<size>.png (docs/ui.md, "Each role's home")."""

from __future__ import annotations

import pytest
from tests.web.ui_checks import horizontal_overflow

from neisheng.accounts.access import Role
from neisheng.transfers.models import ImportBatch

pytestmark = pytest.mark.slow

# Where each role works (as in tests/web/test_scope_matrix.py) and the work card its home
# opens with (the card's id: platform.extensions.WorkCard.name).
PLACE = {
    "county": "county", "town": "town", "village": "village", "assistance": "village",
    "department": "county", "auditor": "county", "researcher": "county", "admin": "county",
}
FIRST_CARD = {
    "county": "work-warnings", "town": "work-warnings", "village": "work-warnings",
    "assistance": "work-assistance", "department": "work-uploads", "auditor": "work-audit",
    "researcher": "work-warnings", "admin": "work-warnings",
}
assert set(PLACE) == set(FIRST_CARD) == {role.value for role in Role}, "a role without a home test"

# The first thing shown in <main> after its heading (and any messages), and if that is a
# group of cards, its first card.
_FIRST_BELOW_HEADING = """main => {
  const shown = el => el.getClientRects().length > 0;
  const first = [...main.children].filter(el => !el.matches('h1, .messages, script, template') && shown(el))[0];
  if (!first) return null;
  const card = [...first.children].filter(shown)[0];
  return {id: first.id, card: card ? card.id : '', html: first.outerHTML.slice(0, 160)};
}"""


@pytest.mark.parametrize("role", list(PLACE))
def test_a_roles_home_starts_with_its_own_work_above_the_fold(role, site, screen, size, places, make_user,
                                                              monitored, sign_in, shoot):
    user = make_user(role, places[PLACE[role]], username=f"{role}-home")
    if role == "department":
        # A clerk's work is their uploads: one checked and waiting, one refused for problems.
        ImportBatch.objects.create(original_name="低保名单-2026.xlsx", table="persons", rows=12, to_update=12,
                                   uploaded_by=user)
        ImportBatch.objects.create(original_name="残疾人名单.xlsx", table="persons", rows=30, issues_total=3,
                                   issues=[{"row": 4, "message": "x"}] * 3, status="rejected", uploaded_by=user)
    sign_in(screen, user)
    response = screen.goto(f"{site}/")
    assert response.status == 200

    card_name = FIRST_CARD[role]
    card = screen.locator(f"main #{card_name}")
    assert card.count() == 1, f"{role}: no #{card_name} card on the home page"
    first = screen.locator("main").evaluate(_FIRST_BELOW_HEADING)
    assert first and card_name in (first["id"], first["card"]), (
        f"{role}: the home starts with {first} rather than #{card_name}")
    where = card.bounding_box()
    assert where["y"] < screen.viewport_size["height"], (
        f"{role}: the work starts {where['y']:.0f} px down, below the fold of {screen.viewport_size}")
    assert card.inner_text().strip(), f"{role}: the #{card_name} card is empty"
    assert horizontal_overflow(screen) <= 0, f"{role}: the home scrolls sideways on a {size}"
    shoot(screen, f"home-{role}-{size}")
