"""A minimal GraphQL-over-WebSocket client speaking both protocols Strawberry serves."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

TRANSPORT_WS = "graphql-transport-ws"
LEGACY_WS = "graphql-ws"


class GraphQLWebSocket:
    def __init__(self, connection: ClientConnection, protocol: str) -> None:
        self.connection = connection
        self.protocol = protocol
        self._next_id = 0

    @classmethod
    async def connect(cls, address: str, protocol: str = TRANSPORT_WS) -> GraphQLWebSocket:
        """An open socket that has sent nothing yet."""
        connection = await connect(
            f"ws://{address}/graphql",
            subprotocols=[protocol],  # type: ignore[list-item]
            max_size=None,
        )
        return cls(connection, protocol)

    @classmethod
    async def open(
        cls, address: str, api_key: str | None, protocol: str = TRANSPORT_WS
    ) -> GraphQLWebSocket:
        socket = await cls.connect(address, protocol)
        payload = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        await socket.send({"type": "connection_init", "payload": payload})
        ack = await socket.receive()
        assert ack["type"] == "connection_ack", ack
        return socket

    async def closed_with(self, within: float = 5.0) -> int | None:
        """The close code once the server closes the socket (messages before it skipped)."""
        try:
            while True:
                await asyncio.wait_for(self.connection.recv(), within)
        except ConnectionClosed:
            return self.connection.close_code

    async def execute(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        """A query or mutation over this socket: its one result's payload."""
        await self.subscribe(query, variables or {})
        return await self.next_payload()

    async def send(self, message: dict[str, Any]) -> None:
        await self.connection.send(json.dumps(message))

    async def receive(self, within: float = 5.0) -> dict[str, Any]:
        while True:
            raw = await asyncio.wait_for(self.connection.recv(), within)
            message: dict[str, Any] = json.loads(raw)
            if message["type"] not in ("ka", "ping", "pong"):
                return message

    async def subscribe(self, query: str, variables: dict[str, Any]) -> str:
        self._next_id += 1
        op_id = str(self._next_id)
        kind = "subscribe" if self.protocol == TRANSPORT_WS else "start"
        await self.send(
            {"id": op_id, "type": kind, "payload": {"query": query, "variables": variables}}
        )
        return op_id

    async def next_payload(self, within: float = 5.0) -> dict[str, Any]:
        """The payload of the next result: `{"data": ...}` or `{"errors": [...]}`."""
        message = await self.receive(within)
        while message["type"] == "complete":  # the end of an earlier operation
            message = await self.receive(within)
        if message["type"] in ("next", "data"):
            payload: dict[str, Any] = message["payload"]
            return payload
        if message["type"] == "error":
            errors = message["payload"]
            return {"errors": errors if isinstance(errors, list) else [errors]}
        raise AssertionError(f"unexpected message {message}")

    async def close(self) -> None:
        await self.connection.close()
