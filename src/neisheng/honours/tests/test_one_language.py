"""The model households' pages in one language at a time (the project's rule, checked by
web/tests/test_one_language.py over the scope matrix): here with a nomination in every
state a page shows, scores with each kind of explanation, steps, refusals and forms
sent back with errors, as the town and the village see them, and the figures as a
researcher sees them."""

from __future__ import annotations

import datetime as dt

import pytest

from neisheng.honours import services
from neisheng.honours.tests.conftest import START, TODAY, nominate, reviewed
from neisheng.web.tests.test_one_language import violations

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(cadre, town, lifted, passing, places):
    from neisheng.honours.tests.test_services import _motivation_poor
    from neisheng.registry.models import Household

    approved = reviewed(nominate(cadre, lifted[0]), cadre)
    services.help_act_add(user=cadre, nomination=nominate(cadre, lifted[5]), done_on=START, text="帮邻居")
    services.nomination_approve(user=town, nomination=approved, approved_on=TODAY)
    partner = Household.objects.filter(village=places["village"]).exclude(status="lifted").first()
    _motivation_poor([partner])
    pairing = services.pairing_create(user=cadre, nomination=approved, household=partner, paired_on=TODAY)
    services.pair_meeting_add(user=cadre, pairing=pairing, met_on=TODAY, attendees="两户户主", discussed="种植经验")
    publicised = reviewed(nominate(cadre, lifted[1]), cadre, publicise_on=TODAY - dt.timedelta(days=1))
    services.nomination_review_object(user=cadre, nomination=publicised, raised_by="王五", raised_on=TODAY,
                                      text="有异议")
    opened = nominate(cadre, lifted[2])
    services.nomination_score(user=cadre, nomination=opened, scored_on=START)
    services.nomination_submit(user=cadre, nomination=opened, submitted_on=START)
    rejected = reviewed(nominate(cadre, lifted[3]), cadre)
    services.nomination_reject(user=town, nomination=rejected, rejected_on=TODAY, reason="不符合条件")
    return {"approved": approved, "publicised": publicised, "opened": opened, "pairing": pairing,
            "village": places["village"].code, "town": places["town"].code, "household": lifted[0].pk}


def _urls(world) -> list[tuple[str, dict | None]]:
    n = "/honours/nominations/"
    urls = [("/honours/", None), (f"{n}", None), (f"{n}?state=approved&sort=-score", None), (f"{n}new/", None),
            (f"{n}new/", {"household": "NO-SUCH", "source": "x", "nominated_on": "x"}),
            (f"/honours/roll/{world['village']}/", None), (f"/honours/roll/{world['town']}/", None),
            (f"/households/{world['household']}/", None),
            (f"/honours/pairings/{world['pairing'].pk}/meeting/", None),
            (f"/honours/pairings/{world['pairing'].pk}/meeting/", {"met_on": "x"})]
    for key in ("approved", "publicised", "opened"):
        urls.append((f"{n}{world[key].pk}/", None))
    for step in ("help", "score", "submit", "decide", "publicise", "object", "resolve", "approve", "reject",
                 "withdraw", "pair"):
        urls.append((f"{n}{world['publicised'].pk}/{step}/", None))
    urls.append((f"{n}{world['publicised'].pk}/approve/", {"approve-approved_on": TODAY.isoformat()}))
    urls.append((f"{n}{world['approved'].pk}/score/", {"score-scored_on": TODAY.isoformat()}))
    return urls


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("role,where", [("town", "town"), ("village", "village"), ("researcher", "county")])
def test_the_honours_pages_are_in_one_language(client, make_user, places, world, role, where, language):
    user = make_user(role, places[where], username=f"{role}-lang")
    client.force_login(user)
    client.cookies.load({"django_language": language})
    found, seen = {}, 0
    for url, data in _urls(world):
        response = client.post(url, data) if data is not None else client.get(url)
        if response.status_code in (302, 403, 404) or not response["Content-Type"].startswith("text/html"):
            continue
        seen += 1
        html = response.content.decode()
        if url.startswith("/households/"):
            # Only this app's card: the other cards of the household page are their apps' to check.
            card = html[html.index('<section class="card honours-section"'):]
            html = f'<html lang="{language}"><body>{card[:card.index("</section>") + 10]}</body></html>'
        for text in violations(html, language):
            found.setdefault(text, []).append(url)
    # A researcher reads the figures only (every other page answers 403).
    assert seen >= (1 if role == "researcher" else 3)
    assert not found, found
