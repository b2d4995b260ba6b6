"""The gateway's process collects garbage on its own schedule (MONGRAPH_GC_THRESHOLD)."""

from __future__ import annotations

import gc
import os
import subprocess
import sys

import pytest

# A fresh interpreter: the schedule is process-wide state.
SCRIPT = """
import asyncio, gc
from mongraph.app import create_app

class Stop(Exception):
    pass

async def store():
    raise Stop

async def start():
    app = create_app(store)
    try:
        async with app.router.lifespan_context(app):
            pass
    except Stop:
        pass
    print(*gc.get_threshold()[:2], gc.get_freeze_count() > 0)

asyncio.run(start())
"""


@pytest.mark.parametrize(
    ("setting", "expected"),
    [
        (None, "50000 100 True"),
        ("12345", "12345 100 True"),
        ("0", "{} {} False".format(*gc.get_threshold()[:2])),
    ],
)
def test_startup_sets_the_young_and_middle_generation_thresholds_and_freezes(
    setting: str | None, expected: str
) -> None:
    env = {k: v for k, v in os.environ.items() if k != "MONGRAPH_GC_THRESHOLD"}
    env["MONGODB_URI"] = "mongodb://127.0.0.1:9/"
    if setting is not None:
        env["MONGRAPH_GC_THRESHOLD"] = setting
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == expected


BETWEEN = """
import gc, sys
from mongraph.collector import between_requests, tune_collector

tune_collector(int(sys.argv[1]))
gc.collect()
kept = [[] for _ in range(int(sys.argv[2]))]  # young objects, as a request leaves them
before = gc.get_count()[0]
between_requests()
print(gc.get_count()[0] < before)
"""


@pytest.mark.parametrize(
    ("threshold", "young", "collected"),
    [("50000", 6000, True), ("50000", 3000, False), ("0", 6000, False)],
)
def test_between_requests_the_young_generation_is_collected_past_a_tenth(
    threshold: str, young: int, collected: bool
) -> None:
    done = subprocess.run(
        [sys.executable, "-c", BETWEEN, threshold, str(young)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == str(collected)


DEFERRED = """
import gc, sys
from mongraph.collector import between_requests, collection_deferred, tune_collector

collections = []
gc.callbacks.append(lambda phase, info: phase == "start" and collections.append(info["generation"]))
tune_collector(int(sys.argv[1]))
if sys.argv[2] == "off":
    gc.disable()
gc.collect()
collections.clear()
with collection_deferred():
    first = [[] for _ in range(60_000)]  # past the young threshold: no collection
    with collection_deferred():  # an operation overlapping the first
        second = [[] for _ in range(60_000)]
    during = len(collections)
    del second
    between_requests()  # one request over while the first still runs: collects
    at_boundary = len(collections) - during
    on_inside = gc.isenabled()
print(during, at_boundary, on_inside, gc.isenabled())
"""


@pytest.mark.parametrize(
    ("threshold", "before", "expected"),
    [
        # no collection while operations run, one at a request's end, on again after
        ("50000", "on", "0 1 False True"),
        # Python's own schedule: untouched
        ("0", "on", "{} 0 True True"),
        # a collector someone else turned off stays off
        ("50000", "off", "0 0 False False"),
    ],
)
def test_no_collection_runs_while_an_operation_executes(
    threshold: str, before: str, expected: str
) -> None:
    done = subprocess.run(
        [sys.executable, "-c", DEFERRED, threshold, before],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    during, *rest = done.stdout.split()
    want_during, *want_rest = expected.split()
    if want_during == "{}":  # Python's schedule collects, at least once in 120,000 lists
        assert int(during) > 0
    else:
        assert during == want_during
    assert rest == want_rest
