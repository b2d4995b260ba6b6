"""The test databases: one migrated once per session (per xdist worker) and emptied between
tests, or a fresh one migrated from nothing for the tests that need it.

Migrating a database (every validator and index, twice: migrations 1 and 2 both apply
the schema) costs ~50 ms on the embedded server; emptying the shared one and checking
that its schema is still the migrated one costs a few.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

from mongraph.datastore.client import Datastore
from mongraph.datastore.migrate import COLLECTION as MIGRATIONS
from mongraph.datastore.migrate import migrate_up
from tests.utils.apps import CURSOR_SECRET

__all__ = ["DatabaseShape", "SharedDatabase", "database_name", "migrate_new", "shape_of"]

Doc = dict[str, Any]
# What `migrate_up` writes that differs from one run to the next.
_RUN_FIELDS = ("appliedAt", "appliedBy")


def database_name(worker: str = "") -> str:
    """A name no other test, session or xdist worker uses."""
    return f"test_{worker + '_' if worker else ''}{uuid.uuid4().hex[:12]}"


async def migrate_new(uri: str, name: str, **connect: Any) -> Datastore:
    """A store on database `name`, migrated from nothing (what `store` gave every test)."""
    store = Datastore.connect(uri, name, cursor_secret=CURSOR_SECRET, **connect)
    await migrate_up(store)
    return store


@dataclass(frozen=True)
class DatabaseShape:
    """What a test can leave behind: collections (with their options, validators
    included), every index's full spec, and every document (by collection)."""

    collections: dict[str, Doc]
    indexes: dict[str, list[Doc]]
    documents: dict[str, list[Doc]]

    def differences(self, other: DatabaseShape) -> list[str]:
        """Where `other` is not this shape (in words, for a failure message)."""
        found: list[str] = []
        for name in sorted(self.collections.keys() | other.collections.keys()):
            if name not in other.collections:
                found.append(f"collection {name!r} is missing")
            elif name not in self.collections:
                found.append(f"collection {name!r} was added")
            elif self.collections[name] != other.collections[name]:
                found.append(f"collection {name!r} has other options (validator)")
            elif self.indexes.get(name) != other.indexes.get(name):
                found.append(f"collection {name!r} has other indexes")
            elif self.documents.get(name) != other.documents.get(name):
                found.append(f"collection {name!r} has other documents")
        return found


def _index(spec: Doc) -> Doc:
    return {k: v for k, v in spec.items() if k not in ("v", "ns")}


def _document(collection: str, doc: Doc) -> Doc:
    if collection == MIGRATIONS:
        return {k: v for k, v in doc.items() if k not in _RUN_FIELDS}
    return doc


async def _collections(db: AsyncDatabase[Doc]) -> dict[str, Doc]:
    found = await (await db.list_collections()).to_list()
    return {c["name"]: c.get("options", {}) for c in found if c.get("type") != "view"}


async def _indexes(db: AsyncDatabase[Doc], names: list[str]) -> dict[str, list[Doc]]:
    return {
        name: sorted(
            (_index(spec) for spec in await (await db[name].list_indexes()).to_list()),
            key=lambda spec: str(spec["name"]),
        )
        for name in names
    }


async def shape_of(db: AsyncDatabase[Doc]) -> DatabaseShape:
    """The whole shape, documents included (for comparing two databases in a test)."""
    collections = await _collections(db)
    names = sorted(collections)
    documents = {
        name: [_document(name, d) for d in await db[name].find().sort("_id", 1).to_list()]
        for name in names
    }
    return DatabaseShape(collections, await _indexes(db, names), documents)


class SharedDatabase:
    """A database migrated once, handed to one test after another.

    `reset` brings it back to the migrated state after a test: it empties the collections
    the test wrote to, drops collections the migrations do not create (the persisted
    operations' capped collection, say), and checks every collection's options, every
    index and the `migrations` records against what the migration produced. A test that
    changed any of those (it should have asked for a fresh database) makes `reset`
    recreate the database and return what it found changed.

    Its own client (appname `mongraph-tests`) has no command listener: the tests'
    `commands` never count the cleaning.
    """

    def __init__(self, uri: str, name: str) -> None:
        self.uri = uri
        self.name = name
        self._client: AsyncMongoClient[Doc] = AsyncMongoClient(
            uri, tz_aware=True, appname="mongraph-tests", serverSelectionTimeoutMS=30_000
        )
        self.db: AsyncDatabase[Doc] = self._client[name]
        self._baseline: DatabaseShape | None = None

    @property
    def baseline(self) -> DatabaseShape:
        """The shape right after migrating (every collection empty but `migrations`)."""
        assert self._baseline is not None, "create() first"
        return self._baseline

    async def create(self) -> None:
        """Migrates the database from nothing (dropping whatever had its name)."""
        await self._client.drop_database(self.name)
        store = await migrate_new(self.uri, self.name)
        await store.close()
        self._baseline = await shape_of(self.db)

    async def empty(self) -> None:
        """Deletes the documents of the migrated collections that have any (but the
        `migrations` records): one round trip to find them, one per collection to empty."""
        names = [n for n in self.baseline.collections if n != MIGRATIONS]
        probe: list[Doc] = [{"$limit": 1}, {"$project": {"_id": 0, "c": {"$literal": names[0]}}}]
        for name in names[1:]:
            first: list[Doc] = [{"$limit": 1}, {"$project": {"_id": 0, "c": {"$literal": name}}}]
            probe.append({"$unionWith": {"coll": name, "pipeline": first}})
        found = await (await self.db[names[0]].aggregate(probe)).to_list()
        for name in sorted({doc["c"] for doc in found}):
            await self.db[name].delete_many({})

    async def reset(self) -> list[str]:
        """Back to the migrated state; returns the schema changes it had to undo (then the
        database was recreated), or [] when emptying it was enough."""
        baseline = self.baseline
        collections = await _collections(self.db)
        for extra in collections.keys() - baseline.collections.keys():
            await self.db.drop_collection(extra)
            del collections[extra]
        migrations = await self.db[MIGRATIONS].find().sort("_id", 1).to_list()
        now = DatabaseShape(
            collections,
            await _indexes(self.db, sorted(collections)),
            {MIGRATIONS: [_document(MIGRATIONS, d) for d in migrations]},
        )
        expected = DatabaseShape(
            baseline.collections,
            baseline.indexes,
            {MIGRATIONS: baseline.documents[MIGRATIONS]},
        )
        changed = expected.differences(now)
        if changed:
            await self.create()
        else:
            await self.empty()
        return changed

    async def drop(self) -> None:
        await self._client.drop_database(self.name)

    async def close(self) -> None:
        await self._client.close()

    async def disarm_fail_points(self) -> None:
        """Turns `failCommand` off (server-wide) so that cleaning is not failed by it."""
        await self._client.admin.command({"configureFailPoint": "failCommand", "mode": "off"})
