"""What an HTTP request to /graphql must be before Strawberry reads it: a body within the
limit, a JSON object, and over GET no mutation; each refusal a coded GraphQL error."""

from __future__ import annotations

from graphql import GraphQLError, OperationDefinitionNode, OperationType, parse
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Receive, Send
from starlette.types import Scope as Scope_

from .errors import ErrorCode
from .observability import record_errors

__all__ = [
    "BodySizeLimit",
    "MalformedRequest",
    "MutationOverGet",
    "PayloadTooLarge",
    "malformed",
    "names_a_mutation",
]


class MalformedRequest(Exception):
    """The HTTP body is not a GraphQL request (not JSON, not an object, not valid Unicode)."""


class PayloadTooLarge(MalformedRequest):
    """The body is over `MONGRAPH_MAX_BODY_BYTES` (HTTP 413)."""


class MutationOverGet(MalformedRequest):
    """A GET that names a mutation: GraphQL over HTTP requires 405 (and `Allow: POST`)."""


async def malformed(_: Request, exc: Exception) -> Response:
    error = {"message": str(exc), "extensions": {"code": ErrorCode.BAD_USER_INPUT.value}}
    record_errors([ErrorCode.BAD_USER_INPUT.value])
    if isinstance(exc, MutationOverGet):
        return JSONResponse({"errors": [error]}, status_code=405, headers={"Allow": "POST"})
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
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if operation_name is not None:
        operations = [o for o in operations if o.name and o.name.value == operation_name]
    return len(operations) == 1 and operations[0].operation is OperationType.MUTATION


class BodySizeLimit:
    """Refuses bodies over the limit from their Content-Length, before reading them."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope_, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            length = dict(scope["headers"]).get(b"content-length", b"0")
            if not length.isdigit() or int(length) > self.max_bytes:
                response = await malformed(
                    Request(scope), PayloadTooLarge(f"the body is over {self.max_bytes} bytes")
                )
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)
