"""With introspection off, error messages must not teach the schema to a prober.

Validation messages name types and arguments the client never wrote ("Field 'viewer'
of type 'User!' must have a selection of subfields"); tools like clairvoyance rebuild
a schema from them. Each quoted schema name absent from the document is masked.
"""

from __future__ import annotations

import re

from graphql import GraphQLSchema, is_enum_type, is_input_object_type, is_object_type

__all__ = ["NameMask"]

_QUOTED = re.compile(r"'([^']*)'")
# What a coercion message says after the type: the client's value, as Python prints it
# ({'$ne': None}), and hints that name what the schema holds. Cut, not masked.
_ECHOES = (
    (re.compile(r"(cannot represent [^:]*value): .*$", re.DOTALL), r"\1."),
    (re.compile(r'(cannot represent an? \w+): ".*"\. ', re.DOTALL), r"\1. "),
    (re.compile(r", found: .*$", re.DOTALL), "."),
    (re.compile(r"\s*Did you mean .*$", re.DOTALL), ""),
)
_NAME = re.compile(r"[_A-Za-z][_0-9A-Za-z]*")
MASK = "'…'"


class NameMask:
    """Masks the schema's type, field, argument and enum value names in messages about a
    document, and cuts the values and suggestions coercion messages echo.

    Example::

        NameMask(schema).apply("Field 'viewer' of type 'User!' must ...", "{ viewer }")
        # "Field 'viewer' of type '…' must ..."
    """

    def __init__(self, schema: GraphQLSchema) -> None:
        names: set[str] = set()
        for type_name, gtype in schema.type_map.items():
            if type_name.startswith("__"):
                continue
            names.add(type_name)
            if is_object_type(gtype) or is_input_object_type(gtype):
                for field_name, field in gtype.fields.items():
                    names.add(field_name)
                    names.update(getattr(field, "args", {}) or {})
            elif is_enum_type(gtype):
                names.update(gtype.values)
        self._names = frozenset(names)

    def apply(self, message: str, document: str) -> str:
        written = set(_NAME.findall(document))

        def mask(match: re.Match[str]) -> str:
            token = match.group(1)
            hidden = any(n in self._names and n not in written for n in _NAME.findall(token))
            return MASK if hidden else match.group(0)

        for echo, replacement in _ECHOES:
            message = echo.sub(replacement, message)
        return _QUOTED.sub(mask, message)
