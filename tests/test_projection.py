"""What a selection reads of its documents (execution/projection.py)."""

from __future__ import annotations

from typing import Any

import pytest
from graphql import GraphQLObjectType, OperationDefinitionNode, parse
from graphql.execution import VariableValues

from mongraph.api.schema import build_schema
from mongraph.execution.projection import attribute_reads, selected_reads
from mongraph.execution.selection import Selections
from mongraph.framework import graphql_schema


def _helper(doc: Any) -> Any:
    return doc.secret


@pytest.mark.parametrize(
    ("read", "reads"),
    [
        (lambda d: d.name, {"name"}),
        (lambda d: str(d.id), {"id"}),
        (lambda d: (d.a, d.b.c), {"a", "b"}),  # a nested attribute is within its field
        (lambda d: [x.url for x in d.media], {"media"}),
        (lambda d: d.parent_id is not None, {"parent_id"}),
        (lambda d: 7, set()),
        (lambda d: _helper(d), None),  # handed on: the helper could read anything
        (lambda d: [d.x for _ in range(2)], None),  # used by an inner function
        (lambda d, e=None: d.name, None),
        (lambda d: getattr(d, "name"), None),  # noqa: B009 - a read by name is unknown
        (lambda d: d, None),
    ],
)
def test_what_a_function_reads_of_its_argument(read: Any, reads: set[str] | None) -> None:
    assert attribute_reads(read) == (None if reads is None else frozenset(reads))


SCHEMA = graphql_schema(build_schema())


def _reads(type_name: str, selection: str) -> frozenset[str] | None:
    document = parse(f"{{ x {selection} }} fragment F on Node {{ id }}")
    operation = document.definitions[0]
    assert isinstance(operation, OperationDefinitionNode)
    fragments = {d.name.value: d for d in document.definitions[1:]}  # type: ignore[attr-defined]
    selections = Selections(SCHEMA, fragments, VariableValues(sources={}, coerced={}))
    root = operation.selection_set.selections[0]
    graphql_type = SCHEMA.type_map[type_name]
    assert isinstance(graphql_type, GraphQLObjectType)
    return selected_reads(selections, [root.selection_set], graphql_type)  # type: ignore[attr-defined,list-item]


def test_a_selection_reads_its_fields_stored_names() -> None:
    assert _reads("Clip", "{ name timelinePosition character { name } __typename }") == {
        "name",
        "timelinePosition",
        "characterId",
    }
    assert _reads("Clip", "{ ...F selectedImage { url } }") == {
        "_id",
        "generatedImages",
        "selectedImageId",
    }


def test_a_selection_with_a_field_that_does_not_say_what_it_reads_reads_everything() -> None:
    assert _reads("Project", "{ name }") == {"name"}
    assert _reads("Project", "{ name changeCursor }") is None  # a resolver of its own
