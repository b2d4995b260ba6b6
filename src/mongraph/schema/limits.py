"""Request limits enforced before any resolver runs and before any database command."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from graphql import (
    ExecutionResult,
    FragmentDefinitionNode,
    GraphQLError,
    OperationDefinitionNode,
)
from strawberry.extensions import SchemaExtension

from ..config import Settings, get_settings
from ..context import RequestContext
from ..errors import ApiError, ErrorCode
from .cost import measure

__all__ = ["QueryLimits", "is_token_limit_error"]

_TOKEN_LIMIT = "Document contains more than"


def is_token_limit_error(error: GraphQLError) -> bool:
    return _TOKEN_LIMIT in error.message


class QueryLimits(SchemaExtension):
    """Depth, aliases, directives, tokens and cost (returned in `extensions.cost`)."""

    def __init__(self) -> None:
        self.cost: int | None = None

    def _settings(self) -> Settings:
        context = self.execution_context.context
        return context.settings if isinstance(context, RequestContext) else get_settings()

    def on_operation(self) -> Iterator[None]:
        self.execution_context.parse_options["max_tokens"] = self._settings().mongraph_max_tokens
        yield

    def on_execute(self) -> Iterator[None]:
        document = self.execution_context.graphql_document
        if document is not None and self.execution_context.result is None:
            error = self._check(document.definitions)
            if error is not None:
                self.execution_context.result = ExecutionResult(
                    data=None, errors=[GraphQLError(error.message, original_error=error)]
                )
        yield

    def _check(self, definitions: Any) -> ApiError | None:
        settings = self._settings()
        name = self.execution_context.operation_name
        operations = [d for d in definitions if isinstance(d, OperationDefinitionNode)]
        provided = self.execution_context._provided_operation_name  # `operation_name` guesses
        if provided is None and len(operations) > 1:
            # The spec's GetOperation: Strawberry would otherwise run the first one.
            return ApiError(
                ErrorCode.BAD_USER_INPUT,
                "the document has several operations: name one with operationName",
            )
        operation = next(
            (o for o in operations if name is None or (o.name and o.name.value == name)), None
        )
        if operation is None:
            return None
        fragments = {d.name.value: d for d in definitions if isinstance(d, FragmentDefinitionNode)}
        shape = measure(
            self.execution_context.schema._schema,
            operation,
            fragments,
            self.execution_context.variables or {},
        )
        self.cost = shape.cost
        if shape.cost > settings.mongraph_max_cost:
            return ApiError(
                ErrorCode.QUERY_TOO_COMPLEX,
                f"the query costs {shape.cost}; the budget is {settings.mongraph_max_cost} "
                "(ask for smaller pages)",
            )
        if shape.depth > settings.mongraph_max_depth:
            return ApiError(
                ErrorCode.QUERY_TOO_DEEP,
                f"the query is {shape.depth} levels deep; at most {settings.mongraph_max_depth}",
            )
        if shape.aliases > settings.mongraph_max_aliases:
            return ApiError(
                ErrorCode.TOO_MANY_ALIASES,
                f"{shape.aliases} aliases; at most {settings.mongraph_max_aliases}",
            )
        if shape.directives > settings.mongraph_max_directives:
            return ApiError(
                ErrorCode.QUERY_TOO_COMPLEX,
                f"{shape.directives} directives; at most {settings.mongraph_max_directives}",
            )
        return None

    def get_results(self) -> dict[str, Any]:
        return {} if self.cost is None else {"cost": self.cost}
