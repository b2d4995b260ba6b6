"""Selection sets compiled to Python: the fields one selection reads on one object type
become one generated function, its *runner*, which the compiled path calls for every
object of that selection.

The plan loop this replaces (compiled.py) looked up each field's plan by its name, then
read the plan's kind, attribute and native type, for every field of every object: in a
big response, more work than reading the value. A runner has all of that written into
its code: a plain leaf is `source.name`, a class check and a store. Every other field,
and every leaf value that is not of its scalar's native type (None on a non-null field,
an exception, an enum), goes through `CompiledExecutor.execute_planned` or graphql-core's
`execute_field` exactly as the loop did, so results, errors and their order are unchanged
(the differential tests hold the two paths to the same JSON).

A runner depends only on the type and the selection's (response name, field name) pairs,
never on a request's values: runners are shared by every request sending that selection,
and kept on the type, a bounded number of them, so a client sending ever new aliases costs
generation time but no memory beyond the bound.
"""

from __future__ import annotations

import keyword
from math import isfinite
from typing import Any

from graphql import GRAPHQL_MAX_INT, GRAPHQL_MIN_INT, GraphQLObjectType, Undefined

from ..framework import GroupedFieldSet
from .completion import (
    ATTRIBUTE,
    LEAF,
    PLANS,
    SETTLED,
    FieldPlan,
    Runner,
    gathered,
    new_path,
)

__all__ = ["RUNNERS", "RUNNERS_KEPT", "Runner", "runner_for", "shape_of"]

Shape = tuple[tuple[str, str], ...]
"""A selection as a runner sees it: (response name, field name) pairs, in order."""

RUNNERS = "mongraph.runners"
"""Key of a compiled type's `extensions` holding its runners: `Shape` → `Runner`."""
RUNNERS_KEPT = 256
"""Runners kept per type (the oldest dropped first): more than the distinct selections of
one type a deployed API's clients send, bounded against a client sending new ones forever."""

_MISS = object()
"""An attribute that raised: the field's plan reads it again and reports the error."""

_FAST_TEST = {
    str: "v.__class__ is str",
    bool: "v.__class__ is bool",
    int: "v.__class__ is int and MIN_INT <= v <= MAX_INT",
    float: "v.__class__ is float and isfinite(v)",
}
"""A leaf value its scalar returns unchanged (completion.NATIVE), as a test on `v`."""


def shape_of(fields: GroupedFieldSet) -> Shape:
    return tuple([(name, details[0].node.name.value) for name, details in fields.items()])


def runner_for(parent_type: GraphQLObjectType, shape: Shape) -> Runner:
    """The runner of the selection `shape` on `parent_type` (whose fields are compiled),
    kept on the type: a cache outside the schema would keep every schema alive."""
    runners: dict[Shape, Runner] = parent_type.extensions[RUNNERS]
    run = runners.get(shape)
    if run is None:
        if len(runners) >= RUNNERS_KEPT:
            del runners[next(iter(runners))]  # the oldest
        run = runners[shape] = _generated(parent_type, shape)
    return run


def _generated(parent_type: GraphQLObjectType, shape: Shape) -> Runner:
    plans: dict[str, FieldPlan] = parent_type.extensions[PLANS]
    env: dict[str, Any] = {
        "MISS": _MISS,
        "MIN_INT": GRAPHQL_MIN_INT,
        "MAX_INT": GRAPHQL_MAX_INT,
        "SETTLED": SETTLED,
        "Undefined": Undefined,
        "gathered": gathered,
        "isfinite": isfinite,
        "new_path": new_path,
        "parent_type": parent_type,
    }
    lines = [
        "def run(ex, source, path, fields, position_context):",
        "    results = {}",
        "    pending = None",
        "    try:",
    ]
    for index, (response_name, field_name) in enumerate(shape):
        plan = plans.get(field_name)
        if plan is not None:
            env[f"P{index}"] = plan
        lines += _field(index, response_name, plan, repr(parent_type.name))
    if not shape:  # every field skipped (`@skip`, `@include`)
        lines.append("        pass")
    lines += [
        "    except Exception:",
        "        if pending is not None:",
        "            ex.settle_in_background([results[name] for name in pending])",
        "        raise",
        "    if pending is None:",
        "        return results",
        "    return gathered(results, pending)",
    ]
    filename = f"<runner of {parent_type.name} {{{' '.join(n for n, _ in shape)}}}>"
    exec(compile("\n".join(lines), filename, "exec"), env)
    run: Runner = env["run"]
    return run


def _field(index: int, response_name: str, plan: FieldPlan | None, typename: str) -> list[str]:
    """The runner's lines for one field (indented into its `try`)."""
    name = repr(response_name)
    path = f"new_path((path, {name}, {typename}))"
    if plan is None:  # a Strawberry resolver, `__typename`: graphql-core's own step
        return _indented(
            [
                f"r = ex.execute_field(parent_type, source, fields[{name}], {path}, "
                "position_context)",
                "if r is not Undefined:",
                f"    results[{name}] = r",
                *_pend_if_awaitable(name, "    "),
            ]
        )
    planned = [
        f"r = ex.execute_planned(P{index}, source, fields[{name}], {path})",
        f"results[{name}] = r",
        *_pend_if_awaitable(name, ""),
    ]
    if plan.kind != LEAF:
        assert plan.kind == ATTRIBUTE or plan.relation is not None
        return _indented(planned)
    read = (
        f"v = source.{plan.attribute}"
        if plan.attribute.isidentifier() and not keyword.iskeyword(plan.attribute)
        else f"v = getattr(source, {plan.attribute!r})"
    )
    lines = ["try:", f"    {read}", "except Exception:", "    v = MISS"]
    test = _FAST_TEST.get(plan.native) if plan.native is not None else None
    branches: list[tuple[str, str]] = []
    if test is not None:
        branches.append((test, f"results[{name}] = v"))
    if not plan.non_null:
        branches.append(("v is None", f"results[{name}] = None"))
    for number, (condition, action) in enumerate(branches):
        lines += [f"{'if' if number == 0 else 'elif'} {condition}:", f"    {action}"]
    if branches:
        lines += ["else:", *(f"    {line}" for line in planned)]
    else:
        lines += planned
    return _indented(lines)


def _pend_if_awaitable(name: str, indent: str) -> list[str]:
    return [
        f"{indent}if r.__class__ not in SETTLED and ex.is_awaitable(r):",
        f"{indent}    if pending is None:",
        f"{indent}        pending = [{name}]",
        f"{indent}    else:",
        f"{indent}        pending.append({name})",
    ]


def _indented(lines: list[str]) -> list[str]:
    return [f"        {line}" for line in lines]
