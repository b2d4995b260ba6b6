"""The one door to Strawberry's and graphql-core's internals.

Everything the gateway takes from either framework beyond its public API (what a package's
`__all__` exports, plus `strawberry.schema.config` as Strawberry's docs import it) comes
through here, each with what it relies on. `pyproject.toml` pins both frameworks to the
releases the suite has run on; `make upgrade-check` runs the suite on the newest ones, and
a break it reports starts here. `tests/architecture/test_framework_door.py` fails on any such
use elsewhere.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from typing import TYPE_CHECKING, Any

from graphql import (
    GraphQLField,
    GraphQLNamedType,
    GraphQLResolveInfo,
    GraphQLResolveInfoHelpers,
    GraphQLSchema,
)
from graphql.execution.collect_fields import FieldDetailsList, GroupedFieldSet
from strawberry.asgi import ASGIWebSocketAdapter
from strawberry.extensions.runner import SchemaExtensionsRunner
from strawberry.http.base import BaseRequestProtocol, BaseView
from strawberry.http.exceptions import NonJsonMessageReceived, NonTextMessageReceived
from strawberry.http.parse_content_type import parse_content_type
from strawberry.schema.schema import (
    StrawberryGraphQLCoreExecutionContext,
    StreamResult,
    validate_document,
)
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.schema.types.base_scalars import wrap_parser
from strawberry.subscriptions.protocols.graphql_ws.handlers import BaseGraphQLWSHandler
from strawberry.types.arguments import convert_argument
from strawberry.types.base import StrawberryObjectDefinition
from strawberry.types.execution import PreExecutionError
from strawberry.types.field import StrawberryField
from strawberry.types.graphql import OperationType
from strawberry.types.scalar import ScalarDefinition
from strawberry.types.unset import UnsetType
from strawberry.utils.str_converters import to_camel_case

# What each import relies on:
# - GroupedFieldSet, FieldDetailsList (graphql-core 3.3): the fields of one selection set
#   by response name, the `grouped_field_set` of `ExecutionContext.execute_fields(
#   parent_type, source_value, path, grouped_field_set, position_context)`, which
#   execution/compiled.py overrides, calling `execute_field`, `complete_value`,
#   `complete_awaitable_value`, `complete_awaitable_list_item_value`, `complete_leaf_value`,
#   `collect_subfields`, `execute_collected_subfields`, `handle_field_error` and
#   `settle_in_background` as graphql-core's own pass does.
# - StrawberryGraphQLCoreExecutionContext (Strawberry >= 0.269): the execution context
#   executor.py subclasses, overriding `execute_operation` and `build_per_event_executor`
#   (one execution per distinct subscription selection).
# - Executor.async_helpers, track_async_work, gather_async_work (graphql-core 3.3): the
#   helpers every resolve info carries, made in `Executor.__init__` from the executor's own
#   bound methods; used only while the execution runs (a resolve info keeps its own).
# - StreamResult: what `Schema.stream` yields (websocket.py runs queries over `start`).
# - validate_document: what Strawberry's ValidationCache caches; api/documents.py caches
#   it per schema instead of in Strawberry's module-wide cache.
# - SchemaExtensionsRunner: what `Schema.create_extensions_runner(execution_context,
#   extensions)` returns and `Schema.execute`/`subscribe` enter around each step
#   (`operation()`, `parsing()`, `validation()`, `executing()`, `on_stream_result(result)`,
#   `get_extensions_results(ctx)`); api/pipeline.py's runner calls the pipeline's steps.
# - GraphQLCoreConverter.DEFINITION_BACKREF: the key under which the converter records a
#   field's StrawberryField (and a type's definition) in the graphql-core `extensions`.
# - StrawberryField, StrawberryObjectDefinition: a declared relation field is a
#   StrawberryField (execution/relation_fields.py); a type definition's `origin` is its class.
# - to_camel_case: the name converter's rule for argument names (relation declarations map
#   GraphQL argument names back to Python ones with it).
# - wrap_parser, ScalarDefinition: how schema/scalars.py declares its scalars.
# - ASGIWebSocketAdapter, BaseGraphQLWSHandler, NonJsonMessageReceived,
#   NonTextMessageReceived: the WebSocket adapter of the ASGI app, the legacy `graphql-ws`
#   handler and the frame decoding errors that websocket.py extends.
# - BaseRequestProtocol, UnsetType: the request protocol and the UNSET type app.py's
#   overrides of the ASGI view are annotated with.
# - PreExecutionError: the result persisted.py answers before execution with.
# - parse_content_type, BaseView._get_stream_transport_from_headers: how the HTTP view's
#   `parse_http_body` reads Content-Type (a mime type with parameters) and picks a
#   streaming transport from Accept; graphql_view.py asks them once per distinct header.
# - OperationType: the operation type Strawberry's ExecutionContext reports.
# - convert_argument, GraphQLCoreConverter.scalar_registry: how Strawberry turns
#   graphql-core's coerced arguments into a resolver's (input objects as their classes,
#   enums as members); declared relation fields that skip its wrapper do the same.

if TYPE_CHECKING:
    import strawberry
    from strawberry.types import ExecutionContext

__all__ = [
    "ASGIWebSocketAdapter",
    "BaseGraphQLWSHandler",
    "BaseRequestProtocol",
    "FieldDetailsList",
    "GroupedFieldSet",
    "NonJsonMessageReceived",
    "NonTextMessageReceived",
    "OperationType",
    "PreExecutionError",
    "ScalarDefinition",
    "SchemaExtensionsRunner",
    "StrawberryField",
    "StrawberryGraphQLCoreExecutionContext",
    "StrawberryObjectDefinition",
    "StreamResult",
    "UnsetType",
    "argument_converter",
    "field_definition",
    "graphql_schema",
    "is_default_resolver",
    "parse_content_type",
    "provided_operation_name",
    "raw_info",
    "release_async_helpers",
    "streams_for",
    "to_camel_case",
    "type_origin",
    "validate_document",
    "wrap_parser",
]


def _ended(values: Sequence[Any]) -> Any:
    raise RuntimeError("asynchronous work handed to an execution that has ended")


_ENDED = GraphQLResolveInfoHelpers(gather=_ended, track=_ended)


def release_async_helpers(executor: Any) -> None:
    """Drops `executor.async_helpers` once its execution has ended with a whole result.
    graphql-core makes them of the executor's own bound methods (executor → helpers →
    method → executor), so every executor and what it held (37 objects for
    `{ viewer { id } }`) was garbage only the collector could free; without them it goes
    by reference count. The resolve infos made during the execution keep theirs."""
    executor.async_helpers = _ENDED


def raw_info(info: strawberry.Info[Any, Any]) -> GraphQLResolveInfo[Any]:
    """graphql-core's resolve info behind Strawberry's `Info` (its `_raw_info`): the
    operation's AST, fragments and coerced variables, which `Info.selected_fields` gives
    with literals uncoerced."""
    resolve_info: GraphQLResolveInfo[Any] = info._raw_info
    return resolve_info


def streams_for(view: BaseView[Any], accept: str) -> bool:
    """Whether the view answers a request with this `Accept` as a stream (multipart, SSE)."""
    return view._get_stream_transport_from_headers({"accept": accept}) is not None


def graphql_schema(schema: strawberry.Schema) -> GraphQLSchema:
    """The graphql-core schema Strawberry built (its `_schema`)."""
    built: GraphQLSchema = schema._schema
    return built


def provided_operation_name(execution_context: ExecutionContext) -> str | None:
    """The `operationName` the request gave, before Strawberry picks one (its
    `_provided_operation_name`; `operation_name` is the picked one)."""
    name: str | None = execution_context._provided_operation_name
    return name


def is_default_resolver(resolve: Any) -> bool:
    """Whether Strawberry's converter gave this graphql-core field its attribute-reading
    resolver: a field without resolver, permission or extension (it marks that function
    with `_is_default`)."""
    return bool(getattr(resolve, "_is_default", False))


def field_definition(field: GraphQLField) -> StrawberryField | None:
    """The StrawberryField a graphql-core field was converted from, if any."""
    definition = (field.extensions or {}).get(GraphQLCoreConverter.DEFINITION_BACKREF)
    return definition if isinstance(definition, StrawberryField) else None


def type_origin(graphql_type: GraphQLNamedType) -> type | None:
    """The Python class a graphql-core object type was converted from, if any."""
    definition = (graphql_type.extensions or {}).get(GraphQLCoreConverter.DEFINITION_BACKREF)
    if isinstance(definition, StrawberryObjectDefinition):
        origin: type = definition.origin
        return origin
    return None


def argument_converter(
    schema: strawberry.Schema, field: StrawberryField, plain: Collection[str] = ()
) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """A field's arguments as graphql-core coerced them → as its Strawberry resolver gets
    them (Python names, input objects as their classes, enums as members). Each argument's
    type is resolved once, here: Strawberry's `convert_arguments` resolves it on every call
    (a third of a millisecond each, for a field resolved once per parent). The `plain`
    ones (built-in scalars, by GraphQL name) need only their Python name."""
    registry = schema.schema_converter.scalar_registry
    config = schema.config
    plan = {
        name: (a.python_name, None if name in plain else a.type)
        for a in field.arguments
        if (name := config.name_converter.from_argument(a))
    }

    def convert(given: dict[str, Any]) -> dict[str, Any]:
        converted: dict[str, Any] = {}
        for name, value in given.items():
            python_name, type_ = plan[name]
            converted[python_name] = (
                value
                if value is None or type_ is None
                else convert_argument(value, type_, registry, config)
            )
        return converted

    return convert
