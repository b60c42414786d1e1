"""Visits that work offline (issue 11), on a phone (375×812) in a real Chromium: a cadre
opens the week online, loses the network, records two visits (one raises a problem) with
the forms the service worker kept, sees them waiting on the phone, gets the network back,
and both arrive exactly once; a send repeated after that creates nothing.

How "offline" is made: Playwright's context.set_offline(True). Whether it covers the
service worker's own fetches is checked rather than assumed (Chromium 156, Playwright
1.65: it does): offline, a visits page the worker never kept comes back as the kept queue
page, which the worker only serves when its own fetch failed, and the server receives no
visit. context.route does reach the page's posts to the API (the worker leaves posts
alone), and is used to make one send fail while the phone is online.

Pictures: visits-offline-saved-phone.png (the form after a visit was saved offline),
visits-offline-waiting-phone.png (the phone's queue with two visits waiting),
visits-offline-sent-phone.png (the same after the network returned)."""

from __future__ import annotations

import datetime as dt
import io
import uuid

import pytest
from PIL import Image
from tests.web.ui_checks import han_outside_data, horizontal_overflow

from neisheng.grid.models import Cadre
from neisheng.grid.services import cadre_create, cadre_pair_start
from neisheng.registry.models import Household
from neisheng.registry.services import household_update
from neisheng.visits.models import Visit

pytestmark = pytest.mark.slow


@pytest.fixture(autouse=True)
def photos_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _cadre_with_households(places, make_user, role: str) -> dict:
    """A cadre with a sign-in account of `role` and two lifted households of the village,
    never visited: both are due this week."""
    officer = make_user("county", places["county"], username=f"officer-grid-{role}")
    account = make_user(role, places["village"], username=f"cadre-phone-{role}")
    cadre = cadre_create(user=officer, values={
        "cadre_id": f"C-PHONE-{role}", "name": "王帮扶", "kind": "assistance", "unit": "县农业农村局",
        "post": "科员", "division_code": places["village"].code, "phone": "13800000001", "capacity": 5})
    # Linking a cadre to a sign-in account has no service yet: set directly.
    Cadre.objects.filter(pk=cadre.pk).update(user=account)
    households = list(Household.objects.filter(village=places["village"], members__alive=True)
                      .order_by("household_id").distinct()[:2])
    Household.objects.filter(pk__in=[h.pk for h in households]).update(status="lifted")
    for household in households:
        cadre_pair_start(user=officer, cadre=cadre, household=household,
                         started_on=dt.date.today() - dt.timedelta(days=60))
    return {"account": account, "households": [h.pk for h in households]}


@pytest.fixture
def cadre(places, make_user):
    """An assistance cadre (帮扶责任人) on their phone."""
    return _cadre_with_households(places, make_user, "assistance")


@pytest.fixture
def village_cadre(places, make_user):
    """A village cadre who is also a household's assistance cadre: may edit the record."""
    return _cadre_with_households(places, make_user, "village")


def _camera_photo() -> dict:
    """A photo as big as a phone camera takes it (4000×3000)."""
    out = io.BytesIO()
    Image.new("RGB", (4000, 3000), (90, 140, 60)).save(out, "PNG")
    return {"name": "门口.png", "mimeType": "image/png", "buffer": out.getvalue()}


def _week_kept(page, site, households) -> None:
    """Open the week online and wait until the worker controls it and kept every form."""
    page.goto(f"{site}/visits/week/")
    assert page.locator("a.week-household").count() == len(households)
    _controlled(page)
    page.locator(f'#offline-kept[data-kept="{len(households)}"]').wait_for()


def _controlled(page) -> None:
    """Wait until the service worker controls the page. (Polled from here: wait_for_function
    evaluates its predicate with eval, which the Content-Security-Policy refuses.)"""
    for _ in range(100):
        if page.evaluate("() => Boolean(navigator.serviceWorker && navigator.serviceWorker.controller)"):
            return
        page.wait_for_timeout(100)
    raise AssertionError("the service worker never took control of the page")


def _waiting(page) -> int:
    return int(page.locator("#offline-count").get_attribute("data-count"))


def _record(page, site, household: str, *, findings: str, photo=None, problem=None, locate=False) -> None:
    """From the week (offline: the kept copy), open the household's form and save a visit."""
    response = page.goto(f"{site}/visits/week/")
    assert response.from_service_worker
    with page.expect_navigation():
        page.locator(f'a.week-household[data-household="{household}"]').click()
    assert "离线" in page.locator("#offline-network").inner_text()
    page.select_option("select[name=kind]", "routine")
    page.fill("textarea[name=findings]", findings)
    if photo:
        page.set_input_files("input[name=photos]", files=[photo])
    if locate:
        page.check("#visit-record-location")
    if problem:
        page.select_option("select[name=problem_category]", problem[0])
        page.fill("textarea[name=problem_description]", problem[1])
    assert horizontal_overflow(page) <= 0, "the visit form scrolls sideways on a phone"
    before = _waiting(page)
    page.click("#visit-submit")
    page.locator("#offline-result .offline-state").filter(has_text="已存在手机上").wait_for()
    assert _waiting(page) == before + 1
    # The form is ready for the next visit, under a new key.
    assert page.input_value("textarea[name=findings]") == ""


def test_two_visits_recorded_offline_arrive_once_when_the_network_returns(site, phone, cadre, sign_in, shoot):
    first, second = cadre["households"]
    blocked = []  # what the Content-Security-Policy refused (no inline script, no eval)
    phone.on("console", lambda message: blocked.append(message.text)
             if "Content Security Policy" in message.text else None)
    sign_in(phone, cadre["account"])
    _week_kept(phone, site, cadre["households"])
    context = phone.context

    context.grant_permissions(["geolocation"], origin=site)
    context.set_geolocation({"latitude": 31.074562, "longitude": 109.878931, "accuracy": 12})

    context.set_offline(True)
    _record(phone, site, first, findings="家中一切正常，户主在家务农", photo=_camera_photo(), locate=True)
    phone.locator("#visits-offline").scroll_into_view_if_needed()
    shoot(phone, "visits-offline-saved-phone")
    _record(phone, site, second, findings="屋顶漏雨，需要修缮", problem=("housing", "屋顶漏雨，雨季前需修缮"))

    response = phone.goto(f"{site}/visits/queue/")
    assert response.from_service_worker
    # The queue is drawn from the phone's store after the page loads: wait for its rows.
    phone.locator("#offline-waiting-list .offline-row").nth(1).wait_for()
    assert _waiting(phone) == 2
    assert "2 条走访待上报" in phone.locator("#offline-count").inner_text()
    rows = phone.locator("#offline-waiting-list .offline-row")
    assert rows.count() == 2
    keys = {rows.nth(i).get_attribute("data-key") for i in range(2)}
    assert all(str(uuid.UUID(key)) == key for key in keys)
    assert horizontal_overflow(phone) <= 0
    shoot(phone, "visits-offline-waiting-phone")
    assert not Visit.objects.exists(), "a visit reached the server while the phone was offline"

    # The network returns: the page hears `online` and sends the queue by itself.
    context.set_offline(False)
    phone.locator('#offline-count[data-count="0"]').wait_for(timeout=30_000)
    phone.locator("#offline-sent-list .offline-row").nth(1).wait_for()
    assert phone.locator("#offline-sent-list .offline-row").count() == 2
    shoot(phone, "visits-offline-sent-phone")

    visits = Visit.objects.filter(idempotency_key__in=keys)
    assert visits.count() == 2 and Visit.objects.count() == 2
    by_household = {v.household_id: v for v in visits}
    assert set(by_household) == {first, second}
    assert all(v.recorded_offline and v.recorded_by == cadre["account"] for v in visits)
    assert by_household[first].findings == "家中一切正常，户主在家务农"
    located = by_household[first]
    assert (float(located.latitude), float(located.longitude), located.gps_accuracy_m) == (31.074562, 109.878931, 12)
    assert by_household[second].latitude is None  # no location unless the cadre asks for it
    problems = list(by_household[second].problems.all())
    assert [(p.category, p.description) for p in problems] == [("housing", "屋顶漏雨，雨季前需修缮")]
    assert not by_household[first].problems.exists()
    raised = phone.locator(f'#offline-sent-list .offline-row[data-key="{by_household[second].idempotency_key}"]')
    assert "已登记 1 个问题" in raised.locator(".offline-outcome").inner_text()
    # The photo was made smaller on the phone before it was kept and sent.
    photo = by_household[first].photos.get()
    assert max(photo.width, photo.height) <= 1600 and photo.size < 1_000_000
    with Image.open(photo.file.path) as stored:
        assert stored.format == "JPEG" and max(stored.size) <= 1600

    # The answer to a send was lost: the phone still holds the visit and sends it again.
    key = next(iter(keys))
    visit = Visit.objects.get(idempotency_key=key)
    phone.evaluate(_REQUEUE, {"key": key, "household": visit.household_id, "visited_on": str(visit.visited_on),
                              "user": str(cadre["account"].pk)})
    # Its first try fails (the API unreachable): it stays, waiting; "send now" sends it.
    context.route("**/api/visits/", lambda route: route.abort("internetdisconnected"))
    phone.reload()
    phone.locator('#offline-count[data-count="1"]').wait_for()
    for _ in range(100):  # until the page's own try on load has failed
        if (phone.evaluate(_STORED, key) or {}).get("attempts") == 2:
            break
        phone.wait_for_timeout(100)
    assert phone.evaluate(_STORED, key) == {"state": "waiting", "attempts": 2, "note": "network"}
    waiting = phone.locator(f'#offline-waiting-list .offline-row[data-key="{key}"]')
    assert "已存在手机上" in waiting.locator(".offline-state").inner_text()
    context.unroute("**/api/visits/")
    phone.click("#offline-send-now")
    phone.locator('#offline-count[data-count="0"]').wait_for(timeout=30_000)
    assert Visit.objects.count() == 2
    resent = phone.locator(f'#offline-sent-list .offline-row[data-key="{key}"]')
    assert "服务器上已有这次走访，没有重复登记" in resent.locator(".offline-outcome").inner_text()
    # And the API itself answers a known key with the stored visit, creating nothing.
    answer = phone.evaluate(_POST_AGAIN, {"key": key, "household": visit.household_id,
                                          "visited_on": str(visit.visited_on)})
    assert answer["status"] == 200 and answer["body"]["created"] is False and answer["body"]["id"] == visit.pk
    assert Visit.objects.count() == 2
    assert not blocked, blocked


# A visit already on the server, put back in the phone's queue as if its answer was lost.
_REQUEUE = """async ({key, household, visited_on, user}) => {
  const db = await new Promise((resolve, reject) => {
    const request = indexedDB.open("neisheng-visits", 1);
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
  const transaction = db.transaction("visits", "readwrite");
  transaction.objectStore("visits").put({
    idempotency_key: key, user, username: "", household, household_label: household, visited_on,
    kind: "routine", findings: "",
    fields: [["household", household], ["visited_on", visited_on], ["kind", "routine"], ["idempotency_key", key]],
    photos: [], recorded_offline: true, state: "waiting", errors: null, note: null, result: null,
    saved_at: Date.now(), sent_at: null, attempts: 1});
  await new Promise((resolve) => { transaction.oncomplete = resolve; });
  db.close();
}"""

_STORED = """async (key) => {
  const db = await new Promise((resolve, reject) => {
    const request = indexedDB.open("neisheng-visits", 1);
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
  const record = await new Promise((resolve) => {
    const request = db.transaction("visits").objectStore("visits").get(key);
    request.onsuccess = () => resolve(request.result);
  });
  db.close();
  return record ? {state: record.state, attempts: record.attempts, note: record.note} : null;
}"""

_POST_AGAIN = """async ({key, household, visited_on}) => {
  const body = new FormData();
  for (const [name, value] of Object.entries({household, visited_on, kind: "routine", idempotency_key: key}))
    body.append(name, value);
  const token = document.cookie.split("; ").find((c) => c.startsWith("csrftoken=")).split("=")[1];
  const response = await fetch("/api/visits/", {method: "POST", body, headers: {"X-CSRFToken": token}});
  return {status: response.status, body: await response.json()};
}"""


def test_a_server_error_is_tried_again_within_seconds(site, phone, cadre, sign_in):
    """A busy or restarting server answers 503 once: the visit stays on the phone and is
    sent again a few seconds later by itself, not at the next two-minute round."""
    household = cadre["households"][0]
    sign_in(phone, cadre["account"])
    _week_kept(phone, site, cadre["households"])
    phone.context.set_offline(True)
    _record(phone, site, household, findings="户主外出务工，家中老人身体尚可")

    answered = []

    def busy_once(route):
        if route.request.method == "POST" and not answered:
            answered.append(503)
            route.fulfill(status=503, content_type="application/json", body='{"detail": "busy"}')
        else:
            answered.append("sent")
            route.continue_()

    phone.route("**/api/visits/", busy_once)
    phone.context.set_offline(False)
    phone.locator('#offline-count[data-count="0"]').wait_for(timeout=15_000)
    assert answered[0] == 503 and "sent" in answered
    visit = Visit.objects.get(household_id=household)
    assert visit.findings == "户主外出务工，家中老人身体尚可"


def test_a_page_opened_offline_comes_from_the_phone(site, phone, cadre, sign_in):
    """The week, a household's form never opened before and the queue open with no network,
    from the worker's cache; online again, the week comes from the server."""
    sign_in(phone, cadre["account"])
    _week_kept(phone, site, cadre["households"])
    phone.context.set_offline(True)
    week = phone.reload()
    assert week.from_service_worker and week.status == 200
    assert phone.locator("a.week-household").count() == 2
    assert "离线" in phone.locator("#offline-network").inner_text()
    form = phone.goto(f"{site}/visits/new/?household={cadre['households'][1]}")
    assert form.from_service_worker and phone.locator("#visit-form").count() == 1
    # Each opening of a kept form is a new visit: a new key, not the one the page was kept with.
    keys = {phone.input_value("input[name=idempotency_key]")}
    phone.reload()
    keys.add(phone.input_value("input[name=idempotency_key]"))
    assert len(keys) == 2
    queue = phone.goto(f"{site}/visits/queue/")
    assert queue.from_service_worker and phone.locator("#offline-waiting-list").count() == 1
    # A page never kept: the browser gets the queue (in the page's language), not an error.
    # (Had the worker's own fetch reached the server, this would be the list of visits.)
    phone.goto(f"{site}/visits/")
    assert phone.locator("#offline-waiting-list").count() == 1

    phone.context.set_offline(False)
    phone.goto(f"{site}/visits/week/")
    assert "在线" in phone.locator("#offline-network").inner_text()
    # Online, the week asks the worker to keep its forms afresh: the test ends only once it
    # has, so that no request is still reading while the live server's database is emptied
    # for the next test (a flush meeting such a read fails with "database table is locked").
    phone.locator(f'#offline-kept[data-kept="{len(cadre["households"])}"]').wait_for()


def test_the_offline_bar_speaks_english_on_an_english_page(site, phone, cadre, sign_in):
    sign_in(phone, cadre["account"])
    phone.context.add_cookies([{"name": "django_language", "value": "en", "url": site}])
    _week_kept(phone, site, cadre["households"])
    phone.context.set_offline(True)
    phone.goto(f"{site}/visits/new/?household={cadre['households'][0]}")
    phone.fill("textarea[name=findings]", "all well")
    phone.click("#visit-submit")
    phone.locator("#offline-result .offline-state").filter(has_text="Saved on this phone").wait_for()
    phone.goto(f"{site}/visits/queue/")
    phone.locator("#offline-waiting-list .offline-row").first.wait_for()
    assert han_outside_data(phone) == [], han_outside_data(phone)
    assert "Visits waiting to be sent: 1" in phone.locator("#offline-count").inner_text()
    # Back online, the visit goes out; the test ends only once it has arrived, so that no
    # request is still writing while the live server's database is emptied for the next.
    phone.context.set_offline(False)
    phone.locator('#offline-count[data-count="0"]').wait_for(timeout=30_000)
    assert Visit.objects.filter(household_id=cadre["households"][0], findings="all well").count() == 1


def test_a_refused_visit_stays_on_the_phone_with_the_reasons(site, phone, cadre, sign_in):
    """A visit the server refuses (a date in the future) is never dropped silently: it
    stays, with the server's reason, until the cadre removes it."""
    sign_in(phone, cadre["account"])
    phone.goto(f"{site}/visits/new/?household={cadre['households'][0]}")
    _controlled(phone)
    phone.fill("input[name=visited_on]", str(dt.date.today() + dt.timedelta(days=3)))
    phone.fill("textarea[name=findings]", "日期填错了")
    phone.click("#visit-submit")
    refused = phone.locator("#offline-result .offline-row.is-refused")
    refused.wait_for()
    assert refused.locator(".offline-errors li").count() >= 1
    assert not Visit.objects.exists()
    phone.goto(f"{site}/visits/queue/")
    row = phone.locator("#offline-waiting-list .offline-row.is-refused")
    row.wait_for()
    assert _waiting(phone) == 1
    phone.on("dialog", lambda dialog: dialog.accept())
    row.locator(".offline-remove").click()
    phone.locator('#offline-count[data-count="0"]').wait_for()
    assert phone.locator("#offline-waiting-list .offline-row").count() == 0


def test_an_update_that_conflicts_with_an_edit_made_meanwhile_is_shown_not_applied(
        site, phone, village_cadre, sign_in, places, make_user):
    """Offline, the cadre records that the house is now a C-class danger; meanwhile an
    officer records D-class. The visit arrives, the officer's value stays, and the phone
    shows the conflict with a link to the visit, where both sides are shown."""
    cadre = village_cadre
    household_id = cadre["households"][0]
    sign_in(phone, cadre["account"])
    _week_kept(phone, site, cadre["households"])
    phone.context.set_offline(True)
    phone.goto(f"{site}/visits/new/?household={household_id}")
    phone.fill("textarea[name=findings]", "房屋出现裂缝")
    phone.select_option("select[name=update_housing]", "c_class")
    phone.click("#visit-submit")
    phone.locator("#offline-result .offline-state").filter(has_text="已存在手机上").wait_for()

    officer = make_user("village", places["village"], username="officer-edits")
    household = Household.objects.get(pk=household_id)
    household_update(user=officer, household=household, values={"housing": "d_class"})

    phone.context.set_offline(False)
    phone.goto(f"{site}/visits/queue/")
    row = phone.locator("#offline-sent-list .offline-row.is-conflict")
    row.wait_for(timeout=30_000)
    assert row.locator(".offline-conflict").is_visible()
    visit = Visit.objects.get(household_id=household_id)
    assert visit.update_status == "conflict"
    assert Household.objects.get(pk=household_id).housing == "d_class"
    with phone.expect_navigation():
        row.locator(".offline-visit-link").click()
    assert phone.url.rstrip("/").endswith(f"/visits/{visit.pk}")
    # Seen: the cadre dismisses it from the phone; the visit stays on the server.
    phone.goto(f"{site}/visits/queue/")
    phone.locator("#offline-sent-list .offline-row.is-conflict .offline-dismiss").click()
    phone.locator('[data-empty-for="offline-sent-list"]').wait_for()
    assert Visit.objects.filter(pk=visit.pk).exists()


_KEPT_PAGES = """async () => {
  const pages = await caches.open("neisheng-visits-pages");
  return (await pages.keys()).map((request) => new URL(request.url).pathname + new URL(request.url).search);
}"""


def test_signing_out_forgets_the_pages_kept_on_the_phone(site, phone, cadre, sign_in):
    """The kept pages show households' names: the next person on the phone must not open them."""
    sign_in(phone, cadre["account"])
    _week_kept(phone, site, cadre["households"])
    kept = phone.evaluate(_KEPT_PAGES)
    assert "/visits/week/" in kept and f"/visits/new/?household={cadre['households'][0]}" in kept
    phone.click("#menu-toggle")
    with phone.expect_navigation():
        phone.locator(".who form button[type=submit]").click()
    assert "/accounts/login/" in phone.url
    assert phone.evaluate(_KEPT_PAGES) == []
