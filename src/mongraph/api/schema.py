"""Assembles the Strawberry schema from the domain modules."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from functools import lru_cache
from typing import Any

import strawberry
from graphql import GraphQLError, GraphQLObjectType, NoSchemaIntrospectionCustomRule
from strawberry.extensions import (
    AddValidationRules,
    ParserCache,
    SchemaExtension,
    ValidationCache,
)
from strawberry.schema.config import StrawberryConfig
from strawberry.schema.schema import validate_document
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types import ExecutionContext
from strawberry.types.field import StrawberryField

from ..config import Settings
from ..execution.cost_sizes import costs_of
from ..execution.executor import GatewayExecutor, mark_plain_leaves
from ..execution.prefetch import RELATION_FIELDS
from ..resolvers.nodes import register_node_type
from ..schema.chat import Conversation, Message
from ..schema.identity import ApiKey, CreditTransaction, User
from ..schema.scalars import SCALAR_MAP
from ..schema.storyboard import Character, Clip, Project, Scene
from .errors import log_unexpected
from .hidden_names import NameMask
from .mutation import Mutation
from .pipeline import OperationPipeline
from .query import Query
from .subscription import Subscription

__all__ = ["build_schema", "export_sdl", "plain_fields_read_attributes"]

_NODE_TYPES = (
    Project, Scene, Clip, Character, User, CreditTransaction, Conversation, Message, ApiKey,
)  # fmt: skip
for _type in _NODE_TYPES:
    register_node_type(_type.__name__, _type.from_doc)


_DOCUMENT_CACHE = 256


class DocumentCache(ParserCache):
    """Strawberry's parser cache, except that a document that does not parse (or is over
    the token limit) is left to Strawberry's own parse, which reports it as usual."""

    def on_parse(self) -> Iterator[None]:
        with contextlib.suppress(GraphQLError):
            self.execution_context.graphql_document = self.cached_parse_document(
                self.execution_context.query, **self.execution_context.parse_options
            )
        yield


def validation_cache(maxsize: int) -> Callable[[], SchemaExtension]:
    """Strawberry's ValidationCache with a cache of this schema's own. Strawberry shares
    one module-level cache among every schema built with the same size, keyed by the
    schema: each schema a process ever built stayed alive in it (a test session builds
    one per test: 256 schemas, over a million objects for each full collection)."""
    cached = lru_cache(maxsize=maxsize)(validate_document)

    class SchemaValidationCache(ValidationCache):
        def __init__(self) -> None:
            SchemaExtension.__init__(self)
            self.cached_validate_document = cached

    return SchemaValidationCache


class GatewaySchema(strawberry.Schema):
    """Logs only unexpected errors (with their traceback); client errors are not news."""

    name_mask: NameMask | None = None
    """Set when introspection is off: error messages then hide unwritten schema names."""
    trusted_documents: frozenset[str] | None = None
    """Set in trusted-only mode: the SHA-256 of each document that may run, whatever the
    entrance (HTTP refuses the others before parsing; this holds WebSockets to it too)."""

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        log_unexpected(errors)


def _attribute(name: str) -> Callable[..., Any]:
    def resolve(source: Any, _info: Any) -> Any:
        return getattr(source, name)

    return resolve


def plain_fields_read_attributes(schema: strawberry.Schema) -> None:
    """A field without resolver, permission or extension reads its attribute directly,
    skipping Strawberry's per-field wrapper: most fields of a big response are these (the
    scalar ones the executor answers in place, see execution.py)."""
    for graphql_type in schema._schema.type_map.values():
        if not isinstance(graphql_type, GraphQLObjectType):
            continue
        attributes: dict[str, str] = {}
        for name, field in graphql_type.fields.items():
            definition = (field.extensions or {}).get(GraphQLCoreConverter.DEFINITION_BACKREF)
            if (
                isinstance(definition, StrawberryField)
                and definition.is_basic_field
                and getattr(field.resolve, "_is_default", False)
            ):
                field.resolve = _attribute(definition.python_name)
                attributes[name] = definition.python_name
        mark_plain_leaves(graphql_type, attributes)


def _relation_fields_resolve_directly(schema: strawberry.Schema) -> None:
    """A declared relation field resolves through its declaration without Strawberry's
    per-field wrapper: its arguments are plain scalars and it has no permission or
    extension (checked), and a tree calls it once per object."""
    for (type_name, field_name), relation in RELATION_FIELDS.items():
        field = schema._schema.get_type(type_name).fields[field_name]  # type: ignore[union-attr]
        definition = (field.extensions or {}).get(GraphQLCoreConverter.DEFINITION_BACKREF)
        if not isinstance(definition, StrawberryField) or (
            definition.permission_classes or definition.extensions
        ):
            raise TypeError(f"{type_name}.{field_name} needs Strawberry's resolver wrapper")
        field.resolve = relation.graphql_resolver()


def build_schema(
    settings: Settings | None = None, trusted_documents: frozenset[str] | None = None
) -> strawberry.Schema:
    """The schema; `settings` switch introspection and field suggestions (see docs/security.md);
    with `trusted_documents` (hashes) no other document runs."""
    settings = settings or Settings()
    # Parsed and validated documents are cached by their text (clients send the same few).
    extensions: list[Any] = [
        OperationPipeline,
        lambda: DocumentCache(maxsize=_DOCUMENT_CACHE),
        validation_cache(_DOCUMENT_CACHE),
    ]
    if not settings.mongraph_introspection:
        extensions.insert(1, lambda: AddValidationRules([NoSchemaIntrospectionCustomRule]))
    schema = GatewaySchema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        types=list(_NODE_TYPES),
        extensions=extensions,
        execution_context_class=GatewayExecutor,
        config=StrawberryConfig(
            auto_camel_case=True,
            scalar_map=SCALAR_MAP,
            disable_field_suggestions=not settings.mongraph_dev,
        ),
    )
    schema.trusted_documents = trusted_documents
    plain_fields_read_attributes(schema)
    _relation_fields_resolve_directly(schema)
    costs_of(schema._schema)  # the sizes the cost model uses, once, at startup
    if not settings.mongraph_introspection and not settings.mongraph_dev:
        schema.name_mask = NameMask(schema._schema)
    return schema


def export_sdl() -> str:
    return build_schema().as_str() + "\n"
