"""Authentication runs just before execution, after the request passed its limits.

So a request refused for its shape costs no database command, and a key that is
present but unknown, revoked or malformed never falls back to anonymous.
"""

from __future__ import annotations

from graphql import ExecutionResult, GraphQLError
from strawberry.types import ExecutionContext
from strawberry.types.graphql import OperationType

from ..context import RequestContext

__all__ = ["authenticate_operation", "forget_keys_after_mutation"]


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


def forget_keys_after_mutation(execution_context: ExecutionContext) -> None:
    """After execution: a mutation may have revoked a key or changed an account, so this
    process forgets every cached key at once; other processes within the cache's TTL."""
    context = execution_context.context
    if (
        isinstance(context, RequestContext)
        and context.keys is not None
        and execution_context.operation_type is OperationType.MUTATION
    ):
        context.keys.clear()
