"""The throttle storage: limits' counting, without a thread started per hit."""

import time

from limits import parse
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

from meeting import throttle


def test_the_app_storage_counts_a_moving_window_like_limits():
    storage = storage_from_string("sanshu-memory://")
    assert isinstance(storage, throttle.GreenMemoryStorage)
    strategy = MovingWindowRateLimiter(storage)
    item = parse("3 per 1 second")
    assert [strategy.hit(item, "slip", "1") for _ in range(5)] == [True] * 3 + [False] * 2
    assert strategy.hit(item, "slip", "2")  # another key has its own budget
    time.sleep(1.1)
    assert strategy.hit(item, "slip", "1")  # the window moved on


def test_no_timer_thread_per_hit_and_expired_entries_are_swept():
    # limits' MemoryStorage replaces its expiry Timer (a new thread) on the first hit after
    # the last one fired; under eventlet/gevent starting it yields to the hub mid-event
    storage = throttle.GreenMemoryStorage()
    timer = storage.timer
    strategy = MovingWindowRateLimiter(storage)
    item = parse("5 per 1 second")
    strategy.hit(item, "a")
    time.sleep(0.05)  # the parent's 10 ms timer has fired by now
    strategy.hit(item, "b")
    assert storage.timer is timer
    assert set(storage.events) == {item.key_for("a"), item.key_for("b")}
    time.sleep(1.1)
    storage.next_sweep = 0.0  # due
    strategy.hit(item, "c")
    # the expired entries are gone (limits keeps a key's emptied list)
    assert {key for key, entries in storage.events.items() if entries} == {item.key_for("c")}
