"""An operation's selections, walked the way graphql-core will execute them: fragments that
apply to a type, `@skip`/`@include`, and variables."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLIncludeDirective,
    GraphQLObjectType,
    GraphQLResolveInfo,
    GraphQLSchema,
    GraphQLSkipDirective,
    InlineFragmentNode,
    NamedTypeNode,
    SelectionSetNode,
    is_abstract_type,
)
from graphql.execution import VariableValues, get_directive_values

__all__ = ["Selections"]


@dataclass(frozen=True)
class Selections:
    """The selections of the operation a resolver runs in."""

    schema: GraphQLSchema
    fragments: dict[str, FragmentDefinitionNode]
    variables: VariableValues

    @classmethod
    def of(cls, raw: GraphQLResolveInfo[Any]) -> Selections:
        variables = raw.variable_values  # Strawberry passes the coerced dict
        if not isinstance(variables, VariableValues):
            variables = VariableValues(sources={}, coerced=dict(variables or {}))
        return cls(raw.schema, raw.fragments, variables)

    def below(self, nodes: Sequence[FieldNode], connection: bool) -> list[SelectionSetNode]:
        """The selections on what these fields return (on `edges { node }` of a connection)."""
        inner = [n.selection_set for n in nodes if n.selection_set is not None]
        if connection:
            for step in ("edges", "node"):
                inner = [
                    f.selection_set
                    for f in self.fields(inner, None)
                    if f.name.value == step and f.selection_set is not None
                ]
        return inner

    def fields(
        self, sets: list[SelectionSetNode], on: GraphQLObjectType | None
    ) -> Iterator[FieldNode]:
        """The fields selected, through the fragments that apply to `on` (None: any)."""
        for selection_set in sets:
            for node in selection_set.selections:
                if not self._included(node):
                    continue
                if isinstance(node, FieldNode):
                    yield node
                elif isinstance(node, InlineFragmentNode):
                    if self._applies(node.type_condition, on):
                        yield from self.fields([node.selection_set], on)
                elif isinstance(node, FragmentSpreadNode):
                    fragment = self.fragments.get(node.name.value)
                    if fragment is not None and self._applies(fragment.type_condition, on):
                        yield from self.fields([fragment.selection_set], on)

    def _included(self, node: Any) -> bool:
        skip = get_directive_values(GraphQLSkipDirective, node, self.variables)
        if skip is not None and skip.get("if"):
            return False
        include = get_directive_values(GraphQLIncludeDirective, node, self.variables)
        return include is None or bool(include.get("if"))

    def _applies(self, condition: NamedTypeNode | None, on: GraphQLObjectType | None) -> bool:
        if condition is None or on is None:
            return True
        named = self.schema.get_type(condition.name.value)
        if named is on:
            return True
        return is_abstract_type(named) and self.schema.is_sub_type(named, on)
