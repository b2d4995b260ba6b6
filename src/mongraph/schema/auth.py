"""Authentication runs just before execution, after the request passed its limits.

So a request refused for its shape costs no database command, and a key that is
present but unknown, revoked or malformed never falls back to anonymous.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from graphql import ExecutionResult, GraphQLError
from strawberry.extensions import SchemaExtension

from ..context import RequestContext

__all__ = ["Authenticate"]


class Authenticate(SchemaExtension):
    async def on_execute(self) -> AsyncIterator[None]:
        context = self.execution_context.context
        if isinstance(context, RequestContext) and self.execution_context.result is None:
            await context.authenticate()
            if context.auth_error is not None:
                error = GraphQLError(context.auth_error.message, original_error=context.auth_error)
                self.execution_context.result = ExecutionResult(data=None, errors=[error])
        yield
