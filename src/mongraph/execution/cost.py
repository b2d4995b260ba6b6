"""Static analysis of an operation before it runs: depth, aliases, directives, visits, cost.

Cost is an upper bound of the response's units: 2 for each object, 1 for each scalar or
null. A field costs its unit (1 for a scalar, 2 for an object) times the number of values
it can have in the response: one per parent object, times its list's bound for a list. A
connection is one object per parent; its children count once per item of its page
(`first`/`last` as coerced for execution; null or absent: the page its resolver then
applies), so its own `edges` list does not multiply again. Plain lists count as their
bound: `nodes(ids:)` as its ids, the generated media of a clip as `MEDIA_PER_CLIP`, an
account's identities, wallets and keys as `ENTRIES_PER_ACCOUNT`, others
as `LIST_CAP`, and the introspection lists as the schema's real sizes (`SchemaCosts`).

The walk is linear in the document: a fragment is walked once (per schema population,
below) and its result scaled by the number of places it lands; the walk stops at the
first limit exceeded, and `Limits.max_visits` bounds the selections it looks at.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLField,
    GraphQLList,
    InlineFragmentNode,
    OperationDefinitionNode,
    SchemaMetaFieldDef,
    SelectionSetNode,
    TypeMetaFieldDef,
    TypeNameMetaFieldDef,
    get_named_type,
    get_nullable_type,
    is_leaf_type,
    is_nullable_type,
)
from graphql.execution import VariableValues, get_argument_values, get_variable_values

from ..config import Settings
from ..pages import LIST_CAP
from .cost_sizes import SchemaCosts, is_connection_type

__all__ = [
    "Limit",
    "Limits",
    "OperationShape",
    "measure",
]


class Limit(Enum):
    COST = "cost"
    DEPTH = "depth"
    INTROSPECTION_DEPTH = "introspection depth"
    ALIASES = "aliases"
    DIRECTIVES = "directives"
    VISITS = "visits"


@dataclass(frozen=True)
class Limits:
    max_cost: int
    max_depth: int
    max_introspection_depth: int
    max_aliases: int
    max_directives: int
    max_visits: int

    @classmethod
    def of(cls, settings: Settings) -> Limits:
        return cls(
            max_cost=settings.mongraph_max_cost,
            max_depth=settings.mongraph_max_depth,
            max_introspection_depth=settings.mongraph_max_introspection_depth,
            max_aliases=settings.mongraph_max_aliases,
            max_directives=settings.mongraph_max_directives,
            max_visits=settings.mongraph_max_visits,
        )


@dataclass
class OperationShape:
    """What the walk found; with `exceeded` set, the walk stopped there and each number is
    what it had counted by then (the exceeded one over its limit)."""

    depth: int = 0
    introspection_depth: int = 0
    aliases: int = 0
    directives: int = 0
    cost: int = 0
    visits: int = 0
    exceeded: Limit | None = None


def measure(
    costs: SchemaCosts,
    operation: OperationDefinitionNode,
    fragments: dict[str, FragmentDefinitionNode],
    variables: dict[str, Any],
    limits: Limits,
) -> OperationShape:
    """The operation's shape, with `variables` coerced as execution will coerce them."""
    coerced = get_variable_values(costs.schema, operation.variable_definitions or (), variables)
    # Coercion errors end the request before execution; the limits still apply.
    walker = _Walker(
        costs, fragments, coerced if isinstance(coerced, VariableValues) else None, limits
    )
    root = costs.root_types[operation.operation.value]
    tally = _Tally(directives=len(operation.directives or ()))
    try:
        walker.check(tally, stop_on_cost=True)
        if root is not None:
            walker.selection_set(operation.selection_set, root, 1, False, 1, tally, True)
    except _Exceeded as stop:
        return tally.shape(walker.visits, stop.limit, stop.value)
    return tally.shape(walker.visits, None, 0)


@dataclass
class _Tally:
    """Counts of one walk: the operation's, or a fragment's on its own (its fields at depth
    1, one parent object) to be added, scaled, where it is spread."""

    cost: int = 0
    depth: int = 0
    introspection_depth: int = 0
    aliases: int = 0
    directives: int = 0

    def add(self, other: _Tally, scale: int, depth: int) -> None:
        """Adds `other`, found at `scale` parent objects with its depth 1 at `depth`."""
        self.cost += other.cost * scale
        if other.depth:
            self.depth = max(self.depth, other.depth + depth - 1)
        if other.introspection_depth:
            self.introspection_depth = max(
                self.introspection_depth, other.introspection_depth + depth - 1
            )
        self.aliases += other.aliases
        self.directives += other.directives

    def shape(self, visits: int, exceeded: Limit | None, value: int) -> OperationShape:
        shape = OperationShape(
            self.depth, self.introspection_depth, self.aliases, self.directives, self.cost, visits
        )
        if exceeded is not None:
            shape.exceeded = exceeded
            attribute = exceeded.name.lower()
            setattr(shape, attribute, max(getattr(shape, attribute), value))
        return shape


class _Exceeded(Exception):
    def __init__(self, limit: Limit, value: int) -> None:
        self.limit, self.value = limit, value


@dataclass
class _Walker:
    costs: SchemaCosts
    fragments: dict[str, FragmentDefinitionNode]
    variables: VariableValues | None
    limits: Limits
    visits: int = 0
    memo: dict[tuple[str, int | None], _Tally] = field(default_factory=dict)
    active: set[str] = field(default_factory=set)

    def check(self, tally: _Tally, *, stop_on_cost: bool) -> None:
        """Stops the walk when `tally` is over a limit. A fragment's own tally is checked
        too: the operation's will hold at least as much (its cost only where every
        enclosing list is known to be non-empty, `stop_on_cost`)."""
        limits = self.limits
        if stop_on_cost and tally.cost > limits.max_cost:
            raise _Exceeded(Limit.COST, tally.cost)
        if tally.depth > limits.max_depth:
            raise _Exceeded(Limit.DEPTH, tally.depth)
        if tally.introspection_depth > limits.max_introspection_depth:
            raise _Exceeded(Limit.INTROSPECTION_DEPTH, tally.introspection_depth)
        if tally.aliases > limits.max_aliases:
            raise _Exceeded(Limit.ALIASES, tally.aliases)
        if tally.directives > limits.max_directives:
            raise _Exceeded(Limit.DIRECTIVES, tally.directives)

    def selection_set(
        self,
        selection_set: SelectionSetNode,
        parent: Any,
        multiplier: int,
        population: bool,
        depth: int,
        tally: _Tally,
        stop_on_cost: bool,
    ) -> None:
        """Adds the selections on `multiplier` objects of type `parent` (`population`: they
        are distinct members of the schema, see `ListBound`) whose fields are at `depth`."""
        if parent is None:  # an unknown type condition: validation reports it
            return
        for selection in selection_set.selections:
            self.visits += 1
            if self.visits > self.limits.max_visits:
                raise _Exceeded(Limit.VISITS, self.visits)
            if selection.directives:
                tally.directives += len(selection.directives)
                self.check(tally, stop_on_cost=stop_on_cost)
            if isinstance(selection, FieldNode):
                self.field(selection, parent, multiplier, population, depth, tally, stop_on_cost)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                target = self.costs.schema.get_type(condition.name.value) if condition else parent
                self.selection_set(
                    selection.selection_set, target, multiplier, population, depth, tally,
                    stop_on_cost,
                )  # fmt: skip
            elif isinstance(selection, FragmentSpreadNode):
                self.spread(
                    selection.name.value, multiplier, population, depth, tally, stop_on_cost
                )
                self.check(tally, stop_on_cost=stop_on_cost)

    def spread(
        self,
        name: str,
        multiplier: int,
        population: bool,
        depth: int,
        tally: _Tally,
        stop_on_cost: bool,
    ) -> None:
        fragment = self.fragments.get(name)
        if fragment is None or name in self.active:  # unknown or cyclic: validation reports it
            return
        # Within a population a fragment's counts depend on how many it lands on (they are
        # capped by the schema's totals); elsewhere they are linear in it: walk it for one.
        key = (name, multiplier if population else None)
        own = self.memo.get(key)
        if own is None:
            own = _Tally()
            target = self.costs.schema.get_type(fragment.type_condition.name.value)
            self.active.add(name)
            try:
                self.selection_set(
                    fragment.selection_set, target, multiplier if population else 1,
                    population, 1, own, stop_on_cost and multiplier > 0,
                )  # fmt: skip
            finally:
                self.active.discard(name)
            self.memo[key] = own
        tally.add(own, 1 if population else multiplier, depth)

    def field(
        self,
        node: FieldNode,
        parent: Any,
        multiplier: int,
        population: bool,
        depth: int,
        tally: _Tally,
        stop_on_cost: bool,
    ) -> None:
        if node.alias is not None:
            tally.aliases += 1
        name = node.name.value
        introspective = parent.name.startswith("__") or name in ("__schema", "__type")
        if introspective:
            tally.introspection_depth = max(tally.introspection_depth, depth)
        else:
            tally.depth = max(tally.depth, depth)
        definition = self._definition(parent, name)
        if definition is None:  # unknown: validation reports it
            tally.cost += multiplier
            self.check(tally, stop_on_cost=stop_on_cost)
            return
        named = get_named_type(definition.type)
        unit = 1 if is_leaf_type(named) else 2
        if name == "__schema":
            # Walked for one schema object, so that its lists are capped by its sizes.
            own = _Tally()
            tally.cost += unit * multiplier
            if node.selection_set is not None:
                self.selection_set(
                    node.selection_set, named, 1, True, 1, own, stop_on_cost and multiplier > 0
                )
            tally.add(own, multiplier, depth + 1)
            self.check(tally, stop_on_cost=stop_on_cost)
            return
        count, children, owned = self._count(
            node, definition, named, parent, multiplier, population
        )
        if owned and is_nullable_type(definition.type):
            # A population's total caps the items, not the parents: those without items
            # may each hold a null (`__Type.enumValues` is null on every type but enums).
            tally.cost += unit * count + multiplier
        else:
            tally.cost += unit * max(count, multiplier)  # a null list is one unit
        self.check(tally, stop_on_cost=stop_on_cost)
        if node.selection_set is not None:
            self.selection_set(
                node.selection_set, named, children, owned, depth + 1, tally,
                stop_on_cost and children > 0,
            )  # fmt: skip

    def _definition(self, parent: Any, name: str) -> GraphQLField | None:
        if name == "__typename":
            return TypeNameMetaFieldDef
        if parent is self.costs.root_types["query"]:
            if name == "__schema":
                return SchemaMetaFieldDef
            if name == "__type":
                return TypeMetaFieldDef
        fields = getattr(parent, "fields", None) or {}
        found: GraphQLField | None = fields.get(name)
        return found

    def _count(
        self,
        node: FieldNode,
        definition: GraphQLField,
        named: Any,
        parent: Any,
        multiplier: int,
        population: bool,
    ) -> tuple[int, int, bool]:
        """(values of the field on `multiplier` parents, objects its selections apply to,
        whether those are a population)."""
        key = (parent.name, node.name.value)
        if is_connection_type(parent):
            return multiplier, multiplier, False  # `edges`: the page is already counted
        if key in self.costs.null_pages:
            page = self._page(node, definition, self.costs.null_pages[key])
            # The connection's own fields (`pageInfo`, `totalCount`) are counted once per item
            # of its page: at least once, for an empty page still returns them.
            return multiplier, multiplier * max(page, 1), False
        if not isinstance(get_nullable_type(definition.type), GraphQLList):
            return multiplier, multiplier, False
        bound = self.costs.lists.get(key)
        if bound is None:
            if key == ("Query", "nodes"):
                ids = self._arguments(node, definition).get("ids")
                each = len(ids) if isinstance(ids, list) else LIST_CAP
            else:
                each = LIST_CAP
            return multiplier * each, multiplier * each, False
        count = multiplier * bound.each
        if population:
            count = min(count, bound.total)
        return count, count, population and bound.owned

    def _page(self, node: FieldNode, definition: GraphQLField, null_page: int) -> int:
        arguments = self._arguments(node, definition)
        given = [arguments.get(name) for name in ("first", "last")]
        sizes = [v for v in given if isinstance(v, int)]
        # Out of 0..MAX_PAGE_SIZE the resolver refuses it: the field is one null.
        return max(max(sizes), 0) if sizes else null_page

    def _arguments(self, node: FieldNode, definition: GraphQLField) -> dict[str, Any]:
        try:
            return get_argument_values(definition, node, self.variables)
        except GraphQLError:  # execution reports it: the field is one null
            return {}
