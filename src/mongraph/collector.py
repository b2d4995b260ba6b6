"""The garbage collector's schedule in a server process that builds large responses."""

from __future__ import annotations

import gc

__all__ = ["tune_collector"]


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
    if young_threshold <= 0:
        return
    gc.freeze()
    oldest = gc.get_threshold()[2]
    gc.set_threshold(young_threshold, _YOUNG_COLLECTIONS_PER_MIDDLE, oldest)
