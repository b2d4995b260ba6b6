"""Relation fields, declared once: resolved synchronously when their data is already loaded.

A relation field (`Scene.clips`, `Clip.character`, …) is one declaration in its type's body
(its kinds are in `relation_kinds.py`)::

    clips: Connection[Clip] = ChildPage("scene.clips").field(
        "Ordered by `order` ascending.", first=PAGE_FIRST, after=AFTER
    )

The declaration says which loader key one parent needs and how the field's value is built
from what was loaded; the field's GraphQL type is the annotation, its arguments the keyword
`Arg`s. The same declaration serves two paths:

- **the field's resolver**: when the request's loader already holds the key's result, the
  value is built synchronously — no coroutine or task per field, which is most of
  graphql-core's cost on a wide tree; otherwise it loads (batched with its siblings),
  prefetches below, and builds;
- **prefetching**: once a level of documents is loaded, every relation field the query
  selects on them is loaded for all of them at once (one command per field and level),
  recursively, so the levels below resolve synchronously.

A key the prefetch cannot compute (a bad cursor, `first: 101`) is skipped: the field's own
resolver raises the error at its own path.
"""

from __future__ import annotations

import asyncio
import inspect
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Coroutine, Iterable, Sequence
from typing import Any, Generic, NamedTuple, TypeAlias, TypeVar

import strawberry
from graphql import (
    FieldNode,
    GraphQLError,
    GraphQLField,
    GraphQLObjectType,
    GraphQLResolveInfo,
    GraphQLSchema,
    SelectionSetNode,
)
from graphql.execution import get_argument_values
from strawberry.types import get_object_definition

from ..context import RequestContext
from ..datastore.documents import Document
from ..errors import DomainError
from ..framework import StrawberryField, field_definition, raw_info, to_camel_case
from ..loaders import Loader
from .connection import Connection
from .projection import Reads
from .selection import Selections

__all__ = [
    "Arg",
    "Args",
    "FromDoc",
    "Pending",
    "RelationField",
    "Resolved",
    "Target",
    "declared_relation",
    "prefetch_connection",
    "prefetch_objects",
    "relations_of",
    "selection_key",
]

R = TypeVar("R")
Resolved: TypeAlias = R | Awaitable[R]
Args = dict[str, Any]
Target = tuple[Loader, Any]


def selection_key(nodes: Sequence[FieldNode]) -> object:
    """A field's selection in one request, by the identity of all its merged nodes: the
    projection reads the selection of each, so a field merged with others under one parent
    is not the same selection as that field alone under another."""
    return id(nodes[0]) if len(nodes) == 1 else tuple([id(node) for node in nodes])


class Pending(NamedTuple):
    """A relation's value still to load: the loader and key it waits for."""

    target: Target


class FromDoc:
    """A GraphQL object type built from one document (`from_doc`)."""

    @classmethod
    def from_doc(cls, doc: Any) -> Any:
        raise NotImplementedError


class Arg(NamedTuple):
    """An argument of a declared field: its annotation (usually `Annotated[…,
    strawberry.argument(description=…)]`) and its default."""

    annotation: Any
    default: Any = None


class _DeclaredField(StrawberryField):
    """A StrawberryField whose resolver is a relation declaration."""

    relation: RelationField[Any]


class RelationField(ABC, Generic[R]):
    """A field whose value comes from one loader key per parent document."""

    child: type[FromDoc] | None = None
    """The type of the documents it leads to (None: a scalar, e.g. a count); the field's
    GraphQL type says which, and `bind` records it when the schema is built."""
    leads_to_objects = True
    """Whether the field's value holds objects (a count does not)."""
    connection = False
    """Whether the children's selection sits under `edges { node }`."""
    null_page: int | None = None
    """A connection's page when `first` and `last` are null or absent (None: not a page)."""
    cap: int | None = None
    """A plain list's longest length (None: not a list)."""
    reads: Reads = None
    """The fields of the parent's document the field's value depends on (its model's
    names; None: unknown), for the parent's projection (execution/projection.py)."""

    def __init__(self) -> None:
        self._python_names: dict[str, str] = {}
        self._convert: Callable[[dict[str, Any]], Args] | None = None

    def field(self, description: str, **arguments: Arg) -> Any:
        """The Strawberry field of this declaration: its resolver is the declaration, its
        arguments the keyword `Arg`s (named as in Python; exposed in camelCase)."""
        self._python_names = {to_camel_case(name): name for name in arguments}
        declared = _DeclaredField(description=description)(self._strawberry_resolver(arguments))
        declared.relation = self
        return declared

    def _strawberry_resolver(self, arguments: dict[str, Arg]) -> Callable[..., Any]:
        def resolve(root: Any, info: strawberry.Info, **args: Any) -> Any:
            raw = raw_info(info)
            return self.resolve_raw(raw, root.doc, self._selection_args(raw, args, given=False))

        keyword = inspect.Parameter.KEYWORD_ONLY
        resolve.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
            [
                inspect.Parameter("root", inspect.Parameter.POSITIONAL_OR_KEYWORD),
                inspect.Parameter("info", keyword, annotation=strawberry.Info),
                *(
                    inspect.Parameter(name, keyword, annotation=a.annotation, default=a.default)
                    for name, a in arguments.items()
                ),
            ]
        )
        return resolve

    def bind(
        self, child: type[FromDoc] | None, convert: Callable[[dict[str, Any]], Args] | None
    ) -> None:
        """At schema build: the Python type of the objects the field leads to, and how its
        arguments become Python values (None: every one is a plain scalar, only renamed)."""
        if self.leads_to_objects:
            self.child = child
        self._convert = convert

    @abstractmethod
    def target(self, ctx: RequestContext, doc: Any, args: Args) -> Target | None:
        """The loader and key this parent needs; None when there is nothing to load."""

    @abstractmethod
    def build(self, ctx: RequestContext, doc: Any, args: Args, loaded: Any) -> R:
        """The field's value from the loaded result (None when `target` was None)."""

    def children(self, loaded: Any) -> Sequence[Document]:
        return ()

    def targets(self, ctx: RequestContext, docs: Sequence[Any], args: Args) -> list[Target]:
        """`target` of each parent that has one (the prefetch's batch)."""
        return [t for t in (self.target(ctx, d, args) for d in docs) if t]

    def graphql_resolver(self) -> Callable[..., Any]:
        """A graphql-core resolver doing what the Strawberry resolver does, without
        Strawberry's per-field wrapper: a tree calls it once per object."""

        def resolve(source: Any, info: GraphQLResolveInfo[Any], **given: Any) -> Any:
            return self.resolve_raw(info, source.doc, self._selection_args(info, given))

        return resolve

    def resolve_raw(self, info: GraphQLResolveInfo[Any], doc: Any, args: Args) -> Resolved[R]:
        value = self.resolve_loaded(info.context, doc, args)
        if type(value) is Pending:
            return self._load(info, doc, args, value.target)
        return value  # type: ignore[return-value]

    def resolve_loaded(self, ctx: RequestContext, doc: Any, args: Args) -> R | Pending:
        """The field's value when nothing is left to load; otherwise `Pending`."""
        target = self.target(ctx, doc, args)
        if target is None:
            return self.build(ctx, doc, args, None)
        loader, key = target
        settled = loader.settled(key)
        if settled is not None:
            return self.build(ctx, doc, args, settled.result())
        return Pending(target)

    async def _load(self, info: GraphQLResolveInfo[Any], doc: Any, args: Args, target: Target) -> R:
        loader, key = target
        loaded = await loader.load(key)
        if self.child is not None:
            prefetch = _Prefetch(info)
            sets = prefetch.selections.below(info.field_nodes, self.connection)
            await prefetch.below(self.child, self.children(loaded), sets)
        return self.build(info.context, doc, args, loaded)

    def arguments(self, given: dict[str, Any]) -> Args:
        """The declaration's keyword arguments from a selected field's (GraphQL) ones."""
        if self._convert is not None:
            return self._convert(given)
        names = self._python_names
        return {names[name]: value for name, value in given.items()}

    def _selection_args(
        self, info: GraphQLResolveInfo[Any], values: dict[str, Any], *, given: bool = True
    ) -> Args:
        """The arguments of this selection (`values`: as given in GraphQL, or already
        converted), projected; made once per request and selection, not once per parent,
        as the compiled path makes them (`CompiledExecutor._relation_arguments`)."""
        nodes = info.field_nodes
        key = (self, selection_key(nodes))
        memo = info.context.loaders.arguments
        known = memo.get(key)
        if known is not None and known[1] == values:
            return known[2]  # type: ignore[no-any-return]
        args = self.projected(
            self.arguments(values) if given else values, Selections.of(info), nodes
        )
        memo[key] = (nodes, values, args)  # the nodes held: their ids are not reused
        return args

    def projected(self, args: Args, selections: Selections, nodes: Sequence[FieldNode]) -> Args:
        """`args`, with the stored fields the selection `nodes` reads of the documents it
        loads when the declaration reads only those (`PROJECTION`); every path that
        computes the field's key (prefetch, compiled path, resolver) calls this alike."""
        return args


def declared_relation(field: GraphQLField) -> RelationField[Any] | None:
    """The relation declaration of a graphql-core field, if it is one."""
    definition = field_definition(field)
    return definition.relation if isinstance(definition, _DeclaredField) else None


RELATIONS_KEY = "mongraph.relations"
"""Key of a type's `extensions` holding its relation fields: field name → declaration."""


def relations_of(graphql_type: GraphQLObjectType) -> dict[str, RelationField[Any]] | None:
    found: dict[str, RelationField[Any]] | None = (graphql_type.extensions or {}).get(RELATIONS_KEY)
    return found


async def prefetch_connection(
    info: strawberry.Info, connection: Connection[Any]
) -> Connection[Any]:
    """For a root field that paged its nodes itself: loads what the query selects below."""
    await _prefetch_objects(info, [edge.node for edge in connection.edges], connection=True)
    return connection


async def prefetch_objects(info: strawberry.Info, objects: Sequence[Any]) -> None:
    """For a root field that loaded its objects itself (one, a list, or mixed types)."""
    await _prefetch_objects(info, objects, connection=False)


async def _prefetch_objects(
    info: strawberry.Info, objects: Sequence[Any], *, connection: bool
) -> None:
    resolve_info = raw_info(info)
    schema = resolve_info.schema
    by_type: dict[type[FromDoc], list[Document]] = {}
    for obj in objects:
        if obj is not None and hasattr(obj, "doc") and _graphql_type(schema, type(obj)):
            by_type.setdefault(type(obj), []).append(obj.doc)
    if not by_type:  # nothing below these objects is a declared relation (`viewer`)
        return
    prefetch = _Prefetch(resolve_info)
    sets = prefetch.selections.below(resolve_info.field_nodes, connection)
    await _all(prefetch.below(t, docs, sets) for t, docs in by_type.items())


def _graphql_type(schema: GraphQLSchema, cls: type) -> GraphQLObjectType | None:
    """The object type built from `cls`, when it has declared relation fields."""
    graphql_type = schema.get_type(get_object_definition(cls, strict=True).name)
    if isinstance(graphql_type, GraphQLObjectType) and relations_of(graphql_type):
        return graphql_type
    return None


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
        graphql_type = _graphql_type(self.selections.schema, cls)
        if graphql_type is None:
            return
        relations = relations_of(graphql_type) or {}
        # the nodes of one response key are one field, as graphql-core merges them
        merged: dict[str, list[FieldNode]] = {}
        for node in self.selections.fields(sets, graphql_type):
            if node.name.value in relations:
                key = node.alias.value if node.alias else node.name.value
                merged.setdefault(key, []).append(node)
        jobs = []
        for nodes in merged.values():
            node = nodes[0]
            spec = relations[node.name.value]
            try:
                given = get_argument_values(
                    graphql_type.fields[node.name.value], node, self.selections.variables
                )
                args = spec.projected(spec.arguments(given), self.selections, nodes)
                targets = spec.targets(self.ctx, docs, args)
            except (DomainError, GraphQLError):
                continue
            jobs.append(self._field(spec, targets, nodes))
        await _all(jobs)

    async def _field(
        self, spec: RelationField[Any], targets: list[Target], nodes: list[FieldNode]
    ) -> None:
        # many parents may share a target (4,000 clips, 580 characters): one load each
        unique_targets = dict.fromkeys(targets)
        results = await _loaded([loader.load(key) for loader, key in unique_targets])
        if spec.child is None:
            return
        unique = {id(doc): doc for result in results for doc in spec.children(result)}
        sets = self.selections.below(nodes, spec.connection)
        await self.below(spec.child, list(unique.values()), sets)


async def _loaded(futures: list[asyncio.Future[Any]]) -> list[Any]:
    """The results of the loads that succeeded (a failed one is left to its field's resolver,
    which reports it at its own path).

    Awaited with `asyncio.wait`, not `gather`: the future that wakes the request's task stays
    referenced by the event loop's running handle until the task next yields, and when that
    is the last load, the task goes on to execute and encode the whole response in that
    step. A gather's future would hold every page of the level (10,000 clips) through the
    encoding, after the loaders have let them go; `wait`'s holds None."""
    if futures:
        await asyncio.wait(futures)
    return [f.result() for f in futures if not f.cancelled() and f.exception() is None]
