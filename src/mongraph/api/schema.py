"""Assembles the Strawberry schema from the domain modules."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import strawberry
from graphql import (
    GraphQLError,
    GraphQLField,
    GraphQLObjectType,
    GraphQLScalarType,
    NoSchemaIntrospectionCustomRule,
    get_named_type,
    specified_scalar_types,
)
from strawberry.extensions import SchemaExtension
from strawberry.schema.config import StrawberryConfig
from strawberry.types import ExecutionContext, ExecutionResult
from typing_extensions import override

from ..collector import collection_deferred
from ..config import Settings
from ..context import RequestContext
from ..execution.compiled import CompiledExecutor, compile_fields
from ..execution.cost_sizes import costs_of, is_connection_type
from ..execution.differential import DifferentialExecutor
from ..execution.executor import GatewayExecutor
from ..execution.projection import Reads, declare_reads
from ..execution.relation_fields import RELATIONS_KEY, FromDoc, RelationField, declared_relation
from ..framework import (
    OperationType,
    SchemaExtensionsRunner,
    argument_converter,
    field_definition,
    graphql_schema,
    is_default_resolver,
    type_origin,
)
from ..resolvers.nodes import NODE_TYPES
from ..schema.document_views import DOCUMENT_READS
from ..schema.scalars import SCALAR_MAP
from .documents import DocumentCache
from .errors import log_unexpected
from .hidden_names import NameMask
from .mutation import Mutation
from .pipeline import OperationPipeline, PipelineRunner
from .query import CONTEXT_RESOLVER, Query
from .subscription import Subscription

__all__ = ["build_schema", "export_sdl", "resolve_without_wrappers"]

_DOCUMENT_CACHE = 256
_EXECUTORS: dict[str, type[GatewayExecutor]] = {
    "compiled": CompiledExecutor,
    "graphql-core": GatewayExecutor,
    "differential": DifferentialExecutor,
}


class GatewaySchema(strawberry.Schema):
    """Logs only unexpected errors (with their traceback); client errors are not news."""

    name_mask: NameMask | None = None
    """Set when introspection is off: error messages then hide unwritten schema names."""
    trusted_documents: frozenset[str] | None = None
    """Set in trusted-only mode: the SHA-256 of each document that may run, whatever the
    entrance (HTTP refuses the others before parsing; this holds WebSockets to it too)."""

    @override
    async def execute(
        self,
        query: str | None,
        variable_values: dict[str, Any] | None = None,
        context_value: Any | None = None,
        root_value: Any | None = None,
        operation_name: str | None = None,
        allowed_operation_types: Iterable[OperationType] | None = None,
        operation_extensions: dict[str, Any] | None = None,
    ) -> ExecutionResult:
        """Executes, then lets the request's documents go: the result holds what the
        response needs, and the loaders' pages would otherwise live while it is encoded and
        sent (12 MB of 10,000 clips, a third of that request's peak). The HTTP request and
        response go too (`RequestContext.release`): they die with the request by reference
        count instead of with graphql-core's executor cycle."""
        with collection_deferred():
            try:
                return await super().execute(
                    query,
                    variable_values,
                    context_value,
                    root_value,
                    operation_name,
                    allowed_operation_types,
                    operation_extensions,
                )
            finally:
                if isinstance(context_value, RequestContext):
                    context_value.release()

    @override
    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        log_unexpected(errors)

    @override
    def create_extensions_runner(
        self, execution_context: ExecutionContext, extensions: list[SchemaExtension]
    ) -> SchemaExtensionsRunner:
        if len(extensions) == 1 and isinstance(extensions[0], OperationPipeline):
            return PipelineRunner(execution_context, extensions[0])
        return super().create_extensions_runner(execution_context, extensions)


def _attribute(name: str) -> Callable[..., Any]:
    def resolve(source: Any, _info: Any) -> Any:
        return getattr(source, name)

    return resolve


def resolve_without_wrappers(schema: strawberry.Schema) -> None:
    """Fields that need nothing of Strawberry's per-field wrapper (an `Info`, converted
    arguments, permissions) get graphql-core resolvers of their own, as Strawberry builds
    the schema's types: most fields of a big response are these.

    - A field without resolver, permission or extension reads its attribute directly.
    - A root field whose metadata names a function of the request context alone
      (`query.CONTEXT_RESOLVER`: `viewer`) is that function.
    - A declared relation field resolves through its declaration (relation_fields.py),
      which also learns the Python type of the objects it leads to; the type records its
      relation fields for the prefetch walk.

    Both kinds are then compiled for the compiled execution path (execution/compiled.py).
    """
    for graphql_type in graphql_schema(schema).type_map.values():
        if not isinstance(graphql_type, GraphQLObjectType):
            continue
        attributes: dict[str, str] = {}
        relations: dict[str, RelationField[Any]] = {}
        for name, field in graphql_type.fields.items():
            definition = field_definition(field)
            relation = declared_relation(field)
            if relation is not None and definition is not None:
                plain = {n for n, a in field.args.items() if _is_plain_scalar(a.type)}
                convert = (
                    None
                    if len(plain) == len(field.args)
                    else argument_converter(schema, definition, plain)
                )
                relation.bind(_object_class(field), convert)
                field.resolve = relation.graphql_resolver()
                relations[name] = relation
            elif definition is not None and CONTEXT_RESOLVER in definition.metadata:
                field.resolve = _from_context(definition.metadata[CONTEXT_RESOLVER])
            elif (
                definition is not None
                and definition.is_basic_field
                and is_default_resolver(field.resolve)
            ):
                field.resolve = _attribute(definition.python_name)
                attributes[name] = definition.python_name
        compile_fields(graphql_type, attributes, relations)
        view_reads: dict[str, Reads] | None = getattr(
            type_origin(graphql_type), DOCUMENT_READS, None
        )
        if view_reads is not None:
            declare_reads(graphql_type, _field_reads(graphql_type, view_reads))
        if relations:
            graphql_type.extensions = {**(graphql_type.extensions or {}), RELATIONS_KEY: relations}


def _field_reads(graphql_type: GraphQLObjectType, view_reads: dict[str, Reads]) -> dict[str, Reads]:
    """What each field of a document view's type reads of its document (GraphQL names)."""
    reads: dict[str, Reads] = {}
    for name, field in graphql_type.fields.items():
        definition = field_definition(field)
        reads[name] = None if definition is None else view_reads.get(definition.python_name)
    return reads


def _from_context(resolve: Callable[[Any], Any]) -> Callable[..., Any]:
    def resolve_field(_source: Any, info: Any) -> Any:
        return resolve(info.context)

    return resolve_field


def _is_plain_scalar(graphql_type: Any) -> bool:
    named = get_named_type(graphql_type)
    return isinstance(named, GraphQLScalarType) and named.name in specified_scalar_types


def _object_class(field: GraphQLField) -> type[FromDoc] | None:
    """The Python class of the objects a field leads to (a connection's nodes)."""
    named = get_named_type(field.type)
    if isinstance(named, GraphQLObjectType) and is_connection_type(named):
        edge = get_named_type(named.fields["edges"].type)
        assert isinstance(edge, GraphQLObjectType)
        named = get_named_type(edge.fields["node"].type)
    origin = type_origin(named)
    return origin if origin is not None and hasattr(origin, "from_doc") else None


def build_schema(
    settings: Settings | None = None, trusted_documents: frozenset[str] | None = None
) -> strawberry.Schema:
    """The schema; `settings` switch introspection and field suggestions (see docs/security.md);
    with `trusted_documents` (hashes) no other document runs."""
    settings = settings or Settings()
    schema = GatewaySchema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        types=list(NODE_TYPES),
        execution_context_class=_EXECUTORS[settings.mongraph_execution],
        config=StrawberryConfig(
            auto_camel_case=True,
            scalar_map=SCALAR_MAP,
            disable_field_suggestions=not settings.mongraph_dev,
        ),
    )
    schema.trusted_documents = trusted_documents
    # Parsed and validated documents are cached by their text (clients send the same few).
    documents = DocumentCache(graphql_schema(schema), _DOCUMENT_CACHE)
    rules = () if settings.mongraph_introspection else (NoSchemaIntrospectionCustomRule,)
    schema.extensions = (OperationPipeline.for_schema(documents, rules),)
    resolve_without_wrappers(schema)
    costs_of(graphql_schema(schema))  # the sizes the cost model uses, once, at startup
    if not settings.mongraph_introspection and not settings.mongraph_dev:
        schema.name_mask = NameMask(graphql_schema(schema))
    return schema


def export_sdl() -> str:
    return build_schema().as_str() + "\n"
