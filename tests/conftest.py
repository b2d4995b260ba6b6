"""One database server per test session; every test that asks for `store` gets an empty,
fully migrated database.

The server is the embedded SecantusDB (with test commands, for fault injection)
unless MONGODB_URI points at a real MongoDB replica set. The database is migrated once
per session (per xdist worker) and emptied after each test (tests/utils/databases.py);
a test marked `fresh_db` gets a database of its own, migrated from nothing and dropped
after it. docs/testing.md describes the fixtures and markers.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

from mongraph.config import Settings
from mongraph.datastore.client import Datastore
from mongraph.embedded import EmbeddedServer
from tests.utils.apps import CURSOR_SECRET, METRICS_TOKEN, app_client
from tests.utils.commands import CommandCounter
from tests.utils.databases import SharedDatabase, database_name, migrate_new
from tests.utils.factories import MadeUser, make_user
from tests.utils.faults import FailPoint
from tests.utils.graphql import GraphQLClient

# The collector's schedule is process-wide production tuning; the test process keeps
# Python's (tests/test_collector.py covers the setting in fresh interpreters).
os.environ.setdefault("MONGRAPH_GC_THRESHOLD", "0")


MAX_WORKERS = 4


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """How many xdist workers `-n auto` (pyproject's default) starts, each with its own
    database server: one per core (at most MAX_WORKERS) for the suite or directories;
    none (the tests run in this process) when the arguments name files or single tests,
    where starting workers costs more than it saves, with `-s`, whose output workers
    would swallow, and on MONGODB_URI: workers would share that server, and a fail point
    one of them arms (`configureFailPoint` is server-wide) would fail the other's
    commands. PYTEST_XDIST_AUTO_NUM_WORKERS or an explicit `-n N` decide instead."""
    if os.environ.get("PYTEST_XDIST_AUTO_NUM_WORKERS"):
        return int(os.environ["PYTEST_XDIST_AUTO_NUM_WORKERS"])
    named = [arg.split("::")[0] for arg in config.args]
    if os.environ.get("MONGODB_URI") or config.getoption("capture") == "no":
        return 0
    if any(not os.path.isdir(a) for a in named):
        return 0
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return min(cores or 1, MAX_WORKERS)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """`database`: the test uses the session's database server (through any fixture)."""
    for item in items:
        if "mongodb_uri" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.database)


@pytest.fixture(scope="session")
def mongodb_uri() -> Iterator[str]:
    if os.environ.get("MONGODB_URI"):
        yield os.environ["MONGODB_URI"]
        return
    server = EmbeddedServer(None, test_commands=True)
    server.start()
    try:
        yield server.uri
    finally:
        # In memory: nothing to keep, so no graceful shutdown. SecantusDB's takes 2 s (it
        # waits for its accept thread), or never comes when SIGTERM lands on a thread other
        # than its main one, and then `stop` waits out its 15 s grace.
        server.stop(grace=0)


@pytest.fixture
def commands() -> CommandCounter:
    return CommandCounter()


@pytest.fixture
def failpoint(mongodb_uri: str, commands: CommandCounter) -> Iterator[FailPoint]:
    """`configureFailPoint` on the test server; disarmed after the test."""
    point = FailPoint(mongodb_uri, commands)
    yield point
    point.close()


@pytest.fixture(scope="session")
async def shared_database(mongodb_uri: str) -> AsyncIterator[SharedDatabase]:
    """The database `store` hands out, migrated once for the session (or xdist worker)."""
    shared = SharedDatabase(mongodb_uri, database_name(os.environ.get("PYTEST_XDIST_WORKER", "")))
    await shared.create()
    yield shared
    await shared.drop()
    await shared.close()


@pytest.fixture
async def store(
    request: pytest.FixtureRequest,
    mongodb_uri: str,
    shared_database: SharedDatabase,
    commands: CommandCounter,
) -> AsyncIterator[Datastore]:
    """An empty, fully migrated database (validators and indexes: every test writes
    through them), on a client of the test's own whose commands `commands` counts."""
    if request.node.get_closest_marker("fresh_db"):
        name = database_name()
        datastore = await migrate_new(mongodb_uri, name, listeners=[commands])
        commands.reset()
        yield datastore
        await datastore.client.drop_database(name)
        await datastore.close()
        return
    shared = shared_database
    await shared.empty()  # in case something wrote to it after the last test's reset
    datastore = Datastore.connect(
        mongodb_uri, shared.name, cursor_secret=CURSOR_SECRET, listeners=[commands]
    )
    commands.reset()
    yield datastore
    await datastore.close()
    if "failpoint" in request.fixturenames:  # it may be torn down after this fixture
        await shared.disarm_fail_points()
    changed = await shared.reset()
    if changed:
        pytest.fail(
            "the test changed the schema of the shared test database "
            f"({'; '.join(changed)}); it was migrated again. A test that changes "
            "collections, validators, indexes or migration records needs @pytest.mark.fresh_db",
            pytrace=False,
        )


@pytest.fixture
def settings() -> Settings:
    # The key cache off: tests that change a key or an account in the database see it at
    # once; tests/e2e/test_key_cache.py covers the cache. A generous database deadline:
    # the suite shares two cores with whatever else runs.
    return Settings(
        mongodb_uri="unused",
        mongraph_cursor_secret=CURSOR_SECRET,
        mongraph_metrics_token=METRICS_TOKEN,
        mongraph_key_cache_seconds=0,
        mongraph_db_timeout=60,
    )


@pytest.fixture
async def http(store: Datastore, settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    async with app_client(store, settings) as client:
        yield client


@pytest.fixture
async def alice(store: Datastore) -> MadeUser:
    return await make_user(store, "Alice")


@pytest.fixture
async def bob(store: Datastore) -> MadeUser:
    return await make_user(store, "Bob")


@pytest.fixture
async def admin(store: Datastore) -> MadeUser:
    return await make_user(store, "Root", admin=True)


@pytest.fixture
def gql(http: httpx.AsyncClient, alice: MadeUser) -> GraphQLClient:
    """A GraphQL client authenticated as Alice."""
    return GraphQLClient(http, alice.secret)
