"""The 403, 404 and 500 pages, in the site's layout and in the reader's language.

403 and 404 extend base.html (with the navigation, so a refused cadre is one tap from
their home); 500 extends `error_minimal.html` and is rendered without the request, so no
context processor reads the session, the user or the messages: it shows even when the
database is down.
"""

from __future__ import annotations

from django.http import HttpResponseForbidden, HttpResponseNotFound, HttpResponseServerError
from django.template import loader
from django.utils.translation import get_language


def _reason(exception) -> str:
    """The refusal's own words in the page's language. Refusals raised with gettext are one
    language already; older ones read "中文 / English", and half of that is the page's."""
    reason = str(exception.args[0]) if exception is not None and getattr(exception, "args", None) else ""
    if " / " in reason:
        chinese, english = reason.split(" / ", 1)
        reason = english if (get_language() or "").startswith("en") else chinese
    return reason.strip()


def permission_denied(request, exception=None):
    html = loader.render_to_string("403.html", {"reason": _reason(exception)}, request)
    return HttpResponseForbidden(html)


def page_not_found(request, exception=None):
    # The exception's text is not shown: it can name a path or a record that the reader
    # may not learn exists.
    html = loader.render_to_string("404.html", {"request_path": request.path}, request)
    return HttpResponseNotFound(html)


def server_error(request):
    html = loader.render_to_string("500.html", {})
    return HttpResponseServerError(html)
