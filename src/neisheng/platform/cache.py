"""The cache's get-or-compute, once per key at a time.

`cache.get_or_set` lets every thread that misses a key compute it: under load, fifty
officers opening the dashboard in the same minute after a run set fifty threads counting
the same county, each taking the CPU the others need (a 90-second load test spent most
of its time so). Here the first thread computes while the others of the process wait for
its value. Processes do not share the lock; each computes at most once per key.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from django.core.cache import cache

_guard = threading.Lock()
_locks: dict[str, threading.Lock] = {}
_MISSING = object()


def _lock_for(key: str) -> threading.Lock:
    with _guard:
        lock = _locks.get(key)
        if lock is None:
            lock = _locks[key] = threading.Lock()
        return lock


def cached(key: str, compute: Callable[[], Any], seconds: int) -> Any:
    """The value kept under `key`, else `compute()` kept for `seconds`; while one thread
    computes a key, other threads asking for it wait and take its value."""
    value = cache.get(key, _MISSING)
    if value is not _MISSING:
        return value
    lock = _lock_for(key)
    try:
        with lock:
            value = cache.get(key, _MISSING)
            if value is _MISSING:
                value = compute()
                cache.set(key, value, seconds)
            return value
    finally:
        with _guard:
            # The last one out forgets the lock: keys carry a data version, and the set of
            # keys ever asked for must not grow for as long as the process lives.
            if _locks.get(key) is lock and not lock.locked():
                del _locks[key]
