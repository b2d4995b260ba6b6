"""One JSON log line per request, a request id in and out, and no secrets or contents logged."""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time
from typing import Any

import httpx
import pytest

from mongraph.datastore.client import Datastore
from mongraph.observability.logs import JsonFormatter, TextFormatter
from tests.utils.chat import POST, create_conversation
from tests.utils.factories import MadeUser
from tests.utils.gateway import GATEWAY_LOGS, free_port, start_gateway
from tests.utils.graphql import GraphQLClient
from tests.utils.ws import GraphQLWebSocket

TEST_CLIENT_LOGGERS = {"httpx", "httpcore"}  # the test's own client logs its URLs
NAMED_POST = "mutation PostMessage" + POST.removeprefix("mutation")


def request_lines(caplog: pytest.LogCaptureFixture) -> list[dict[str, Any]]:
    formatter = JsonFormatter()
    return [
        json.loads(formatter.format(record))
        for record in caplog.records
        if record.name == "mongraph.request"
    ]


def me_line(request_id: str) -> dict[str, Any]:
    """The line of a successful `query Me` with this request id, but for its timestamp,
    duration and command count."""
    return {
        "level": "info",
        "logger": "mongraph.request",
        "msg": "request",
        "request_id": request_id,
        "method": "POST",
        "path": "/graphql",
        "status": 200,
        "operation": "Me",
        "operation_type": "query",
        "outcome": "ok",
        "error_codes": [],
    }


async def test_each_request_logs_one_line_with_its_id_operation_and_commands(
    http: httpx.AsyncClient, alice: MadeUser, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    headers = {"Authorization": f"Bearer {alice.secret}", "X-Request-ID": "trace-me.42"}
    ok = await http.post("/graphql", json={"query": "query Me { viewer { id } }"}, headers=headers)
    bad = await http.post("/graphql", json={"query": "{ nope }"})
    assert ok.headers["x-request-id"] == "trace-me.42"
    generated = bad.headers["x-request-id"]
    assert len(generated) == 32
    int(generated, 16)

    first, second = request_lines(caplog)
    assert first["msg"] == "request"
    assert first["level"] == "info"
    assert {k: first[k] for k in first if k not in ("ts", "duration_ms")} == {
        **me_line("trace-me.42"),
        "db_commands": first["db_commands"],
    }
    assert first["db_commands"] >= 1  # the key lookup
    assert isinstance(first["duration_ms"], float)
    assert second["request_id"] == generated
    assert second["operation"] == "anonymous"
    assert second["outcome"] == "client_error"
    assert second["error_codes"] == ["BAD_USER_INPUT"]
    assert second["db_commands"] == 0  # refused before any database command


@pytest.mark.parametrize(
    "sent",
    ["x" * 65, "has space", "new\nline", '{"json":1}', "ünïcode", ""],
)
async def test_an_unsafe_request_id_is_replaced(http: httpx.AsyncClient, sent: str) -> None:
    response = await http.post(
        "/graphql",
        json={"query": "{ viewer { id } }"},
        headers=[(b"x-request-id", sent.encode())],
    )
    assert response.status_code == 200
    replaced = response.headers["x-request-id"]
    assert replaced != sent
    assert len(replaced) == 32


async def test_no_api_key_or_message_content_reaches_the_logs(
    http: httpx.AsyncClient, gql: GraphQLClient, caplog: pytest.LogCaptureFixture
) -> None:
    content = "the-distinctive-plan-7f3a91"
    title = "title-distinctive-c0ffee"
    unknown_key = "mgr_" + "Q" * 43
    caplog.set_level(logging.INFO)
    conversation = await create_conversation(gql, title)
    payload = await gql.mutate(
        NAMED_POST,
        {"i": {"conversationId": conversation, "content": [{"type": "TEXT", "text": content}]}},
    )
    assert payload["message"]["content"][0]["text"] == content
    too_long = await gql.ok(
        NAMED_POST,
        {
            "i": {
                "conversationId": conversation,
                "content": [{"type": "TEXT", "text": content * 10_000}],
            }
        },
    )
    assert too_long["postMessage"]["userErrors"]
    assert await gql.as_user(unknown_key).error_codes("{ viewer { id } }") == ["UNAUTHENTICATED"]
    await http.get("/graphql", params={"query": f"{{ viewer {{ id }} }} # {content}"})

    lines = request_lines(caplog)
    assert [line["operation"] for line in lines] == [
        "anonymous",
        "PostMessage",
        "PostMessage",
        "anonymous",
        "anonymous",
    ]
    assert lines[1]["db_commands"] >= 2  # the key, the conversation, the message
    gateway = [r for r in caplog.records if r.name.split(".")[0] not in TEST_CLIENT_LOGGERS]
    assert len(gateway) >= len(lines)
    logged = "\n".join(
        formatter.format(record)
        for record in gateway
        for formatter in (JsonFormatter(), TextFormatter())
    )
    for secret in (gql.api_key, unknown_key, content, title):
        assert secret is not None
        assert secret not in logged
    assert "Bearer" not in logged


async def test_the_served_gateway_writes_its_lines_to_stderr(
    mongodb_uri: str, store: Datastore, alice: MadeUser
) -> None:
    """`mongraph serve`'s own logging (the batched JSON handler alone on the root logger,
    so lines are written without a `LogRecord`): a request's line with the same fields as
    above, and a WebSocket's line when it closes, on stderr."""
    port = free_port()
    gateway = start_gateway(port, mongodb_uri, store.db.name)
    try:
        headers = {"Authorization": f"Bearer {alice.secret}", "X-Request-ID": "served-1"}
        query = {"query": "query Me { viewer { id } }"}
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
            assert (await client.post("/graphql", json=query, headers=headers)).status_code == 200
        socket = await GraphQLWebSocket.open(f"127.0.0.1:{port}", alice.secret)
        assert "errors" not in await socket.execute("query Socket { viewer { id } }")
        await socket.close()
        deadline = time.monotonic() + 10
        while not (
            (found := served_lines(gateway.pid, "served-1"))
            and (closed := served_lines(gateway.pid, None, "websocket closed"))
        ):
            assert time.monotonic() < deadline, "no request or socket line on stderr"
            await asyncio.sleep(0.05)
    finally:
        gateway.terminate()
        gateway.wait(timeout=30)
    [line] = found
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00", line.pop("ts"))
    assert isinstance(line.pop("duration_ms"), float)
    assert line.pop("db_commands") >= 1
    assert line == me_line("served-1")
    [socket_line] = closed
    assert (socket_line["method"], socket_line["status"]) == ("WEBSOCKET", 101)
    assert (socket_line["outcome"], socket_line["logger"]) == ("closed", "mongraph.request")


def served_lines(pid: int, request_id: str | None, msg: str = "request") -> list[dict[str, Any]]:
    """The JSON lines of that message (and request id) the gateway `pid` wrote so far."""
    found = []
    for text in list(GATEWAY_LOGS.get(pid, ())):
        try:
            line = json.loads(text)
        except ValueError:
            continue
        if not isinstance(line, dict) or line.get("msg") != msg:
            continue
        if request_id is None or line.get("request_id") == request_id:
            found.append(line)
    return found
