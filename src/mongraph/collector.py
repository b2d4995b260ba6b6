"""The garbage collector's schedule in a server process that builds large responses."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["between_requests", "collection_deferred", "tune_collector"]


_BETWEEN_REQUESTS_SHARE = 10
"""Between requests the young generation is collected once it holds a tenth of
`young_threshold` (`between_requests`)."""
_between_requests = 0
"""0: no collection between requests (Python's own schedule, or not tuned yet)."""

_in_flight = 0
"""Operations executing now (`collection_deferred`)."""
_resume = False
"""Whether the collector was on when the first of them began, to be turned on again after
the last."""

_YOUNG_COLLECTIONS_PER_MIDDLE = 100
"""Python's default is 10. A big response's objects (about a million for 10,000 clips)
outlive the young collections that run while it is built, so each collection of the middle
generation traversed all of them: about 370 ms, once every third or fourth request of
scenario 4, a third of its average CPU. They die with the request, by reference count, so
collecting the middle generation ten times less often skips most of that work; it still
runs every five million allocations or so for cyclic garbage."""


def tune_collector(young_threshold: int) -> None:
    """Collects the young generation every `young_threshold` allocations instead of
    Python's 700 (and the middle one every `_YOUNG_COLLECTIONS_PER_MIDDLE` of those), and
    freezes what exists at startup (modules, the schema) out of later collections. A
    4,000-clip tree allocates about half a million objects; at 700 the collector ran on
    every few hundred of them and took a quarter of the request's CPU
    (docs/performance.md). 0 leaves Python's schedule alone.
    """
    global _between_requests
    if young_threshold <= 0:
        _between_requests = 0
        return
    _between_requests = max(1, young_threshold // _BETWEEN_REQUESTS_SHARE)
    gc.freeze()
    oldest = gc.get_threshold()[2]
    gc.set_threshold(young_threshold, _YOUNG_COLLECTIONS_PER_MIDDLE, oldest)


def between_requests() -> None:
    """After a request: collects the young generation once it holds a tenth of the
    tuned threshold (5,000 objects by default), which is what the collector would do by
    itself at that threshold, without collecting during a big response.

    Small requests leave a little cyclic garbage each (graphql-core's executor, Starlette's
    request objects: about 50 objects); at 50,000 it piled up over a thousand requests,
    cold, and new objects went to fresh memory instead of the blocks just freed. The
    smallest request took 248 against 223 us of CPU at 5,000 (and at Python's 700).
    """
    if (
        _between_requests
        and gc.get_count()[0] >= _between_requests
        and (gc.isenabled() or (_in_flight and _resume))
    ):
        gc.collect(0)


@contextmanager
def collection_deferred() -> Iterator[None]:
    """No automatic collection while an operation executes (once the schedule is tuned).

    A big response's objects are alive until it is sent and die by reference count then;
    each young collection while they were built traversed the latest 50,000 of them and
    moved them to the middle generation: 15% of a 4,000-clip tree's CPU, with nothing to
    collect. `between_requests` collects what is left after each request, operations
    under way or not, so cyclic garbage is still collected under sustained concurrency.
    """
    global _in_flight, _resume
    if not _between_requests:
        yield
        return
    if _in_flight == 0:
        _resume = gc.isenabled()
        gc.disable()
    _in_flight += 1
    try:
        yield
    finally:
        _in_flight -= 1
        if _in_flight == 0 and _resume:
            gc.enable()
