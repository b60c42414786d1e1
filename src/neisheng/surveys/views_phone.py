"""The phone form (surveys.md; docs/grid.md "Offline" for the pattern it follows): one
question a screen with its progress (3/18), back and next, a draft kept on the phone so
an interrupted questionnaire is taken up again, and a queue that sends each finished
questionnaire to the responses API (POST /api/survey-responses/, with its idempotency
key) once there is a network. static/surveys/phone.js does it with the browser's own
APIs (localStorage for drafts, IndexedDB for the queue, a service worker keeping the
pages): no library, no build step, within the Content-Security-Policy.

The page is an ordinary form too: without script every question shows at once and it
posts to the web form (views_responses.response_new), which checks and saves it.

The worker is served from /surveys/sw.js (a worker controls only pages under its own
path); its cache name is a digest of its source and every asset it keeps, so a deploy
replaces it."""

from __future__ import annotations

import hashlib
import json

from django.contrib import messages
from django.contrib.staticfiles import finders
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_GET

from neisheng.accounts.access import PERSONS_READ, SURVEYS_COLLECT
from neisheng.platform.access import requires
from neisheng.surveys import selectors
from neisheng.surveys.forms import ResponseForm
from neisheng.surveys.views import survey_for
from neisheng.surveys.views_responses import household_for_form

WORKER_SOURCE = "surveys/sw.js"
SHELL_ASSETS = ("neisheng/site.css", "neisheng/site.js", "surveys/phone.js", "surveys/surveys.css")
SHELL_PAGES = ("surveys:queue",)


def _static_bytes(path: str) -> bytes:
    found = finders.find(path)
    if not found:
        raise FileNotFoundError(path)
    with open(found, "rb") as handle:
        return handle.read()


def worker_config() -> dict:
    assets = [static(path) for path in SHELL_ASSETS]
    digest = hashlib.sha256(_static_bytes(WORKER_SOURCE))
    for path in SHELL_ASSETS:
        digest.update(_static_bytes(path))
    pages = [reverse(name) for name in SHELL_PAGES]
    digest.update("\n".join(assets + pages).encode())
    return {"version": digest.hexdigest()[:16], "assets": assets, "pages": pages,
            "scope": reverse("surveys:sw").rsplit("/", 1)[0] + "/"}


@require_GET
def service_worker(request):
    """The worker, at /surveys/sw.js: the same for everyone (it holds no data), never kept
    by an HTTP cache so an update is seen at once."""
    config = worker_config()
    body = f"self.NEISHENG_SW = {json.dumps(config)};\n{_static_bytes(WORKER_SOURCE).decode('utf-8')}"
    response = HttpResponse(body, content_type="application/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = config["scope"]
    response["Cache-Control"] = "no-cache"
    return response


@requires(PERSONS_READ, SURVEYS_COLLECT)
@require_GET
def phone_form(request, pk):
    """/surveys/<id>/phone/?household=<id>: the questionnaire one question a screen."""
    user = request.user
    survey = survey_for(user, pk)
    if survey.state != survey.State.OPEN:
        messages.error(request, gettext("调查已结束，不再接收问卷"))
        return redirect("surveys:detail", pk=survey.pk)
    questionnaire = selectors.questionnaire_of(survey.version)
    household = household_for_form(user, request)
    form = ResponseForm(questionnaire=questionnaire, user=user, household=household)
    return render(request, "surveys/phone.html", {
        "survey": survey, "questionnaire": questionnaire, "household": household, "form": form,
        "web_url": reverse("surveys:fill", args=[survey.pk]) + (f"?household={household.pk}" if household else ""),
        "back_url": reverse("registry:household_detail", args=[household.pk]) if household
        else reverse("surveys:detail", args=[survey.pk]),
        # Without script the form posts to the web form, which asks the chosen group's questions.
        "action": reverse("surveys:fill", args=[survey.pk]) + (f"?household={household.pk}" if household else ""),
    })


@requires(SURVEYS_COLLECT)
@require_GET
def queue(request):
    """The questionnaires waiting on this phone: a shell, what waits lives in the phone's
    IndexedDB, never on the server, and phone.js lists it."""
    return render(request, "surveys/queue.html", {})
