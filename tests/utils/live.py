"""The gateway with live updates, served by uvicorn on loopback in the test's event loop."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx

from mongraph.config import Settings
from mongraph.datastore.client import Datastore
from mongraph.live import Hub
from tests.utils.apps import on_loopback
from tests.utils.graphql import GraphQLClient
from tests.utils.ws import TRANSPORT_WS, GraphQLWebSocket


@dataclass
class LiveServer:
    address: str
    hub: Hub
    http: httpx.AsyncClient

    def client(self, api_key: str) -> GraphQLClient:
        return GraphQLClient(self.http, api_key)

    async def until_subscribed(self, count: int = 1) -> None:
        for _ in range(500):
            if self.hub.subscription_count >= count:
                return
            await asyncio.sleep(0.01)
        raise AssertionError(f"{self.hub.subscription_count} subscriptions, wanted {count}")

    async def subscribed(
        self, api_key: str, query: str, variables: dict[str, Any], protocol: str = TRANSPORT_WS
    ) -> GraphQLWebSocket:
        """A socket of `api_key` with one subscription, once the hub holds it."""
        ws = await GraphQLWebSocket.open(self.address, api_key, protocol)
        before = self.hub.subscription_count
        await ws.subscribe(query, variables)
        await self.until_subscribed(before + 1)
        return ws

    async def until_unsubscribed(self, count: int = 0) -> None:
        for _ in range(500):
            if self.hub.subscription_count <= count:
                return
            await asyncio.sleep(0.01)
        raise AssertionError(f"{self.hub.subscription_count} subscriptions, wanted {count}")


@asynccontextmanager
async def live_server(store: Datastore, settings: Settings) -> AsyncIterator[LiveServer]:
    """A real uvicorn server on loopback over the test database, its change stream open."""

    async with (
        on_loopback(store, settings, live_updates=True) as (address, app),
        httpx.AsyncClient(base_url=f"http://{address}") as http,
    ):
        yield LiveServer(address, app.state.hub, http)
