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

from typing import Any

from graphql import (
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLResolveInfo,
    GraphQLSchema,
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
    PLANS,
    RELATION,
    SETTLED,
    FieldPlan,
    Runner,
    completed_later,
    plain,
)
from .executor import GatewayExecutor
from .generated import RUNNERS, runner_for, shape_of
from .relation_fields import Pending, RelationField, selection_key
from .schema_memo import kept_on
from .selection import Selections

__all__ = ["CompiledExecutor", "FieldPlan", "compile_fields"]

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
    graphql_type.extensions = {**(graphql_type.extensions or {}), PLANS: plans, RUNNERS: {}}


def field_plans(graphql_type: GraphQLObjectType) -> dict[str, FieldPlan] | None:
    plans: dict[str, FieldPlan] | None = (graphql_type.extensions or {}).get(PLANS)
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
        self._arguments: dict[object, tuple[FieldDetailsList, Any]] = {}
        self._runners: dict[int, tuple[GroupedFieldSet, Runner]] = {}
        self._selections: Selections | None = None

    @override
    def execute_fields(
        self,
        parent_type: GraphQLObjectType,
        source_value: Any,
        path: Path | None,
        grouped_field_set: GroupedFieldSet,
        position_context: Any,
    ) -> AwaitableOrValue[dict[str, Any]]:
        plans = (parent_type.extensions or {}).get(PLANS)
        if plans is None or not self._compiled:
            return super().execute_fields(
                parent_type, source_value, path, grouped_field_set, position_context
            )
        run = self.runner(parent_type, grouped_field_set)
        completed: AwaitableOrValue[dict[str, Any]] = run(
            self, source_value, path, grouped_field_set, position_context
        )
        return completed

    def runner(self, parent_type: GraphQLObjectType, fields: GroupedFieldSet) -> Runner:
        """The generated runner of this selection on `parent_type` (generated.py); kept by
        the selection's identity: graphql-core collects a selection once per request."""
        known = self._runners.get(id(fields))
        if known is not None:
            return known[1]
        run = runner_for(parent_type, shape_of(fields))
        # The entry holds the selection, so its id in the key is not reused.
        self._runners[id(fields)] = (fields, run)
        return run

    def execute_planned(
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
        # selection_key's, without a list per call when the field stands alone (most do)
        key = id(first.node) if len(details) == 1 else selection_key([d.node for d in details])
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
        if self._selections is None:
            fragments = {name: f.definition for name, f in self.fragments.items()}
            self._selections = Selections(self.schema, fragments, self.variable_values)
        nodes = [d.node for d in details]
        args = relation.projected(relation.arguments(given), self._selections, nodes)
        # The entry holds the details, so the nodes' ids in the key are not reused.
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
