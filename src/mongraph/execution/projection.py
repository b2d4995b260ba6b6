"""Which stored fields a selection reads, so that a page of children is read with only those
(a projection).

A 4,000-clip tree selects four fields of each clip: decoding, reading and freeing the other
fifteen cost about a quarter of the gateway's work per clip (issue 21).

How a selection's reads are known: when the schema is built, each object type built from a
document view records, per GraphQL field, the stored fields its value is made of
(`declare_reads`): a plain field its own; a derived field and a parent link whatever their
function reads of the document, found in the function's code (`attribute_reads`); a
relation to children the document's `_id`. A function that hands the document on (to a
helper, say) could read anything: its reads are unknown, and so is a resolver's. A
selection whose fields all say what they read is read with their union (`selected_reads`);
one with a field that does not, in full.

A document read with a projection lacks the other fields: reading one raises
`AttributeError`, so a read this module missed fails loudly instead of answering a default.
"""

from __future__ import annotations

import dis
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from graphql import GraphQLObjectType, SelectionSetNode
from pydantic import BaseModel

from .selection import Selections

__all__ = [
    "PROJECTION",
    "READS",
    "Reads",
    "attribute_reads",
    "declare_reads",
    "selected_reads",
    "stored_names",
]

Reads = frozenset[str] | None
"""Names of fields read (None: unknown, possibly all)."""

READS = "mongraph.reads"
"""Key of a type's `extensions`: GraphQL field name → the stored fields it reads (`Reads`)."""
PROJECTION = "mongraph.projection"
"""Key of a relation's arguments (`RelationField.projected`): the stored fields to read."""


def attribute_reads(read: Callable[[Any], Any]) -> Reads:
    """The attributes `read(doc)` reads of its argument, from its code; None unless its
    argument is only ever used to read an attribute (`doc.name`)."""
    code = getattr(read, "__code__", None)
    if code is None or code.co_argcount != 1 or code.co_kwonlyargcount:
        return None
    argument = code.co_varnames[0]
    if argument in code.co_cellvars:  # used by an inner function
        return None
    instructions = list(dis.get_instructions(code))
    names: set[str] = set()
    for index, instruction in enumerate(instructions):
        if not _uses_local(instruction, argument):
            continue
        following = instructions[index + 1] if index + 1 < len(instructions) else None
        if instruction.opname not in _PLAIN_LOADS or following is None:
            return None
        if following.opname != "LOAD_ATTR" or not isinstance(following.argval, str):
            return None
        names.add(following.argval)
    return frozenset(names)


_PLAIN_LOADS = frozenset({"LOAD_FAST", "LOAD_FAST_BORROW"})
"""Loading a local onto the stack (3.14 borrows it), nothing else."""


def _uses_local(instruction: dis.Instruction, name: str) -> bool:
    if "FAST" not in instruction.opname and "DEREF" not in instruction.opname:
        return False
    value = instruction.argval
    return value == name or (isinstance(value, tuple) and name in value)


def stored_names(model: type[BaseModel], names: Iterable[str]) -> Reads:
    """The stored names (aliases) of these fields of `model`; None when one is not a field
    (a property, a method: it could read anything)."""
    fields = model.model_fields
    stored = set()
    for name in names:
        field = fields.get(name)
        if field is None:
            return None
        stored.add(field.alias or name)
    return frozenset(stored)


def declare_reads(graphql_type: GraphQLObjectType, reads: Mapping[str, Reads]) -> None:
    graphql_type.extensions = {**(graphql_type.extensions or {}), READS: dict(reads)}


def selected_reads(
    selections: Selections, sets: list[SelectionSetNode], graphql_type: GraphQLObjectType
) -> Reads:
    """The stored fields the selections read of a `graphql_type` object's document."""
    declared: dict[str, Reads] | None = (graphql_type.extensions or {}).get(READS)
    if declared is None:
        return None
    names: set[str] = set()
    for node in selections.fields(sets, graphql_type):
        name = node.name.value
        if name == "__typename":
            continue
        reads = declared.get(name)
        if reads is None:
            return None
        names |= reads
    return frozenset(names)
