"""Frames pushed under `run_with_stack_room` stay in one chunk of CPython's frame stack.

A chunk that CPython allocates is mapped fresh and its pages fault in on first use; one it
frees is unmapped. So a deep call repeated in a loop shows up as minor page faults when it
crosses chunk boundaries each time, and as none once it runs inside the room.
"""

from __future__ import annotations

import asyncio
import importlib
import resource
import sys

import pytest

from mongraph.stack_room import UVICORN_LOOP, new_event_loop, run_with_stack_room

DEPTH = 300
"""Frames deeper than one 16 KiB chunk holds, so the call crosses at least one boundary."""
REPEAT = 500


def _recurse(depth: int) -> int:
    return 0 if depth == 0 else _recurse(depth - 1) + 1


def _minor_faults_of_deep_calls() -> int:
    assert _recurse(DEPTH) == DEPTH  # pages already in use are not counted below
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for _ in range(REPEAT):
        _recurse(DEPTH)
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before


def test_deep_calls_inside_the_room_map_no_new_chunks() -> None:
    assert run_with_stack_room(_minor_faults_of_deep_calls) < REPEAT // 10


@pytest.mark.skipif(
    sys.version_info >= (3, 13), reason="3.13.13 and 3.14.4 cache a chunk: no churn to show"
)
def test_without_the_room_the_same_calls_remap_chunks() -> None:
    """The control: the measurement does see the churn that the room avoids (CPython 3.11
    and 3.12 free a chunk whenever its base frame returns)."""
    assert _minor_faults_of_deep_calls() >= REPEAT


def test_returns_what_the_function_returns_and_passes_its_arguments() -> None:
    assert run_with_stack_room(divmod, 17, 5) == (3, 2)


def test_the_servers_event_loop_runs_callbacks_in_the_room() -> None:
    async def deep_calls() -> int:
        return _minor_faults_of_deep_calls()

    with asyncio.Runner(loop_factory=new_event_loop) as runner:
        assert runner.run(deep_calls()) < REPEAT // 10


def test_uvicorn_finds_the_loop_by_its_name() -> None:
    """`mongraph serve` gives uvicorn this name; it must import back to the loop."""
    module, _, name = UVICORN_LOOP.partition(":")
    assert getattr(importlib.import_module(module), name) is new_event_loop
