"""What metrics, request logs and tracing cost per request (in-process, no network).

    uv run --frozen python -m bench.observability [requests per round]
    uv run --frozen python -m bench.observability --micro   # the code paths alone
    uv run --frozen python -m bench.observability --micro --json   # the same, as JSON (make bench)

Serves the storyboard tree query (1 project, 3 scenes of 3 clips) through httpx's
ASGI transport against the embedded database, alternating configurations round by
round so that the machine's noise falls on all of them alike; prints the median
per-request CPU time of this process (the gateway and the in-process client: the
database is another process) and wall time. On a shared machine trust the CPU time.
"""

from __future__ import annotations

import asyncio
import io
import json
import logging
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from typing import Any

import httpx
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from pymongo import AsyncMongoClient

from mongraph.app import create_app
from mongraph.config import Settings
from mongraph.datastore.bulk import insert_documents
from mongraph.datastore.client import Datastore
from mongraph.datastore.documents import CharacterDoc, ClipDoc, Document, ProjectDoc, SceneDoc
from mongraph.datastore.indexes import ensure_indexes
from mongraph.embedded import EmbeddedServer
from mongraph.observability.logs import JsonFormatter, configure_logging
from tests.utils.factories import make_user

TREE = """query StoryboardTree { projects(first: 10) { edges { node { name
  characters { name }
  scenes(first: 10) { edges { node { name
    clips(first: 10) { edges { node { name character { name } } } } } } } } } } }"""
ROUNDS = 7


async def seed(store: Datastore) -> str:
    user = await make_user(store, "Bench")
    project = ProjectDoc(owner_id=user.doc.id, name="P")
    character = CharacterDoc(owner_id=user.doc.id, project_id=project.id, name="C")
    docs: list[Document] = [project, character]
    for s in range(3):
        scene = SceneDoc(owner_id=user.doc.id, project_id=project.id, name=f"S{s}", order=s)
        docs.append(scene)
        docs += [
            ClipDoc(
                owner_id=user.doc.id,
                project_id=project.id,
                scene_id=scene.id,
                character_id=character.id,
                name=f"K{c}",
                order=c,
            )
            for c in range(3)
        ]
    await insert_documents(store, docs)
    return user.secret


async def per_request(
    store: Datastore, settings: Settings, key: str, n: int, **options: Any
) -> tuple[float, float]:
    """(CPU seconds, wall seconds) per request."""

    async def same_store() -> Datastore:
        return store

    app = create_app(same_store, settings, close_store=False, **options)
    headers = {"Authorization": f"Bearer {key}"}
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as http:
            for _ in range(20):  # warm-up
                await http.post("/graphql", json={"query": TREE}, headers=headers)
            cpu, wall = time.process_time(), time.perf_counter()
            for _ in range(n):
                response = await http.post("/graphql", json={"query": TREE}, headers=headers)
                assert response.status_code == 200
            return (time.process_time() - cpu) / n, (time.perf_counter() - wall) / n


async def driver_events(bare: Datastore, observed: Datastore, n: int) -> None:
    """The driver's own cost of publishing command and pool events to a listener."""
    samples: dict[str, list[float]] = {"bare": [], "observed": []}
    for _ in range(ROUNDS):
        for label, store in (("bare", bare), ("observed", observed)):
            start = time.process_time()
            for _ in range(n):
                await store.db["projects"].find_one({})
            samples[label].append((time.process_time() - start) / n)
    bare_cpu, observed_cpu = (statistics.median(samples[k]) for k in ("bare", "observed"))
    print(
        f"find_one, client CPU per command: {bare_cpu * 1e6:.0f} µs without a listener, "
        f"{observed_cpu * 1e6:.0f} µs with the Monitor and no observer "
        f"({(observed_cpu - bare_cpu) * 1e6:+.1f} µs)"
    )


def log_as_served() -> None:
    """Logging set up as `serve` sets it up (JSON on stderr), stderr sent to a file: the
    line's whole cost, its write included."""
    with tempfile.TemporaryFile() as sink:  # fd 2 keeps the file open once duplicated
        os.dup2(sink.fileno(), 2)
    configure_logging("json")


def log_to_memory() -> None:
    """INFO lines formatted as JSON, as `serve` does, into a buffer instead of stderr."""
    logging.getLogger("httpx").setLevel(logging.WARNING)
    handler = logging.StreamHandler(io.StringIO())
    handler.setFormatter(JsonFormatter())
    logging.basicConfig(level=logging.INFO, handlers=[handler], force=True)


async def main(n: int) -> None:
    log_to_memory()
    base = Settings(mongodb_uri="unused", mongraph_cursor_secret="bench")
    off = base.model_copy(update={"mongraph_metrics": False, "mongraph_request_log": False})
    with EmbeddedServer(None) as server:
        name = f"bench_{uuid.uuid4().hex[:8]}"
        observed = Datastore.connect(server.uri, name, cursor_secret="bench")
        # The same database through a client without any listener: the driver's own cost
        # of publishing events is part of what is measured.
        bare = Datastore(AsyncMongoClient(server.uri, tz_aware=True), name, "bench")
        await ensure_indexes(observed)
        key = await seed(observed)
        await driver_events(bare, observed, n * 5)
        provider = TracerProvider()
        exporter = InMemorySpanExporter()
        provider.add_span_processor(SimpleSpanProcessor(exporter))
        configs: dict[str, Callable[[], Any]] = {
            "no listener, metrics and log off": lambda: per_request(bare, off, key, n),
            "listener, metrics and log off": lambda: per_request(observed, off, key, n),
            "metrics and JSON log on (default)": lambda: per_request(observed, base, key, n),
            "default + tracing (in-memory exporter)": lambda: per_request(
                observed, base, key, n, tracer_provider=provider
            ),
        }
        times: dict[str, list[tuple[float, float]]] = {label: [] for label in configs}
        for _ in range(ROUNDS):
            for label, run in configs.items():
                times[label].append(await run())
                exporter.clear()
        await observed.client.drop_database(name)
        await observed.close()
        await bare.close()
    base_cpu = statistics.median(cpu for cpu, _ in times["no listener, metrics and log off"])
    print(f"{n} storyboard tree queries per round, {ROUNDS} rounds, median per request:")
    for label, values in times.items():
        cpu = statistics.median(c for c, _ in values)
        wall = statistics.median(w for _, w in values)
        print(
            f"  {label:40s} CPU {cpu * 1e6:7.0f} µs ({(cpu / base_cpu - 1) * 100:+5.1f}%)"
            f"  wall {wall * 1e6:7.0f} µs"
        )


async def _noop_app(scope: Any, receive: Any, send: Any) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"{}"})


def _cpu_per_call(run: Callable[[], Any], n: int) -> float:
    """Median CPU seconds per call over ROUNDS rounds of `n` calls."""
    samples = []
    for _ in range(ROUNDS):
        start = time.process_time()
        run()
        samples.append((time.process_time() - start) / n)
    return statistics.median(samples)


async def micro(n: int = 20_000) -> dict[str, float]:
    """The observability code paths alone, without a database or GraphQL: CPU µs per call
    (median of `ROUNDS` rounds of `n`)."""
    from mongraph.datastore.monitoring import PoolState
    from mongraph.observability import Telemetry, observe_batch
    from mongraph.observability.middleware import RequestObserver
    from mongraph.observability.request import RequestInfo, begin, end

    log_as_served()
    settings = Settings(mongodb_uri="unused")
    telemetry = Telemetry(settings, pool=PoolState, subscriptions=lambda: 0)
    observed = RequestObserver(_noop_app, telemetry, frozenset({"/graphql"}))
    unlogged_settings = settings.model_copy(update={"mongraph_request_log": False})
    unlogged_telemetry = Telemetry(unlogged_settings, pool=PoolState, subscriptions=lambda: 0)
    unlogged = RequestObserver(_noop_app, unlogged_telemetry, frozenset({"/graphql"}))
    scope = {"type": "http", "method": "POST", "path": "/graphql", "headers": []}

    async def receive() -> Any:
        return {"type": "http.request", "body": b""}

    async def send(message: Any) -> None:
        pass

    async def requests(app: Any) -> float:
        samples = []
        for _ in range(ROUNDS):
            start = time.process_time()
            for _ in range(n):
                await app(scope, receive, send)
            samples.append((time.process_time() - start) / n)
        return statistics.median(samples)

    bare_cpu = await requests(_noop_app)
    observed_cpu = await requests(observed)
    unlogged_cpu = await requests(unlogged)
    info = RequestInfo("bench", telemetry)
    token = begin(info)

    def commands() -> None:
        for i in range(n):
            telemetry.command_started(i, "find", "scenes")
            telemetry.command_ended(i, None)

    def batches() -> None:
        for _ in range(n):
            with observe_batch("scenes", "page", 10):
                pass

    command_cpu = _cpu_per_call(commands, n)
    batch_cpu = _cpu_per_call(batches, n)
    end(token)
    return {
        "request_us": (observed_cpu - bare_cpu) * 1e6,
        "log_line_us": (observed_cpu - unlogged_cpu) * 1e6,
        "db_command_us": command_cpu * 1e6,
        "batch_us": batch_cpu * 1e6,
    }


def print_micro(costs: dict[str, float]) -> None:
    print("observability code alone (CPU per call, metrics and JSON log on, tracing off):")
    print(f"  request middleware + metrics + log line  {costs['request_us']:6.1f} µs")
    print(f"  of which the log line (to a file)         {costs['log_line_us']:6.1f} µs")
    print(f"  database command (count + request tally)  {costs['db_command_us']:6.1f} µs")
    print(f"  DataLoader batch (histogram)              {costs['batch_us']:6.1f} µs")


if __name__ == "__main__":
    if sys.argv[1:] == ["--micro"]:
        print_micro(asyncio.run(micro()))
    elif sys.argv[1:] == ["--micro", "--json"]:
        print(json.dumps(asyncio.run(micro())))
    else:
        asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 200))
