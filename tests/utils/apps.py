"""An app over the test's datastore, served in-process through httpx."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx

from mongraph.app import create_app
from mongraph.config import Settings
from mongraph.datastore.client import Datastore


@asynccontextmanager
async def app_client(
    store: Datastore, settings: Settings, **options: Any
) -> AsyncIterator[httpx.AsyncClient]:
    """`options` go to `create_app` (e.g. `tracer_provider`)."""

    async def same_store() -> Datastore:
        return store

    app = create_app(same_store, settings, close_store=False, **options)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            yield client
