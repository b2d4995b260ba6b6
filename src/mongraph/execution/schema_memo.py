"""A value computed once per schema and kept on the schema itself (its `extensions`).

Not in a module-level or weak-keyed cache: a value that refers to its schema kept every
schema ever built alive there (a test session builds one per test)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from graphql import GraphQLSchema

__all__ = ["kept_on"]

T = TypeVar("T")


def kept_on(schema: GraphQLSchema, key: str, make: Callable[[GraphQLSchema], T]) -> T:
    """The value under `key` in the schema's extensions, made by `make` on first use."""
    extensions = schema.extensions or {}
    if key not in extensions:
        extensions = {**extensions, key: make(schema)}
        schema.extensions = extensions
    value: T = extensions[key]
    return value
