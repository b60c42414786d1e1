"""The pictures of the village councils' documentation, taken on the demo county's councils
(web/demo_councils.py) built on the test county (its one village split in two, as the demo
county's towns have several, and the town's photovoltaic station serving it): a council's
page as the town sees it (what is overdue first, the year's figures, members, meetings,
items, supervision notes) on a desktop and on a phone, the councils' figures per village
and per town, and a demand answered late with its responses. Each is checked for what a
person looks at in it before it is taken.

Pictures: councils-council-desktop.png, councils-council-phone.png,
councils-figures-desktop.png, councils-item-desktop.png."""

from __future__ import annotations

import pytest
from tests.support import PASSWORD
from tests.web.ui_checks import horizontal_overflow

pytestmark = pytest.mark.slow


@pytest.fixture
def demo_councils(site, tmp_path):
    """The demo logins (with the tests' password) and the demo's councils on the test county."""
    from neisheng.accounts.models import User
    from neisheng.accounts.services import demo_users_create
    from neisheng.councils.tests.test_demo import YEAR, _second_village, _station
    from neisheng.web.demo_councils import _today, demo_councils_build

    logins = demo_users_create(county_code="500237", password=PASSWORD)
    users = {u["role"]: User.objects.get(username=u["username"]) for u in logins}
    _second_village(users["village"].division_id)
    _station(users["village"].division_id, users["town"].division_id, _today(YEAR))
    made = demo_councils_build(home=tmp_path, logins=logins, year=YEAR)
    return made, users


def _fits(page, what: str) -> None:
    assert horizontal_overflow(page) <= 0, f"{what} scrolls sideways"


def test_a_council_its_figures_and_a_late_demand(site, demo_councils, phone, desktop, sign_in, shoot):
    from neisheng.councils import selectors
    from neisheng.councils.models import Council, SupervisionNote

    made, users = demo_councils
    village = users["village"].division_id
    council = made.councils[village]
    overdue = [i for i in selectors.open_items(Council.objects.get(pk=council)) if i.overdue]
    concerns = SupervisionNote.objects.filter(council_id=council, concern=True).count()
    assert overdue and concerns

    sign_in(desktop, users["town"])
    desktop.goto(f"{site}/councils/{council}/")
    assert "扶贫理事会" in desktop.locator("#council-title").inner_text()
    assert desktop.locator("#council-overdue").is_visible()
    assert desktop.locator("#council-open tbody tr.is-overdue").count() == len(overdue)
    assert desktop.locator("#council-members li[data-member]").count() >= 6
    assert desktop.locator("#council-meetings li[data-meeting]").count() == made.meetings[village]
    assert desktop.locator("#council-notes .council-overdue").count() == concerns
    assert desktop.locator("#council-figures").is_visible()
    _fits(desktop, "the council's page")
    shoot(desktop, "councils-council-desktop", full_page=True)

    desktop.goto(f"{site}/councils/?year={made.year}")
    rows = desktop.locator("tr[data-council]")
    assert rows.count() == len(made.councils)
    assert desktop.locator("tr[data-gap='1']").count() == 1  # the neighbour's council met once too few
    towns = desktop.locator("#council-towns")
    assert towns.is_visible() and towns.locator("tbody tr:not(.total)").count() == 1
    _fits(desktop, "the councils' figures")
    shoot(desktop, "councils-figures-desktop", full_page=True)

    desktop.goto(f"{site}/councils/items/{made.item_late}/")
    state = desktop.locator("#item-state")
    assert state.get_attribute("data-on-time") == "0" and int(state.get_attribute("data-days")) > 15
    assert desktop.locator("#item-responses li[data-closes='1']").count() == 1
    assert desktop.locator("#item-responses li[data-response]").count() == 2  # a first reply, then the closing one
    _fits(desktop, "a late demand")
    shoot(desktop, "councils-item-desktop")

    sign_in(phone, users["village"])
    phone.goto(f"{site}/councils/{council}/")
    assert phone.locator("#council-overdue").is_visible()
    assert phone.locator("#meeting-new").is_visible()
    _fits(phone, "the council's page on a phone")
    shoot(phone, "councils-council-phone")
