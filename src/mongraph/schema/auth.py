"""Rejected credentials fail the whole operation before anything executes."""

from __future__ import annotations

from collections.abc import Iterator

from graphql import ExecutionResult, GraphQLError
from strawberry.extensions import SchemaExtension

from ..context import RequestContext

__all__ = ["RejectBadCredentials"]


class RejectBadCredentials(SchemaExtension):
    """A key that is present but unknown, revoked or malformed never falls back to anonymous."""

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context.context
        if isinstance(context, RequestContext) and context.auth_error is not None:
            self.execution_context.result = ExecutionResult(
                data=None,
                errors=[
                    GraphQLError(context.auth_error.message, original_error=context.auth_error)
                ],
            )
        yield
