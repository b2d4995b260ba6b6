"""Shapes of recently run operations, so a client repeating its queries is measured once."""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

import orjson
from graphql import FragmentDefinitionNode, OperationDefinitionNode

from .cost import Limits, OperationShape, measure
from .cost_sizes import SchemaCosts

__all__ = ["ShapeCache"]


class ShapeCache:
    """Shapes of recently run operations, by operation node, variables and limits.

    One per schema (`limits._shapes_of`). The parser cache hands back the same node for
    the same document text, so a client repeating its queries is measured once per
    distinct set of variables. Entries hold their node, so an id reused after eviction
    cannot match. The shapes returned are shared between requests: read them, never
    change them.
    """

    MAX_VARIABLES_BYTES = 1024
    """Larger variables are measured every time rather than kept."""

    def __init__(self, maxsize: int = 256) -> None:
        self.maxsize = maxsize
        self._entries: OrderedDict[
            tuple[int, bytes, Limits], tuple[OperationDefinitionNode, OperationShape]
        ] = OrderedDict()

    def measure(
        self,
        costs: SchemaCosts,
        operation: OperationDefinitionNode,
        fragments: dict[str, FragmentDefinitionNode],
        variables: dict[str, Any],
        limits: Limits,
    ) -> OperationShape:
        try:
            given = orjson.dumps(variables, option=orjson.OPT_SORT_KEYS) if variables else b""
        except TypeError:
            given = None
        if given is not None:  # a copy of its size: orjson's bytes keep their 4 kB buffer
            given = bytes(memoryview(given))
        if given is None or len(given) > self.MAX_VARIABLES_BYTES:
            return measure(costs, operation, fragments, variables, limits)
        key = (id(operation), given, limits)
        entry = self._entries.get(key)
        if entry is not None and entry[0] is operation:
            self._entries.move_to_end(key)
            return entry[1]
        shape = measure(costs, operation, fragments, variables, limits)
        self._entries[key] = (operation, shape)
        if len(self._entries) > self.maxsize:
            self._entries.popitem(last=False)
        return shape
