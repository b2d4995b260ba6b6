"""Every GraphQL error leaves with an `extensions.code`; unexpected ones are masked."""

from __future__ import annotations

import logging
from collections.abc import Iterator

from graphql import GraphQLError
from strawberry.extensions import SchemaExtension

from ..errors import DomainError, ErrorCode

__all__ = ["ErrorCodes"]

log = logging.getLogger("mongraph.errors")
INTERNAL_MESSAGE = "Internal server error"


def _coded(error: GraphQLError) -> GraphQLError:
    original = error.original_error
    if isinstance(original, DomainError):
        code, message = original.code, original.message
    elif original is None:
        # Parse, validation and variable-coercion errors: the client's document is at fault.
        code = (
            ErrorCode(error.extensions.get("code", ErrorCode.BAD_USER_INPUT.value))
            if (error.extensions and error.extensions.get("code") in ErrorCode.__members__)
            else ErrorCode.BAD_USER_INPUT
        )
        message = error.message
    else:
        log.error("unexpected error at %s", error.path, exc_info=original)
        code, message = ErrorCode.INTERNAL, INTERNAL_MESSAGE
    return GraphQLError(
        message,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        original_error=None,
        extensions={"code": code.value},
    )


class ErrorCodes(SchemaExtension):
    """Rewrites the errors of a result: a contract `ErrorCode` on each, no internals leaked."""

    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        if result is not None and result.errors:
            result.errors = [_coded(e) for e in result.errors]
