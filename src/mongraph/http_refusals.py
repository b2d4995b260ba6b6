"""What an HTTP request to /graphql must be before Strawberry reads it: a body within the
size and time limits, a JSON object, and over GET no mutation; each refusal a coded
GraphQL error."""

from __future__ import annotations

import asyncio
from collections.abc import Generator
from typing import Any

from graphql import GraphQLError, OperationType, get_operation_ast, parse
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Send
from starlette.types import Scope as Scope_

from .errors import ErrorCode
from .observability import current_request, record_errors

__all__ = [
    "BODY",
    "BodyReader",
    "BodyTooSlow",
    "MalformedRequest",
    "MutationOverGet",
    "PayloadTooLarge",
    "malformed",
    "names_a_mutation",
]


BODY = "mongraph.body"
"""The scope key under which `BodyReader` leaves the body it read (graphql_view.py reads it
from there rather than through the ASGI receive again)."""


class MalformedRequest(Exception):
    """The HTTP body is not a GraphQL request (not JSON, not an object, not valid Unicode)."""


class PayloadTooLarge(MalformedRequest):
    """The body is over `MONGRAPH_MAX_BODY_BYTES` (HTTP 413)."""


class BodyTooSlow(MalformedRequest):
    """The body did not arrive within `MONGRAPH_BODY_TIMEOUT` (HTTP 408, connection closed)."""


class MutationOverGet(MalformedRequest):
    """A GET that names a mutation: GraphQL over HTTP requires 405 (and `Allow: POST`)."""


async def malformed(_: Request, exc: Exception) -> Response:
    error = {"message": str(exc), "extensions": {"code": ErrorCode.BAD_USER_INPUT.value}}
    record_errors([ErrorCode.BAD_USER_INPUT.value])
    if isinstance(exc, MutationOverGet):
        return JSONResponse({"errors": [error]}, status_code=405, headers={"Allow": "POST"})
    if isinstance(exc, BodyTooSlow):
        body = {"data": None, "errors": [error]}
        return JSONResponse(body, status_code=408, headers={"Connection": "close"})
    status = 413 if isinstance(exc, PayloadTooLarge) else 400
    return JSONResponse({"data": None, "errors": [error]}, status_code=status)


def names_a_mutation(query: str | None, operation_name: str | None, max_tokens: int) -> bool:
    """Whether a document selects a mutation; one that does not parse is left to Strawberry."""
    if not query:
        return False
    try:
        document = parse(query, max_tokens=max_tokens)
    except GraphQLError:
        return False
    operation = get_operation_ast(document, operation_name)
    return operation is not None and operation.operation is OperationType.MUTATION


class BodyReader:
    """Reads a request's body before the app sees it: refused from its Content-Length over
    the limit (413), or when it has not all arrived within `timeout` seconds (408, and the
    connection closes: a slow client holds no worker for longer). A client that goes away
    mid-body is nobody's error: nothing runs and nothing is logged."""

    def __init__(self, app: ASGIApp, max_bytes: int, timeout: float) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.timeout = timeout

    async def __call__(self, scope: Scope_, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = dict(scope["headers"]).get(b"content-length", b"0")
        if not length.isdigit() or int(length) > self.max_bytes:
            refusal: MalformedRequest = PayloadTooLarge(f"the body is over {self.max_bytes} bytes")
            await (await malformed(Request(scope), refusal))(scope, receive, send)
            return
        try:
            body = await self._read(receive)
        except TimeoutError:
            refusal = BodyTooSlow(f"the body did not arrive within {self.timeout:g} s")
            await (await malformed(Request(scope), refusal))(scope, receive, send)
            return
        except PayloadTooLarge as refusal:
            await (await malformed(Request(scope), refusal))(scope, receive, send)
            return
        if body is None:  # the client disconnected: nobody to answer, nothing to run
            info = current_request()
            if info is not None:
                info.client_gone = True
            return

        scope[BODY] = body
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()  # a disconnect, if the app waits for one
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)

    async def _read(self, receive: Receive) -> bytes | None:
        """The body within `timeout`. Most bodies are all in when the request starts, and
        their first `receive` completes without suspending: they are read without setting
        a timer (a timer for every request, and its cancellation, cost more than the read)."""
        steps = receive().__await__()
        try:
            waiting = steps.send(None)
        except StopIteration as done:
            first: Message = done.value
        else:
            async with asyncio.timeout(self.timeout):
                first = await _Resumed(steps, waiting)
                return await _whole_body(receive, self.max_bytes, first)
        if first["type"] != "http.request" or not first.get("more_body", False):
            return await _whole_body(receive, self.max_bytes, first)  # no receive() left
        async with asyncio.timeout(self.timeout):
            return await _whole_body(receive, self.max_bytes, first)


class _Resumed:
    """Awaits the rest of an awaitable whose first step has run (`steps` yielded `waiting`):
    what `await` would have done with it from the start (PEP 380's `yield from`)."""

    def __init__(self, steps: Generator[Any, Any, Message], waiting: Any) -> None:
        self._steps = steps
        self._waiting = waiting

    def __await__(self) -> Generator[Any, Any, Message]:
        steps, waiting = self._steps, self._waiting
        while True:
            try:
                sent = yield waiting
            except GeneratorExit:
                steps.close()
                raise
            except BaseException as error:  # a cancellation, thrown into the awaitable
                try:
                    waiting = steps.throw(error)
                except StopIteration as done:
                    result: Message = done.value
                    return result
            else:
                try:
                    waiting = steps.send(sent)
                except StopIteration as done:
                    result = done.value
                    return result


async def _whole_body(receive: Receive, max_bytes: int, first: Message) -> bytes | None:
    """The body (None if the client disconnected), from its `first` message on; over
    `max_bytes` raises (chunked bodies have no Content-Length to refuse them by)."""
    chunks: list[bytes] = []
    size = 0
    message = first
    while True:
        if message["type"] == "http.disconnect":
            return None
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > max_bytes:
            raise PayloadTooLarge(f"the body is over {max_bytes} bytes")
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)
        message = await receive()
