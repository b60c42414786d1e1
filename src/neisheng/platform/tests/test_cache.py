"""platform.cache.cached: threads asking for the same missing key wait for the one that
computes it; a failed computation keeps nothing and holds no lock."""

import threading
import time

import pytest
from django.core.cache import cache

from neisheng.platform import cache as platform_cache


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()
    yield
    cache.clear()


def test_eight_threads_missing_one_key_compute_it_once():
    calls = []
    start = threading.Barrier(8)
    seen = []

    def compute():
        calls.append(1)
        time.sleep(0.2)  # long enough for every other thread to arrive and wait
        return {"red": 27}

    def ask():
        start.wait()
        seen.append(platform_cache.cached("county-figures", compute, 60))

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(calls) == 1
    assert seen == [{"red": 27}] * 8
    assert platform_cache._locks == {}


def test_a_failed_computation_keeps_nothing_and_the_next_asker_computes():
    def fail():
        raise RuntimeError("the database went away")

    with pytest.raises(RuntimeError):
        platform_cache.cached("figures", fail, 60)
    assert platform_cache.cached("figures", lambda: 5, 60) == 5
    assert platform_cache.cached("figures", lambda: 6, 60) == 5  # kept
    assert platform_cache._locks == {}


def test_a_kept_none_is_a_value_not_a_miss():
    calls = []
    platform_cache.cached("nothing", lambda: calls.append(1), 60)
    platform_cache.cached("nothing", lambda: calls.append(1), 60)
    assert calls == [1]
