"""Slow and greedy clients against uvicorn on loopback, served as `mongraph serve` serves:
headers and bodies have deadlines, and connections beyond the bound get a 503 at once."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from mongraph.config import Settings
from mongraph.datastore.client import Datastore
from tests.utils.apps import on_loopback
from tests.utils.factories import MadeUser
from tests.utils.ws import TRANSPORT_WS, GraphQLWebSocket

HEAD = b"POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
QUERY = b'{"query": "{ viewer { displayName } }"}'


@pytest.fixture
async def address(store: Datastore, settings: Settings) -> AsyncIterator[str]:
    deadlines = settings.model_copy(
        update={"mongraph_header_timeout": 0.5, "mongraph_body_timeout": 0.5}
    )
    async with on_loopback(store, deadlines) as (served, _):
        yield served


async def connect(address: str) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    host, port = address.split(":")
    return await asyncio.open_connection(host, int(port))


async def trickle(writer: asyncio.StreamWriter, data: bytes, pause: float = 0.1) -> None:
    """One byte at a time, until the server hangs up (then the rest is not sent)."""
    for byte in data:
        if writer.is_closing():
            return
        writer.write(bytes([byte]))
        try:
            await writer.drain()
        except ConnectionError:
            return
        await asyncio.sleep(pause)


async def until_closed(reader: asyncio.StreamReader, within: float = 10.0) -> bytes:
    """Everything the server sends until it closes the connection."""
    received = b""
    async with asyncio.timeout(within):
        while chunk := await reader.read(65536):
            received += chunk
    return received


async def test_headers_that_trickle_in_are_cut_off_with_408(address: str) -> None:
    reader, writer = await connect(address)
    sender = asyncio.create_task(trickle(writer, HEAD + b"X-Padding: " + b"a" * 200))
    received = await until_closed(reader)
    sender.cancel()
    writer.close()
    assert received.startswith(b"HTTP/1.1 408 ")


async def test_a_connection_that_never_sends_a_request_is_closed(address: str) -> None:
    reader, writer = await connect(address)
    assert (await until_closed(reader)).startswith(b"HTTP/1.1 408 ")
    writer.close()


async def test_a_head_over_16_kib_is_refused_with_400(address: str) -> None:
    """However fast it comes: the parser would otherwise keep a header's pieces forever."""
    reader, writer = await connect(address)
    writer.write(HEAD + b"X-Padding: ")
    for _ in range(5):
        writer.write(b"a" * 4096)
        await writer.drain()
        await asyncio.sleep(0.02)
    received = await until_closed(reader)
    writer.close()
    assert received.startswith(b"HTTP/1.1 400 ")


async def test_a_big_head_that_arrives_whole_is_served(address: str, alice: MadeUser) -> None:
    """The bound is on a head still incomplete, as h11's was: 12 KiB of cookies pass."""
    reader, writer = await connect(address)
    writer.write(
        HEAD
        + b"Cookie: "
        + b"c" * 12 * 1024
        + f"\r\nAuthorization: Bearer {alice.secret}\r\nContent-Length: {len(QUERY)}\r\n".encode()
        + b"Connection: close\r\n\r\n"
        + QUERY
    )
    received = await until_closed(reader)
    writer.close()
    assert received.startswith(b"HTTP/1.1 200 ")
    assert b'"displayName":"Alice"' in received


async def test_an_http_1_1_request_without_host_is_refused_with_400(address: str) -> None:
    reader, writer = await connect(address)
    writer.write(b"POST /graphql HTTP/1.1\r\nContent-Length: 2\r\n\r\n{}")
    received = await until_closed(reader)
    writer.close()
    assert received.startswith(b"HTTP/1.1 400 ")


async def test_a_body_that_trickles_in_is_refused_with_a_coded_408(address: str) -> None:
    reader, writer = await connect(address)
    writer.write(HEAD + f"Content-Length: {len(QUERY)}\r\n\r\n".encode())
    sender = asyncio.create_task(trickle(writer, QUERY))
    received = await until_closed(reader)
    sender.cancel()
    writer.close()
    head, _, body = received.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 408 ")
    assert b'"code":"BAD_USER_INPUT"' in body
    assert b"did not arrive within 0.5 s" in body


async def test_a_408_reaches_a_client_whose_body_is_still_arriving(address: str) -> None:
    """The body deadline passes while the server still has unread body bytes: closed at
    once, its socket would reset the connection, and the client would lose the unread 408
    (a reset discards it). The server lingers instead: it stops writing and reads (and
    discards) until the client closes, within bounds.

    The server runs in this test's event loop, so blocking the loop lines it up: the head
    is read, then the deadline passes while the client sends more body than one read of
    the socket takes; uvicorn pauses reading above 64 KiB, and the refusal comes in the
    same turn of the loop, with the rest still in the socket."""
    host, port = address.split(":")
    client = socket.create_connection((host, int(port)))
    client.sendall(HEAD + b"Content-Length: 900000\r\n\r\n")
    await asyncio.sleep(0.2)  # the server reads the head and waits for the body
    time.sleep(0.6)  # the loop stands still past the body's 0.5 s deadline  # noqa: ASYNC251
    client.setblocking(False)
    sent = 0
    with contextlib.suppress(BlockingIOError):
        while sent < 800_000:
            sent += client.send(b"a" * 65536)
    assert sent > 300_000  # more than the server reads at once (256 KiB)
    reader, writer = await asyncio.open_connection(sock=client)
    received = b""
    with contextlib.suppress(ConnectionResetError):  # the failure: reset before the answer
        received = await until_closed(reader)
    writer.close()
    head, _, body = received.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 408 ")
    assert b"did not arrive within 0.5 s" in body


async def test_the_header_deadline_runs_from_a_requests_first_byte(
    address: str, alice: MadeUser
) -> None:
    """A kept-alive connection idle between requests for longer than the header deadline
    still serves its next request; only headers that take too long are cut off."""
    reader, writer = await connect(address)
    request = (
        HEAD
        + f"Authorization: Bearer {alice.secret}\r\nContent-Length: {len(QUERY)}\r\n\r\n".encode()
        + QUERY
    )
    for _ in range(2):
        writer.write(request)
        await writer.drain()
        status = await reader.readline()
        assert status.startswith(b"HTTP/1.1 200 "), status
        length = 0
        while (line := await reader.readline()) != b"\r\n":
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":")[1])
        assert b'"displayName":"Alice"' in await reader.readexactly(length)
        await asyncio.sleep(1.0)  # twice the header deadline, within uvicorn's keep-alive
    sender = asyncio.create_task(trickle(writer, HEAD + b"X-Padding: " + b"a" * 200))
    assert (await until_closed(reader)).startswith(b"HTTP/1.1 408 ")
    sender.cancel()
    writer.close()


async def test_an_open_websocket_outlives_the_header_deadline(
    address: str, alice: MadeUser
) -> None:
    socket = await GraphQLWebSocket.open(address, alice.secret, TRANSPORT_WS)
    try:
        await asyncio.sleep(1.0)
        payload = await socket.execute("{ viewer { displayName } }")
        assert payload["data"] == {"viewer": {"displayName": "Alice"}}
    finally:
        await socket.connection.close()


async def test_beyond_the_connection_bound_requests_get_503_at_once(
    store: Datastore, settings: Settings, alice: MadeUser
) -> None:
    bounded = settings.model_copy(update={"mongraph_max_connections": 4})
    async with on_loopback(store, bounded) as (served, _):
        idle = [await connect(served) for _ in range(4)]
        async with httpx.AsyncClient(base_url=f"http://{served}") as http:
            refused = await http.post("/graphql", json={"query": "{ viewer { id } }"})
            assert refused.status_code == 503
            for _, writer in idle:
                writer.close()
                await writer.wait_closed()
            await asyncio.sleep(0.2)  # the server notices the closed connections
            answered = await http.post(
                "/graphql",
                json={"query": "{ viewer { displayName } }"},
                headers={"Authorization": f"Bearer {alice.secret}"},
            )
            assert answered.json()["data"] == {"viewer": {"displayName": "Alice"}}


async def test_the_default_bound_serves_many_keep_alive_clients(
    store: Datastore, settings: Settings, alice: MadeUser
) -> None:
    """64 clients at once, each on its own kept-alive connection: the benchmark's 16 and
    the load test's 50 never meet the default bound."""
    headers = {"Authorization": f"Bearer {alice.secret}"}
    limits = httpx.Limits(max_connections=64, max_keepalive_connections=64)
    async with (
        on_loopback(store, settings) as (served, _),
        httpx.AsyncClient(base_url=f"http://{served}", limits=limits, timeout=60) as http,
    ):

        async def one() -> Any:
            response = await http.post(
                "/graphql", json={"query": "{ viewer { id } }"}, headers=headers
            )
            return response.status_code

        statuses = await asyncio.gather(*(one() for _ in range(192)))
    assert set(statuses) == {200}
