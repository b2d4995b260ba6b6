"""Throughput of `mongraph serve --workers N` for a simple authenticated query, and P3 at N.

    make bench-workers            # N = 1, 2, 4; 3 rounds of 15 s each after a 3 s warm-up
    uv run python -m bench.workers --workers 1 2 --duration 5 --connections 16 --json out.json

Starts an in-memory SecantusDB, migrates it, creates a user with an API key, then for
each N starts `mongraph serve --workers N` on it and bare Strawberry (bench/bare.py) in
N uvicorn workers on the same event loop as the bench's bare server (bench/serve.py),
and drives each with `wrk` (Debian package `wrk`) in another process: POST /graphql
`{ viewer { id displayName } }` with the key (the key lookup is one indexed `find`,
cached 1 s per worker; bare Strawberry answers from memory and ignores the key).
Gateway and bare alternate for `--rounds` rounds and each keeps its best, as bench/run.py
measures the single-process P3 (this VM's speed drifts over minutes): P3 at N is the
gateway's best requests/s ÷ bare's best. Prints requests/s, latency percentiles and the
CPU seconds each party used during the measured window, and the load average before
each run (the machine may be shared: other processes' CPU use lowers every number here).
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
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import httpx

from mongraph.auth import make_api_key
from mongraph.datastore import users
from mongraph.datastore.client import Datastore
from mongraph.datastore.migrate import migrate_up
from mongraph.embedded import EmbeddedServer

from .run import P3_ROUNDS

QUERY = "{ viewer { id displayName } }"
DB = "bench"
_TICKS = os.sysconf("SC_CLK_TCK")
ROOT = Path(__file__).parent.parent
SERVERS = ("gateway", "bare")


def log(message: str) -> None:
    print(f"[bench.workers {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


@dataclass
class Run:
    server: str
    """`gateway` (`mongraph serve --workers N`) or `bare` (bench/bare.py in N workers)."""
    workers: int
    round: int
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    errors: int
    server_cpu_s: float
    database_cpu_s: float
    wrk_cpu_s: float
    seconds: float
    load_before: float

    def cpu_ms_per_request(self, cpu_s: float) -> float:
        return 1000 * cpu_s / max(self.requests_per_second * self.seconds, 1)


@dataclass
class Comparison:
    """Both servers at N workers: every round, and each server's best."""

    workers: int
    runs: list[Run] = field(default_factory=list)

    def best(self, server: str) -> Run:
        return max(
            (run for run in self.runs if run.server == server),
            key=lambda run: run.requests_per_second,
        )

    def rounds(self, server: str) -> str:
        return ", ".join(
            f"{run.requests_per_second:.0f}" for run in self.runs if run.server == server
        )

    @property
    def p3(self) -> float:
        """Gateway requests/s ÷ bare Strawberry requests/s, each its best round."""
        return self.best("gateway").requests_per_second / self.best("bare").requests_per_second


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


def start_bare(workers: int, port: int) -> subprocess.Popen[bytes]:
    """bench/serve.py's bare server (its event loop and uvicorn options), in N workers."""
    command = [sys.executable, "-m", "bench.serve", "bare", "--port", str(port)]
    command += ["--workers", str(workers)]
    return subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def wait_ready(
    process: subprocess.Popen[bytes], name: str, port: int, secret: str, workers: int
) -> None:
    """Every worker answers: as many consecutive good answers as 5 x workers."""
    deadline = time.monotonic() + 120
    good = 0
    with httpx.Client(base_url=f"http://127.0.0.1:{port}") as client:
        while good < 5 * workers:
            if process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"{name} did not start")
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


def drive(
    server: EmbeddedServer,
    name: str,
    process: subprocess.Popen[bytes],
    port: int,
    script: Path,
    workers: int,
    round_: int,
    args: argparse.Namespace,
) -> Run:
    """A warm-up, then one measured `wrk` window on a server that is already up."""
    url = f"http://127.0.0.1:{port}/graphql"
    wrk = ["wrk", "-t1", f"-c{args.connections}", "-s", str(script), "--latency", url]
    if args.warmup > 0:
        subprocess.run([*wrk[:1], f"-d{args.warmup}s", *wrk[1:]], check=True, capture_output=True)
    load_before = os.getloadavg()[0]
    assert server._process is not None
    server_before = cpu_seconds(process.pid)
    database_before = cpu_seconds(server._process.pid)
    children_before = os.times()
    started = time.monotonic()
    result = subprocess.run(
        [*wrk[:1], f"-d{args.duration}s", *wrk[1:]], check=True, capture_output=True, text=True
    )
    seconds = time.monotonic() - started
    children_after = os.times()
    rps, p50, p99, errors = parse_wrk(result.stdout)
    if errors:
        found = re.findall(r"^\s*(Non-2xx.*|Socket errors.*)$", result.stdout, re.M)
        log(f"{name}, {workers} workers: {'; '.join(found)}")
    return Run(
        server=name,
        workers=workers,
        round=round_,
        requests_per_second=rps,
        p50_ms=p50,
        p99_ms=p99,
        errors=errors,
        server_cpu_s=cpu_seconds(process.pid) - server_before,
        database_cpu_s=cpu_seconds(server._process.pid) - database_before,
        wrk_cpu_s=(children_after.children_user + children_after.children_system)
        - (children_before.children_user + children_before.children_system),
        seconds=seconds,
        load_before=load_before,
    )


def compare(
    server: EmbeddedServer, secret: str, script: Path, workers: int, args: argparse.Namespace
) -> Comparison:
    """The gateway and bare Strawberry at N workers, in alternating rounds.

    Both are started together (they take seconds to import) and measured one at a time,
    gateway then bare in every round, as bench/run.py measures P3: the machine's speed
    drifts over minutes, and the ratio of two bests taken side by side is fairer than
    that of two windows minutes apart.
    """
    ports = {name: free_port() for name in SERVERS}
    processes = {
        "gateway": start_gateway(server.uri, workers, ports["gateway"]),
        "bare": start_bare(workers, ports["bare"]),
    }
    comparison = Comparison(workers)
    try:
        for name in SERVERS:
            wait_ready(processes[name], name, ports[name], secret, workers)
        for round_ in range(1, args.rounds + 1):
            for name in SERVERS:
                run = drive(
                    server, name, processes[name], ports[name], script, workers, round_, args
                )
                log(
                    f"{workers} workers, round {round_}/{args.rounds}, {name}: "
                    f"{run.requests_per_second:.0f} requests/s, {run.errors} errors, "
                    f"load {run.load_before:.2f}"
                )
                comparison.runs.append(run)
    finally:
        for process in processes.values():
            process.terminate()
        for process in processes.values():
            process.wait(timeout=60)
    return comparison


def ceiling(run: Run, cpus: int) -> float:
    """A model, not a measurement: min(cores / CPU per request of server + database + wrk,
    workers / server CPU per request). A worker runs Python on one core at most."""
    server_ms = run.cpu_ms_per_request(run.server_cpu_s)
    total_ms = server_ms + run.cpu_ms_per_request(run.database_cpu_s)
    total_ms += run.cpu_ms_per_request(run.wrk_cpu_s)
    return min(cpus * 1000 / total_ms, run.workers * 1000 / server_ms)


def print_tables(comparisons: list[Comparison], cpus: int) -> None:
    print()
    print(
        "| workers | gateway requests/s | bare requests/s | P3 = gateway ÷ bare "
        "| rounds: gateway requests/s | rounds: bare requests/s "
        "| CPU ms/request: gateway | bare | bare ÷ gateway |"
    )
    print("|---:" * 9 + "|")
    for c in comparisons:
        gateway, bare = c.best("gateway"), c.best("bare")
        gateway_ms = gateway.cpu_ms_per_request(gateway.server_cpu_s)
        bare_ms = bare.cpu_ms_per_request(bare.server_cpu_s)

        print(
            f"| {c.workers} | {gateway.requests_per_second:.0f} "
            f"| {bare.requests_per_second:.0f} | {c.p3:.2f} | {c.rounds('gateway')} "
            f"| {c.rounds('bare')} | {gateway_ms:.2f} | {bare_ms:.2f} "
            f"| {bare_ms / gateway_ms:.2f} |"
        )
    print(
        "Each server's best round (gateway and bare alternate). The CPU columns are of that "
        "round's server processes: bare ÷ gateway CPU per request is what P3 would be if "
        "the server's CPU alone bounded both (wrk and the database take their share too)."
    )
    print()
    print(
        "| workers | server | requests/s | p50 ms | p99 ms | errors | CPU s: server "
        "| database | wrk | CPU ms/request: server | database "
        "| idle-machine ceiling, requests/s | load avg before |"
    )
    print("|---:|:---" + "|---:" * 11 + "|")
    for c in comparisons:
        for name in SERVERS:
            run = c.best(name)
            print(
                f"| {run.workers} | {name} | {run.requests_per_second:.0f} "
                f"| {run.p50_ms:.1f} | {run.p99_ms:.1f} | {run.errors} "
                f"| {run.server_cpu_s:.1f} | {run.database_cpu_s:.1f} | {run.wrk_cpu_s:.1f} "
                f"| {run.cpu_ms_per_request(run.server_cpu_s):.2f} "
                f"| {run.cpu_ms_per_request(run.database_cpu_s):.2f} "
                f"| {ceiling(run, cpus):.0f} | {run.load_before:.2f} |"
            )
    seconds = comparisons[0].runs[0].seconds
    print(
        f"CPU seconds over the {seconds:.0f} s window of the best round ({cpus} CPUs: "
        f"{cpus * seconds:.0f} CPU s). The ceiling is a model from the CPU cost per "
        "request, not a measurement: min(cores / CPU per request of server + database + wrk, "
        "workers / server CPU per request)."
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--duration", type=int, default=15, help="seconds per measurement")
    parser.add_argument("--warmup", type=int, default=3, help="seconds before each measurement")
    parser.add_argument(
        "--rounds",
        type=int,
        default=1 + P3_ROUNDS,
        help="alternating rounds of gateway and bare per N; each keeps its best (as bench.run)",
    )
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--json", type=Path, help="also write every round's numbers here")
    args = parser.parse_args()
    if min(args.workers) < 1 or args.duration < 1 or args.rounds < 1 or args.warmup < 0:
        parser.error("workers, duration and rounds must be positive, warmup not negative")
    if shutil.which("wrk") is None:
        print("bench needs wrk: apt-get install wrk", file=sys.stderr)
        return 2
    cpus = os.cpu_count() or 1
    print(
        f"{cpus} CPUs; query {QUERY!r}; {args.connections} connections, "
        f"{args.rounds} rounds of gateway and bare per N, {args.duration} s each "
        f"after {args.warmup} s of warm-up"
    )
    with EmbeddedServer(None) as server, tempfile.TemporaryDirectory() as tmp:
        secret: str = asyncio.run(prepare(server.uri))
        script = wrk_script(Path(tmp), secret)
        comparisons = [compare(server, secret, script, n, args) for n in args.workers]
    print_tables(comparisons, cpus)
    if args.json is not None:
        args.json.write_text(
            json.dumps(
                {
                    "date": datetime.now(UTC).isoformat(timespec="seconds"),
                    "cpus": cpus,
                    "query": QUERY,
                    "options": {k: v for k, v in vars(args).items() if k != "json"},
                    "results": [
                        {
                            "workers": c.workers,
                            "gateway_requests_per_second": c.best("gateway").requests_per_second,
                            "bare_requests_per_second": c.best("bare").requests_per_second,
                            "p3": c.p3,
                            "runs": [asdict(run) for run in c.runs],
                        }
                        for c in comparisons
                    ],
                },
                indent=2,
            )
            + "\n"
        )
        log(f"results: {args.json}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
