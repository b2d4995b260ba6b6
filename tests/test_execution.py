"""The executor answers plain leaf fields in place, with the same results and errors as
graphql-core's own path (execution/executor.py)."""

from __future__ import annotations

from enum import Enum
from typing import Any

import pytest
import strawberry
from graphql import FieldNode, GraphQLField, GraphQLObjectType, GraphQLResolveInfo
from graphql.pyutils import Path

from mongraph.api.schema import resolve_without_wrappers
from mongraph.execution.executor import GatewayExecutor


@strawberry.enum
class Kind(Enum):
    SHORT = "SHORT"
    LONG = "LONG"


@strawberry.type
class Item:
    id: strawberry.ID
    name: str
    count: int
    note: str | None
    kind: Kind
    tags: list[str]
    score: float | None
    flag: bool

    @strawberry.field
    def loud(self) -> str:
        return self.name.upper()


def _item(n: int, **changes: Any) -> Item:
    fields: dict[str, Any] = {
        "id": strawberry.ID(f"i{n}"),
        "name": f"item {n}",
        "count": n,
        "note": None if n % 2 else f"note {n}",
        "kind": Kind.SHORT if n % 2 else Kind.LONG,
        "tags": [f"t{n}"],
        "score": n / 3,
        "flag": n % 3 == 0,
    }
    return Item(**{**fields, **changes})


ITEMS: list[Item] = []


@strawberry.type
class Query:
    @strawberry.field
    def items(self) -> list[Item]:
        return ITEMS

    @strawberry.field
    def maybe_items(self) -> list[Item | None]:
        return list(ITEMS)


class CountingExecutor(GatewayExecutor):
    infos = 0

    def build_resolve_info(
        self,
        field_def: GraphQLField,
        field_nodes: list[FieldNode],
        parent_type: GraphQLObjectType,
        path: Path,
    ) -> GraphQLResolveInfo:
        CountingExecutor.infos += 1
        return super().build_resolve_info(field_def, field_nodes, parent_type, path)


def _gateway_schema() -> strawberry.Schema:
    schema = strawberry.Schema(query=Query, execution_context_class=CountingExecutor)
    resolve_without_wrappers(schema)
    return schema


GATEWAY = _gateway_schema()
REFERENCE = strawberry.Schema(query=Query)
"""Strawberry and graphql-core as they come."""


def _both(query: str, items: list[Item]) -> tuple[dict[str, Any], dict[str, Any]]:
    ITEMS[:] = items
    results = []
    for schema in (GATEWAY, REFERENCE):
        result = schema.execute_sync(query)
        errors = [
            {"message": e.message, "path": e.path, "locations": e.locations}
            for e in result.errors or []
        ]
        results.append({"data": result.data, "errors": errors})
    return results[0], results[1]


QUERIES = [
    "{ items { id name count note kind tags loud score flag } }",
    "{ items { loud b: name a: id count __typename } }",
    "{ items { ...F name } } fragment F on Item { count kind name }",
    "{ items { id name @skip(if: true) count @include(if: false) note } }",
    "{ items { n1: name n2: name } first: items { count } }",
]


@pytest.mark.parametrize("query", QUERIES)
def test_same_data_in_the_same_order_as_graphql_core(query: str) -> None:
    gateway, reference = _both(query, [_item(n) for n in range(4)])
    assert gateway == reference
    assert not gateway["errors"]
    assert gateway["data"] is not None
    for ours, theirs in zip(gateway["data"]["items"], reference["data"]["items"], strict=True):
        assert list(ours) == list(theirs)  # key order too: JSON objects keep the selection's


@pytest.mark.parametrize(
    ("query", "bad"),
    [
        ("{ items { id name } }", {"name": None}),  # null for String!: the list is nulled
        ("{ maybeItems { id name } }", {"name": None}),  # only that item is nulled
        ("{ items { count } }", {"count": 2**40}),  # Int cannot represent it
        ("{ maybeItems { kind name } }", {"kind": "MEDIUM"}),  # not a member of the enum
        ("{ maybeItems { id count } }", {"count": "seven"}),  # a str where an Int is
        ("{ maybeItems { count } }", {"count": 2**31}),  # one past the 32-bit range
        ("{ maybeItems { score } }", {"score": float("nan")}),  # Float is finite
        ("{ maybeItems { score } }", {"score": float("-inf")}),
        ("{ maybeItems { flag } }", {"flag": "yes"}),  # Boolean from a str: refused
    ],
)
def test_an_invalid_value_gets_graphql_cores_error_at_its_path(
    query: str, bad: dict[str, Any]
) -> None:
    gateway, reference = _both(query, [_item(1), _item(2, **bad), _item(3)])
    assert gateway == reference
    assert len(gateway["errors"]) == 1
    assert gateway["errors"][0]["path"][1] == 1


@pytest.mark.parametrize(
    ("query", "odd"),
    [
        ("{ maybeItems { count } }", {"count": True}),  # a bool where an Int is: 1
        ("{ maybeItems { count } }", {"count": -(2**31)}),  # the bottom of the range
        ("{ maybeItems { score } }", {"score": 7}),  # an int where a Float is: 7.0
        ("{ maybeItems { name } }", {"name": 12}),  # an int where a String is: "12"
        ("{ maybeItems { id } }", {"id": 12}),  # an int where an ID is: "12"
        ("{ maybeItems { flag } }", {"flag": 0}),  # an int where a Boolean is: false
    ],
)
def test_values_the_scalars_convert_come_out_converted(query: str, odd: dict[str, Any]) -> None:
    gateway, reference = _both(query, [_item(1), _item(2, **odd)])
    assert gateway == reference
    assert not gateway["errors"]


def test_the_built_in_scalars_keep_their_native_values_without_coercion() -> None:
    """Strawberry maps str/int/float/bool/ID onto graphql-core's own scalars, which the
    executor recognises (a Strawberry that wrapped them would silently lose the shortcut)."""
    item = GATEWAY._schema.type_map["Item"]
    assert isinstance(item, GraphQLObjectType)
    leaves = (item.extensions or {})["mongraph.plain_leaves"]
    natives = {name: leaf.native for name, leaf in leaves.items()}
    assert natives == {
        "id": str, "name": str, "count": int, "note": str, "kind": None, "score": float,
        "flag": bool,
    }  # fmt: skip


def test_plain_leaves_are_answered_without_a_resolve_info_each() -> None:
    CountingExecutor.infos = 0
    gateway, _ = _both("{ items { id name count note kind loud } }", [_item(n) for n in range(5)])
    assert len(gateway["data"]["items"]) == 5
    # `items`, then `loud` (a resolver) on each item; the five plain leaves of each take none
    assert CountingExecutor.infos == 1 + 5
