"""graphql-core's executor, except that plain leaf fields are answered in place.

A plain leaf is a scalar or enum field read straight from an attribute of its object (no
resolver, argument, permission or extension: `_attribute` in api/schema.py). Most fields of a
big response are these, and graphql-core spends about 3 µs on each (a resolve info, a path,
the awaitable checks, completion) to do what one `getattr` and one `coerce_output_value` do.

Only the value that the standard path would produce without error is taken here. Anything
else — a null for a non-null field, a value the scalar refuses, a missing attribute, an
awaitable — goes to graphql-core's `execute_field`, which reports it at its own path as
before. Field middleware (none in this schema) turns the shortcut off.

A subscription event that comes as a `SharedEvent` is executed once per distinct selection
(operation, variables, audience) for all the subscribers it reaches, not once per subscriber.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from dataclasses import dataclass
from inspect import isawaitable
from math import isfinite
from typing import Any, NamedTuple

import orjson
from graphql import (
    GRAPHQL_MAX_INT,
    GRAPHQL_MIN_INT,
    GraphQLBoolean,
    GraphQLFloat,
    GraphQLID,
    GraphQLInt,
    GraphQLLeafType,
    GraphQLObjectType,
    GraphQLString,
    Undefined,
    get_nullable_type,
    is_leaf_type,
)
from graphql.execution import ExecutionResult
from graphql.pyutils import AwaitableOrValue, Path
from typing_extensions import override

from ..framework import GroupedFieldSet, StrawberryGraphQLCoreExecutionContext

__all__ = ["GatewayExecutor", "PlainLeaf", "SharedEvent", "mark_plain_leaves"]

_LEAVES = "mongraph.plain_leaves"
"""Key of a type's `extensions` holding its plain leaves: field name → `PlainLeaf`."""
_MISS = object()


_NATIVE: dict[GraphQLLeafType, type] = {
    GraphQLString: str,
    GraphQLID: str,
    GraphQLBoolean: bool,
    GraphQLInt: int,
    GraphQLFloat: float,
}
"""The Python type whose values a built-in scalar returns unchanged (ints within 32 bits,
finite floats): graphql-core's `serialize_*` functions, read."""


class PlainLeaf(NamedTuple):
    attribute: str
    scalar: GraphQLLeafType
    non_null: bool
    native: type | None


def mark_plain_leaves(graphql_type: GraphQLObjectType, attributes: dict[str, str]) -> None:
    """Records which of the type's fields (by GraphQL name, → Python attribute) are read
    straight from an attribute; those of a scalar or enum type become plain leaves."""
    leaves: dict[str, PlainLeaf] = {}
    for name, attribute in attributes.items():
        field = graphql_type.fields[name]
        nullable = get_nullable_type(field.type)
        if not field.args and is_leaf_type(nullable):
            non_null = nullable is not field.type
            leaves[name] = PlainLeaf(attribute, nullable, non_null, _NATIVE.get(nullable))
    if leaves:
        graphql_type.extensions = {**(graphql_type.extensions or {}), _LEAVES: leaves}


@dataclass(frozen=True)
class SharedEvent:
    """A subscription event whose result is shared by every subscriber that selects the same
    fields with the same variables and `audience`: the part of the viewer that the payload's
    fields depend on (who may see what under it), nothing else."""

    payload: Any
    results: dict[Any, Any]
    """One per event, shared by all its subscribers: selection → (operation, result task)."""
    audience: Any


class GatewayExecutor(StrawberryGraphQLCoreExecutionContext):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        manager = self.middleware_manager
        self._shortcut = manager is None or not manager.middlewares
        self._shared: SharedEvent | None = None

    @override
    def build_per_event_executor(self, payload: Any) -> GatewayExecutor:
        if not isinstance(payload, SharedEvent):
            executor: GatewayExecutor = super().build_per_event_executor(payload)  # type: ignore[assignment]
            return executor
        executor = super().build_per_event_executor(payload.payload)  # type: ignore[assignment]
        executor._shared = payload
        return executor

    @override
    def execute_operation(self, serially: bool | None = None) -> Any:
        shared = self._shared
        key = None if shared is None else self._selection_key(shared.audience)
        if shared is None or key is None:
            return super().execute_operation(serially)
        known = shared.results.get(key)
        if known is None:
            task = asyncio.ensure_future(_settled(super().execute_operation(serially)))
            # The entry holds its operation node, so the node's id in the key is not reused.
            known = shared.results[key] = (self.operation, task)
        return _shared_result(known[1])

    def _selection_key(self, audience: Any) -> tuple[Any, ...] | None:
        try:
            variables = orjson.dumps(self.variable_values.coerced, option=orjson.OPT_SORT_KEYS)
        except TypeError:  # not JSON-shaped: executed alone
            return None
        return (id(self.operation), variables, audience)

    @override
    def execute_fields(
        self,
        parent_type: GraphQLObjectType,
        source_value: Any,
        path: Path | None,
        grouped_field_set: GroupedFieldSet,
        position_context: Any,
    ) -> AwaitableOrValue[dict[str, Any]]:
        leaves: dict[str, PlainLeaf] | None = (parent_type.extensions or {}).get(_LEAVES)
        if leaves is None or not self._shortcut:
            return super().execute_fields(
                parent_type, source_value, path, grouped_field_set, position_context
            )
        # `results` keeps the selection's order: the other fields hold their place until
        # graphql-core's own pass fills them in.
        results: dict[str, Any] = {}
        others: GroupedFieldSet = {}
        for response_name, details in grouped_field_set.items():
            leaf = leaves.get(details[0].node.name.value)
            value = _MISS if leaf is None else self._leaf_value(leaf, source_value)
            results[response_name] = value
            if value is _MISS:
                others[response_name] = details
        if not others:
            return results
        executed = super().execute_fields(parent_type, source_value, path, others, position_context)
        if self.is_awaitable(executed):
            return _merged_later(results, others, executed)
        return _merged(results, others, executed)  # type: ignore[arg-type]

    def _leaf_value(self, leaf: PlainLeaf, source: Any) -> Any:
        """The field's completed value, or `_MISS` when the standard path must decide."""
        try:
            value: Any = getattr(source, leaf.attribute)
            native = leaf.native
            if type(value) is native:
                return value if native is str or native is bool else _bounded(native, value)
            if value is None:
                return _MISS if leaf.non_null else None
            if self.is_awaitable(value):
                return _MISS
            coerced = leaf.scalar.coerce_output_value(value)
        except Exception:  # the standard path raises it again, located at the field
            return _MISS
        return _MISS if coerced is None or coerced is Undefined else coerced


async def _settled(result: AwaitableOrValue[Any]) -> ExecutionResult:
    """A subscription event's result (never incremental: subscriptions have no @defer)."""
    settled: ExecutionResult = await result if isawaitable(result) else result
    return settled


async def _shared_result(task: asyncio.Future[ExecutionResult]) -> ExecutionResult:
    # Shielded: one subscriber leaving must not cancel the result the others wait for.
    return await asyncio.shield(task)


def _bounded(native: type, value: Any) -> Any:
    """An int or float as Int or Float returns it (`_MISS`: out of range, not finite)."""
    if native is int:
        return value if GRAPHQL_MIN_INT <= value <= GRAPHQL_MAX_INT else _MISS
    return value if isfinite(value) else _MISS


def _merged(
    results: dict[str, Any], others: GroupedFieldSet, executed: dict[str, Any]
) -> dict[str, Any]:
    for name in others:
        if name in executed:
            results[name] = executed[name]
        else:  # graphql-core leaves out a field it does not know (Undefined)
            del results[name]
    return results


async def _merged_later(
    results: dict[str, Any], others: GroupedFieldSet, executed: Awaitable[dict[str, Any]]
) -> dict[str, Any]:
    return _merged(results, others, await executed)
