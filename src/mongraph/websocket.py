"""The WebSocket entrance's own rules, on both protocols Strawberry serves.

Frames are held to the HTTP body limit and decoded as HTTP bodies are; a socket that
never sends `connection_init` is closed after the same deadline on the legacy protocol
as on `graphql-transport-ws`; a socket is admitted with valid credentials only, and an
account holds a bounded number of sockets open.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncGenerator
from json import JSONDecodeError
from typing import Any

from starlette.websockets import WebSocketDisconnect, WebSocketState
from strawberry.exceptions import ConnectionRejectionError
from strawberry.schema import BaseSchema
from typing_extensions import override

from .context import RequestContext
from .datastore.client import Datastore
from .datastore.errors import is_unavailable
from .errors import ErrorCode
from .framework import (
    ASGIWebSocketAdapter,
    BaseGraphQLWSHandler,
    NonJsonMessageReceived,
    NonTextMessageReceived,
    StreamResult,
)
from .observability import record_errors
from .socket_slots import SocketSlots

__all__ = ["LegacyProtocolHandler", "LimitedFrames", "admit"]

log = logging.getLogger("mongraph")

MESSAGE_TOO_BIG = 1009
INIT_TIMEOUT = 4408


class LimitedFrames(ASGIWebSocketAdapter):
    """Strawberry's adapter, except that a frame over the view's `max_frame_bytes` closes
    the socket (1009) unread, and decoding is the view's (hardened) JSON."""

    @override
    async def iter_json(
        self, *, ignore_parsing_errors: bool = False
    ) -> AsyncGenerator[object, None]:
        limit: int = self.view.max_frame_bytes  # type: ignore[attr-defined]
        try:
            while self.ws.application_state != WebSocketState.DISCONNECTED:
                text = await self.ws.receive_text()
                if _size(text, limit) > limit:
                    await self.ws.close(MESSAGE_TOO_BIG, f"a message is at most {limit} bytes")
                    return
                try:
                    yield self.view.decode_json(text)
                except JSONDecodeError as error:
                    if not ignore_parsing_errors:
                        raise NonJsonMessageReceived from error
        except KeyError as error:  # a binary frame
            raise NonTextMessageReceived from error
        except WebSocketDisconnect:
            pass


def _size(text: str, limit: int) -> int:
    """UTF-8 size of `text`, encoded only when its length alone cannot settle the limit."""
    if len(text) > limit or len(text) * 4 <= limit:
        return len(text)
    return len(text.encode("utf-8", "surrogatepass"))


class _EveryOperationType:
    """The schema as the legacy handler sees it: its `subscribe` runs any operation.

    subscriptions-transport-ws clients (Apollo's old link) send queries and mutations as
    `start` too; Strawberry's handler asks `subscribe`, which allows subscriptions only
    and failed every query with an error-level traceback. `stream` runs each operation
    type through the same pipeline (limits, authentication) and ends a query after its
    one result, which the handler sends as `data` then `complete`.
    """

    def __init__(self, schema: BaseSchema) -> None:
        self._schema = schema

    async def subscribe(
        self,
        query: str | None,
        variable_values: dict[str, Any] | None = None,
        context_value: Any | None = None,
        root_value: Any | None = None,
        operation_name: str | None = None,
        operation_extensions: dict[str, Any] | None = None,
    ) -> StreamResult:
        return await self._schema.stream(
            query,
            variable_values=variable_values,
            context_value=context_value,
            root_value=root_value,
            operation_name=operation_name,
            operation_extensions=operation_extensions,
        )

    def __getattr__(self, name: str) -> Any:
        return getattr(self._schema, name)


class LegacyProtocolHandler(BaseGraphQLWSHandler[RequestContext, None]):
    """`graphql-ws` with `graphql-transport-ws`'s init deadline (the legacy protocol has
    none, so a socket that never sends `connection_init` would stay open forever), and
    with queries and mutations sent as `start` run as the protocol's clients expect."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.schema = _EveryOperationType(self.schema)  # type: ignore[assignment]

    @override
    async def handle(self) -> None:
        deadline = asyncio.create_task(self._close_unless_initialised())
        try:
            await super().handle()
        finally:
            deadline.cancel()

    async def _close_unless_initialised(self) -> None:
        await asyncio.sleep(self.view.connection_init_wait_timeout.total_seconds())
        if not self.connection_acknowledged:
            await self.websocket.close(INIT_TIMEOUT, "Connection initialisation timeout")


async def admit(context: RequestContext, sockets: SocketSlots) -> None:
    """At `connection_init`: the socket's account, or a refusal (no or refused credentials,
    a second `connection_init`, the account's sockets at their limit)."""
    if context.authenticated:  # graphql-ws lets a client send connection_init again
        raise _refusal(ErrorCode.BAD_USER_INPUT, "connection_init was already received")
    params = context.connection_params if isinstance(context.connection_params, dict) else {}
    authorization = params.get("Authorization", params.get("authorization"))
    if not isinstance(authorization, str):
        raise _refusal(
            ErrorCode.UNAUTHENTICATED,
            'authentication required: send {"Authorization": "Bearer <api key>"} '
            "as connection_init's payload",
        )
    context.authorization = authorization
    try:
        with Datastore.deadline(context.settings.mongraph_db_timeout):
            await context.authenticate()
    except Exception as error:  # the key lookup failed
        if not is_unavailable(error):
            log.exception("authenticating a WebSocket failed")
            raise _refusal(ErrorCode.INTERNAL, "Internal server error") from None
        raise _refusal(ErrorCode.SERVICE_UNAVAILABLE, "the database is unavailable") from None
    if context.auth_error is not None:
        raise _refusal(context.auth_error.code, context.auth_error.message)
    context.socket_slot = sockets.take(context.viewer.user.id)
    if context.socket_slot is None:
        raise _refusal(
            ErrorCode.TOO_MANY_SUBSCRIPTIONS,
            f"this account already holds {sockets.per_viewer} open sockets on this server",
        )


def _refusal(code: ErrorCode, message: str) -> ConnectionRejectionError:
    record_errors([code.value])
    return ConnectionRejectionError({"message": message, "code": code.value})
