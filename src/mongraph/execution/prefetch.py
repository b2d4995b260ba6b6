"""Relation fields, declared once: resolved synchronously when their data is already loaded.

A relation field (`Scene.clips`, `Clip.character`, …) is one `RelationField` (its kinds are
in `relation_kinds.py`): which loader
key one parent needs, and how the field's value is built from what was loaded. The same
declaration serves two paths:

- **the field's resolver**: when the request's loader already holds the key's result, the
  value is built synchronously — no coroutine or task per field, which is most of
  graphql-core's cost on a wide tree; otherwise it loads (batched with its siblings),
  prefetches below, and builds;
- **prefetching**: once a level of documents is loaded, every relation field the query
  selects on them is loaded for all of them at once (one command per field and level, as
  before), recursively, so the levels below resolve synchronously.

A key the prefetch cannot compute (a bad cursor, `first: 101`) is skipped: the field's own
resolver raises the error at its own path.
"""

from __future__ import annotations

import asyncio
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Coroutine, Iterable, Sequence
from functools import cached_property
from typing import Any, Generic, Protocol, TypeAlias, TypeVar

from graphql import (
    FieldNode,
    GraphQLError,
    GraphQLObjectType,
    GraphQLResolveInfo,
    SelectionSetNode,
)
from graphql.execution.values import get_argument_values
from strawberry.types.base import StrawberryObjectDefinition, get_object_definition
from strawberry.utils.str_converters import to_camel_case

from ..context import RequestContext
from ..datastore.documents import Document
from ..errors import DomainError
from ..loaders import Loader
from .connection import Connection
from .selection import Selections

__all__ = [
    "RELATION_FIELDS",
    "Args",
    "FromDoc",
    "RelationField",
    "Resolved",
    "Target",
    "object_definition",
    "prefetch_connection",
    "prefetch_objects",
]

R = TypeVar("R")
Resolved: TypeAlias = R | Awaitable[R]
Args = dict[str, Any]
Target = tuple[Loader, Any]


class FromDoc(Protocol):
    """A GraphQL object type built from one document."""

    @classmethod
    def from_doc(cls, doc: Any) -> Any: ...


class Info(Protocol):
    """What is read of Strawberry's `Info`; `_raw_info` is graphql-core's, for the
    operation's AST and variables (Strawberry's `selected_fields` leaves literals uncoerced)."""

    @property
    def context(self) -> RequestContext: ...

    @property
    def _raw_info(self) -> GraphQLResolveInfo[Any]: ...


def object_definition(cls: type[Any]) -> StrawberryObjectDefinition:
    return get_object_definition(cls, strict=True)


_REGISTRY: dict[tuple[str, str], RelationField[Any]] = {}
_OWNERS: set[str] = set()
"""GraphQL types with at least one declared relation field."""
RELATION_FIELDS = _REGISTRY
"""(GraphQL type name, field name) → its declaration, for every relation field."""


class RelationField(ABC, Generic[R]):
    """`owner.name`, a field whose value comes from one loader key per parent document."""

    child: type[FromDoc] | None = None
    """The type of the documents it leads to (None: a scalar, e.g. a count)."""
    connection = False
    """Whether the children's selection sits under `edges { node }`."""

    def __init__(self, owner: type[FromDoc], name: str) -> None:
        self.owner = owner
        self.name = name
        _REGISTRY[(object_definition(owner).name, name)] = self
        _OWNERS.add(object_definition(owner).name)

    @abstractmethod
    def target(self, ctx: RequestContext, doc: Any, args: Args) -> Target | None:
        """The loader and key this parent needs; None when there is nothing to load."""

    @abstractmethod
    def build(self, ctx: RequestContext, doc: Any, args: Args, loaded: Any) -> R:
        """The field's value from the loaded result (None when `target` was None)."""

    def children(self, loaded: Any) -> Sequence[Document]:
        return ()

    def resolve(self, info: Info, doc: Any, **args: Any) -> Resolved[R]:
        """The field's value for the parent `doc`, from its Strawberry resolver."""
        return self.resolve_raw(info._raw_info, doc, args)

    def graphql_resolver(self) -> Callable[..., Any]:
        """A graphql-core resolver doing what the Strawberry resolver does, without
        Strawberry's per-field wrapper (`build_schema` installs it)."""

        def resolve(source: Any, info: GraphQLResolveInfo[Any], **given: Any) -> Any:
            return self.resolve_raw(info, source.doc, self.arguments(given))

        return resolve

    def resolve_raw(self, info: GraphQLResolveInfo[Any], doc: Any, args: Args) -> Resolved[R]:
        ctx: RequestContext = info.context
        target = self.target(ctx, doc, args)
        if target is None:
            return self.build(ctx, doc, args, None)
        loader, key = target
        settled = loader.settled(key)
        if settled is not None:
            return self.build(ctx, doc, args, settled.result())
        return self._load(info, doc, args, target)

    async def _load(self, info: GraphQLResolveInfo[Any], doc: Any, args: Args, target: Target) -> R:
        loader, key = target
        loaded = await loader.load(key)
        if self.child is not None:
            prefetch = _Prefetch(info)
            sets = prefetch.selections.below(info.field_nodes, self.connection)
            await prefetch.below(self.child, self.children(loaded), sets)
        return self.build(info.context, doc, args, loaded)

    def arguments(self, given: dict[str, Any]) -> Args:
        """The resolver's keyword arguments from a selected field's (GraphQL) arguments."""
        names = self._python_names
        return {names[name]: value for name, value in given.items()}

    @cached_property
    def _python_names(self) -> dict[str, str]:
        definition = object_definition(self.owner)
        field = next(
            f
            for f in definition.fields
            if (f.graphql_name or to_camel_case(f.python_name)) == self.name
        )
        return {
            a.graphql_name or to_camel_case(a.python_name): a.python_name for a in field.arguments
        }


async def prefetch_connection(info: Info, connection: Connection[Any]) -> Connection[Any]:
    """For a root field that paged its nodes itself: loads what the query selects below."""
    await _prefetch_objects(info, [edge.node for edge in connection.edges], connection=True)
    return connection


async def prefetch_objects(info: Info, objects: Sequence[Any]) -> None:
    """For a root field that loaded its objects itself (one, a list, or mixed types)."""
    await _prefetch_objects(info, objects, connection=False)


async def _prefetch_objects(info: Info, objects: Sequence[Any], *, connection: bool) -> None:
    by_type: dict[type[FromDoc], list[Document]] = {}
    for obj in objects:
        if obj is not None and hasattr(obj, "doc") and object_definition(type(obj)).name in _OWNERS:
            by_type.setdefault(type(obj), []).append(obj.doc)
    if not by_type:  # nothing below these objects is a declared relation (`viewer`)
        return
    prefetch = _Prefetch(info._raw_info)
    sets = prefetch.selections.below(info._raw_info.field_nodes, connection)
    await _all(prefetch.below(t, docs, sets) for t, docs in by_type.items())


async def _all(jobs: Iterable[Coroutine[Any, Any, None]]) -> None:
    """Runs the jobs concurrently; one is awaited in place (no task for a lone job)."""
    pending = list(jobs)
    if len(pending) == 1:
        await pending[0]
    elif pending:
        await asyncio.gather(*pending)


class _Prefetch:
    """Loads, for one request, what an operation selects below some documents."""

    def __init__(self, info: GraphQLResolveInfo[Any]) -> None:
        self.ctx: RequestContext = info.context
        self.selections = Selections.of(info)

    async def below(
        self, cls: type[FromDoc], docs: Sequence[Document], sets: list[SelectionSetNode]
    ) -> None:
        """Loads every registered relation field selected on `docs`, level by level."""
        if not docs or not sets:
            return
        graphql_type = self.selections.schema.get_type(object_definition(cls).name)
        assert isinstance(graphql_type, GraphQLObjectType)
        jobs = []
        for node in self.selections.fields(sets, graphql_type):
            spec = _REGISTRY.get((graphql_type.name, node.name.value))
            if spec is None:
                continue
            try:
                given = get_argument_values(
                    graphql_type.fields[node.name.value], node, self.selections.variables
                )
                args = spec.arguments(given)
                targets = [t for t in (spec.target(self.ctx, d, args) for d in docs) if t]
            except (DomainError, GraphQLError):
                continue
            jobs.append(self._field(spec, targets, node))
        await _all(jobs)

    async def _field(
        self, spec: RelationField[Any], targets: list[Target], node: FieldNode
    ) -> None:
        results = await asyncio.gather(
            *(loader.load(key) for loader, key in targets), return_exceptions=True
        )
        if spec.child is None:
            return
        unique = {
            id(doc): doc
            for result in results
            if not isinstance(result, BaseException)
            for doc in spec.children(result)
        }
        sets = self.selections.below([node], spec.connection)
        await self.below(spec.child, list(unique.values()), sets)
