"""Completing a compiled field's value: a `FieldPlan` (one field of one object type) and
the completer of its type, which does what graphql-core's `complete_value` does for that
type (non-null, list, leaf, object) with graphql-core's own checks and messages, and hands
anything else to graphql-core at that value's path (see compiled.py).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from functools import partial
from math import isfinite
from types import GeneratorType, NoneType
from typing import Any, Protocol, TypeVar

from graphql import (
    GRAPHQL_MAX_INT,
    GRAPHQL_MIN_INT,
    GraphQLBoolean,
    GraphQLField,
    GraphQLFloat,
    GraphQLID,
    GraphQLInt,
    GraphQLLeafType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLString,
    Undefined,
    is_leaf_type,
)
from graphql.pyutils import Path, gather_with_cancel

from ..framework import FieldDetailsList, GroupedFieldSet
from .relation_fields import RelationField

__all__ = [
    "ATTRIBUTE",
    "LEAF",
    "NATIVE",
    "PLAIN",
    "PLANS",
    "RELATION",
    "SETTLED",
    "Completing",
    "FieldPlan",
    "Runner",
    "completed_later",
    "gathered",
    "new_path",
    "plain",
]

new_path: Callable[[tuple[Path | None, str | int, str | None]], Path] = partial(tuple.__new__, Path)
"""`Path(prev, key, typename)` without the named tuple's generated `__new__` (a Python
call per field and list item)."""

LEAF, ATTRIBUTE, RELATION = 1, 2, 3

PLANS = "mongraph.field_plans"
"""Key of a type's `extensions` holding its compiled fields: field name → `FieldPlan`."""

NATIVE: dict[GraphQLLeafType, type] = {
    GraphQLString: str,
    GraphQLID: str,
    GraphQLBoolean: bool,
    GraphQLInt: int,
    GraphQLFloat: float,
}
"""The Python type whose values a built-in scalar returns unchanged (ints within 32 bits,
finite floats): graphql-core's `serialize_*` functions, read."""

SETTLED: frozenset[type] = frozenset({dict, list, str, int, float, bool, type(None)})
"""Types of completed values that are never awaitable (no check needed)."""
PLAIN: set[type] = set(SETTLED)
"""Classes seen not to be awaitable: whether an object is awaitable depends on its class
alone, generators aside (see `_plain`)."""


def plain(cls: type) -> bool:
    """Remembers that objects of `cls` are not awaitable (true of every object of a class
    except a generator, which is when its code was marked as a coroutine)."""
    if not issubclass(cls, GeneratorType):
        PLAIN.add(cls)
    return True


class Completing(Protocol):
    """What a completer asks of the executor: graphql-core's own steps, and its fallback."""

    @property
    def is_awaitable(self) -> Callable[[Any], bool]: ...

    def execute_fields(self, *args: Any, **kwargs: Any) -> Any: ...
    def execute_collected_subfields(self, *args: Any, **kwargs: Any) -> Any: ...
    def collect_subfields(self, *args: Any, **kwargs: Any) -> Any: ...
    def complete_leaf_value(self, *args: Any, **kwargs: Any) -> Any: ...
    def complete_awaitable_list_item_value(self, *args: Any, **kwargs: Any) -> Any: ...
    def handle_field_error(self, *args: Any, **kwargs: Any) -> Any: ...
    def settle_in_background(self, *args: Any, **kwargs: Any) -> Any: ...
    def runner(self, parent_type: GraphQLObjectType, fields: GroupedFieldSet) -> Runner: ...
    def field_info(self, plan: FieldPlan, details: FieldDetailsList, path: Path) -> Any: ...
    def complete_by_graphql_core(
        self, plan: FieldPlan, details: FieldDetailsList, field_path: Path, path: Path,
        return_type: GraphQLOutputType, value: Any,
    ) -> Any: ...  # fmt: skip


Runner = Callable[[Any, Any, Path | None, GroupedFieldSet, Any], Any]
"""The fields of one selection on one object type, generated (generated.py): (executor,
source object, its path, the selection's fields, position context) → the object's
completed fields, or an awaitable of them (graphql-core's `execute_fields`)."""

Completer = Callable[[Completing, "FieldPlan", FieldDetailsList, Path, Path, Any], Any]
"""(executor, plan, field details, the field's path, the value's path, value) → the completed
value, or an awaitable of it; raises the field error graphql-core would."""


@dataclass(eq=False)
class FieldPlan:
    """One field of one object type, compiled."""

    kind: int
    parent_type: GraphQLObjectType
    name: str
    field_def: GraphQLField
    attribute: str = ""
    relation: RelationField[Any] | None = None
    native: type | None = None
    """A plain leaf's native Python type (None: its scalar converts every value)."""
    non_null: bool = False
    complete: Completer = field(init=False)

    def __post_init__(self) -> None:
        self.complete = _completer(self.field_def.type, self)


def _in_range(native: type | None, value: Any) -> bool:
    if native is int:
        return bool(GRAPHQL_MIN_INT <= value <= GRAPHQL_MAX_INT)
    return native is float and isfinite(value)


async def completed_later(
    executor: Completing,
    completed: Awaitable[Any],
    return_type: GraphQLOutputType,
    details: FieldDetailsList,
    path: Path,
) -> Any:
    try:
        return await completed
    except Exception as raw_error:
        executor.handle_field_error(raw_error, return_type, details, path)
        return None


def _completer(return_type: GraphQLOutputType, plan: FieldPlan) -> Completer:
    """The completer of values of `return_type` for the field `plan` (see `Completer`)."""
    if isinstance(return_type, GraphQLNonNull):
        inner = return_type.of_type
        if isinstance(inner, GraphQLObjectType) and _checks_without_info(inner):
            return _object(inner, _null_message(plan))  # one call per object, not two
        return _non_null(_completer(inner, plan), plan)
    if isinstance(return_type, GraphQLList):
        return _list(return_type, _completer(return_type.of_type, plan))
    if is_leaf_type(return_type):
        return _leaf(return_type)
    if isinstance(return_type, GraphQLObjectType) and _checks_without_info(return_type):
        return _object(return_type)
    return _by_graphql_core(return_type)


def _null_message(plan: FieldPlan) -> str:
    return f"Cannot return null for non-nullable field {plan.parent_type.name}.{plan.name}."


def _non_null(inner: Completer, plan: FieldPlan) -> Completer:
    message = _null_message(plan)

    def complete(
        ex: Completing, p: FieldPlan, d: FieldDetailsList, fp: Path, path: Path, value: Any
    ) -> Any:
        completed = inner(ex, p, d, fp, path, value)
        if completed is None:
            raise TypeError(message)
        return completed

    return complete


def _leaf(return_type: GraphQLLeafType) -> Completer:
    native = NATIVE.get(return_type)
    exact = native is str or native is bool

    def complete(
        ex: Completing, p: FieldPlan, d: FieldDetailsList, fp: Path, path: Path, value: Any
    ) -> Any:
        if type(value) is native and (exact or _in_range(native, value)):
            return value
        if isinstance(value, Exception):
            raise value
        if value is None or value is Undefined:
            return None
        return ex.complete_leaf_value(return_type, value)

    return complete


def _object(return_type: GraphQLObjectType, null_message: str | None = None) -> Completer:
    """With `null_message`, of the non-null type: null raises graphql-core's error."""
    is_type_of = return_type.is_type_of

    def interpreted(
        ex: Any, value: Any, path: Path | None, fields: GroupedFieldSet, position: Any
    ) -> Any:
        """The runner of a type whose fields are not compiled."""
        return ex.execute_fields(return_type, value, path, fields, position)

    last: list[tuple[FieldDetailsList, GroupedFieldSet, Runner] | None] = [None]
    """The last selection completed here, its subfields and their runner: a list's items
    share them."""
    accepted: list[type] = [NoneType]
    """The class of the last value `is_type_of` accepted: Strawberry's answer depends on the
    class alone for objects that are not `strawberry.cast`, which mongraph never uses
    (tests/architecture)."""

    def complete(
        ex: Completing, p: FieldPlan, d: FieldDetailsList, fp: Path, path: Path, value: Any
    ) -> Any:
        if value is None or value is Undefined:
            if null_message is not None:
                raise TypeError(null_message)
            return None
        cls = value.__class__
        if cls is not accepted[0]:
            if isinstance(value, Exception):
                raise value
            if is_type_of is not None:
                if not is_type_of(value, None):  # type: ignore[arg-type]
                    return ex.complete_by_graphql_core(p, d, fp, path, return_type, value)
                accepted[0] = cls
        known = last[0]
        # `d` belongs to one request (graphql-core collects selections per execution).
        if known is not None and known[0] is d:
            return known[2](ex, value, path, known[1], None)
        grouped_field_set, defer_usages, _ = ex.collect_subfields(return_type, d)
        if defer_usages:
            return ex.execute_collected_subfields(
                return_type, value, path, grouped_field_set, defer_usages, None
            )
        compiled = PLANS in (return_type.extensions or {})
        run = ex.runner(return_type, grouped_field_set) if compiled else interpreted
        last[0] = (d, grouped_field_set, run)
        return run(ex, value, path, grouped_field_set, None)

    return complete


def _list(return_type: GraphQLList[Any], inner: Completer) -> Completer:
    item_type = return_type.of_type

    def complete(
        ex: Completing, p: FieldPlan, d: FieldDetailsList, fp: Path, path: Path, value: Any
    ) -> Any:
        if type(value) is not list:  # None, an exception, another iterable: graphql-core's
            return ex.complete_by_graphql_core(p, d, fp, path, return_type, value)
        is_awaitable = ex.is_awaitable
        completed: list[Any] = []
        awaitable_indices: list[int] = []
        try:
            for index, item in enumerate(value):
                item_path = new_path((path, index, None))
                try:
                    cls = item.__class__
                    if cls not in PLAIN and (is_awaitable(item) or not plain(cls)):
                        info = ex.field_info(p, d, fp)
                        done = ex.complete_awaitable_list_item_value(
                            item, item_type, d, info, item_path, None
                        )
                    else:
                        done = inner(ex, p, d, fp, item_path, item)
                        if done.__class__ not in SETTLED and is_awaitable(done):
                            done = completed_later(ex, done, item_type, d, item_path)
                except Exception as raw_error:
                    ex.handle_field_error(raw_error, item_type, d, item_path)
                    done = None
                completed.append(done)
                if done.__class__ not in SETTLED and is_awaitable(done):
                    awaitable_indices.append(index)
        except Exception:
            if awaitable_indices:
                ex.settle_in_background([completed[i] for i in awaitable_indices])
            raise
        if not awaitable_indices:
            return completed
        return gathered(completed, awaitable_indices)

    return complete


C = TypeVar("C", list[Any], dict[str, Any])


async def gathered(values: C, pending: list[Any]) -> C:
    """`values` with the awaitables at the `pending` indices or keys replaced by their
    results, awaited together (graphql-core's gather for a list or an object)."""
    if len(pending) == 1:
        key = pending[0]
        values[key] = await values[key]
        return values
    awaited = await gather_with_cancel(*(values[key] for key in pending))
    for key, value in zip(pending, awaited, strict=True):
        values[key] = value
    return values


def _by_graphql_core(return_type: GraphQLOutputType) -> Completer:
    def complete(
        ex: Completing, p: FieldPlan, d: FieldDetailsList, fp: Path, path: Path, value: Any
    ) -> Any:
        return ex.complete_by_graphql_core(p, d, fp, path, return_type, value)

    return complete


def _checks_without_info(graphql_type: GraphQLObjectType) -> bool:
    """Whether the type has no `is_type_of`, or Strawberry's, which never reads its info."""
    is_type_of = graphql_type.is_type_of
    return is_type_of is None or is_type_of.__module__.startswith("strawberry.")
