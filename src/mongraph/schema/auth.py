"""Authentication runs just before execution, after the request passed its limits.

So a request refused for its shape costs no database command, and a key that is
present but unknown, revoked or malformed never falls back to anonymous.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from graphql import ExecutionResult, GraphQLError
from strawberry.extensions import SchemaExtension
from strawberry.types.graphql import OperationType

from ..context import RequestContext

__all__ = ["Authenticate"]


class Authenticate(SchemaExtension):
    async def on_execute(self) -> AsyncIterator[None]:
        context = self.execution_context.context
        if isinstance(context, RequestContext) and self.execution_context.result is None:
            failure: Exception | None = None
            try:
                await context.authenticate()
            except Exception as exc:  # the key lookup failed: coded and masked like any error
                failure = exc
            failure = failure or context.auth_error
            if failure is not None:
                error = GraphQLError(str(failure), original_error=failure)
                self.execution_context.result = ExecutionResult(data=None, errors=[error])
        yield
        if (
            isinstance(context, RequestContext)
            and context.keys is not None
            and self.execution_context.operation_type is OperationType.MUTATION
        ):
            # A mutation may have revoked a key or changed an account: this process
            # forgets every cached key at once; other processes within the cache's TTL.
            context.keys.clear()
