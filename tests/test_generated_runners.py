"""Selections run through generated runners (execution/generated.py): one per selection
and type, shared by requests, bounded in number, with graphql-core's results."""

from __future__ import annotations

import asyncio

from graphql import GraphQLObjectType

from mongraph.execution.generated import RUNNERS, RUNNERS_KEPT

from .test_execution import GATEWAY, ITEMS, _both, _item


def _runners_of(type_name: str) -> dict[object, object]:
    graphql_type = GATEWAY._schema.type_map[type_name]
    assert isinstance(graphql_type, GraphQLObjectType)
    runners: dict[object, object] = graphql_type.extensions[RUNNERS]
    return runners


def test_a_selection_gets_one_runner_that_later_requests_share() -> None:
    query = "{ items { shared1: name count } }"
    gateway, reference = _both(query, [_item(n) for n in range(3)])
    assert gateway == reference
    runners = _runners_of("Item")
    shape = (("shared1", "name"), ("count", "count"))
    first = runners[shape]
    count = len(runners)
    _both(query, [_item(5)])
    assert runners[shape] is first
    assert len(runners) == count
    _both("{ items { shared2: name count } }", [_item(5)])  # another alias: another runner
    assert len(runners) == count + 1


def test_runners_are_bounded_per_type_against_ever_new_aliases() -> None:
    ITEMS[:] = [_item(n) for n in range(2)]
    for n in range(RUNNERS_KEPT + 20):
        result = asyncio.run(GATEWAY.execute(f"{{ items {{ alias{n}: name }} }}"))
        assert result.data == {"items": [{f"alias{n}": "item 0"}, {f"alias{n}": "item 1"}]}
    runners = _runners_of("Item")
    assert len(runners) == RUNNERS_KEPT
    assert (("alias0", "name"),) not in runners  # the oldest went first
    assert ((f"alias{RUNNERS_KEPT + 19}", "name"),) in runners


def test_a_selection_whose_fields_are_all_skipped_is_an_empty_object() -> None:
    query = "{ items { name @skip(if: true) count @include(if: false) } }"
    gateway, reference = _both(query, [_item(1), _item(2)])
    assert gateway == reference
    assert gateway["data"] == {"items": [{}, {}]}


def test_a_null_for_a_non_null_object_is_graphql_cores_error_at_its_path() -> None:
    """`[Part!]!`: the non-null item's check is the object completer's own (one call)."""
    broken = _item(2, parts=[_item(9).parts[0], None])
    gateway, reference = _both("{ maybeItems { parts { label } } }", [_item(1), broken])
    assert gateway == reference
    assert [e["path"] for e in gateway["errors"]] == [["maybeItems", 1, "parts", 1]]
    assert gateway["errors"][0]["message"] == (
        "Cannot return null for non-nullable field Item.parts."
    )
    assert gateway["data"]["maybeItems"][1] is None
