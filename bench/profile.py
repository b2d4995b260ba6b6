"""Profiles one scenario inside this process: gateway CPU per field against graphql-core's
execution floor on the same data, and where the gateway's time goes (cProfile).

    uv run python -m bench.profile 1-storyboard-tree 4-big-response --top 25
    uv run python -m bench.profile 4-big-response --memory   # peak allocation of one request

The database is the embedded SecantusDB in its own process, so the CPU measured here is
the gateway's (and the in-process HTTP client's, a few percent) without the database's.
The `profile` size keeps the shapes of medium's scenarios 1 and 4 at a fraction of its load
time; the data stays in `--data-dir` between runs.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import gc
import json
import pstats
import time
import tracemalloc
from dataclasses import asdict
from pathlib import Path

import httpx

from mongraph.app import create_app
from mongraph.config import Settings
from mongraph.datastore.client import Datastore
from mongraph.embedded import EmbeddedServer
from mongraph.stack_room import new_event_loop

from .dataset import Dataset, load_dataset
from .floors import DataFloor, count_fields, execution_floor
from .scenarios import SCENARIOS, Scenario
from .sizes import SIZES

__all__ = ["main"]

DB = "bench_profile"
SECRET = "mongraph-dev-cursor-secret"


def _dataset(uri: str, marker: Path, size: str) -> Dataset:
    """The dataset loaded earlier into `marker`'s directory, or loaded now."""
    if marker.exists():
        return Dataset(**json.loads(marker.read_text()))
    dataset = asyncio.run(_load(uri, size))
    marker.write_text(json.dumps(asdict(dataset)))
    return dataset


async def _load(uri: str, size: str) -> Dataset:
    store = Datastore.connect(uri, DB, cursor_secret=SECRET)
    try:
        await store.client.drop_database(DB)
        return await load_dataset(store, SIZES[size])
    finally:
        await store.close()


async def _profile(
    uri: str,
    dataset: Dataset,
    scenarios: list[Scenario],
    repeat: int,
    top: int,
    memory: bool = False,
) -> None:
    settings = Settings(mongodb_uri=uri, mongraph_db=DB, mongraph_cursor_secret=SECRET)
    store = Datastore.connect(uri, DB, cursor_secret=SECRET)

    async def same_store() -> Datastore:
        return store

    app = create_app(same_store, settings, close_store=False)
    headers = {"Authorization": f"Bearer {dataset.api_key}", "Content-Type": "application/json"}
    floor = DataFloor(uri, DB, dataset)
    try:
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://p") as client:
                for scenario in scenarios:
                    body = scenario.bodies(dataset)[0]

                    async def request(body: str = body) -> bytes:
                        response = await client.post("/graphql", content=body, headers=headers)
                        return response.content

                    payload = json.loads(await request())
                    assert "errors" not in payload, payload["errors"]
                    fields = count_fields(payload["data"])
                    fetch = floor.fetcher(scenario)
                    data = None if fetch is None else await fetch()
                    variables = scenario.variables(dataset)[0]
                    # interleaved, best of each: the machine's noise hits both alike
                    cpus, floors = [], []
                    for _ in range(repeat):
                        started = time.process_time()
                        await request()
                        cpus.append(time.process_time() - started)
                        if data is not None:
                            floors.append(execution_floor(scenario, data, variables, 1))
                    cpu = min(cpus)
                    line = f"{scenario.name}: {fields} fields, gateway {cpu * 1e3:.1f} ms CPU "
                    line += f"({cpu * 1e6 / fields:.2f} µs/field)"
                    if floors:
                        exe = min(floors)
                        line += f", floor {exe * 1e3:.1f} ms ({exe * 1e6 / fields:.2f} µs/field)"
                        line += f": {cpu / exe:.2f}x"
                    print(line, flush=True)
                    if memory:
                        response_bytes = len(await request())
                        gc.collect()
                        tracemalloc.start()
                        tracemalloc.reset_peak()
                        base, _ = tracemalloc.get_traced_memory()
                        await request()
                        _, peak = tracemalloc.get_traced_memory()
                        tracemalloc.stop()
                        held = (peak - base) / 1e6
                        print(
                            f"  memory: {held:.1f} MB allocated at the peak of one request "
                            f"(tracemalloc), {held * 1e6 / response_bytes:.1f}x its "
                            f"{response_bytes / 1e6:.2f} MB response",
                            flush=True,
                        )
                    if top:
                        profiler = cProfile.Profile()
                        profiler.enable()
                        await request()
                        profiler.disable()
                        stats = pstats.Stats(profiler).sort_stats("tottime")
                        stats.print_stats(top)
    finally:
        await floor.close()
        await store.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.profile", description=__doc__)
    parser.add_argument("scenarios", nargs="*", default=["1-storyboard-tree", "4-big-response"])
    parser.add_argument("--size", choices=list(SIZES), default="profile")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--top", type=int, default=0, help="cProfile lines (0: none)")
    parser.add_argument(
        "--memory", action="store_true", help="peak memory of one request (tracemalloc)"
    )
    parser.add_argument("--data-dir", type=Path, default=Path(".bench-profile"))
    args = parser.parse_args(argv)
    scenarios = [s for s in SCENARIOS if s.name in args.scenarios]
    data_dir: Path = args.data_dir / args.size
    with EmbeddedServer(data_dir) as server:
        dataset = _dataset(server.uri, data_dir / "dataset.json", args.size)
        # the servers' event loop (mongraph/stack_room.py): measured as they run
        with asyncio.Runner(loop_factory=new_event_loop) as runner:
            runner.run(_profile(server.uri, dataset, scenarios, args.repeat, args.top, args.memory))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
