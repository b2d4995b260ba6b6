"""Live updates: one change stream per process, fanned out to its subscribers.

Events come from MongoDB, so a message posted through any gateway instance
reaches the subscribers of every instance, and so does every change to who may
hold a subscription open: a reader removed from `sharedWith`, a deleted
conversation, a revoked key, a suspended or deleted account end the
subscriptions they no longer allow, with the error an HTTP request would get.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar

from .auth import Viewer, key_refusal
from .datastore.changes import (
    ChatEvent,
    ConversationChanged,
    MessageInserted,
    StreamOpened,
    UserChanged,
)
from .datastore.documents import ConversationDoc, MessageDoc, UserDoc
from .errors import ApiError, DomainError, ErrorCode, NotFound
from .policy import conversation_readers, is_admin, reads_conversation

__all__ = ["Delivery", "Hub", "Subscription", "SubscriptionLimits"]

log = logging.getLogger("mongraph.live")

Watch = Callable[[Mapping[str, Any] | None], AsyncIterator[tuple[ChatEvent, Any]]]
T = TypeVar("T")
QUEUE_SIZE = 1000
RETRY_SECONDS = 1.0
CONVERSATION_GONE = "Conversation not found"


@dataclass(frozen=True)
class SubscriptionLimits:
    per_viewer: int = 100
    per_process: int = 10_000


@dataclass(eq=False)
class Delivery:
    """One new message as every subscriber of this process receives it. What is made from
    it for them (its payload object, each distinct selection's result) is made once."""

    message: MessageDoc
    made: dict[Any, Any] = field(default_factory=dict)

    def once(self, key: Any, make: Callable[[], T]) -> T:
        if key not in self.made:
            self.made[key] = make()
        made: T = self.made[key]
        return made


@dataclass(eq=False)
class Subscription:
    """One subscriber's view of one conversation."""

    conversation_id: Any
    user_id: Any
    key_hash: str | None
    sees_everything: bool
    ended_by: DomainError | None = None
    queue: asyncio.Queue[Delivery | None] = field(
        default_factory=lambda: asyncio.Queue(maxsize=QUEUE_SIZE)
    )

    async def next(self) -> Delivery | None:
        """The next message; None when the hub closed; raises why the subscription ended
        when the viewer lost the right to it."""
        delivery = await self.queue.get()
        if delivery is None and self.ended_by is not None:
            raise self.ended_by
        return delivery


class Hub:
    """Fans one change stream out to the subscriptions of this process.

    Example::

        hub = Hub(lambda token: watch_chat(store, resume_after=token))
        async with hub.subscribe(conversation_doc, viewer) as sub:
            delivery = await sub.next()
    """

    def __init__(self, watch: Watch, limits: SubscriptionLimits | None = None) -> None:
        self._watch = watch
        self.limits = limits or SubscriptionLimits()
        self._subscriptions: dict[Any, set[Subscription]] = {}
        self._by_user: dict[Any, set[Subscription]] = {}
        self._readers: dict[Any, frozenset[Any]] = {}
        self._count = 0
        self._task: asyncio.Task[None] | None = None
        self._open = asyncio.Event()
        self._token: Mapping[str, Any] | None = None

    @property
    def subscription_count(self) -> int:
        return self._count

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
        self, conversation: ConversationDoc, viewer: Viewer
    ) -> AsyncIterator[Subscription]:
        """`TOO_MANY_SUBSCRIPTIONS` past the viewer's or the process's limit."""
        await self.start()  # returns at once once open: nothing runs between check and add
        user_id = viewer.user.id
        if len(self._by_user.get(user_id, ())) >= self.limits.per_viewer:
            raise ApiError(
                ErrorCode.TOO_MANY_SUBSCRIPTIONS,
                f"this account already holds {self.limits.per_viewer} live subscriptions "
                "on this server; end one first",
            )
        if self._count >= self.limits.per_process:
            raise ApiError(
                ErrorCode.TOO_MANY_SUBSCRIPTIONS,
                "this server holds as many live subscriptions as it allows; try again later",
            )
        sub = Subscription(conversation.id, user_id, viewer.key_hash, is_admin(viewer.user))
        self._subscriptions.setdefault(conversation.id, set()).add(sub)
        self._by_user.setdefault(user_id, set()).add(sub)
        self._readers.setdefault(conversation.id, conversation_readers(conversation))
        self._count += 1
        try:
            yield sub
        finally:
            self._count -= 1
            _discard(self._by_user, user_id, sub)
            if not _discard(self._subscriptions, conversation.id, sub):
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
                self._readers[event.conversation_id] = conversation_readers(event.conversation)
                for sub in list(self._subscriptions.get(event.conversation_id, ())):
                    self._recheck_access(sub)
        elif isinstance(event, UserChanged):
            for sub in list(self._by_user.get(event.user_id, ())):
                self._recheck_account(sub, event.user)
        elif isinstance(event, MessageInserted):
            message = event.message
            if message.deleted_at is not None:
                return
            readers = self._readers.get(message.conversation_id, frozenset())
            delivery = Delivery(message)
            for sub in list(self._subscriptions.get(message.conversation_id, ())):
                if reads_conversation(readers, sub.user_id, sub.sees_everything):
                    _offer(sub, delivery)

    def _recheck_account(self, sub: Subscription, user: UserDoc | None) -> None:
        """The account's key and status, by the same rule as authentication; then its
        roles (an admin who is no longer one reads only what they own or share)."""
        refusal = key_refusal(user, sub.key_hash)
        if refusal is not None:
            _end(sub, refusal)
            return
        assert user is not None
        sub.sees_everything = is_admin(user)
        self._recheck_access(sub)

    def _recheck_access(self, sub: Subscription) -> None:
        readers = self._readers.get(sub.conversation_id, frozenset())
        if not reads_conversation(readers, sub.user_id, sub.sees_everything):
            _end(sub, NotFound(CONVERSATION_GONE))  # what HTTP answers this reader now


def _discard(index: dict[Any, set[Subscription]], key: Any, sub: Subscription) -> bool:
    """Removes `sub` from `index[key]`; False when that left the key without any."""
    subs = index.get(key, set())
    subs.discard(sub)
    if subs:
        return True
    index.pop(key, None)
    return False


def _end(sub: Subscription, error: DomainError) -> None:
    """Ends the subscription with `error`, ahead of whatever it has not received yet."""
    if sub.ended_by is not None:
        return
    sub.ended_by = error
    while not sub.queue.empty():
        sub.queue.get_nowait()
    sub.queue.put_nowait(None)


def _offer(sub: Subscription, delivery: Delivery | None) -> None:
    if sub.ended_by is not None:
        return
    try:
        sub.queue.put_nowait(delivery)
    except asyncio.QueueFull:
        log.warning("subscriber too slow; dropping a message of %s", sub.conversation_id)
