"""Authentication runs just before execution, after the request passed its limits.

So a request refused for its shape costs no database command, and a key that is
present but unknown, revoked or malformed never falls back to anonymous.
"""

from __future__ import annotations

from graphql import ExecutionResult, GraphQLError
from strawberry.types import ExecutionContext

from ..context import RequestContext
from ..errors import BadInput
from ..framework import OperationType

__all__ = [
    "authenticate_operation",
    "forget_keys_after_mutation",
    "operation_context",
    "refuse_subscription",
    "subscriptions_over_websocket_only",
]


def operation_context(execution_context: ExecutionContext) -> None:
    """Before parsing: an operation that came over a WebSocket gets a context of its own,
    so it is authenticated and loads data as an HTTP request would, not as the socket did
    when it opened (a key revoked since, objects cached for as long as the socket lives)."""
    context = execution_context.context
    if isinstance(context, RequestContext) and context.socket:
        execution_context.context = context.for_operation()


async def authenticate_operation(execution_context: ExecutionContext) -> None:
    """Before execution: the viewer, or a result that refuses the credentials."""
    context = execution_context.context
    if not isinstance(context, RequestContext) or execution_context.result is not None:
        return
    failure: Exception | None = None
    try:
        await context.authenticate()
    except Exception as exc:  # the key lookup failed: coded and masked like any error
        failure = exc
    failure = failure or context.auth_error
    if failure is not None:
        error = GraphQLError(str(failure), original_error=failure)
        execution_context.result = ExecutionResult(data=None, errors=[error])


def forget_keys_after_mutation(
    execution_context: ExecutionContext, operation_type: OperationType | None
) -> None:
    """After execution: a mutation may have revoked a key or changed an account, so this
    process forgets every cached key at once; other processes within the cache's TTL."""
    context = execution_context.context
    if (
        isinstance(context, RequestContext)
        and context.keys is not None
        and operation_type is OperationType.MUTATION
    ):
        context.keys.clear()


def subscriptions_over_websocket_only(
    execution_context: ExecutionContext, operation_type: OperationType
) -> None:
    """A subscription sent over HTTP is the client's mistake (its result would be a stream
    the request cannot carry): refused with the way to send it, before anything runs."""
    context = execution_context.context
    if (
        operation_type is OperationType.SUBSCRIPTION
        and isinstance(context, RequestContext)
        and not context.over_websocket
    ):
        refusal = BadInput(
            "subscriptions run over a WebSocket to /graphql "
            "(graphql-transport-ws or graphql-ws), not over HTTP"
        )
        error = GraphQLError(refusal.message, original_error=refusal)
        execution_context.result = ExecutionResult(data=None, errors=[error])


def refuse_subscription(execution_context: ExecutionContext, operation_type: OperationType) -> None:
    """A subscription refused before execution (its limits, its credentials) raises here:
    Strawberry runs a subscription whatever result the hooks set, but not past an error."""
    result = execution_context.result
    context = execution_context.context
    if (
        operation_type is OperationType.SUBSCRIPTION
        and isinstance(context, RequestContext)
        and context.over_websocket  # over HTTP `execute` runs it, and honours the result
        and result is not None
        and result.errors
    ):
        raise result.errors[0]
