"""One subscriber's changes of one project or conversation: each exactly once, in order.

The subscription is registered with the hub first, so every change committed from then on
is queued for it. The changes after the subscriber's position are then read from the
change log (`datastore/change_log.py`), and the queued ones follow, any already delivered
skipped by position. A queued change whose predecessors have not been delivered yet (they
committed while the log was being read, or the queue was full and dropped them) has them
read from the log first. So the subscriber gets every position after its own, once, in
order, whichever instance committed it; a position the log no longer keeps ends the feed
with `BAD_USER_INPUT` (refetch).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

from .datastore.change_log import REFETCH, ChangeKind, read_after
from .datastore.client import Datastore
from .datastore.documents import ChangeDoc
from .errors import BadInput, NotFound
from .live import Delivery, Subscription

__all__ = ["Batch", "ChangeFeed"]

PAGE = 100
"""Changes read from the log per command."""


@dataclass(frozen=True)
class Batch:
    """Changes to deliver next, in order: read from the log for this subscriber, or one live
    change shared by every subscriber of this process (`shared`)."""

    changes: list[ChangeDoc]
    shared: Delivery[ChangeDoc] | None = None


class ChangeFeed:
    """The changes of `subscription`'s project or conversation after position `after`.

    `known` is the object's position when the subscriber was authorized (read before the
    subscription was registered): every change up to there must still be in the log.

    Example::

        async with hub.subscribe(project, viewer, CHANGES) as subscription:
            async for batch in ChangeFeed(store, subscription, after=3, known=7).batches():
                ...
    """

    def __init__(
        self, store: Datastore, subscription: Subscription, *, after: int, known: int
    ) -> None:
        if after > known:
            raise BadInput(REFETCH, field=("after",))  # a position the object never reached
        self._store = store
        self._subscription = subscription
        self.last = after
        """The position of the last change delivered (or the one subscribed after)."""
        self._known = known

    async def batches(self) -> AsyncIterator[Batch]:
        """Ends when the hub closes; raises why the subscription ended (access lost, the
        object purged after its PURGED was delivered, changes no longer kept)."""
        async for batch in self._read(through=self._known):
            yield batch
        subscription = self._subscription
        while True:
            if subscription.lagging:
                subscription.lagging = False
                async for batch in self._read(through=self.last):
                    yield batch
            delivery = await subscription.next()
            if delivery is None:
                return
            change: ChangeDoc = delivery.item
            if change.seq <= self.last:
                continue
            if change.seq > self.last + 1:  # those before it first, from the log
                async for batch in self._read(through=change.seq - 1, upto=change.seq - 1):
                    yield batch
            self.last = change.seq
            yield Batch([change], delivery)
            self._end_if_purged([change])

    async def _read(self, *, through: int, upto: int | None = None) -> AsyncIterator[Batch]:
        scope_id = self._subscription.scope_id
        while True:
            page = await read_after(
                self._store, scope_id, self.last, through=through, upto=upto, limit=PAGE
            )
            if not page:
                return
            self.last = page[-1].seq
            yield Batch(page)
            self._end_if_purged(page)
            if len(page) < PAGE:
                return

    def _end_if_purged(self, changes: list[ChangeDoc]) -> None:
        """After the PURGED of the project or conversation itself, nothing follows."""
        scope_id = self._subscription.scope_id
        if any(c.kind == ChangeKind.PURGED and c.node_id == scope_id for c in changes):
            raise NotFound(self._subscription.gone)
