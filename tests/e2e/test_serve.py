"""`mongraph serve` as the README runs it: embedded database, demo data, GraphiQL, restarts."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from mongraph.app import create_app
from mongraph.config import Settings
from mongraph.datastore.client import Datastore
from tests.utils.gateway import free_port


def start(data_dir: Path, port: int) -> tuple[subprocess.Popen[str], str]:
    env = {k: v for k, v in os.environ.items() if k != "MONGODB_URI"}
    env["MONGRAPH_DATA_DIR"] = str(data_dir)
    process = subprocess.Popen(
        [sys.executable, "-m", "mongraph.cli", "serve", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    deadline = time.monotonic() + 60
    output = ""
    assert process.stdout is not None
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        output += line
        if "Application startup complete" in line or process.poll() is not None:
            break
    match = re.search(r"Bearer (mgr_[A-Za-z0-9_-]+)", output)
    assert match, output
    return process, match.group(1)


def stop(process: subprocess.Popen[str]) -> None:
    process.send_signal(signal.SIGINT)
    process.wait(timeout=30)


QUERY = "{ viewer { displayName } projects { totalCount edges { node { name clipCount } } } }"


def test_serve_starts_embedded_database_with_demo_data_and_keeps_it(tmp_path: Path) -> None:
    port = free_port()
    process, key = start(tmp_path, port)
    try:
        base = f"http://127.0.0.1:{port}"
        assert httpx.get(f"{base}/healthz").status_code == 200
        assert httpx.get(f"{base}/readyz").status_code == 200
        ide = httpx.get(f"{base}/graphql", headers={"Accept": "text/html"})
        assert ide.status_code == 200
        assert "graphiql" in ide.text.lower()
        body = httpx.post(
            f"{base}/graphql", json={"query": QUERY}, headers={"Authorization": f"Bearer {key}"}
        ).json()
        assert body["data"]["viewer"] == {"displayName": "Demo User"}
        assert body["data"]["projects"]["totalCount"] == 1
    finally:
        stop(process)
    server = (tmp_path / "server.json").exists()
    assert not server  # the embedded database stopped with the gateway
    process, same_key = start(tmp_path, port)
    try:
        assert same_key == key
        again = httpx.post(
            f"http://127.0.0.1:{port}/graphql",
            json={"query": QUERY},
            headers={"Authorization": f"Bearer {key}"},
        ).json()
        assert again["data"]["projects"] == body["data"]["projects"]  # kept, not seeded twice
    finally:
        stop(process)


async def test_readyz_is_503_when_the_database_does_not_answer(settings: Settings) -> None:
    async def unreachable() -> Datastore:
        return Datastore.connect(
            f"mongodb://127.0.0.1:{free_port()}/?directConnection=true",
            "x",
            cursor_secret="s",
            timeout_seconds=0.2,
        )

    # A short deadline: /readyz waits for the ping that long (the suite's default is 60 s).
    app = create_app(unreachable, settings.model_copy(update={"mongraph_db_timeout": 1.0}))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            assert (await client.get("/healthz")).status_code == 200
            assert (await client.get("/readyz")).status_code == 503
