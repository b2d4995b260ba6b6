"""Parsed and validated documents, by their text: clients send the same few documents, so
each is parsed and validated once (per schema, parse options and validation rules)."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from graphql import ASTValidationRule, DocumentNode, GraphQLError, GraphQLSchema, parse

from ..framework import validate_document

__all__ = ["DocumentCache"]


class DocumentCache:
    """One schema's parsed documents (by text and parse options) and their validation
    errors (by parsed document and rules), the `maxsize` most recent of each.

    A document that does not parse is not kept: `parse` raises, as graphql-core's does.
    A hit hands back the objects of the first request (the document, the list of errors):
    they are shared, never changed. A validation entry holds its document and is found by
    that document's identity, not its (recursive, per-request) structural hash: the parse
    cache hands the same text the same document.
    """

    def __init__(self, schema: GraphQLSchema, maxsize: int) -> None:
        self.schema = schema
        self.maxsize = maxsize
        self._parse = lru_cache(maxsize=maxsize)(parse)
        self._errors: OrderedDict[
            int, tuple[DocumentNode, tuple[type[ASTValidationRule], ...], list[GraphQLError]]
        ] = OrderedDict()

    def parse(self, query: str, **options: Any) -> DocumentNode:
        document: DocumentNode = self._parse(query, **options)
        return document

    def validate(
        self, document: DocumentNode, rules: Sequence[type[ASTValidationRule]]
    ) -> list[GraphQLError]:
        rules = tuple(rules)
        entry = self._errors.get(id(document))
        if entry is not None and entry[0] is document and entry[1] == rules:
            self._errors.move_to_end(id(document))
            return entry[2]
        errors: list[GraphQLError] = validate_document(self.schema, document, rules)
        self._errors[id(document)] = (document, rules, errors)
        self._errors.move_to_end(id(document))
        if len(self._errors) > self.maxsize:
            self._errors.popitem(last=False)  # the least recently used
        return errors
