"""The units the cost model bounds, counted in a response, and documents that attack it."""

from __future__ import annotations

from typing import Any

from graphql.language import Lexer, Source, TokenKind

LIMIT_CODES = {"QUERY_TOO_COMPLEX", "QUERY_TOO_DEEP", "TOO_MANY_ALIASES"}


def response_units(value: Any) -> int:
    """2 for each object and 1 for each scalar or null under `value` (a response's `data`,
    itself not counted): what `extensions.cost` is an upper bound of."""
    if isinstance(value, dict):
        items: Any = value.values()
    elif isinstance(value, list):
        items = value
    else:
        return 1
    return sum(2 + response_units(v) if isinstance(v, dict) else response_units(v) for v in items)


def token_count(text: str) -> int:
    lexer = Lexer(Source(text))
    count = 0
    while lexer.advance().kind != TokenKind.EOF:
        count += 1
    return count


def fan_out(levels: int) -> str:
    """Fragment F_k spreads F_(k+1) three times: 3^levels `__typename`s from a few hundred
    bytes, for a walk that expands every spread."""
    fragments = [
        f"fragment F{k} on Query {{ ...F{k + 1} ...F{k + 1} ...F{k + 1} }}"
        for k in range(1, levels)
    ]
    fragments.append(f"fragment F{levels} on Query {{ __typename }}")
    return "query { ...F1 }\n" + "\n".join(fragments)
