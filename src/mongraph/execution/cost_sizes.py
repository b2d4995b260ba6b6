"""The sizes the cost model uses: each list field's bound, each connection's page for a
null `first`/`last`, the root types. Computed once per schema, at startup."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from graphql import (
    GraphQLEnumType,
    GraphQLField,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLSchema,
    get_nullable_type,
    is_abstract_type,
)

from ..datastore.documents import ENTRIES_PER_ACCOUNT, MEDIA_PER_CLIP
from ..pages import LIST_PAGE_SIZE
from .relation_fields import declared_relation
from .schema_memo import kept_on

__all__ = ["ListBound", "SchemaCosts", "costs_of", "is_connection_type"]


@dataclass(frozen=True)
class ListBound:
    """A list field's length: at most `each` per parent object, and for parents that are
    distinct members of the schema (`owned`: every child belongs to one parent), at most
    `total` for all of them together."""

    each: int
    total: int
    owned: bool


@dataclass(frozen=True)
class SchemaCosts:
    """The sizes the cost model uses, computed once per schema (`costs_of`)."""

    schema: GraphQLSchema
    lists: Mapping[tuple[str, str], ListBound]
    null_pages: Mapping[tuple[str, str], int]
    root_types: Mapping[str, GraphQLObjectType | None]

    @classmethod
    def build(cls, schema: GraphQLSchema) -> SchemaCosts:
        types = list(schema.type_map.values())
        composite = [t for t in types if isinstance(t, GraphQLObjectType | GraphQLInterfaceType)]
        inputs = [t for t in types if isinstance(t, GraphQLInputObjectType)]
        enums = [t for t in types if isinstance(t, GraphQLEnumType)]
        abstract = [t for t in types if is_abstract_type(t)]
        fields = [f for t in composite for f in t.fields.values()]

        def bound(sizes: list[int], owned: bool = True) -> ListBound:
            return ListBound(max(sizes, default=0), sum(sizes), owned)

        directives = list(schema.directives)
        lists = {
            ("__Schema", "types"): ListBound(len(types), len(types), True),
            ("__Schema", "directives"): ListBound(len(directives), len(directives), True),
            ("__Type", "fields"): bound([len(t.fields) for t in composite]),
            ("__Type", "inputFields"): bound([len(t.fields) for t in inputs]),
            ("__Type", "enumValues"): bound([len(t.values) for t in enums]),
            ("__Type", "interfaces"): bound([len(t.interfaces) for t in composite], False),
            ("__Type", "possibleTypes"): bound(
                [len(schema.get_possible_types(t)) for t in abstract],
                False,
            ),
            ("__Field", "args"): bound([len(f.args) for f in fields]),
            ("__Directive", "args"): bound([len(d.args) for d in directives]),
            ("__Directive", "locations"): bound([len(d.locations) for d in directives]),
            ("Clip", "generatedImages"): ListBound(MEDIA_PER_CLIP, 0, False),
            ("Clip", "generatedVideos"): ListBound(MEDIA_PER_CLIP, 0, False),
            **{
                ("User", name): ListBound(ENTRIES_PER_ACCOUNT, 0, False)
                for name in ("identities", "wallets", "apiKeys")
            },
        }
        null_pages = {
            (t.name, name): _null_page(f)
            for t in composite
            for name, f in t.fields.items()
            if _is_connection(f)
        }
        roots = {
            "query": schema.query_type,
            "mutation": schema.mutation_type,
            "subscription": schema.subscription_type,
        }
        return cls(schema, lists, null_pages, roots)


def costs_of(schema: GraphQLSchema) -> SchemaCosts:
    """The schema's `SchemaCosts`, computed on first use (build_schema asks at startup)."""
    return kept_on(schema, "mongraph.costs", SchemaCosts.build)


def is_connection_type(graphql_type: Any) -> bool:
    return isinstance(graphql_type, GraphQLObjectType) and graphql_type.name.endswith("Connection")


def _is_connection(definition: GraphQLField) -> bool:
    return is_connection_type(get_nullable_type(definition.type))


def _null_page(definition: GraphQLField) -> int:
    """A connection's page when `first` (and `last`) is null or absent: its declaration's,
    else a top-level list's."""
    relation = declared_relation(definition)
    if relation is not None and relation.null_page is not None:
        return relation.null_page
    return LIST_PAGE_SIZE
