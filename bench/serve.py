"""One server process of a benchmark run: `python -m bench.serve KIND --port P [--uri U --db D]`.

KIND is `gateway` or `bare` (a minimal Strawberry app answering scenario 3 from memory;
`--workers N` runs it in N uvicorn worker processes, for bench/workers.py).
The gateway runs as `mongraph serve` runs it, with the settings it has by default
(`SHIPPED`): its logging set up the same way (a JSON request line per request, on stderr,
which the harness sends to a file), metrics, the key cache, live updates, and uvicorn
with `serving.uvicorn_options`. The one change is the database deadline (`DEADLINE`).
It also answers `GET /__bench/commands` (the MongoDB commands sent since the last such
call) and `GET /__bench/batching/off|on` (loaders off: the N+1 baseline).
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from typing import Any

import uvicorn
from pymongo import monitoring
from starlette.types import ASGIApp, Receive, Scope, Send

from mongraph.config import Settings
from mongraph.datastore.monitoring import command_collection
from mongraph.observability.logs import configure_logging
from mongraph.serving import uvicorn_options
from mongraph.stack_room import UVICORN_LOOP

__all__ = ["DEADLINE", "SHIPPED", "CommandTally", "main"]

DEADLINE = 600
"""Seconds a request may wait for the database: SecantusDB takes seconds over medium's big
scenarios, and the 5 s that protects production from a stalled database would cut them off."""
SHIPPED = {"mongraph_db_timeout": DEADLINE}
"""What the gateway's settings change from `mongraph serve`'s defaults: only the deadline."""

BARE_APP = "bench.bare:app"
"""bare.py's app as uvicorn's worker processes import it."""

_IGNORED = {"hello", "ismaster", "isMaster", "ping", "endSessions", "saslStart", "saslContinue"}


def _change_stream(command: Any) -> bool:
    """The live-updates hub's change stream (`mongraph serve` runs one), not a request's."""
    if command.get("collection", "").startswith("$cmd"):  # its getMores
        return True
    pipeline = command.get("pipeline") or ()
    return any(isinstance(stage, dict) and "$changeStream" in stage for stage in pipeline)


class CommandTally(monitoring.CommandListener):
    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        if event.command_name not in _IGNORED and not _change_stream(event.command):
            target = command_collection(event.command_name, event.command)
            self.counts[f"{event.command_name} {target or ''}"] += 1

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        pass

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass

    def take(self) -> dict[str, int]:
        counts, self.counts = dict(self.counts), Counter()
        return counts


def with_controls(app: ASGIApp, tally: CommandTally) -> ASGIApp:
    from mongraph.loaders import Loaders

    async def wrapped(scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] == "http" and path.startswith("/__bench/"):
            if path.startswith("/__bench/batching/"):
                Loaders._batching = path.endswith("/on")
            body = json.dumps(tally.take()).encode()
            headers = [(b"content-type", b"application/json")]
            await send({"type": "http.response.start", "status": 200, "headers": headers})
            await send({"type": "http.response.body", "body": body})
            return
        await app(scope, receive, send)

    return wrapped


def gateway(settings: Settings) -> ASGIApp:
    from mongraph.app import create_app
    from mongraph.datastore.client import Datastore

    tally = CommandTally()

    async def connect() -> Datastore:
        return Datastore.for_settings(settings.mongodb_uri, settings, listeners=[tally])

    return with_controls(create_app(connect, settings, live_updates=True), tally)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.serve")
    parser.add_argument("kind", choices=["gateway", "bare"])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--uri", default="")
    parser.add_argument("--db", default="bench")
    parser.add_argument("--workers", type=int, default=1, help="bare only (bench/workers.py)")
    args = parser.parse_args(argv)
    if args.kind == "bare":
        from .bare import app as bare_app

        # The gateway's own event loop, so that neither kind pays CPython's frame-stack
        # chunk churn by the luck of where its stack starts (mongraph/stack_room.py).
        # With --workers N > 1, uvicorn's own worker processes, as `mongraph serve
        # --workers N` runs the gateway (they import the app by name).
        uvicorn.run(
            bare_app if args.workers == 1 else BARE_APP, host="127.0.0.1", port=args.port,
            loop=UVICORN_LOOP, log_level="warning", access_log=False, workers=args.workers,
        )  # fmt: skip
        return 0
    if args.workers != 1:
        parser.error("--workers is for bare; the gateway's workers are `mongraph serve`'s")
    settings = Settings(mongodb_uri=args.uri, mongraph_db=args.db, **SHIPPED)
    configure_logging(settings.mongraph_log_format)
    uvicorn.run(gateway(settings), host="127.0.0.1", port=args.port, **uvicorn_options(settings))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
