"""`serve` and `migrate` as processes: the version check, migrating at start, and the lock
between two gateways that start together on a new database."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass

import httpx
import pytest

from mongraph.cli import main
from mongraph.config import Settings, get_settings
from mongraph.datastore.client import Datastore
from mongraph.datastore.documents import utcnow
from mongraph.serving import uvicorn_options
from tests.e2e.test_serve import free_port
from tests.utils.apps import CURSOR_SECRET


@dataclass
class Result:
    returncode: int
    stdout: str
    stderr: str


@pytest.fixture
def cli(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], mongodb_uri: str
) -> Callable[..., Awaitable[Result]]:
    """Runs `mongraph.cli.main` in this process (a thread: it runs its own event loop),
    cheaper than a subprocess for the commands that return before serving."""

    async def run(db: str, *args: str, **env: str) -> Result:
        monkeypatch.setenv("MONGODB_URI", mongodb_uri)
        monkeypatch.setenv("MONGRAPH_DB", db)
        monkeypatch.setenv("MONGRAPH_CURSOR_SECRET", CURSOR_SECRET)
        monkeypatch.delenv("MONGRAPH_MIGRATE_ON_START", raising=False)
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        get_settings.cache_clear()
        root = logging.getLogger()
        handlers, level = root.handlers[:], root.level
        try:
            code = await asyncio.to_thread(main, list(args))
        finally:
            get_settings.cache_clear()
            # `serve` sets up the process's logging (a batched stderr handler on the root
            # logger): later tests in this process must not write their lines through it.
            for handler in root.handlers:
                if handler not in handlers:
                    root.removeHandler(handler)
                    handler.close()
            root.handlers[:] = handlers
            root.setLevel(level)
        out = capsys.readouterr()
        return Result(code, out.out, out.err)

    return run


@pytest.fixture
async def new_db(mongodb_uri: str) -> AsyncIterator[str]:
    """The name of a database nothing has created or migrated yet."""
    name = f"test_new_{uuid.uuid4().hex[:12]}"
    yield name
    store = Datastore.connect(mongodb_uri, name, cursor_secret="s")
    await store.client.drop_database(name)
    await store.close()


Cli = Callable[..., Awaitable[Result]]


async def test_migrate_status_up_and_down_on_the_command_line(cli: Cli, new_db: str) -> None:
    status = await cli(new_db, "migrate", "status")
    assert status.returncode == 0, status.stderr
    assert "0001 collections" in status.stdout
    assert "pending" in status.stdout
    assert "database at version 0; this code knows 3; 3 pending" in status.stdout

    up = await cli(new_db, "migrate", "up")
    assert up.returncode == 0, up.stderr
    lines = up.stdout.splitlines()
    assert lines[0].startswith("applying 0001 collections: Collections with $jsonSchema validators")
    assert "  0001 collections: 0/26 (0%)" in lines
    assert "  0001 collections: 26/26 (100%)" in lines
    assert "  0002 identity_proofs: 26/26 (100%)" in lines
    assert "  0003 change_log: 26/26 (100%)" in lines
    assert lines[-1] == "database at version 3; this code knows 3"
    again = await cli(new_db, "migrate", "up")
    assert again.stdout.splitlines() == [
        "nothing to do",
        "database at version 3; this code knows 3",
    ]

    missing_n = await cli(new_db, "migrate", "down")
    assert missing_n.returncode == 2
    assert "how many migrations" in missing_n.stderr
    down = await cli(new_db, "migrate", "down", "1")
    assert down.returncode == 0, down.stderr
    assert down.stdout.startswith("undoing 0003 change_log: ")
    assert "undid 1 migration(s)" in down.stdout
    assert down.stdout.splitlines()[-1] == "database at version 2; this code knows 3; 1 pending"


@pytest.mark.fresh_db  # it records a migration from the future
async def test_serve_refuses_a_database_newer_than_it_knows(store: Datastore, cli: Cli) -> None:
    await store.db["migrations"].insert_one({"_id": 99, "name": "future", "appliedAt": utcnow()})
    for env in ({}, {"MONGRAPH_MIGRATE_ON_START": "1"}):
        result = await cli(store.db.name, "serve", "--port", str(free_port()), **env)
        assert result.returncode == 1
        assert result.stderr.strip().splitlines()[-1] == (
            "error: the database is at migration version 99, newer than this code knows (3): "
            "run a newer mongraph, or undo the newer migrations with it (`mongraph migrate down N`)"
        )
        assert "Traceback" not in result.stderr
        assert "Uvicorn running" not in result.stderr  # refused before serving anything


async def test_serve_refuses_pending_migrations_unless_told_to_apply_them(
    cli: Cli, new_db: str
) -> None:
    result = await cli(new_db, "serve", "--port", str(free_port()))
    assert result.returncode == 1
    assert "run `mongraph migrate up` (or set MONGRAPH_MIGRATE_ON_START=1)" in result.stderr


def start_serve(
    uri: str, db: str, port: int, *args: str, env: dict[str, str] | None = None
) -> subprocess.Popen[str]:
    environment = {
        **os.environ,
        "MONGODB_URI": uri,
        "MONGRAPH_DB": db,
        "MONGRAPH_MIGRATE_ON_START": "1",
        "MONGRAPH_CURSOR_SECRET": CURSOR_SECRET,
        **(env or {}),
    }
    return subprocess.Popen(
        [sys.executable, "-m", "mongraph.cli", "serve", "--port", str(port), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=environment,
    )


def output_until_started(process: subprocess.Popen[str]) -> str:
    assert process.stdout is not None
    output = ""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        line = process.stdout.readline()
        output += line
        if "Application startup complete" in line:
            return output
    raise AssertionError(f"the gateway did not start:\n{output}")


async def test_two_gateways_starting_together_migrate_a_new_database_once(
    mongodb_uri: str, new_db: str
) -> None:
    ports = [free_port(), free_port()]
    processes = [  # one of them with two worker processes (`mongraph.asgi`)
        start_serve(mongodb_uri, new_db, ports[0]),
        start_serve(mongodb_uri, new_db, ports[1], "--workers", "2"),
    ]
    try:
        outputs = [output_until_started(p) for p in processes]
        async with httpx.AsyncClient() as client:
            for port in ports:
                ready = await client.get(f"http://127.0.0.1:{port}/readyz")
                assert ready.status_code == 200
                answer = await client.post(
                    f"http://127.0.0.1:{port}/graphql", json={"query": "{ viewer { id } }"}
                )
                assert answer.json()["data"] == {"viewer": None}
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=30)
    assert sum("applying 0001 collections" in output for output in outputs) == 1
    store = Datastore.connect(mongodb_uri, new_db, cursor_secret="s")
    try:
        records = [r async for r in store.db["migrations"].find()]
    finally:
        await store.close()
    assert [r["_id"] for r in records] == [1, 2, 3]  # recorded once, and the lock was released


async def test_serve_with_workers_stops_within_its_grace_while_a_body_is_still_arriving(
    mongodb_uri: str, new_db: str
) -> None:
    """SIGTERM: a request in flight holds a worker for MONGRAPH_SHUTDOWN_GRACE at most, not
    until it ends (here a body that would be waited for MONGRAPH_BODY_TIMEOUT, 120 s)."""
    port = free_port()
    grace = {"MONGRAPH_SHUTDOWN_GRACE": "1", "MONGRAPH_BODY_TIMEOUT": "120"}
    process = start_serve(mongodb_uri, new_db, port, "--workers", "2", env=grace)
    try:
        output_until_started(process)
        with socket.create_connection(("127.0.0.1", port), timeout=30) as client:
            client.sendall(
                b"POST /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                b"Content-Type: application/json\r\nContent-Length: 1000\r\n"
                b"Expect: 100-continue\r\n\r\n"
            )
            # uvicorn says 100 Continue once the app reads the body: the request is in flight.
            assert client.recv(100).startswith(b"HTTP/1.1 100 Continue\r\n")
            client.sendall(b'{"query": "{ viewer { id')
            stopping = time.monotonic()
            process.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=15)
            stopped_after = time.monotonic() - stopping
        assert process.returncode is not None, f"still running {stopped_after:.0f} s after SIGTERM"
        assert stopped_after < 15
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_both_ways_of_serving_get_the_shutdown_grace() -> None:
    assert uvicorn_options(Settings())["timeout_graceful_shutdown"] == 5
    settings = Settings(mongraph_shutdown_grace=0.5)
    for workers in (False, True):
        assert uvicorn_options(settings, workers=workers)["timeout_graceful_shutdown"] == 0.5


@pytest.mark.fresh_db  # it records a migration from the future
@pytest.mark.parametrize("secret", ["", "mongraph-dev-cursor-secret"])
async def test_serve_on_a_real_database_refuses_the_public_cursor_secret(
    cli: Cli, store: Datastore, secret: str
) -> None:
    refused = await cli(store.db.name, "serve", MONGRAPH_CURSOR_SECRET=secret)
    assert refused.returncode == 1
    assert refused.stderr.startswith("error: MONGRAPH_CURSOR_SECRET is unset or the public default")
    assert refused.stderr.count("\n") == 1
    # In development the check is skipped: this serve goes on to the database, and stops
    # there only because this one is at a version from the future.
    await store.db["migrations"].insert_one({"_id": 99, "name": "future", "appliedAt": utcnow()})
    dev = await cli(store.db.name, "serve", MONGRAPH_CURSOR_SECRET=secret, MONGRAPH_DEV="1")
    assert dev.returncode == 1
    assert "newer than this code knows" in dev.stderr
