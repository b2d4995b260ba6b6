"""Every GraphQL error leaves with an `extensions.code`; unexpected ones are masked."""

from __future__ import annotations

import logging
from typing import Any

from graphql import GraphQLError
from strawberry.types import ExecutionContext

from ..datastore.errors import is_unavailable
from ..errors import DomainError, ErrorCode
from ..execution.limits import is_token_limit_error
from .hidden_names import NameMask

__all__ = ["code_errors", "log_unexpected"]

log = logging.getLogger("mongraph.errors")
INTERNAL_MESSAGE = "Internal server error"
UNAVAILABLE_MESSAGE = "The database is unavailable; try again shortly"


def is_client_error(error: GraphQLError) -> bool:
    return error.original_error is None or isinstance(error.original_error, GraphQLError)


def is_expected(error: GraphQLError) -> bool:
    """Errors the client caused or the domain expects: not worth a traceback in the logs."""
    return isinstance(error.original_error, DomainError) or is_client_error(error)


def log_unexpected(errors: list[GraphQLError]) -> None:
    for error in errors:
        if is_unavailable(error.original_error):
            cause = type(error.original_error).__name__
            log.warning("database unavailable at %s: %s", error.path, cause)
        elif not is_expected(error):
            log.error("unexpected error at %s", error.path, exc_info=error.original_error)


_CODES = {code.value for code in ErrorCode}


def _coded(error: GraphQLError, mask: NameMask | None = None, document: str = "") -> GraphQLError:
    original = error.original_error
    if original is None and (error.extensions or {}).get("code") in _CODES:
        return error  # already coded (a streamed result seen twice)
    if isinstance(original, DomainError):
        code, message = original.code, original.message
    elif is_token_limit_error(error):
        code, message = ErrorCode.QUERY_TOO_COMPLEX, error.message
    elif is_client_error(error):
        # Parse, validation and variable-coercion errors: the client's document is at fault.
        code, message = ErrorCode.BAD_USER_INPUT, error.message
        if mask is not None:
            message = mask.apply(message, document)
    elif is_unavailable(original):
        code, message = ErrorCode.SERVICE_UNAVAILABLE, UNAVAILABLE_MESSAGE
    else:
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


def code_errors(execution_context: ExecutionContext, result: Any) -> None:
    """Rewrites the errors of a result (an operation's, or a subscription event's): a
    contract `ErrorCode` on each, no internals leaked."""
    if result is not None and getattr(result, "errors", None):
        mask = getattr(execution_context.schema, "name_mask", None)
        document = execution_context.query or ""
        result.errors = [_coded(e, mask, document) for e in result.errors]
