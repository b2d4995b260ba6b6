"""Live updates: one change stream per process, fanned out to its subscribers.

Events come from MongoDB, so a message posted or a change committed through any gateway
instance reaches the subscribers of every instance, and so does every change to who may
hold a subscription open: a reader removed from `sharedWith`, a deleted conversation, a
revoked key, a suspended or deleted account end the subscriptions they no longer allow,
with the error an HTTP request would get. A subscription follows one feed of one project
or conversation: its new messages (`MESSAGES`) or its change log (`CHANGES`, ordered and
resumed per subscriber by `change_feed.py`).
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from .auth import Viewer, key_refusal
from .datastore.changes import (
    ChangeRecorded,
    ChatEvent,
    ConversationChanged,
    MessageInserted,
    StreamOpened,
    UserChanged,
)
from .datastore.documents import ConversationDoc, ProjectDoc, UserDoc
from .errors import ApiError, DomainError, ErrorCode, NotFound
from .policy import conversation_readers, follows_changes, is_admin, reads_conversation

__all__ = ["CHANGES", "MESSAGES", "Delivery", "Feed", "Hub", "Subscription", "SubscriptionLimits"]

log = logging.getLogger("mongraph.live")

Watch = Callable[[Mapping[str, Any] | None], AsyncIterator[tuple[ChatEvent, Any]]]
T = TypeVar("T")
Item = TypeVar("Item")
Scope = ProjectDoc | ConversationDoc
QUEUE_SIZE = 1000
RETRY_SECONDS = 1.0


@dataclass(frozen=True)
class Feed:
    """What a subscription follows of its project or conversation, and who may follow it."""

    name: str
    follows: Callable[[Scope | None, Any, bool], bool]
    """The policy's rule: (the object as last seen, None once gone; the account's id;
    whether it is an admin) → whether the account may hold the subscription open."""


def _reads_messages(scope: Scope | None, account_id: Any, admin: bool) -> bool:
    conversation = scope if isinstance(scope, ConversationDoc) else None
    return reads_conversation(conversation_readers(conversation), account_id, admin)


MESSAGES = Feed("messages", _reads_messages)
"""A conversation's new messages (`messageAdded`)."""
CHANGES = Feed("changes", follows_changes)
"""A project's or conversation's change log (`projectChanges`, `conversationChanges`)."""


@dataclass(frozen=True)
class SubscriptionLimits:
    per_viewer: int = 100
    per_process: int = 10_000


@dataclass(eq=False)
class Delivery(Generic[Item]):
    """One new message or change as every subscriber of this process receives it. What is
    made from it for them (its payload object, each distinct selection's result) is made
    once."""

    item: Item
    made: dict[Any, Any] = field(default_factory=dict)

    def once(self, key: Any, make: Callable[[], T]) -> T:
        if key not in self.made:
            self.made[key] = make()
        made: T = self.made[key]
        return made


@dataclass(eq=False)
class Subscription:
    """One subscriber's view of one feed of one project or conversation."""

    scope_id: Any
    feed: Feed
    gone: str
    """The `NOT_FOUND` message once the subscriber may no longer follow it."""
    user_id: Any
    key_hash: str | None
    sees_everything: bool
    ended_by: DomainError | None = None
    lagging: bool = False
    """Deliveries were dropped (the queue was full): a change feed catches up from the
    database (a message feed just loses them, as before)."""
    queue: asyncio.Queue[Delivery[Any] | None] = field(
        default_factory=lambda: asyncio.Queue(maxsize=QUEUE_SIZE)
    )

    async def next(self) -> Delivery[Any] | None:
        """The next delivery; None when the hub closed; raises why the subscription ended
        when the viewer lost the right to it."""
        delivery = await self.queue.get()
        if delivery is None and self.ended_by is not None:
            raise self.ended_by
        return delivery


class Hub:
    """Fans one change stream out to the subscriptions of this process.

    Example::

        hub = Hub(lambda token: watch_chat(store, resume_after=token))
        async with hub.subscribe(conversation_doc, viewer, MESSAGES) as sub:
            delivery = await sub.next()
    """

    def __init__(self, watch: Watch, limits: SubscriptionLimits | None = None) -> None:
        self._watch = watch
        self.limits = limits or SubscriptionLimits()
        self._subscriptions: dict[Any, set[Subscription]] = {}
        self._by_user: dict[Any, set[Subscription]] = {}
        self._scopes: dict[Any, Scope | None] = {}
        """Each followed project or conversation as last seen (None: gone)."""
        self._count = 0
        self._task: asyncio.Task[None] | None = None
        self._open = asyncio.Event()
        self._token: Mapping[str, Any] | None = None

    @property
    def subscription_count(self) -> int:
        return self._count

    @property
    def tracked_scopes(self) -> int:
        """Projects and conversations followed by at least one subscription."""
        return len(self._scopes)

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
        self, scope: Scope, viewer: Viewer, feed: Feed
    ) -> AsyncIterator[Subscription]:
        """A subscription to `feed` of this project or conversation, which the caller has
        found the viewer may follow; `TOO_MANY_SUBSCRIPTIONS` past the viewer's or the
        process's limit."""
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
        gone = f"{'Project' if isinstance(scope, ProjectDoc) else 'Conversation'} not found"
        sub = Subscription(
            scope.id, feed, gone, user_id, viewer.key_hash, is_admin(viewer.user)
        )  # fmt: skip
        self._subscriptions.setdefault(scope.id, set()).add(sub)
        self._by_user.setdefault(user_id, set()).add(sub)
        self._scopes.setdefault(scope.id, scope)
        self._count += 1
        try:
            yield sub
        finally:
            self._count -= 1
            _discard(self._by_user, user_id, sub)
            if not _discard(self._subscriptions, scope.id, sub):
                self._scopes.pop(scope.id, None)

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
            if event.conversation_id in self._scopes:
                self._scopes[event.conversation_id] = event.conversation
                for sub in list(self._subscriptions.get(event.conversation_id, ())):
                    self._recheck_access(sub)
        elif isinstance(event, UserChanged):
            for sub in list(self._by_user.get(event.user_id, ())):
                self._recheck_account(sub, event.user)
        elif isinstance(event, MessageInserted):
            if event.message.deleted_at is None:
                self._deliver(event.message.conversation_id, MESSAGES, Delivery(event.message))
        elif isinstance(event, ChangeRecorded):
            self._deliver(event.change.scope, CHANGES, Delivery(event.change))

    def _deliver(self, scope_id: Any, feed: Feed, delivery: Delivery[Any]) -> None:
        scope = self._scopes.get(scope_id)
        for sub in list(self._subscriptions.get(scope_id, ())):
            if sub.feed is feed and feed.follows(scope, sub.user_id, sub.sees_everything):
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
        scope = self._scopes.get(sub.scope_id)
        if not sub.feed.follows(scope, sub.user_id, sub.sees_everything):
            # What HTTP answers this reader now. A change feed whose object is gone (purged)
            # gets what was committed before that, its PURGED included, first.
            _end(sub, NotFound(sub.gone), after_queued=scope is None and sub.feed is CHANGES)


def _discard(index: dict[Any, set[Subscription]], key: Any, sub: Subscription) -> bool:
    """Removes `sub` from `index[key]`; False when that left the key without any."""
    subs = index.get(key, set())
    subs.discard(sub)
    if subs:
        return True
    index.pop(key, None)
    return False


def _end(sub: Subscription, error: DomainError, *, after_queued: bool = False) -> None:
    """Ends the subscription with `error`: ahead of whatever it has not received yet, or
    `after_queued` (then only what it would have caught up on is lost)."""
    if sub.ended_by is not None:
        return
    sub.ended_by = error
    sub.lagging = False
    while not sub.queue.empty() and (not after_queued or sub.queue.full()):
        sub.queue.get_nowait()
    sub.queue.put_nowait(None)


def _offer(sub: Subscription, delivery: Delivery[Any] | None) -> None:
    if sub.ended_by is not None:
        return
    try:
        sub.queue.put_nowait(delivery)
    except asyncio.QueueFull:
        if sub.feed is CHANGES:
            sub.lagging = True  # it catches up from the database once it has drained these
        else:
            log.warning("subscriber too slow; dropping a message of %s", sub.scope_id)
