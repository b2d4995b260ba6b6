"""Live updates: one change stream per process, fanned out to its subscribers.

Events come from MongoDB, so a message posted through any gateway instance
reaches the subscribers of every instance. Who may read a conversation is
tracked from the same stream, so a reader removed from `sharedWith` stops
receiving at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from .datastore.changes import ChatEvent, ConversationChanged, MessageInserted, StreamOpened
from .datastore.documents import ConversationDoc, MessageDoc

__all__ = ["Hub", "Subscription"]

log = logging.getLogger("mongraph.live")

Watch = Callable[[Mapping[str, Any] | None], AsyncIterator[tuple[ChatEvent, Any]]]
QUEUE_SIZE = 1000
RETRY_SECONDS = 1.0


@dataclass(eq=False)
class Subscription:
    """One subscriber's view of one conversation."""

    conversation_id: Any
    user_id: Any
    sees_everything: bool
    queue: asyncio.Queue[MessageDoc | None] = field(
        default_factory=lambda: asyncio.Queue(maxsize=QUEUE_SIZE)
    )

    async def next(self) -> MessageDoc | None:
        """The next message; None when the subscription was closed by the hub."""
        return await self.queue.get()


def _readers(conversation: ConversationDoc | None) -> frozenset[Any]:
    if conversation is None or conversation.deleted_at is not None:
        return frozenset()
    return frozenset([conversation.owner_id, *conversation.shared_with])


class Hub:
    """Fans one change stream out to the subscriptions of this process.

    Example::

        hub = Hub(lambda token: watch_chat(store, resume_after=token))
        async with hub.subscribe(conversation_doc, viewer_id, admin=False) as sub:
            message = await sub.next()
    """

    def __init__(self, watch: Watch) -> None:
        self._watch = watch
        self._subscriptions: dict[Any, set[Subscription]] = {}
        self._readers: dict[Any, frozenset[Any]] = {}
        self._task: asyncio.Task[None] | None = None
        self._open = asyncio.Event()
        self._token: Mapping[str, Any] | None = None

    @property
    def subscription_count(self) -> int:
        return sum(len(subs) for subs in self._subscriptions.values())

    @property
    def tracked_conversations(self) -> int:
        return len(self._readers)

    async def start(self) -> None:
        """Opens the stream (idempotent) and waits until it sees changes."""
        if self._task is None or self._task.done():
            # A fresh context: the stream belongs to the process, not to the request (its
            # deadline, its trace, its log line) that happened to open it.
            self._task = asyncio.create_task(
                self._run(), name="mongraph-live-hub", context=contextvars.Context()
            )
        await self._open.wait()

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        for subs in self._subscriptions.values():
            for sub in subs:
                _offer(sub, None)

    @asynccontextmanager
    async def subscribe(
        self, conversation: ConversationDoc, user_id: Any, *, admin: bool
    ) -> AsyncIterator[Subscription]:
        await self.start()
        sub = Subscription(conversation.id, user_id, admin)
        self._subscriptions.setdefault(conversation.id, set()).add(sub)
        self._readers.setdefault(conversation.id, _readers(conversation))
        try:
            yield sub
        finally:
            subs = self._subscriptions.get(conversation.id, set())
            subs.discard(sub)
            if not subs:
                self._subscriptions.pop(conversation.id, None)
                self._readers.pop(conversation.id, None)

    async def _run(self) -> None:
        while True:
            try:
                async for event, token in self._watch(self._token):
                    self._token = token or self._token
                    self._dispatch(event)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("change stream failed; resuming in %ss", RETRY_SECONDS)
                await asyncio.sleep(RETRY_SECONDS)

    def _dispatch(self, event: ChatEvent) -> None:
        if isinstance(event, StreamOpened):
            self._open.set()
        elif isinstance(event, ConversationChanged):
            if event.conversation_id in self._readers:
                self._readers[event.conversation_id] = _readers(event.conversation)
        elif isinstance(event, MessageInserted):
            message = event.message
            if message.deleted_at is not None:
                return
            readers = self._readers.get(message.conversation_id, frozenset())
            for sub in list(self._subscriptions.get(message.conversation_id, ())):
                if sub.sees_everything or sub.user_id in readers:
                    _offer(sub, message)


def _offer(sub: Subscription, message: MessageDoc | None) -> None:
    try:
        sub.queue.put_nowait(message)
    except asyncio.QueueFull:
        log.warning("subscriber too slow; dropping a message of %s", sub.conversation_id)
