"""AsyncMongoClient lifecycle and the `transaction()` helper with retry."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any, TypeVar

import pymongo
from pymongo import AsyncMongoClient
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.monitoring import CommandListener
from pymongo.read_concern import ReadConcern
from pymongo.write_concern import WriteConcern

from .monitoring import Monitor
from .pagination import CursorCodec

if TYPE_CHECKING:
    from ..config import Settings

__all__ = ["Datastore", "Session"]

T = TypeVar("T")
Session = AsyncClientSession
Doc = dict[str, Any]


class Datastore:
    """One client and one database, shared by every request of a process.

    Example::

        store = Datastore.connect("mongodb://127.0.0.1:27017", "mongraph")
        await store.ping()
    """

    def __init__(
        self,
        client: AsyncMongoClient[Doc],
        db_name: str,
        cursor_secret: str,
        monitor: Monitor | None = None,
    ) -> None:
        self.client = client
        self.db: AsyncDatabase[Doc] = client[db_name]
        self.cursors = CursorCodec(cursor_secret)
        self.monitor = monitor or Monitor()
        """The client's command and pool events (metrics and tracing attach to it)."""

    @classmethod
    def connect(
        cls,
        uri: str,
        db_name: str,
        *,
        cursor_secret: str,
        listeners: Sequence[CommandListener] = (),
        timeout_seconds: float = 5.0,
    ) -> Datastore:
        """`timeout_seconds` bounds finding a server and opening a connection to it."""
        timeout_ms = max(1, int(timeout_seconds * 1000))
        monitor = Monitor()
        client: AsyncMongoClient[Doc] = AsyncMongoClient(
            uri,
            tz_aware=True,
            event_listeners=[monitor, *listeners],
            serverSelectionTimeoutMS=timeout_ms,
            connectTimeoutMS=timeout_ms,
            appname="mongraph",
        )
        return cls(client, db_name, cursor_secret, monitor)

    @classmethod
    def for_settings(cls, uri: str, settings: Settings) -> Datastore:
        """The gateway's store: database name, cursor key and timeout from `settings`."""
        return cls.connect(
            uri,
            settings.mongraph_db,
            cursor_secret=settings.mongraph_cursor_secret,
            timeout_seconds=settings.mongraph_db_timeout,
        )

    @staticmethod
    def deadline(seconds: float) -> AbstractContextManager[None]:
        """Bounds every command run inside the block, retries and transactions included.

        A stalled or unreachable server then fails the block within `seconds`
        (with an error `is_unavailable` recognises) instead of hanging it.
        """
        return pymongo.timeout(seconds)

    async def ping(self, timeout_seconds: float = 5.0) -> bool:
        try:
            with self.deadline(timeout_seconds):
                await self.db.command("ping")
        except Exception:
            return False
        return True

    async def transaction(self, callback: Callable[[Session], Awaitable[T]]) -> T:
        """Run `callback` in one transaction.

        `with_transaction` retries the whole callback on `TransientTransactionError`
        and the commit on `UnknownTransactionCommitResult`, so the callback must be
        idempotent and must run its commands one after another.
        """
        async with self.client.start_session() as session:
            return await session.with_transaction(
                callback,
                read_concern=ReadConcern("snapshot"),
                write_concern=WriteConcern("majority"),
            )

    async def close(self) -> None:
        await self.client.close()
