"""The gateway over the test's datastore: in-process through httpx, or on loopback."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
from starlette.applications import Starlette

from mongraph.app import create_app
from mongraph.config import Settings
from mongraph.datastore.client import Datastore
from tests.utils.server import serving

CURSOR_SECRET = "test-cursor-secret"
"""What the tests' gateways sign cursors with (the public default is refused on MONGODB_URI)."""
METRICS_TOKEN = "test-metrics-token"
"""What the tests' gateways require to read /metrics."""


def gateway(store: Datastore, settings: Settings, **options: Any) -> Starlette:
    """`create_app` over the test's store, which it leaves open; `options` go to it."""

    async def same_store() -> Datastore:
        return store

    return create_app(same_store, settings, close_store=False, **options)


@asynccontextmanager
async def on_loopback(
    store: Datastore, settings: Settings, **options: Any
) -> AsyncIterator[tuple[str, Starlette]]:
    """The gateway served by uvicorn on loopback: its `127.0.0.1:port` and the app."""
    app = gateway(store, settings, **options)
    async with serving(app, settings) as address:
        yield address, app


@asynccontextmanager
async def loopback_client(
    store: Datastore, settings: Settings, *, connections: int = 10, **options: Any
) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client of the gateway served by uvicorn on loopback, with up to
    `connections` requests in flight at once."""
    limits = httpx.Limits(max_connections=connections)
    async with (
        on_loopback(store, settings, **options) as (address, _),
        httpx.AsyncClient(base_url=f"http://{address}", limits=limits, timeout=60) as http,
    ):
        yield http


@asynccontextmanager
async def app_client(
    store: Datastore, settings: Settings, **options: Any
) -> AsyncIterator[httpx.AsyncClient]:
    """`options` go to `create_app` (e.g. `tracer_provider`)."""
    app = gateway(store, settings, **options)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            yield client
