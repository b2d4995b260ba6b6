"""Static analysis of an operation before it runs: depth, aliases, directives and cost.

Cost = sum over selected fields of (1 for a scalar, 2 for an object) x the product
of the page sizes of every enclosing connection (`first`/`last`, else the
argument's default) and list (its cap, 100). A connection's own `edges` list is
the page, so it does not multiply again.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import orjson
from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
    get_named_type,
    is_leaf_type,
    value_from_ast_untyped,
)

__all__ = ["LIST_CAP", "OperationShape", "ShapeCache", "measure"]

LIST_CAP = 100
DEFAULT_PAGE = 50


@dataclass
class OperationShape:
    depth: int = 0
    aliases: int = 0
    directives: int = 0
    cost: int = 0


def measure(
    schema: GraphQLSchema,
    operation: OperationDefinitionNode,
    fragments: dict[str, FragmentDefinitionNode],
    variables: dict[str, Any],
) -> OperationShape:
    root = {
        "query": schema.query_type,
        "mutation": schema.mutation_type,
        "subscription": schema.subscription_type,
    }[operation.operation.value]
    variables = dict(variables)
    for definition in operation.variable_definitions or ():
        name = definition.variable.name.value
        if variables.get(name) is None and definition.default_value is not None:
            variables[name] = value_from_ast_untyped(definition.default_value)
    shape = OperationShape(directives=len(operation.directives or ()))
    if root is not None:
        _walk(schema, operation.selection_set, root, 1, 1, shape, fragments, variables, set())
    return shape


class ShapeCache:
    """Shapes of recently run operations, by operation node and variables.

    The parser cache hands back the same node for the same document text, so a client
    repeating its queries is measured once per distinct set of variables. Entries hold
    their schema and node, so an id reused after eviction cannot match. The shapes
    returned are shared between requests: read them, never change them.
    """

    MAX_VARIABLES_BYTES = 1024
    """Larger variables are measured every time rather than kept."""

    def __init__(self, maxsize: int = 256) -> None:
        self.maxsize = maxsize
        self._entries: OrderedDict[
            tuple[int, int, bytes], tuple[GraphQLSchema, OperationDefinitionNode, OperationShape]
        ] = OrderedDict()

    def measure(
        self,
        schema: GraphQLSchema,
        operation: OperationDefinitionNode,
        fragments: dict[str, FragmentDefinitionNode],
        variables: dict[str, Any],
    ) -> OperationShape:
        try:
            given = orjson.dumps(variables, option=orjson.OPT_SORT_KEYS) if variables else b""
        except TypeError:
            given = None
        if given is not None:  # a copy of its size: orjson's bytes keep their 4 kB buffer
            given = bytes(memoryview(given))
        if given is None or len(given) > self.MAX_VARIABLES_BYTES:
            return measure(schema, operation, fragments, variables)
        key = (id(schema), id(operation), given)
        entry = self._entries.get(key)
        if entry is not None and entry[0] is schema and entry[1] is operation:
            self._entries.move_to_end(key)
            return entry[2]
        shape = measure(schema, operation, fragments, variables)
        self._entries[key] = (schema, operation, shape)
        if len(self._entries) > self.maxsize:
            self._entries.popitem(last=False)
        return shape


def _walk(
    schema: GraphQLSchema,
    selection_set: SelectionSetNode,
    parent: Any,
    multiplier: int,
    depth: int,
    shape: OperationShape,
    fragments: dict[str, FragmentDefinitionNode],
    variables: dict[str, Any],
    visiting: set[str],
) -> None:
    shape.depth = max(shape.depth, depth)
    for selection in selection_set.selections:
        shape.directives += len(selection.directives or ())
        if isinstance(selection, FieldNode):
            _field(
                schema, selection, parent, multiplier, depth, shape, fragments, variables, visiting
            )
        elif isinstance(selection, InlineFragmentNode):
            target = (
                schema.get_type(selection.type_condition.name.value)
                if selection.type_condition
                else parent
            )
            _walk(
                schema,
                selection.selection_set,
                target,
                multiplier,
                depth,
                shape,
                fragments,
                variables,
                visiting,
            )
        elif isinstance(selection, FragmentSpreadNode):
            name = selection.name.value
            fragment = fragments.get(name)
            if fragment is None or name in visiting:  # unknown or cyclic: validation reports it
                continue
            target = schema.get_type(fragment.type_condition.name.value)
            _walk(
                schema, fragment.selection_set, target, multiplier, depth, shape, fragments,
                variables, visiting | {name},
            )  # fmt: skip


def _field(
    schema: GraphQLSchema,
    node: FieldNode,
    parent: Any,
    multiplier: int,
    depth: int,
    shape: OperationShape,
    fragments: dict[str, FragmentDefinitionNode],
    variables: dict[str, Any],
    visiting: set[str],
) -> None:
    if node.alias is not None:
        shape.aliases += 1
    name = node.name.value
    fields = getattr(parent, "fields", None) or {}
    definition = fields.get(name)
    if definition is None:  # __typename, introspection, or unknown (validation reports it)
        shape.cost += multiplier
        return
    named = get_named_type(definition.type)
    shape.cost += (1 if is_leaf_type(named) else 2) * multiplier
    if node.selection_set is None:
        return
    size = _size(node, definition, named, parent, variables)
    _walk(
        schema, node.selection_set, named, multiplier * size, depth + 1, shape, fragments,
        variables, visiting,
    )  # fmt: skip


def _size(
    node: FieldNode, definition: Any, named: Any, parent: Any, variables: dict[str, Any]
) -> int:
    if isinstance(parent, GraphQLObjectType) and parent.name.endswith("Connection"):
        return 1  # `edges` is the connection's page, already counted
    if named.name.endswith("Connection"):
        given = {a.name.value: a.value for a in node.arguments or ()}
        for arg in ("first", "last"):
            if arg in given:
                value = _value(given[arg], variables)
                if isinstance(value, int) and value >= 0:
                    return value
        default = definition.args.get("first")
        if default is not None and isinstance(default.default_value, int):
            return int(default.default_value)
        return DEFAULT_PAGE
    field_type = definition.type
    if isinstance(field_type, GraphQLNonNull):
        field_type = field_type.of_type
    return LIST_CAP if isinstance(field_type, GraphQLList) else 1


def _value(node: Any, variables: dict[str, Any]) -> Any:
    if isinstance(node, VariableNode):
        return variables.get(node.name.value)
    return value_from_ast_untyped(node)
