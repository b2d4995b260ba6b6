"""The compiled execution path: each field of the schema is compiled, once, into what
executing it takes, and a selection runs as a loop over those plans.

graphql-core interprets every field of every object: a resolve info, a path, the awaitable
checks, `complete_value`'s walk down the field's type, a coroutine per async step. A big
response is mostly fields that need none of that, so `build_schema` compiles each field of
an object type (`compile_fields`) into a `FieldPlan`:

- **a plain leaf** (a scalar or enum read from an attribute): one `getattr`, and the value
  itself when it is of the scalar's native type;
- **an attribute** of object or list type (`Connection.edges`, `Edge.node`): `getattr`, then
  its type's completer;
- **a declared relation** (`Scene.clips`): the declaration builds the value from its loader
  when the loader has settled it (relation_fields.py); its arguments are read once per
  request and selection, not once per parent;
- **anything else** (a Strawberry resolver, `__typename`): graphql-core's `execute_field`.

A completer follows the field's type as `complete_value` does (non-null, list, leaf,
object) with graphql-core's own checks and messages. Whatever it does not handle goes to
graphql-core at that value's path with a resolve info built then: an awaitable (a relation
not loaded yet, a list item), an abstract type, an exception as a value, an object type
whose `is_type_of` is not Strawberry's. Errors are handled by graphql-core's
`handle_field_error`, at the same path and in the same order as its own pass would: the
differential tests (execution/differential.py) hold the two paths to the same JSON.
"""

from __future__ import annotations

from math import isfinite
from typing import Any

from graphql import (
    GRAPHQL_MAX_INT,
    GRAPHQL_MIN_INT,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLResolveInfo,
    GraphQLSchema,
    Undefined,
    is_leaf_type,
)
from graphql.execution import get_argument_values
from graphql.pyutils import AwaitableOrValue, Path
from typing_extensions import override

from ..framework import FieldDetailsList, GroupedFieldSet
from .completion import (
    ATTRIBUTE,
    LEAF,
    NATIVE,
    PLAIN,
    RELATION,
    SETTLED,
    FieldPlan,
    completed_later,
    gathered,
    new_path,
    plain,
)
from .executor import GatewayExecutor
from .relation_fields import Pending, RelationField
from .schema_memo import kept_on

__all__ = ["CompiledExecutor", "FieldPlan", "compile_fields"]

_PLANS = "mongraph.field_plans"
"""Key of a type's `extensions` holding its compiled fields: field name → `FieldPlan`."""
_MISS = object()
_INCREMENTAL = "mongraph.incremental_directives"
"""Key of the schema's `extensions`: whether it has @defer or @stream (read once)."""


def _has_incremental_directives(schema: GraphQLSchema) -> bool:
    return any(schema.get_directive(name) for name in ("defer", "stream"))


def compile_fields(
    graphql_type: GraphQLObjectType,
    attributes: dict[str, str],
    relations: dict[str, RelationField[Any]],
) -> None:
    """Compiles the type's fields read straight from an attribute (GraphQL name → Python
    attribute) and its declared relation fields; the others stay graphql-core's."""
    plans: dict[str, FieldPlan] = {}
    for name, attribute in attributes.items():
        field_def = graphql_type.fields[name]
        return_type = field_def.type
        non_null = isinstance(return_type, GraphQLNonNull)
        nullable = return_type.of_type if non_null else return_type
        if is_leaf_type(nullable) and not field_def.args:
            native = NATIVE.get(nullable)
            plans[name] = FieldPlan(
                LEAF, graphql_type, name, field_def, attribute, None, native, non_null
            )
        elif not field_def.args:
            plans[name] = FieldPlan(ATTRIBUTE, graphql_type, name, field_def, attribute)
    for name, relation in relations.items():
        field_def = graphql_type.fields[name]
        plans[name] = FieldPlan(RELATION, graphql_type, name, field_def, relation=relation)
    graphql_type.extensions = {**(graphql_type.extensions or {}), _PLANS: plans}


def field_plans(graphql_type: GraphQLObjectType) -> dict[str, FieldPlan] | None:
    plans: dict[str, FieldPlan] | None = (graphql_type.extensions or {}).get(_PLANS)
    return plans


class CompiledExecutor(GatewayExecutor):
    """Runs a selection set by its fields' plans (see the module's docstring)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        manager = self.middleware_manager
        # Field middleware wraps every resolver: only graphql-core's pass applies it. With
        # @defer or @stream in the schema, selections carry delivery groups this path
        # does not pass on.
        self._compiled = (manager is None or not manager.middlewares) and not kept_on(
            self.schema, _INCREMENTAL, _has_incremental_directives
        )
        self._arguments: dict[int, tuple[FieldDetailsList, Any]] = {}

    @override
    def execute_fields(
        self,
        parent_type: GraphQLObjectType,
        source_value: Any,
        path: Path | None,
        grouped_field_set: GroupedFieldSet,
        position_context: Any,
    ) -> AwaitableOrValue[dict[str, Any]]:
        plans = (parent_type.extensions or {}).get(_PLANS)
        if plans is None or not self._compiled:
            return super().execute_fields(
                parent_type, source_value, path, grouped_field_set, position_context
            )
        results: dict[str, Any] = {}
        awaitable_fields: list[str] = []
        is_awaitable = self.is_awaitable
        try:
            for response_name, details in grouped_field_set.items():
                plan: FieldPlan | None = plans.get(details[0].node.name.value)
                if plan is not None and plan.kind == LEAF:
                    try:
                        value: Any = getattr(source_value, plan.attribute)
                    except Exception:  # reported at the field's path by `_execute_planned`
                        value = _MISS
                    native: Any = plan.native
                    if value.__class__ is native and (
                        native is str
                        or native is bool
                        or (
                            GRAPHQL_MIN_INT <= value <= GRAPHQL_MAX_INT
                            if native is int
                            else isfinite(value)
                        )
                    ):
                        results[response_name] = value
                        continue
                    if value is None and not plan.non_null:
                        results[response_name] = None
                        continue
                field_path = new_path((path, response_name, parent_type.name))
                if plan is None:
                    result = self.execute_field(
                        parent_type, source_value, details, field_path, position_context
                    )
                    if result is Undefined:
                        continue
                else:
                    result = self._execute_planned(plan, source_value, details, field_path)
                results[response_name] = result
                if result.__class__ not in SETTLED and is_awaitable(result):
                    awaitable_fields.append(response_name)
        except Exception:
            if awaitable_fields:
                self.settle_in_background([results[name] for name in awaitable_fields])
            raise
        if not awaitable_fields:
            return results
        return gathered(results, awaitable_fields)

    def _execute_planned(
        self, plan: FieldPlan, source: Any, details: FieldDetailsList, path: Path
    ) -> Any:
        """What graphql-core's `execute_field` returns for this field, by its plan."""
        return_type = plan.field_def.type
        try:
            relation = plan.relation
            if relation is None:
                value = getattr(source, plan.attribute)
            else:
                args = self._relation_arguments(plan, details)
                value = relation.resolve_loaded(self.context_value, source.doc, args)
                if type(value) is Pending:
                    info = self.field_info(plan, details, path)
                    value = relation.resolve_raw(info, source.doc, args)
            cls = value.__class__
            if cls not in PLAIN and (self.is_awaitable(value) or not plain(cls)):
                info = self.field_info(plan, details, path)
                return self.complete_awaitable_value(return_type, details, info, path, value, None)
            completed = plan.complete(self, plan, details, path, path, value)
            if completed.__class__ not in SETTLED and self.is_awaitable(completed):
                return completed_later(self, completed, return_type, details, path)
        except Exception as raw_error:
            self.handle_field_error(raw_error, return_type, details, path)
            return None
        return completed

    def _relation_arguments(self, plan: FieldPlan, details: FieldDetailsList) -> Any:
        """The declaration's arguments for this selection, read once per request."""
        first = details[0]
        key = id(first.node)
        known = self._arguments.get(key)
        if known is not None and first.fragment_variable_values is None:
            return known[1]
        relation = plan.relation
        assert relation is not None
        given = get_argument_values(
            plan.field_def,
            first.node,
            self.variable_values,
            first.fragment_variable_values,
            self.hide_suggestions,
        )
        args = relation.arguments(given)
        # The entry holds the details, so the node's id in the key is not reused.
        self._arguments[key] = (details, args)
        return args

    def field_info(
        self, plan: FieldPlan, details: FieldDetailsList, path: Path
    ) -> GraphQLResolveInfo[Any]:
        nodes = [d.node for d in details]
        return self.build_resolve_info(plan.field_def, nodes, plan.parent_type, path)

    def complete_by_graphql_core(
        self, plan: FieldPlan, details: FieldDetailsList, field_path: Path, path: Path,
        return_type: GraphQLOutputType, value: Any,
    ) -> Any:  # fmt: skip
        """graphql-core's `complete_value` of this value, with the field's resolve info."""
        info = self.field_info(plan, details, field_path)
        return self.complete_value(return_type, details, info, path, value, None)
