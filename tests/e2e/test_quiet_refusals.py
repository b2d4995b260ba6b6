"""Requests an outsider can send cheaply are refused with a 4xx or a coded GraphQL error,
never answered INTERNAL, and never leave an error-level record (one warning at most)."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import logging
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from mongraph.config import Settings
from mongraph.datastore.client import Datastore
from tests.utils.apps import CURSOR_SECRET
from tests.utils.factories import MadeUser
from tests.utils.live import LiveServer, live_server
from tests.utils.metrics import delta, scrape
from tests.utils.ws import LEGACY_WS, GraphQLWebSocket


@pytest.fixture
async def live(store: Datastore, settings: Settings) -> AsyncIterator[LiveServer]:
    async with live_server(store, settings) as server:
        yield server


@pytest.fixture
def quiet(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.WARNING)
    return caplog


def loud_records(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]


def codes(body: dict[str, Any]) -> list[str]:
    return [e["extensions"]["code"] for e in body.get("errors") or []]


async def test_a_subscription_over_http_post_is_refused_as_bad_input(
    live: LiveServer, alice: MadeUser, quiet: pytest.LogCaptureFixture
) -> None:
    for key in (None, alice.secret):
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        response = await live.http.post(
            "/graphql",
            json={"query": 'subscription { messageAdded(conversationId: "x") { id } }'},
            headers=headers,
        )
        assert response.status_code in (200, 400), response.text
        assert codes(response.json()) == ["BAD_USER_INPUT"]
        response = await live.http.post(
            "/graphql",
            json={"query": 'subscription { messageAdded(conversationId: "x") { id } }'},
            headers={**headers, "Accept": "application/graphql-response+json"},
        )
        assert response.status_code == 400, response.text
        assert codes(response.json()) == ["BAD_USER_INPUT"]
        assert "WebSocket" in response.json()["errors"][0]["message"]
    assert loud_records(quiet) == []


async def test_a_query_over_a_legacy_start_runs_like_any_other_operation(
    live: LiveServer, alice: MadeUser, quiet: pytest.LogCaptureFixture
) -> None:
    """subscriptions-transport-ws sends queries and mutations as `start` too."""
    socket = await GraphQLWebSocket.open(live.address, alice.secret, LEGACY_WS)
    try:
        payload = await socket.execute("query { viewer { displayName } }")
        assert payload["data"] == {"viewer": {"displayName": "Alice"}}
        assert (await socket.receive())["type"] == "complete"
        created = await socket.execute(
            'mutation { createProject(input: {name: "over start"}) { project { name } } }'
        )
        assert created["data"] == {"createProject": {"project": {"name": "over start"}}}
        assert (await socket.receive())["type"] == "complete"
        listed = await live.client(alice.secret).ok("{ projects { totalCount } }")
        assert listed == {"projects": {"totalCount": 1}}
    finally:
        await socket.connection.close()
    assert loud_records(quiet) == []


async def test_a_start_before_connection_init_is_not_a_server_error(
    live: LiveServer, quiet: pytest.LogCaptureFixture
) -> None:
    socket = await GraphQLWebSocket.connect(live.address, LEGACY_WS)
    try:
        await socket.subscribe("query { viewer { id } }", {})
        await asyncio.sleep(0.2)
    finally:
        await socket.connection.close()
    assert loud_records(quiet) == []


async def test_a_client_that_disconnects_mid_body_leaves_no_traceback(
    live: LiveServer, quiet: pytest.LogCaptureFixture
) -> None:
    before = await scrape(live.http)
    host, port = live.address.split(":")
    _, writer = await asyncio.open_connection(host, int(port))
    writer.write(
        b"POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        b"Content-Length: 1000\r\n\r\n" + b'{"query": "{ viewer { id '
    )
    await writer.drain()
    await asyncio.sleep(0.1)
    writer.close()
    await writer.wait_closed()
    await asyncio.sleep(0.3)
    # The server is still serving, and said nothing at error level about the dropped client.
    assert (await live.http.get("/healthz")).status_code == 200
    assert loud_records(quiet) == []
    # Counted as the client's doing (499), not as a server error.
    after = await scrape(live.http)
    counted = {"operation": "anonymous"}
    assert delta(before, after, "mongraph_requests_total", **counted, outcome="client_error") == 1
    assert delta(before, after, "mongraph_requests_total", **counted, outcome="server_error") == 0


def forged_cursor(ordering: str, values: list[Any]) -> str:
    """A cursor signed with the gateway's secret, as anyone can sign one when a deployment
    keeps the public default."""
    raw = json.dumps([ordering, values], separators=(",", ":")).encode()
    key = hashlib.sha256(CURSOR_SECRET.encode()).digest()
    sig = hmac.new(key, raw, hashlib.sha256).digest()[:12]
    return base64.urlsafe_b64encode(raw + sig).decode().rstrip("=")


@pytest.mark.parametrize(
    "values",
    [
        pytest.param([{"d": "2026-01-01T00:00:00+00:00"}], id="short tuple"),
        pytest.param([{"d": "2026-01-01T00:00:00+00:00"}, {"o": "not-an-id"}], id="bad ObjectId"),
        pytest.param([10**30, {"o": "0123456789abcdef01234567"}], id="huge integer"),
        pytest.param([{"d": "2026-01-01T00:00:00+00:00"}, [1, 2]], id="a list"),
        pytest.param(
            [{"d": "2026-01-01T00:00:00+00:00"}, {"o": "0123456789abcdef01234567"}, 3],
            id="long tuple",
        ),
    ],
)
async def test_a_forged_cursor_is_bad_user_input(
    live: LiveServer, alice: MadeUser, quiet: pytest.LogCaptureFixture, values: list[Any]
) -> None:
    body = await live.client(alice.secret).raw(
        "query($after: String) { projects(first: 2, after: $after) { totalCount } }",
        {"after": forged_cursor("projects:createdAt:-1", values)},
    )
    assert codes(body) == ["BAD_USER_INPUT"], body
    assert loud_records(quiet) == []


async def test_a_well_formed_cursor_signed_the_same_way_pages(
    live: LiveServer, alice: MadeUser
) -> None:
    """The forged cursors above are refused for their content, not their signature."""
    cursor = forged_cursor(
        "projects:createdAt:-1",
        [{"d": "2026-01-01T00:00:00+00:00"}, {"o": "0123456789abcdef01234567"}],
    )
    body = await live.client(alice.secret).ok(
        "query($after: String) { projects(first: 2, after: $after) { totalCount } }",
        {"after": cursor},
    )
    assert body == {"projects": {"totalCount": 0}}


async def test_two_authorization_headers_are_unauthenticated(
    live: LiveServer, alice: MadeUser, bob: MadeUser
) -> None:
    """A proxy that appends its own header must not leave the gateway guessing who calls."""
    for first, second in ((alice.secret, bob.secret), (alice.secret, alice.secret)):
        headers = httpx.Headers(
            [("Authorization", f"Bearer {first}"), ("Authorization", f"Bearer {second}")]
        )
        response = await live.http.post(
            "/graphql", json={"query": "{ viewer { displayName } }"}, headers=headers
        )
        body = response.json()
        assert codes(body) == ["UNAUTHENTICATED"], body
        assert "one Authorization header" in body["errors"][0]["message"]
    # One header still works.
    body = await live.client(alice.secret).ok("{ viewer { displayName } }")
    assert body == {"viewer": {"displayName": "Alice"}}
