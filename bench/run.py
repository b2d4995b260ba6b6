"""One benchmark run: database, dataset, servers, load, floors and peers; returns the results."""

from __future__ import annotations

import asyncio
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from contextlib import ExitStack
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from mongraph.datastore.client import Datastore
from mongraph.embedded import EmbeddedServer

from . import peers
from .dataset import Dataset, load_dataset
from .floors import DataFloor, count_fields, encode, execution_floor
from .processes import Server, free_port, run_loadgen
from .scenarios import SCENARIOS, Scenario
from .sizes import SIZES

__all__ = ["Options", "run"]

P3_ROUNDS = 2
"""Extra alternating rounds of scenario 3 for the gateway and bare Strawberry."""

VERY_SLOW = 5.0
"""Seconds: a request slower than this is measured once, without load."""


@dataclass
class Options:
    size: str = "smoke"
    clients: int = 8
    seq_seconds: float = 3.0
    load_seconds: float = 5.0
    floor_repeat: int = 20
    peers: bool = True
    only: tuple[str, ...] = ()
    """Scenario names to run (all when empty)."""


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def _spec(server: Server, bodies: list[str], headers: dict[str, str], **kw: Any) -> dict[str, Any]:
    return {
        "host": "127.0.0.1",
        "port": server.port,
        "path": "/graphql",
        "headers": headers,
        "bodies": bodies,
        **kw,
    }


def measure(
    server: Server, bodies: list[str], headers: dict[str, str], opts: Options, *, commands: bool
) -> dict[str, Any]:
    """Sequential latency (one client), then throughput with `opts.clients` clients.

    A request slower than a second is database-bound (the embedded server takes
    milliseconds per returned document), so it gets fewer samples and two clients:
    otherwise one scenario would take minutes.
    """
    server.post(json.dumps({"query": "{ __typename }"}), headers)  # authenticated, key touched
    if commands:
        server.get_json("/__bench/commands")
    cpu = server.cpu_seconds()
    started = time.perf_counter()
    sample = server.post(bodies[0], headers)
    wall = time.perf_counter() - started
    if sample.get("errors"):
        raise RuntimeError(f"{server.name}: {sample['errors']}")
    fields = count_fields(sample.get("data"))
    if wall > VERY_SLOW:
        # Minutes of load would measure only the database: this one request is the sample.
        once = {
            "concurrency": 1,
            "requests": 1,
            "errors": 0,
            "seconds": wall,
            "throughput": 1 / wall,
            "p50_ms": wall * 1000,
            "p95_ms": wall * 1000,
        }
        result = {
            "fields_per_response": fields,
            "response_bytes": len(encode(sample["data"])),
            "sequential": once,
            "cpu_ms_per_request": (server.cpu_seconds() - cpu) * 1000,
            "load": None,
            "peak_rss_mb": server.peak_rss_mb(),
        }
        if commands:
            sent = server.get_json("/__bench/commands")
            result["commands_per_request"] = sum(sent.values())
            result["commands"] = dict(sorted(sent.items()))
        return result
    slow = wall > 1.0
    if len(bodies) > 1:
        warm = _spec(server, bodies, headers, concurrency=1, duration=0, min_requests=len(bodies))
        run_loadgen(warm)
    if commands:
        server.get_json("/__bench/commands")
    cpu = server.cpu_seconds()
    seq = run_loadgen(
        _spec(
            server,
            bodies,
            headers,
            concurrency=1,
            duration=opts.seq_seconds,
            min_requests=2 if slow else 3,
        )
    )
    cpu = server.cpu_seconds() - cpu
    result: dict[str, Any] = {
        "fields_per_response": fields,
        "response_bytes": len(encode(sample.get("data") or {})),
        "sequential": seq,
        "cpu_ms_per_request": cpu / seq["requests"] * 1000,
    }
    if commands:
        sent = server.get_json("/__bench/commands")
        result["commands_per_request"] = sum(sent.values()) / seq["requests"]
        result["commands"] = {k: v / seq["requests"] for k, v in sorted(sent.items())}
    server.reset_peak_rss()
    result["rss_before_load_mb"] = server.rss_mb()
    clients = min(opts.clients, 2) if slow else opts.clients
    result["load"] = run_loadgen(
        _spec(
            server,
            bodies,
            headers,
            concurrency=clients,
            duration=opts.load_seconds,
            min_requests=clients,
        )
    )
    result["peak_rss_mb"] = server.peak_rss_mb()
    for part in ("sequential", "load"):
        if result[part] and result[part]["errors"]:
            raise RuntimeError(f"{server.name}: {result[part].get('sample_error')}")
    return result


async def _time(fetch: Callable[[], Awaitable[dict[str, Any]]], repeat: int) -> dict[str, Any]:
    started = time.perf_counter()
    data = await fetch()
    first = time.perf_counter() - started
    walls, cpus = [], []
    for _ in range(max(2, min(repeat, int(5 / max(first, 1e-3))))):
        wall, cpu = time.perf_counter(), time.process_time()
        encode(await fetch())
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return {
        "data": data,
        "p50_ms": statistics.median(walls) * 1000,
        "cpu_ms": statistics.median(cpus) * 1000,
    }


async def floors(
    uri: str, db: str, dataset: Dataset, scenarios: list[Scenario], opts: Options
) -> dict[str, dict[str, Any]]:
    floor = DataFloor(uri, db, dataset)
    out: dict[str, dict[str, Any]] = {}
    try:
        for scenario in scenarios:
            fetch = floor.fetcher(scenario)
            if fetch is None:
                continue
            timed = await _time(fetch, opts.floor_repeat)
            data = timed.pop("data")
            variables = scenario.variables(dataset)[0]
            seconds = execution_floor(scenario, data, variables, max(3, opts.floor_repeat // 4))
            fields = count_fields(data)
            out[scenario.name] = {
                "data_floor_p50_ms": timed["p50_ms"],
                "data_floor_cpu_ms": timed["cpu_ms"],
                "execution_floor_ms": seconds * 1000,
                "execution_floor_us_per_field": seconds * 1e6 / max(fields, 1),
                "fields_per_response": fields,
            }
    finally:
        await floor.close()
    return out


async def _load(uri: str, db: str, size: str) -> Dataset:
    store = Datastore.connect(uri, db, cursor_secret="mongraph-dev-cursor-secret")
    try:
        await store.client.drop_database(db)
        return await load_dataset(store, SIZES[size])
    finally:
        await store.close()


def _serve(kind: str, uri: str = "", db: str = "") -> Server:
    port = free_port()
    command = [sys.executable, "-m", "bench.serve", kind, "--port", str(port)]
    # The gateway writes a JSON line per request to stderr, as served: to a file, as a
    # log collector would take it (a pipe nobody read would fill up and stall it).
    args = ["--uri", uri, "--db", db] if uri else []
    if kind != "gateway":
        return Server(kind, command + args, port)
    with tempfile.TemporaryFile() as log:  # the server's stderr keeps it open
        return Server(kind, command + args, port, stderr=log)


def machine(database: str) -> dict[str, Any]:
    cpu = "unknown"
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(ln.split(":", 1)[1].strip() for ln in f if ln.startswith("model name"))
    except (OSError, StopIteration):
        pass
    with open("/proc/meminfo") as f:
        mem_kb = int(f.readline().split()[1])
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gb": round(mem_kb / 1024 / 1024, 1),
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "database": database,
        "load_average": round(os.getloadavg()[0], 2),
    }


def run(opts: Options) -> dict[str, Any]:
    scenarios = [s for s in SCENARIOS if not opts.only or s.name in opts.only]
    started = time.monotonic()
    db = f"bench_{opts.size}"
    results: dict[str, Any] = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "size": opts.size,
        "options": asdict(opts),
        "scenarios": {
            s.name: {
                "title": s.title,
                "relation_fields": s.relation_fields,
                "write": s.write,
                "targets": {},
            }
            for s in scenarios
        },
    }
    with ExitStack() as stack:
        uri = os.environ.get("MONGODB_URI")
        database = "MongoDB at MONGODB_URI"
        if not uri:
            uri = stack.enter_context(EmbeddedServer(None)).uri
            database = "embedded SecantusDB (secantusd-py, in memory), its own process"
        results["machine"] = machine(database)
        log(f"loading the {opts.size} dataset")
        dataset = asyncio.run(_load(uri, db, opts.size))
        log(
            f"{dataset.documents} documents in {dataset.load_seconds:.1f} s "
            f"({dataset.docs_per_second:.0f} docs/s)"
        )
        results["dataset"] = {
            "documents": dataset.documents,
            "seconds": dataset.load_seconds,
            "docs_per_second": dataset.docs_per_second,
        }
        auth = {"Authorization": f"Bearer {dataset.api_key}"}
        reads = [s for s in scenarios if not s.write]
        writes = [s for s in scenarios if s.write]

        def record(
            target: str,
            scenario: Scenario,
            server: Server,
            bodies: list[str],
            headers: dict[str, str],
            commands: bool,
        ) -> None:
            log(f"{target}: {scenario.name}")
            outcome = measure(server, bodies, headers, opts, commands=commands)
            seq, load = outcome["sequential"], outcome["load"]
            rate = "-" if load is None else f"{load['throughput']:.1f} req/s ({load['requests']})"
            log(
                f"  p50 {seq['p50_ms']:.1f} ms, {rate}, "
                f"{outcome.get('commands_per_request', '-')} commands/request"
            )
            results["scenarios"][scenario.name]["targets"][target] = outcome

        names = {s.name for s in reads}
        baseline = [s for s in reads if s.name in ("1-storyboard-tree", "2-inbox")]
        # Started together (they take seconds to import), measured one at a time.
        gateway = stack.enter_context(_serve("gateway", uri, db))
        bare = stack.enter_context(_serve("bare")) if "3-viewer" in names else None
        graphene = stack.enter_context(peers.graphene(uri, db)) if opts.peers else None
        gateway.ready()
        results["gateway_idle_rss_mb"] = gateway.rss_mb()
        for scenario in reads:
            record("gateway", scenario, gateway, scenario.bodies(dataset), auth, True)
        log("floors")
        for name, values in asyncio.run(floors(uri, db, dataset, reads, opts)).items():
            results["scenarios"][name]["floors"] = values
        if bare is not None:
            s3 = next(s for s in reads if s.name == "3-viewer")
            record("bare-strawberry", s3, bare.ready(), s3.bodies(dataset), auth, False)
            # P3 divides two throughputs measured a minute apart on a machine whose speed
            # drifts by a fifth: more rounds, alternating, and each side keeps its best.
            targets = results["scenarios"][s3.name]["targets"]
            for _ in range(P3_ROUNDS):
                for target, server, commands in (
                    ("gateway", gateway, True),
                    ("bare-strawberry", bare, False),
                ):
                    log(f"{target}: {s3.name} (another round)")
                    outcome = measure(server, s3.bodies(dataset), auth, opts, commands=commands)
                    if outcome["load"]["throughput"] > targets[target]["load"]["throughput"]:
                        targets[target] = outcome
        if baseline:
            gateway.get_json("/__bench/batching/off")
            for scenario in baseline:
                bodies = scenario.bodies(dataset)
                record("gateway-noloaders", scenario, gateway, bodies, auth, True)
            gateway.get_json("/__bench/batching/on")
        if graphene is not None:
            try:
                graphene.ready()
            except RuntimeError as error:
                results["graphene_error"] = str(error)
            else:
                for scenario in reads:
                    bodies = peers.graphene_bodies(scenario, dataset)
                    if bodies is not None:
                        record("graphene-mongo", scenario, graphene, bodies, auth, False)
        for scenario in writes:
            record("gateway", scenario, gateway, scenario.bodies(dataset), auth, True)
    log("the request log line")
    results["request_log"] = request_log_costs()
    results["seconds"] = time.monotonic() - started
    return results


def request_log_costs() -> dict[str, float]:
    """`bench.observability --micro` in a process of its own: it points its stderr at a
    file, as `serve`'s is in production, to write the line as `serve` does."""
    done = subprocess.run(
        [sys.executable, "-m", "bench.observability", "--micro", "--json"],
        cwd=Path(__file__).parent.parent,
        capture_output=True,
        text=True,
        check=True,
    )
    costs: dict[str, float] = json.loads(done.stdout.splitlines()[-1])
    return costs
