"""AsyncMongoClient lifecycle and the `transaction()` helper with retry."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable, Sequence
from contextlib import AbstractContextManager
from datetime import timedelta
from typing import TYPE_CHECKING, Any, TypeVar

import pymongo
from bson.raw_bson import RawBSONDocument
from pymongo import AsyncMongoClient
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import PyMongoError
from pymongo.monitoring import CommandListener
from pymongo.read_concern import ReadConcern
from pymongo.write_concern import WriteConcern

from .contention import WriterQueues, is_write_conflict, lost_to_writers, timed_out
from .monitoring import Monitor
from .pagination import CursorCodec

if TYPE_CHECKING:
    from ..config import Settings

__all__ = ["Datastore", "Session"]

T = TypeVar("T")
Session = AsyncClientSession
Doc = dict[str, Any]
CHANGE_RETENTION = timedelta(days=7)
"""How long a change stays in the change log by default (MONGRAPH_CHANGE_RETENTION)."""


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
        timeout_seconds: float = 5.0,
        change_retention: timedelta = CHANGE_RETENTION,
    ) -> None:
        self.client = client
        self.timeout_seconds = timeout_seconds
        self.change_retention = change_retention
        """How long the changes written through this store are kept (`change_log.py`)."""
        self._writers = WriterQueues()
        self.db: AsyncDatabase[Doc] = client[db_name]
        self.raw_db: AsyncDatabase[RawBSONDocument] = self.db.with_options(
            self.db.codec_options.with_options(document_class=RawBSONDocument)
        )
        """The same database, its replies' documents left as BSON to decode one by one."""
        self.stored_db: AsyncDatabase[Doc] = self.db.with_options(
            self.db.codec_options.with_options(tz_aware=False)
        )
        """The same database, its dates decoded without a zone: for documents that become
        models through `from_stored`, which gives them UTC. The driver's own conversion to
        aware dates was a third of decoding a document (two dates, 1 µs each)."""
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
        change_retention: timedelta = CHANGE_RETENTION,
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
        return cls(client, db_name, cursor_secret, monitor, timeout_seconds, change_retention)

    @classmethod
    def for_settings(
        cls, uri: str, settings: Settings, *, listeners: Sequence[CommandListener] = ()
    ) -> Datastore:
        """The gateway's store: database name, cursor key, timeout and how long changes are
        kept, from `settings`."""
        return cls.connect(
            uri,
            settings.mongraph_db,
            cursor_secret=settings.mongraph_cursor_secret,
            listeners=listeners,
            timeout_seconds=settings.mongraph_db_timeout,
            change_retention=settings.mongraph_change_retention,
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

    async def transaction(
        self, callback: Callable[[Session], Awaitable[T]], *, serialize_on: Hashable = None
    ) -> T:
        """Run `callback` in one transaction.

        `with_transaction` retries the whole callback on `TransientTransactionError`
        and the commit on `UnknownTransactionCommitResult`, so the callback must be
        idempotent and must run its commands one after another. With `serialize_on`
        (an owner's id), this process runs one such transaction per key at a time
        (datastore/contention.py). A transaction that kept losing to concurrent writes
        until the deadline is `WRITE_CONFLICT` (retryable), not an unavailable database.
        """
        if serialize_on is None:
            return await self._transaction(callback)
        async with self._writers.turn(serialize_on, self.timeout_seconds):
            return await self._transaction(callback)

    async def _transaction(self, callback: Callable[[Session], Awaitable[T]]) -> T:
        conflicts = 0

        async def attempt(session: Session) -> T:
            nonlocal conflicts
            try:
                return await callback(session)
            except Exception as error:
                conflicts += is_write_conflict(error)
                raise

        async with self.client.start_session() as session:
            try:
                return await session.with_transaction(
                    attempt,
                    read_concern=ReadConcern("snapshot"),
                    write_concern=WriteConcern("majority"),
                )
            except PyMongoError as error:
                if conflicts and timed_out(error):
                    raise lost_to_writers() from error
                raise

    async def close(self) -> None:
        await self.client.close()
