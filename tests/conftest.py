"""One database server per test session, one fresh database per test.

The server is the embedded SecantusDB (with test commands, for fault injection)
unless MONGODB_URI points at a real MongoDB replica set.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

from mongraph.config import Settings
from mongraph.datastore.client import Datastore
from mongraph.datastore.migrate import migrate_up
from mongraph.embedded import EmbeddedServer
from tests.utils.apps import CURSOR_SECRET, METRICS_TOKEN, app_client
from tests.utils.commands import CommandCounter
from tests.utils.factories import MadeUser, make_user
from tests.utils.faults import FailPoint
from tests.utils.graphql import GraphQLClient

# The collector's schedule is process-wide production tuning; the test process keeps
# Python's (tests/test_collector.py covers the setting in fresh interpreters).
os.environ.setdefault("MONGRAPH_GC_THRESHOLD", "0")


@pytest.fixture(scope="session")
def mongodb_uri() -> Iterator[str]:
    if os.environ.get("MONGODB_URI"):
        yield os.environ["MONGODB_URI"]
        return
    with EmbeddedServer(None, test_commands=True) as server:
        yield server.uri


@pytest.fixture
def commands() -> CommandCounter:
    return CommandCounter()


@pytest.fixture
def failpoint(mongodb_uri: str, commands: CommandCounter) -> Iterator[FailPoint]:
    """`configureFailPoint` on the test server; disarmed after the test."""
    point = FailPoint(mongodb_uri, commands)
    yield point
    point.close()


@pytest.fixture
async def store(mongodb_uri: str, commands: CommandCounter) -> AsyncIterator[Datastore]:
    name = f"test_{uuid.uuid4().hex[:12]}"
    datastore = Datastore.connect(
        mongodb_uri, name, cursor_secret=CURSOR_SECRET, listeners=[commands]
    )
    await migrate_up(datastore)  # validators and indexes: every test writes through them
    commands.reset()
    yield datastore
    await datastore.client.drop_database(name)
    await datastore.close()


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
