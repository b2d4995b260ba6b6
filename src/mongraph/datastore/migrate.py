"""Versioned migrations: numbered modules with `up()` / `down()`, recorded in `migrations`.

A migration is a module `mNNNN_<name>.py` in a migrations package (the gateway's is
`datastore/migrations/`) with::

    async def up(ctx: MigrationContext) -> None: ...
    async def down(ctx: MigrationContext) -> None: ...

Both must be idempotent: a migration interrupted half-way runs again from the start.
Each applied migration is a document `{_id: <version>, name, appliedAt, appliedBy}` in
the `migrations` collection; the database's version is the highest applied one.

Only one process migrates at a time: `up` and `down` hold a lease (`{_id: "lock"}` in the
same collection, inserted once, renewed while running, taken over only after it expired)
and read which migrations are applied only once they hold it.
"""

from __future__ import annotations

import asyncio
import importlib
import logging
import os
import pkgutil
import re
import socket
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import ModuleType
from typing import Any

from pymongo.errors import DuplicateKeyError, PyMongoError

from .client import Datastore
from .documents import utcnow

__all__ = [
    "AppliedMigration",
    "DatabaseVersionError",
    "Migration",
    "MigrationContext",
    "MigrationError",
    "MigrationStatus",
    "Progress",
    "load_migrations",
    "migrate_down",
    "migrate_up",
    "migration_status",
]

log = logging.getLogger(__name__)

COLLECTION = "migrations"
DEFAULT_PACKAGE = "mongraph.datastore.migrations"
_LOCK_ID = "lock"
_MODULE_NAME = re.compile(r"^m(\d{4})_(\w+)$")

Progress = Callable[[str, int, int], None]
"""`(label, done, total)`: called as a long migration advances."""


class MigrationError(RuntimeError):
    pass


class DatabaseVersionError(MigrationError):
    """The database is not at the version this code expects."""


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    description: str
    module: ModuleType

    @property
    def label(self) -> str:
        return f"{self.version:04d} {self.name}"


@dataclass(frozen=True)
class AppliedMigration:
    version: int
    name: str
    applied_at: datetime
    applied_by: str


@dataclass(frozen=True)
class MigrationStatus:
    known: list[Migration]
    applied: list[AppliedMigration]

    @property
    def current(self) -> int:
        return max((a.version for a in self.applied), default=0)

    @property
    def latest(self) -> int:
        return max((m.version for m in self.known), default=0)

    @property
    def pending(self) -> list[Migration]:
        done = {a.version for a in self.applied}
        return [m for m in self.known if m.version not in done]

    @property
    def unknown(self) -> list[AppliedMigration]:
        """Applied migrations this code does not have (the database is newer)."""
        known = {m.version for m in self.known}
        return [a for a in self.applied if a.version not in known]

    def check(self) -> None:
        """Raises `DatabaseVersionError` unless the database is at exactly this code's version."""
        if self.unknown:
            raise DatabaseVersionError(
                f"the database is at migration version {self.current}, newer than this "
                f"code knows ({self.latest}): run a newer mongraph, or undo the newer "
                f"migrations with it (`mongraph migrate down N`)"
            )
        if self.pending:
            raise DatabaseVersionError(
                f"the database is at migration version {self.current}, this code needs "
                f"{self.latest}: run `mongraph migrate up` (or set MONGRAPH_MIGRATE_ON_START=1)"
            )


@dataclass
class MigrationContext:
    """What a migration gets: the store and a way to report progress."""

    store: Datastore
    migration: Migration
    progress: Progress
    lease: _Lease | None = None

    def report(self, done: int, total: int) -> None:
        if self.lease is not None:
            self.lease.check()
        self.progress(self.migration.label, done, total)

    async def each_batch(
        self,
        collection: str,
        query: dict[str, Any],
        apply: Callable[[list[dict[str, Any]]], Awaitable[None]],
        *,
        batch_size: int = 500,
    ) -> int:
        """Calls `apply` on the documents matching `query`, `batch_size` at a time in `_id`
        order, reporting progress after each batch; returns how many it processed.
        `apply` must make a document stop matching `query` or be harmless when repeated."""
        coll = self.store.db[collection]
        total = await coll.count_documents(query)
        done = 0
        self.report(done, total)
        last: Any = None
        while True:
            page = {"$and": [query, {"_id": {"$gt": last}}]} if last is not None else query
            batch = await coll.find(page).sort("_id", 1).limit(batch_size).to_list()
            if not batch:
                return done
            await apply(batch)
            done += len(batch)
            last = batch[-1]["_id"]
            self.report(done, max(total, done))


def load_migrations(package: str = DEFAULT_PACKAGE) -> list[Migration]:
    """The migrations of `package`, by version; versions must run 1, 2, 3… without gaps."""
    root = importlib.import_module(package)
    found: list[Migration] = []
    for info in pkgutil.iter_modules(root.__path__):
        match = _MODULE_NAME.match(info.name)
        if match is None:
            continue
        module = importlib.import_module(f"{package}.{info.name}")
        for function in ("up", "down"):
            if not callable(getattr(module, function, None)):
                raise MigrationError(f"{module.__name__} has no {function}()")
        doc = (module.__doc__ or "").strip().splitlines()
        found.append(Migration(int(match[1]), match[2], doc[0] if doc else "", module))
    found.sort(key=lambda m: m.version)
    versions = [m.version for m in found]
    if versions != list(range(1, len(found) + 1)):
        raise MigrationError(f"migration versions in {package} must be 1..N, found {versions}")
    return found


async def migration_status(store: Datastore, package: str = DEFAULT_PACKAGE) -> MigrationStatus:
    records = store.db[COLLECTION].find({"_id": {"$type": "number"}}).sort("_id", 1)
    applied = [
        AppliedMigration(int(r["_id"]), r["name"], r["appliedAt"], r.get("appliedBy", ""))
        async for r in records
    ]
    return MigrationStatus(load_migrations(package), applied)


def _quiet(label: str, done: int, total: int) -> None:
    pass


async def migrate_up(
    store: Datastore,
    *,
    package: str = DEFAULT_PACKAGE,
    progress: Progress = _quiet,
    on_start: Callable[[Migration], None] | None = None,
    lease: timedelta = timedelta(seconds=60),
    wait: timedelta = timedelta(minutes=10),
) -> list[Migration]:
    """Applies every pending migration in order; returns those this call applied."""
    async with _locked(store, lease, wait) as held:
        status = await migration_status(store, package)
        if status.unknown:
            status.check()
        applied: list[Migration] = []
        for migration in status.pending:
            if on_start is not None:
                on_start(migration)
            await migration.module.up(MigrationContext(store, migration, progress, held))
            held.check()
            await store.db[COLLECTION].insert_one(
                {
                    "_id": migration.version,
                    "name": migration.name,
                    "appliedAt": utcnow(),
                    "appliedBy": held.owner,
                }
            )
            applied.append(migration)
        return applied


async def migrate_down(
    store: Datastore,
    steps: int,
    *,
    package: str = DEFAULT_PACKAGE,
    progress: Progress = _quiet,
    on_start: Callable[[Migration], None] | None = None,
    lease: timedelta = timedelta(seconds=60),
    wait: timedelta = timedelta(minutes=10),
) -> list[Migration]:
    """Undoes the `steps` most recently applied migrations, newest first."""
    if steps < 1:
        raise MigrationError("down needs a number of migrations ≥ 1")
    async with _locked(store, lease, wait) as held:
        status = await migration_status(store, package)
        if status.unknown:
            status.check()
        by_version = {m.version: m for m in status.known}
        undone: list[Migration] = []
        for record in sorted(status.applied, key=lambda a: -a.version)[:steps]:
            migration = by_version[record.version]
            if on_start is not None:
                on_start(migration)
            await migration.module.down(MigrationContext(store, migration, progress, held))
            held.check()
            await store.db[COLLECTION].delete_one({"_id": migration.version})
            undone.append(migration)
        return undone


@dataclass
class _Lease:
    store: Datastore
    duration: timedelta
    owner: str = field(
        default_factory=lambda: f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
    )
    lost: bool = False
    renewed_at: float = 0.0
    """`time.monotonic()` of the last acquisition or renewal."""

    def check(self) -> None:
        """Raises unless the lock is still ours: not taken over, and renewed within the lease
        (a process that could not renew for a whole lease may have been taken over)."""
        if self.lost or time.monotonic() - self.renewed_at > self.duration.total_seconds():
            raise MigrationError("lost the migration lock (it expired while migrating)")

    async def try_acquire(self) -> bool:
        now = utcnow()
        fields = {"owner": self.owner, "acquiredAt": now, "expiresAt": now + self.duration}
        coll = self.store.db[COLLECTION]
        self.renewed_at = time.monotonic()
        try:
            await coll.insert_one({"_id": _LOCK_ID, **fields})
            return True
        except DuplicateKeyError:
            pass
        expired = {"_id": _LOCK_ID, "expiresAt": {"$lt": now}}
        taken = await coll.find_one_and_update(expired, {"$set": fields})
        if taken is not None:
            log.warning("took over an expired migration lock held by %s", taken.get("owner"))
        return taken is not None

    async def renew_once(self) -> None:
        started = time.monotonic()
        try:
            result = await self.store.db[COLLECTION].update_one(
                {"_id": _LOCK_ID, "owner": self.owner},
                {"$set": {"expiresAt": utcnow() + self.duration}},
            )
        except PyMongoError as error:  # the next renewal may succeed; `check` counts the time
            log.warning("could not renew the migration lock: %s", error)
            return
        if result.matched_count == 0:
            self.lost = True
        else:
            self.renewed_at = started

    async def renew(self) -> None:
        while not self.lost:
            await asyncio.sleep(self.duration.total_seconds() / 3)
            await self.renew_once()

    async def release(self) -> None:
        await self.store.db[COLLECTION].delete_one({"_id": _LOCK_ID, "owner": self.owner})


@asynccontextmanager
async def _locked(store: Datastore, lease: timedelta, wait: timedelta) -> AsyncIterator[_Lease]:
    held = _Lease(store, lease)
    deadline = asyncio.get_running_loop().time() + wait.total_seconds()
    while not await held.try_acquire():
        if asyncio.get_running_loop().time() > deadline:
            holder = await store.db[COLLECTION].find_one({"_id": _LOCK_ID})
            raise MigrationError(f"the migration lock is held by {(holder or {}).get('owner')}")
        await asyncio.sleep(0.1)
    renewing = asyncio.create_task(held.renew())
    try:
        yield held
    finally:
        renewing.cancel()
        await held.release()
