"""Throughput of `mongraph serve --workers N` for a simple authenticated query.

    make bench-workers            # N = 1, 2, 4; 15 s each after a 3 s warm-up
    uv run python -m bench.workers --workers 1 2 --duration 5 --connections 16

Starts an in-memory SecantusDB, migrates it, creates a user with an API key, then for
each N starts `mongraph serve --workers N` on it and drives it with `wrk` (Debian
package `wrk`) in another process: POST /graphql `{ viewer { id displayName } }` with
the key (the key lookup is one indexed `find`, cached 1 s per worker). Prints requests/s, latency
percentiles and the CPU seconds each party used during the measured window, and the
load average before each run (the machine may be shared: other processes' CPU use
lowers every number here).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from mongraph.auth import make_api_key
from mongraph.datastore import users
from mongraph.datastore.client import Datastore
from mongraph.datastore.migrate import migrate_up
from mongraph.embedded import EmbeddedServer

QUERY = "{ viewer { id displayName } }"
DB = "bench"
_TICKS = os.sysconf("SC_CLK_TCK")


@dataclass
class Run:
    workers: int
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    errors: int
    gateway_cpu_s: float
    database_cpu_s: float
    wrk_cpu_s: float
    seconds: float
    load_before: float


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process and, recursively, its live children."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return 0.0
    own = (int(fields[11]) + int(fields[12])) / _TICKS
    return own + sum(cpu_seconds(int(child)) for child in children)


async def prepare(uri: str) -> str:
    store = Datastore.connect(uri, DB, cursor_secret="bench")
    try:
        await migrate_up(store)
        key = make_api_key("bench")
        await users.create_user(store, display_name="Bench", roles=["USER"], key=key.doc)
        return key.secret
    finally:
        await store.close()


def wrk_script(directory: Path, secret: str) -> Path:
    script = directory / "post.lua"
    body = json.dumps({"query": QUERY})
    script.write_text(
        'wrk.method = "POST"\n'
        f"wrk.body = {json.dumps(body)}\n"
        'wrk.headers["Content-Type"] = "application/json"\n'
        f'wrk.headers["Authorization"] = "Bearer {secret}"\n'
    )
    return script


def start_gateway(uri: str, workers: int, port: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "MONGODB_URI": uri, "MONGRAPH_DB": DB}
    env.setdefault("MONGRAPH_CURSOR_SECRET", secrets.token_hex(32))
    command = [sys.executable, "-m", "mongraph.cli", "serve", "--port", str(port)]
    command += ["--workers", str(workers)]
    return subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def wait_ready(port: int, secret: str, workers: int) -> None:
    """Every worker answers: as many consecutive good answers as 5 x workers."""
    deadline = time.monotonic() + 120
    good = 0
    with httpx.Client(base_url=f"http://127.0.0.1:{port}") as client:
        while good < 5 * workers:
            if time.monotonic() > deadline:
                raise SystemExit("the gateway did not start")
            try:
                answer = client.post(
                    "/graphql",
                    json={"query": QUERY},
                    headers={"Authorization": f"Bearer {secret}"},
                )
                ok = answer.status_code == 200 and answer.json()["data"]["viewer"] is not None
            except httpx.HTTPError:
                ok = False
            good = good + 1 if ok else 0
            if not ok:
                time.sleep(0.2)


def parse_wrk(output: str) -> tuple[float, float, float, int]:
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output)[1])  # type: ignore[index]

    def percentile(p: str) -> float:
        match = re.search(rf"^\s+{p}%\s+([\d.]+)(us|ms|s)\s*$", output, re.M)
        assert match, output
        return float(match[1]) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[match[2]]

    errors = 0
    for pattern in (r"Non-2xx or 3xx responses: (\d+)", r"Socket errors: .*?timeout (\d+)"):
        found = re.search(pattern, output)
        errors += int(found[1]) if found else 0
    return rps, percentile("50"), percentile("99"), errors


def measure(
    server: EmbeddedServer, secret: str, script: Path, workers: int, args: argparse.Namespace
) -> Run:
    port = free_port()
    gateway = start_gateway(server.uri, workers, port)
    try:
        wait_ready(port, secret, workers)
        url = f"http://127.0.0.1:{port}/graphql"
        wrk = ["wrk", "-t1", f"-c{args.connections}", "-s", str(script), "--latency", url]
        subprocess.run([*wrk[:1], "-d3s", *wrk[1:]], check=True, capture_output=True)  # warm-up
        load_before = os.getloadavg()[0]
        assert server._process is not None
        gateway_before = cpu_seconds(gateway.pid)
        database_before = cpu_seconds(server._process.pid)
        children_before = os.times()
        started = time.monotonic()
        result = subprocess.run(
            [*wrk[:1], f"-d{args.duration}s", *wrk[1:]], check=True, capture_output=True, text=True
        )
        seconds = time.monotonic() - started
        children_after = os.times()
        rps, p50, p99, errors = parse_wrk(result.stdout)
        return Run(
            workers=workers,
            requests_per_second=rps,
            p50_ms=p50,
            p99_ms=p99,
            errors=errors,
            gateway_cpu_s=cpu_seconds(gateway.pid) - gateway_before,
            database_cpu_s=cpu_seconds(server._process.pid) - database_before,
            wrk_cpu_s=(children_after.children_user + children_after.children_system)
            - (children_before.children_user + children_before.children_system),
            seconds=seconds,
            load_before=load_before,
        )
    finally:
        gateway.terminate()
        gateway.wait(timeout=60)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--duration", type=int, default=15, help="seconds per measurement")
    parser.add_argument("--connections", type=int, default=32)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        print("bench needs wrk: apt-get install wrk", file=sys.stderr)
        return 2
    print(
        f"{os.cpu_count()} CPUs; query {QUERY!r}; {args.connections} connections, "
        f"{args.duration} s per run"
    )
    with EmbeddedServer(None) as server, tempfile.TemporaryDirectory() as tmp:
        secret: str = asyncio.run(prepare(server.uri))
        script = wrk_script(Path(tmp), secret)
        runs = [measure(server, secret, script, n, args) for n in args.workers]
    cpus = os.cpu_count() or 1
    print()
    print(
        "| workers | requests/s | p50 ms | p99 ms | errors | CPU s: gateway | database | wrk "
        "| CPU ms/request: gateway | database | idle-machine ceiling, requests/s "
        "| load avg before |"
    )
    print("|---:" * 12 + "|")
    for run in runs:
        requests = run.requests_per_second * run.seconds
        gateway_ms = 1000 * run.gateway_cpu_s / requests
        database_ms = 1000 * run.database_cpu_s / requests
        wrk_ms = 1000 * run.wrk_cpu_s / requests
        # A worker runs Python on one core at most; all processes share the machine's cores.
        ceiling = min(
            cpus * 1000 / (gateway_ms + database_ms + wrk_ms), run.workers * 1000 / gateway_ms
        )
        print(
            f"| {run.workers} | {run.requests_per_second:.0f} | {run.p50_ms:.1f} "
            f"| {run.p99_ms:.1f} | {run.errors} | {run.gateway_cpu_s:.1f} "
            f"| {run.database_cpu_s:.1f} | {run.wrk_cpu_s:.1f} | {gateway_ms:.2f} "
            f"| {database_ms:.2f} | {ceiling:.0f} | {run.load_before:.2f} |"
        )
    print(
        f"CPU seconds over the {runs[0].seconds:.0f} s window ({cpus} CPUs: "
        f"{cpus * runs[0].seconds:.0f} CPU s). The ceiling is a model from the CPU cost per "
        "request, not a measurement: min(cores / CPU per request of gateway + database + wrk, "
        "workers / gateway CPU per request)."
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
