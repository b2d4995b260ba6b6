"""Request limits enforced before any resolver runs and before any database command."""

from __future__ import annotations

import hashlib

from graphql import (
    ExecutionResult,
    FragmentDefinitionNode,
    GraphQLError,
    GraphQLSchema,
    OperationDefinitionNode,
    get_operation_ast,
)
from strawberry.types import ExecutionContext

from ..config import Settings, get_settings
from ..context import RequestContext
from ..errors import ApiError, ErrorCode
from ..framework import graphql_schema, provided_operation_name
from .cost import Limit, Limits, OperationShape
from .cost_sizes import costs_of
from .schema_memo import kept_on
from .shapes import ShapeCache

__all__ = ["enforce_limits", "is_token_limit_error", "limit_parsing"]

_TOKEN_LIMIT = "Document contains more than"


def is_token_limit_error(error: GraphQLError) -> bool:
    return _TOKEN_LIMIT in error.message


def _shapes_of(schema: GraphQLSchema) -> ShapeCache:
    return kept_on(schema, "mongraph.shapes", lambda _: ShapeCache())


def _settings(execution_context: ExecutionContext) -> Settings:
    context = execution_context.context
    return context.settings if isinstance(context, RequestContext) else get_settings()


def limit_parsing(execution_context: ExecutionContext) -> None:
    """Before parsing: the document's token limit."""
    execution_context.parse_options["max_tokens"] = _settings(execution_context).mongraph_max_tokens


def refuse_untrusted(execution_context: ExecutionContext) -> None:
    """Trusted-only mode: a document outside the list is refused (sets the result)."""
    trusted = getattr(execution_context.schema, "trusted_documents", None)
    query = execution_context.query
    if trusted is None or query is None or execution_context.result is not None:
        return
    if hashlib.sha256(query.encode()).hexdigest() not in trusted:
        error = ApiError(
            ErrorCode.PERSISTED_QUERY_NOT_IN_LIST,
            "this gateway runs only its trusted documents, and this is not one of them",
        )
        execution_context.result = ExecutionResult(
            data=None, errors=[GraphQLError(error.message, original_error=error)]
        )


def enforce_limits(execution_context: ExecutionContext) -> int | None:
    """Before execution: refuses (sets the result) an operation over a limit. Returns its
    cost, for `extensions.cost`; None when there is no operation to measure."""
    document = execution_context.graphql_document
    if document is None or execution_context.result is not None:
        return None
    definitions = document.definitions
    operations = [d for d in definitions if isinstance(d, OperationDefinitionNode)]
    name = execution_context.operation_name
    cost: int | None = None
    if provided_operation_name(execution_context) is None and len(operations) > 1:
        # The spec's GetOperation: Strawberry would otherwise run the first one
        # (`operation_name` guesses, hence the provided one).
        error: ApiError | None = ApiError(
            ErrorCode.BAD_USER_INPUT,
            "the document has several operations: name one with operationName",
        )
    else:
        operation = get_operation_ast(document, name)
        if operation is None:
            return None
        fragments = {d.name.value: d for d in definitions if isinstance(d, FragmentDefinitionNode)}
        settings = _settings(execution_context)
        schema = graphql_schema(execution_context.schema)
        shape = _shapes_of(schema).measure(
            costs_of(schema),
            operation,
            fragments,
            execution_context.variables or {},
            Limits.of(settings),
        )
        cost = shape.cost
        error = _over_limit(shape, settings)
    if error is not None:
        execution_context.result = ExecutionResult(
            data=None, errors=[GraphQLError(error.message, original_error=error)]
        )
    return cost


def _over_limit(shape: OperationShape, settings: Settings) -> ApiError | None:
    match shape.exceeded:
        case None:
            return None
        case Limit.COST:
            return ApiError(
                ErrorCode.QUERY_TOO_COMPLEX,
                f"the query costs more than {settings.mongraph_max_cost}, the budget "
                "(ask for smaller pages)",
            )
        case Limit.DEPTH:
            return ApiError(
                ErrorCode.QUERY_TOO_DEEP,
                f"the query is more than {settings.mongraph_max_depth} levels deep",
            )
        case Limit.INTROSPECTION_DEPTH:
            return ApiError(
                ErrorCode.QUERY_TOO_DEEP,
                "the introspection is more than "
                f"{settings.mongraph_max_introspection_depth} levels deep",
            )
        case Limit.ALIASES:
            return ApiError(
                ErrorCode.TOO_MANY_ALIASES, f"more than {settings.mongraph_max_aliases} aliases"
            )
        case Limit.DIRECTIVES:
            return ApiError(
                ErrorCode.QUERY_TOO_COMPLEX,
                f"more than {settings.mongraph_max_directives} directives",
            )
        case Limit.VISITS:
            return ApiError(
                ErrorCode.QUERY_TOO_COMPLEX,
                "the document is too intricate to analyse: use fewer fragment spreads",
            )
