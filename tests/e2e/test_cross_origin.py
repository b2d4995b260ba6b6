"""A browser app on another origin: allowed origins call /graphql and open its WebSocket,
others are refused, in real Chromium and at the protocol level."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.async_api import async_playwright
from starlette.applications import Starlette
from starlette.responses import HTMLResponse
from starlette.routing import Route
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from mongraph.config import Settings
from mongraph.datastore.client import Datastore
from tests.e2e.test_browser import FLAGS
from tests.utils import required
from tests.utils.apps import on_loopback
from tests.utils.factories import MadeUser
from tests.utils.server import free_port, serving
from tests.utils.ws import TRANSPORT_WS

APP_PAGE = """<!doctype html><meta charset="utf-8"><title>app</title><script>
window.results = {};
const gateway = "127.0.0.1:%(port)d", key = "%(key)s";
fetch(`http://${gateway}/graphql`, {
  method: "POST",
  headers: {"Content-Type": "application/json", "Authorization": `Bearer ${key}`},
  body: JSON.stringify({query: "{ viewer { displayName } }"}),
}).then(r => r.json()).then(j => { window.results.http = j.data.viewer.displayName; })
  .catch(e => { window.results.http = "refused: " + e.name; });
const ws = new WebSocket(`ws://${gateway}/graphql`, "graphql-transport-ws");
ws.onopen = () => ws.send(JSON.stringify(
  {type: "connection_init", payload: {Authorization: `Bearer ${key}`}}));
ws.onmessage = (event) => {
  const message = JSON.parse(event.data);
  if (message.type === "connection_ack") ws.send(JSON.stringify(
    {id: "1", type: "subscribe", payload: {query: "{ viewer { displayName } }"}}));
  if (message.type === "next") window.results.ws = message.payload.data.viewer.displayName;
};
ws.onclose = () => { window.results.ws = window.results.ws || "refused"; };
</script>"""


def page_server(gateway_port: int, key: str) -> Starlette:
    async def page(_: Any) -> HTMLResponse:
        return HTMLResponse(APP_PAGE % {"port": gateway_port, "key": key})

    return Starlette(routes=[Route("/", page)])


@pytest.fixture
def app_port() -> int:
    return free_port()


@pytest.fixture
async def gateway(store: Datastore, settings: Settings, app_port: int) -> AsyncIterator[str]:
    allowed = settings.model_copy(update={"mongraph_cors_origins": f"http://127.0.0.1:{app_port}"})
    async with on_loopback(store, allowed) as (address, _):
        yield address


async def results_in_chromium(url: str, profile: Path) -> dict[str, str]:
    chromium = required.chromium()
    async with async_playwright() as playwright:
        context = await playwright.chromium.launch_persistent_context(
            str(profile), executable_path=str(chromium), headless=True, args=FLAGS
        )
        try:
            page = context.pages[0] if context.pages else await context.new_page()
            await page.goto(url)
            await page.wait_for_function("window.results.http && window.results.ws", timeout=30_000)
            results: dict[str, str] = await page.evaluate("window.results")
            return results
        finally:
            await context.close()


async def test_a_page_on_an_allowed_origin_calls_the_gateway_over_http_and_websocket(
    gateway: str, app_port: int, alice: MadeUser, tmp_path: Path
) -> None:
    port = int(gateway.split(":")[1])
    async with serving(page_server(port, alice.secret), port=app_port) as page:
        results = await results_in_chromium(f"http://{page}/", tmp_path / "profile")
    assert results == {"http": "Alice", "ws": "Alice"}


async def test_a_page_on_another_origin_is_refused(
    gateway: str, alice: MadeUser, tmp_path: Path
) -> None:
    port = int(gateway.split(":")[1])
    async with serving(page_server(port, alice.secret)) as page:  # a port not in the list
        results = await results_in_chromium(f"http://{page}/", tmp_path / "profile")
    assert results == {"http": "refused: TypeError", "ws": "refused"}


async def test_preflights_answer_allowed_origins_only(gateway: str, app_port: int) -> None:
    preflight = {
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization, content-type",
    }
    async with httpx.AsyncClient(base_url=f"http://{gateway}") as http:
        allowed = await http.options(
            "/graphql", headers={**preflight, "Origin": f"http://127.0.0.1:{app_port}"}
        )
        assert allowed.status_code == 200
        assert allowed.headers["access-control-allow-origin"] == f"http://127.0.0.1:{app_port}"
        assert "authorization" in allowed.headers["access-control-allow-headers"].lower()
        refused = await http.options(
            "/graphql", headers={**preflight, "Origin": "http://127.0.0.1:1"}
        )
        assert refused.status_code == 400
        assert "access-control-allow-origin" not in refused.headers
        body = await http.post(
            "/graphql",
            json={"query": "{ __typename }"},
            headers={"Origin": f"http://127.0.0.1:{app_port}"},
        )
        assert body.headers["access-control-allow-origin"] == f"http://127.0.0.1:{app_port}"
        assert body.headers["vary"] == "Origin"


async def test_websocket_handshakes_follow_the_same_list(gateway: str, app_port: int) -> None:
    url = f"ws://{gateway}/graphql"
    async with connect(
        url,
        subprotocols=[TRANSPORT_WS],
        origin=f"http://127.0.0.1:{app_port}",  # type: ignore[list-item, arg-type]
    ) as socket:
        await socket.send(json.dumps({"type": "connection_init", "payload": {}}))
        await asyncio.wait_for(socket.wait_closed(), 5)  # no key: refused, but after the handshake
    with pytest.raises(InvalidStatus) as refused:
        async with connect(url, subprotocols=[TRANSPORT_WS], origin="http://127.0.0.1:1"):  # type: ignore[list-item, arg-type]
            pass
    assert refused.value.response.status_code == 403


@pytest.mark.parametrize("bad", ["localhost:5173", "http://x.example/app", "ftp://x"])
def test_a_malformed_origin_setting_is_refused_at_startup(bad: str) -> None:
    with pytest.raises(ValueError, match="not an origin"):
        Settings(mongodb_uri="unused", mongraph_cors_origins=bad)


@pytest.mark.parametrize(("dev", "status"), [(True, 200), (False, 400)])
async def test_development_allows_any_loopback_dev_server(
    store: Datastore, settings: Settings, dev: bool, status: int
) -> None:
    """`make run` is development: a Vite dev server on localhost:5173 just works."""
    listed = settings.model_copy(
        update={"mongraph_dev": dev, "mongraph_cors_origins": "https://app.example"}
    )
    async with on_loopback(store, listed) as (address, _), httpx.AsyncClient() as http:
        preflight = await http.options(
            f"http://{address}/graphql",
            headers={"Origin": "http://localhost:5173", "Access-Control-Request-Method": "POST"},
        )
    assert preflight.status_code == status
