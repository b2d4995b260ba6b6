"""The `store` fixture: the database it hands out equals a freshly migrated one, whatever
the test before it left behind, and `commands` starts at zero.

The shared database is reused from test to test (tests/utils/databases.py); these tests
are the guard that reuse never hides a leak from one test into the next.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from mongraph.datastore.client import Datastore
from mongraph.datastore.migrate import COLLECTION as MIGRATIONS
from mongraph.datastore.migrate import load_migrations, migration_status
from mongraph.datastore.relations import COLLECTIONS
from mongraph.datastore.validators import validator_for
from tests.utils.commands import CommandCounter
from tests.utils.databases import (
    DatabaseShape,
    SharedDatabase,
    database_name,
    migrate_new,
    shape_of,
)
from tests.utils.factories import make_user


@pytest.fixture
async def freshly_migrated(mongodb_uri: str) -> AsyncIterator[DatabaseShape]:
    """The shape of a database migrated from nothing, as every test once got."""
    store = await migrate_new(mongodb_uri, database_name())
    yield await shape_of(store.db)
    await store.client.drop_database(store.db.name)
    await store.close()


@pytest.fixture
async def scratch(mongodb_uri: str) -> AsyncIterator[SharedDatabase]:
    """A shared database of this test's own, to break on purpose."""
    shared = SharedDatabase(mongodb_uri, database_name())
    await shared.create()
    yield shared
    await shared.drop()
    await shared.close()


async def leave_things_behind(store: Datastore) -> None:
    """What tests leave: documents in the migrated collections, a collection of the
    gateway's own (the persisted operations' capped one), and one of a test's."""
    await make_user(store, "Leaver")
    await store.db["messages"].insert_one({"x": 1}, bypass_document_validation=True)
    await store.db.create_collection("persistedQueries", capped=True, size=4096)
    await store.db["scratch"].insert_one({"x": 1})


def assert_fresh(shape: DatabaseShape, fresh: DatabaseShape) -> None:
    assert shape == fresh
    assert set(shape.collections) == {*COLLECTIONS, MIGRATIONS}
    for name in COLLECTIONS:
        assert shape.collections[name]["validator"] == validator_for(name)
        assert shape.documents[name] == []
    assert [d["_id"] for d in shape.documents[MIGRATIONS]] == [m.version for m in load_migrations()]


# The two tests below run in order: the first leaves things behind, and whichever test
# gets the shared database after it (the second, when run alone) must not see them.
async def test_the_store_is_a_freshly_migrated_database(
    store: Datastore, freshly_migrated: DatabaseShape, commands: CommandCounter
) -> None:
    assert commands.commands == []
    assert_fresh(await shape_of(store.db), freshly_migrated)
    assert (await migration_status(store)).pending == []
    await leave_things_behind(store)


async def test_the_next_test_sees_nothing_of_the_last_ones(
    store: Datastore, freshly_migrated: DatabaseShape, commands: CommandCounter
) -> None:
    assert commands.commands == []
    assert_fresh(await shape_of(store.db), freshly_migrated)


@pytest.mark.fresh_db
async def test_fresh_db_is_a_database_of_the_tests_own(
    store: Datastore, shared_database: SharedDatabase, freshly_migrated: DatabaseShape
) -> None:
    assert store.db.name != shared_database.name
    assert_fresh(await shape_of(store.db), freshly_migrated)


async def test_reset_empties_the_collections_and_drops_the_extra_ones(
    scratch: SharedDatabase, freshly_migrated: DatabaseShape
) -> None:
    store = Datastore.connect(scratch.uri, scratch.name, cursor_secret="s")
    await leave_things_behind(store)
    await store.close()
    assert await scratch.reset() == []
    assert_fresh(await shape_of(scratch.db), freshly_migrated)


@pytest.mark.parametrize(
    ("change", "found"),
    [
        (
            lambda db: db["users"].drop_index("apiKeys.id_1"),
            "collection 'users' has other indexes",
        ),
        (
            lambda db: db["scenes"].create_index("title"),
            "collection 'scenes' has other indexes",
        ),
        (
            lambda db: db.command("collMod", "clips", validator={}, validationLevel="off"),
            "collection 'clips' has other options (validator)",
        ),
        (lambda db: db.drop_collection("economy"), "collection 'economy' is missing"),
        (
            lambda db: db[MIGRATIONS].delete_one({"_id": 2}),
            f"collection {MIGRATIONS!r} has other documents",
        ),
        (
            lambda db: db[MIGRATIONS].insert_one({"_id": "lock", "owner": "x"}),
            f"collection {MIGRATIONS!r} has other documents",
        ),
        (lambda db: db.client.drop_database(db.name), "collection 'users' is missing"),
    ],
    ids=["dropped-index", "added-index", "validator", "dropped", "record", "lock", "database"],
)
async def test_reset_finds_a_changed_schema_and_migrates_again(
    scratch: SharedDatabase, freshly_migrated: DatabaseShape, change: object, found: str
) -> None:
    await change(scratch.db)  # type: ignore[operator]
    assert found in await scratch.reset()
    assert_fresh(await shape_of(scratch.db), freshly_migrated)
    assert await scratch.reset() == []
