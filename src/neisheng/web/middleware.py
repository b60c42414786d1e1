"""Responses that carry people's data must not be kept by a browser or a proxy."""

from __future__ import annotations

from django.utils.cache import add_never_cache_headers


class NoStoreMiddleware:
    """`Cache-Control: no-store` (and friends) on every response Django renders.

    Pages, API answers and exports carry names, masked or revealed ID numbers and
    incomes; deciding per view which ones do would leave the next new view uncached only
    by luck, so every dynamic response is marked. Static assets never reach this
    middleware (whitenoise, listed above it, answers them first) and keep their caching."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        add_never_cache_headers(response)
        return response
