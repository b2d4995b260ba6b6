"""A real uvicorn server on loopback, in the test's event loop."""

from __future__ import annotations

import asyncio
import socket
import warnings
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import uvicorn
from starlette.types import ASGIApp

from mongraph.config import Settings
from mongraph.serving import uvicorn_options

SHUTDOWN_SECONDS = 15


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@asynccontextmanager
async def serving(
    app: ASGIApp, settings: Settings | None = None, port: int | None = None
) -> AsyncIterator[str]:
    """Serves `app` (lifespan included) and yields its `127.0.0.1:port` address; with the
    gateway's `settings`, with the uvicorn options `mongraph serve` uses."""
    port = port or free_port()
    options = {"log_level": "warning"}
    if settings is not None:
        options = uvicorn_options(settings)
        options.pop("loop")  # the server runs in the test's loop
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, **options))
    task = asyncio.create_task(server.serve())
    while not server.started:  # uvicorn offers no event to await
        if task.done():
            task.result()  # startup failed: raise its error
        await asyncio.sleep(0.01)
    try:
        yield f"127.0.0.1:{port}"
    finally:
        server.should_exit = True
        done, _ = await asyncio.wait({task}, timeout=SHUTDOWN_SECONDS)
        if not done:
            # uvicorn waits for every connection and request to end, without a bound: one
            # left open hung a whole run once. Forced, and said, rather than waited for.
            stuck = [type(c).__name__ for c in server.server_state.connections]
            server.force_exit = True
            await task
            warnings.warn(
                f"uvicorn did not shut down within {SHUTDOWN_SECONDS} s; connections: {stuck}",
                stacklevel=1,
            )
