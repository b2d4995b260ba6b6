"""Writers on the same objects take turns instead of failing each other.

MongoDB settles write conflicts optimistically: the transaction that writes second is
aborted and retried. A long transaction (a cascade over a scene's clips) that meets a
stream of short ones (reorders in that scene) loses every time, until its deadline; in a
load test 44 of 44 `deleteScene` calls did. Within a process, writes on one owner's
documents therefore queue on an `asyncio.Lock` (first come, first served) before they
start; across processes the database's conflicts and retries still hold.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Hashable
from contextlib import asynccontextmanager

from pymongo.errors import OperationFailure, PyMongoError

from ..errors import ApiError, ErrorCode

__all__ = ["WriterQueues", "is_write_conflict", "lost_to_writers", "timed_out"]

_WRITE_CONFLICT = 112


class WriterQueues:
    """One lock per key (an owner's id), alive while someone holds or awaits it."""

    def __init__(self) -> None:
        self._locks: dict[Hashable, tuple[asyncio.Lock, int]] = {}

    @asynccontextmanager
    async def turn(self, key: Hashable, within: float) -> AsyncIterator[None]:
        """Waits for `key`'s turn (at most `within` seconds: then WRITE_CONFLICT)."""
        lock, users = self._locks.get(key, (asyncio.Lock(), 0))
        self._locks[key] = (lock, users + 1)
        try:
            try:
                async with asyncio.timeout(within):
                    await lock.acquire()
            except TimeoutError:
                raise lost_to_writers() from None
            try:
                yield
            finally:
                lock.release()
        finally:
            lock, users = self._locks[key]
            if users == 1:
                del self._locks[key]
            else:
                self._locks[key] = (lock, users - 1)

    def __len__(self) -> int:
        return len(self._locks)


def is_write_conflict(error: BaseException) -> bool:
    return isinstance(error, OperationFailure) and error.code == _WRITE_CONFLICT


def lost_to_writers() -> ApiError:
    return ApiError(
        ErrorCode.WRITE_CONFLICT,
        "the write kept losing to concurrent writes on the same objects; retry it",
    )


def timed_out(error: BaseException) -> bool:
    return isinstance(error, PyMongoError) and error.timeout
