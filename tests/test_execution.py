"""The compiled execution path gives the same results and errors as graphql-core's own
(execution/compiled.py), without a resolve info per plain field."""

from __future__ import annotations

import asyncio
import gc
import weakref
from enum import Enum
from typing import Any

import pytest
import strawberry
from graphql import FieldNode, GraphQLField, GraphQLObjectType, GraphQLResolveInfo
from graphql.pyutils import Path
from typing_extensions import override

from mongraph.api.schema import resolve_without_wrappers
from mongraph.execution import differential
from mongraph.execution.compiled import CompiledExecutor, field_plans
from mongraph.execution.completion import LEAF
from mongraph.execution.differential import DifferentialExecutor
from mongraph.framework import raw_info


@strawberry.enum
class Kind(Enum):
    SHORT = "SHORT"
    LONG = "LONG"


@strawberry.interface
class Named:
    name: str


@strawberry.type
class Part(Named):
    label: str
    size: int | None


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

    parts: list[Part] = strawberry.field(default_factory=list)
    main: Part | None = None
    named: Named | None = None

    @strawberry.field
    def loud(self) -> str:
        return self.name.upper()

    @strawberry.field
    async def later(self) -> Part | None:
        return self.main

    @strawberry.field
    def pending(self) -> list[Part | None]:
        async def part(p: Part) -> Part:
            return p

        return [part(p) for p in self.parts]  # type: ignore[misc]


def _part(n: int, **changes: Any) -> Part:
    return Part(**{"name": f"part {n}", "label": f"l{n}", "size": n, **changes})


def _item(n: int, **changes: Any) -> Item:
    fields: dict[str, Any] = {
        "parts": [_part(n), _part(n + 1)],
        "main": _part(n) if n % 2 else None,
        "named": _part(n + 2),
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

    @strawberry.field
    async def gathered(self, info: strawberry.Info) -> list[int]:
        """Uses the resolve info's `async_helpers` as a resolver may."""

        async def number(n: int) -> int:
            return n

        helpers = raw_info(info).async_helpers
        helpers.track([number(0), 0])
        return await helpers.gather([number(1), number(2)])


class CountingExecutor(CompiledExecutor):
    infos = 0
    made: list[weakref.ref[CountingExecutor]] | None = None
    """When a list: a weak reference to every executor made."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if CountingExecutor.made is not None:
            CountingExecutor.made.append(weakref.ref(self))

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
        result = asyncio.run(schema.execute(query))
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
    "{ items { parts { label size } main { label __typename } } }",
    "{ items { named { name ... on Part { size } __typename } } }",
    "{ items { later { label } parts { label } pending { size } } }",
    "{ items { parts { ...P } } } fragment P on Part { size label size }",
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
    plans = field_plans(item) or {}
    natives = {name: plan.native for name, plan in plans.items() if plan.kind == LEAF}
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


@pytest.mark.parametrize(
    ("query", "bad"),
    [
        ("{ maybeItems { parts { label } } }", {"label": None}),  # String!: item nulled
        ("{ maybeItems { main { size } } }", {"size": "big"}),  # only `size` is nulled
        ("{ maybeItems { later { label } } }", {"label": None}),  # async, then nulled
        ("{ maybeItems { pending { label } } }", {"label": None}),  # an awaited list item
        ("{ maybeItems { named { name } } }", {"name": None}),  # through an interface
    ],
)
def test_an_error_below_a_compiled_object_is_reported_where_graphql_core_reports_it(
    query: str, bad: dict[str, Any]
) -> None:
    broken = _item(2, parts=[_part(1), _part(2, **bad)], main=_part(2, **bad))
    broken.named = _part(3, **bad)
    gateway, reference = _both(query, [_item(1), broken, _item(3)])
    assert gateway == reference
    assert gateway["errors"]
    assert gateway["errors"][0]["path"][:2] == ["maybeItems", 1]


def test_nested_plain_objects_take_no_resolve_info_each() -> None:
    CountingExecutor.infos = 0
    query = "{ items { parts { label size } main { label } named { name } } }"
    gateway, _ = _both(query, [_item(n) for n in range(5)])
    assert len(gateway["data"]["items"][4]["parts"]) == 2
    # `items`, then one per `named` (an interface: graphql-core resolves its type)
    assert CountingExecutor.infos == 1 + 5


def test_an_object_of_the_wrong_class_gets_graphql_cores_error() -> None:
    gateway, reference = _both("{ maybeItems { main { label } } }", [_item(1, main=_item(2))])
    assert gateway == reference
    assert "Expected value of type 'Part'" in gateway["errors"][0]["message"]


class _Swapped(DifferentialExecutor):
    """A compiled path with a bug: it answers every `count` with the next integer."""

    @override
    def execute_fields(self, *args: Any, **kwargs: Any) -> Any:
        result = super().execute_fields(*args, **kwargs)
        if isinstance(result, dict) and isinstance(result.get("count"), int):
            result["count"] += 1
        return result


def test_the_differential_mode_reports_a_compiled_result_that_differs(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(differential.LOG_ENV, raising=False)  # not a difference to report
    schema = strawberry.Schema(query=Query, execution_context_class=_Swapped)
    resolve_without_wrappers(schema)
    ITEMS[:] = [_item(1)]
    before = len(differential.MISMATCHES)
    result = asyncio.run(schema.execute("{ items { name count } }"))
    assert result.errors is not None
    assert result.errors[-1].message.startswith("Differential mismatch")
    assert len(differential.MISMATCHES) == before + 1
    assert '"count":2' in differential.MISMATCHES[-1]  # the compiled answer, reported
    assert '"count":1' in differential.MISMATCHES[-1]  # and graphql-core's


def test_the_differential_mode_passes_what_both_paths_agree_on() -> None:
    schema = strawberry.Schema(query=Query, execution_context_class=DifferentialExecutor)
    resolve_without_wrappers(schema)
    ITEMS[:] = [_item(1), _item(2)]
    compared = differential.COMPARED[0]
    result = asyncio.run(schema.execute("{ items { name count parts { label } } }"))
    assert result.errors is None
    assert differential.COMPARED[0] == compared + 1


@strawberry.type
class ShakyItem:
    """Its `shaky` field is read from an attribute whose every read raises."""

    name: str
    shaky: str | None = None

    def __getattribute__(self, name: str) -> Any:
        if name == "shaky":
            raise ValueError(f"no shaky for {object.__getattribute__(self, 'name')}")
        return object.__getattribute__(self, name)


@strawberry.type
class ShakyQuery:
    @strawberry.field
    def things(self) -> list[ShakyItem]:
        return [ShakyItem(name=item.name) for item in ITEMS]


def test_an_attribute_that_raises_is_a_field_error_at_its_path() -> None:
    schema = strawberry.Schema(query=ShakyQuery, execution_context_class=CompiledExecutor)
    resolve_without_wrappers(schema)
    reference = strawberry.Schema(query=ShakyQuery)
    ITEMS[:] = [_item(1), _item(2)]
    results = []
    for each in (schema, reference):
        result = asyncio.run(each.execute("{ things { name shaky } }"))
        errors = [(e.message, e.path) for e in result.errors or []]
        results.append((result.data, errors))
    assert results[0] == results[1]
    assert results[0][1] == [
        ("no shaky for item 1", ["things", 0, "shaky"]),
        ("no shaky for item 2", ["things", 1, "shaky"]),
    ]


def test_a_resolver_gathers_and_tracks_work_as_under_graphql_core() -> None:
    gateway, reference = _both("{ gathered }", [])
    assert gateway == reference == {"data": {"gathered": [1, 2]}, "errors": []}


def test_an_executor_is_freed_by_reference_count_once_its_result_is_whole() -> None:
    """graphql-core's executor holds helpers made of its own bound methods: a cycle only the
    collector frees, with all the executor holds. The gateway's drops them once the result is
    whole (the resolve infos made during the execution keep theirs)."""
    executors: list[weakref.ref[CountingExecutor]] = []
    CountingExecutor.made = executors
    gc.disable()
    try:
        gateway, _ = _both("{ gathered items { name } }", [_item(1)])
        alive = [made for made in executors if made() is not None]
    finally:
        CountingExecutor.made = None
        gc.enable()
    assert gateway["data"]["gathered"] == [1, 2]
    assert executors
    assert alive == []
