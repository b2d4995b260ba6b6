"""The database goes away and comes back: clean errors, no hung requests, no restart needed."""

from __future__ import annotations

import asyncio
import os
import signal
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest

from mongraph.auth import make_api_key
from mongraph.config import Settings
from mongraph.datastore.client import Datastore
from mongraph.datastore.indexes import ensure_indexes
from mongraph.embedded import EmbeddedServer
from tests.conftest import CURSOR_SECRET
from tests.utils.apps import app_client
from tests.utils.commands import CommandCounter
from tests.utils.factories import make_user
from tests.utils.faults import FailPoint
from tests.utils.gateway import free_port, start_gateway
from tests.utils.graphql import GraphQLClient

VIEWER = "{ viewer { displayName } }"
CREATE = """mutation($n: String!) {
  createProject(input: {name: $n}) { project { name } userErrors { code } } }"""
# Long enough to tell a bounded wait from a hang; requests must end well before it.
HANG = 30.0


async def eventually(check: Callable[[], bool], what: str, seconds: float = 60.0) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.1)


async def test_gateway_starts_without_its_database_and_serves_once_it_appears() -> None:
    db_port, port, db_name = free_port(), free_port(), f"outage_{uuid.uuid4().hex[:8]}"
    uri = f"mongodb://127.0.0.1:{db_port}/?directConnection=true"
    gateway = start_gateway(
        port, uri, db_name, MONGRAPH_DB_TIMEOUT="1", MONGRAPH_MIGRATE_ON_START="1"
    )
    database = EmbeddedServer(None, port=db_port)
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=HANG) as http:
            assert (await http.get("/healthz")).status_code == 200
            assert (await http.get("/readyz")).status_code == 503
            well_formed_key = make_api_key("test").secret  # so its lookup needs the database
            down = await GraphQLClient(http, well_formed_key).raw(VIEWER)
            assert down["data"] is None
            assert [e["extensions"]["code"] for e in down["errors"]] == ["SERVICE_UNAVAILABLE"]
            assert "127.0.0.1" not in down["errors"][0]["message"]  # no driver internals

            database.start()
            ready: list[int] = []

            async def poll_ready() -> None:
                ready.append((await http.get("/readyz")).status_code)

            deadline = time.monotonic() + 60
            while not ready or ready[-1] != 200:
                assert time.monotonic() < deadline, ready
                await poll_ready()
                await asyncio.sleep(0.2)

            store = Datastore.connect(database.uri, db_name, cursor_secret="unused")
            try:
                # The deferred startup ran: its indexes exist without a restart.
                indexes = (await store.db["users"].index_information()).values()
                assert {"key": [("wallets.address", 1)], "unique": True} in [
                    {"key": i["key"], "unique": i.get("unique")} for i in indexes
                ]
                alice = await make_user(store, "Alice")
                data = await GraphQLClient(http, alice.secret).ok(VIEWER)
                assert data == {"viewer": {"displayName": "Alice"}}
            finally:
                await store.client.drop_database(db_name)
                await store.close()
    finally:
        gateway.terminate()
        gateway.wait(timeout=30)
        database.stop(grace=0)  # in memory: nothing to shut down gracefully (own_database)


class Load:
    """Clients creating projects and reading the viewer in a loop until stopped."""

    def __init__(self, gql: GraphQLClient) -> None:
        self.gql = gql
        self.outcomes: Counter[str] = Counter()
        self.acknowledged: list[str] = []
        self._stop = asyncio.Event()
        self._workers: list[asyncio.Task[None]] = []

    def start(self, clients: int) -> None:
        self._workers = [asyncio.create_task(self._client(i)) for i in range(clients)]

    async def stop(self) -> None:
        self._stop.set()
        await asyncio.wait_for(asyncio.gather(*self._workers), HANG)

    async def until(self, outcome: str, more: int) -> None:
        target = self.outcomes[outcome] + more
        await eventually(lambda: self.outcomes[outcome] >= target, f"{more} more {outcome}")

    async def _client(self, worker: int) -> None:
        for n in range(1_000_000):
            if self._stop.is_set():
                return
            name = f"w{worker}-{n}"
            body = await self.gql.raw(CREATE, {"n": name}) if n % 2 else await self.gql.raw(VIEWER)
            errors = body.get("errors") or (body["data"].get("createProject") or {}).get(
                "userErrors"
            )
            if errors:
                self.outcomes.update(e.get("code") or e["extensions"]["code"] for e in errors)
                continue
            self.outcomes["ok"] += 1
            if n % 2:
                self.acknowledged.append(name)


@pytest.fixture
async def own_database(tmp_path: Path) -> AsyncIterator[tuple[EmbeddedServer, Datastore]]:
    """A database server of this test's own, with files, so it can be stopped and restarted."""
    database = EmbeddedServer(tmp_path / "db", port=free_port())
    database.start()
    # A slow heartbeat: only the request deadline, not the driver's monitor, can end a stall.
    uri = f"{database.uri}&heartbeatFrequencyMS=600000"
    store = Datastore.connect(uri, "load", cursor_secret=CURSOR_SECRET, timeout_seconds=1)
    await ensure_indexes(store)
    try:
        yield database, store
    finally:
        await store.close()
        # Its files go with tmp_path: no graceful shutdown (SecantusDB's takes 2 s or, when
        # SIGTERM reaches another thread than its main one, never comes; stop's grace is 15 s).
        database.stop(grace=0)


@asynccontextmanager
async def load_on(store: Datastore, settings: Settings) -> AsyncIterator[Load]:
    """Eight clients against a gateway whose database deadline is one second."""
    alice = await make_user(store, "Alice")
    one_second = settings.model_copy(update={"mongraph_db_timeout": 1.0})
    async with app_client(store, one_second) as http:
        load = Load(GraphQLClient(http, alice.secret))
        load.start(clients=8)
        try:
            yield load
        finally:
            await load.stop()
        assert (await http.get("/readyz")).status_code == 200
    assert set(load.outcomes) == {"ok", "SERVICE_UNAVAILABLE"}, load.outcomes
    stored = {doc["name"] async for doc in store.db["projects"].find({}, {"name": 1})}
    assert set(load.acknowledged) <= stored  # no acknowledged write was lost


async def test_database_stopped_under_load_gives_clean_errors_and_recovers(
    own_database: tuple[EmbeddedServer, Datastore], settings: Settings
) -> None:
    database, store = own_database
    async with load_on(store, settings) as load:
        await load.until("ok", 40)
        database.stop()
        await load.until("SERVICE_UNAVAILABLE", 16)
        database.start()
        await load.until("ok", 40)


async def test_stalled_database_fails_requests_at_the_deadline_instead_of_hanging(
    own_database: tuple[EmbeddedServer, Datastore], settings: Settings
) -> None:
    database, store = own_database
    assert database.pid is not None
    async with load_on(store, settings) as load:
        await load.until("ok", 40)
        os.kill(database.pid, signal.SIGSTOP)  # connections stay open; nothing answers
        try:
            await load.until("SERVICE_UNAVAILABLE", 16)
        finally:
            os.kill(database.pid, signal.SIGCONT)
        await load.until("ok", 40)


@pytest.mark.parametrize("skip", [0, 1, 2])
async def test_a_read_whose_connection_drops_is_retried_and_succeeds(
    gql: GraphQLClient, failpoint: FailPoint, commands: CommandCounter, skip: int
) -> None:
    """The key lookup (0), the projects page (1) or the scenes batch (2) loses its connection."""
    project = await gql.mutate(CREATE, {"n": "Kept"})
    assert project["project"] == {"name": "Kept"}
    query = "{ projects(first: 5) { edges { node { name scenes(first: 5) { totalCount } } } } }"
    expected = await gql.ok(query)
    commands.failures.clear()
    failpoint.arm(["find", "aggregate"], skip=skip, close_connection=True)
    assert await gql.ok(query) == expected
    assert len(commands.failures) == 1  # the fault did hit a read, and the retry succeeded
