"""Registry pages shared pieces (who may open them, one household in scope) and the
pages that are not a list, a household or a form: home and the division tree.

Every read goes through neisheng.platform.scope; a record outside the user's scope is
a 404, exactly like a record that does not exist, so the pages never confirm what lies
in another village. Roles without "persons.read" (researchers) see the aggregate pages
only (403 elsewhere); who may do what is the table in accounts.access.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from neisheng.accounts.access import PERSONS_READ, REGISTRY_EDIT, user_may
from neisheng.platform import scope
from neisheng.platform.access import requires
from neisheng.platform.extensions import work_cards_rendered
from neisheng.registry.models import Household
from neisheng.registry.selectors import figures, tree

persons_allowed = requires(PERSONS_READ)
editors_only = requires(PERSONS_READ, REGISTRY_EDIT)


def _list_url(**params) -> str:
    return reverse("registry:household_list") + ("?" + urlencode(params) if params else "")


def _household_for(request, household_id):
    return get_object_or_404(
        scope.visible_to(request.user, Household.objects.select_related("village", "village__parent")),
        pk=household_id,
    )



@login_required
def home(request):
    """Each role's home: its own work first (the work cards other apps register: warnings,
    uploads, audit findings …), then the key figures of its scope."""
    counted = figures.cached_for_scope(request.user, "figures", lambda: figures.key_figures(request.user))
    return render(request, "registry/home.html", {
        "work": work_cards_rendered(request),
        "figures": counted,
        "division": request.user.division,
        "links": user_may(request.user, PERSONS_READ),
        "list_url": reverse("registry:household_list"),
    })


@login_required
def divisions(request):
    user = request.user
    links = user_may(user, PERSONS_READ)

    def tree_html():
        # A county's tree is thousands of nodes: rendering it costs more than counting.
        roots = tree.division_tree(user)
        return mark_safe(render_to_string("registry/_tree.html", {"roots": roots, "links": links})) if roots else ""

    return render(request, "registry/divisions.html", {
        "tree_html": figures.cached_for_scope(user, f"tree:{get_language()}:{links}", tree_html),
        "ancestors": tree.ancestors_of(user),
    })


