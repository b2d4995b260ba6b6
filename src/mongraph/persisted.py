"""Persisted operations: Apollo's automatic persisted queries (APQ) and trusted documents.

A request may name its document instead of sending it:

- APQ: `extensions.persistedQuery = {version: 1, sha256Hash}`. An unknown hash answers
  `PERSISTED_QUERY_NOT_FOUND`, and the client sends the document with the hash once; it
  is stored (in MongoDB, for every gateway instance) once it has validated, and only when
  the request was authenticated, so anonymous callers cannot fill the store.
- Trusted documents: `documentId` (`"sha256:<hex>"` or the bare hex), looked up in the
  manifest of `MONGRAPH_TRUSTED_DOCUMENTS` (`{"<hash>": "<document>"}`, as GraphQL Code
  Generator's client preset writes it). With `MONGRAPH_TRUSTED_ONLY=1` only those run:
  a free-form document is `PERSISTED_QUERY_ID_REQUIRED` and an unknown one
  `PERSISTED_QUERY_NOT_IN_LIST`, both before the document is parsed.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import orjson
from graphql import GraphQLError
from strawberry.http import GraphQLRequestData
from strawberry.types import ExecutionResult

from .config import Settings
from .datastore.client import Datastore
from .datastore.persisted import PersistedQueries
from .errors import ErrorCode
from .framework import PreExecutionError
from .media import request_error_status

__all__ = [
    "NOT_FOUND_MESSAGE",
    "NamedRequest",
    "PersistedOperations",
    "Refused",
    "document_id_in",
    "load_manifest",
    "sha256_hex",
]

log = logging.getLogger("mongraph")
NOT_FOUND_MESSAGE = "PersistedQueryNotFound"  # the text Apollo's and urql's links look for
_HEX = re.compile(r"[0-9a-f]{64}")
_PREFIX = "sha256:"


class Refused(Exception):
    """A request refused before its document was parsed, with a contract `ErrorCode`."""

    def __init__(self, code: ErrorCode, message: str) -> None:
        super().__init__(message)
        self.code = code

    def result(self) -> ExecutionResult:
        error = GraphQLError(str(self), extensions={"code": self.code.value})
        return PreExecutionError(data=None, errors=[error])


def sha256_hex(document: str) -> str:
    return hashlib.sha256(document.encode()).hexdigest()


def _hash(raw: object, what: str) -> str:
    """`sha256:<hex>` or `<hex>` (64 lowercase hex digits) as the bare hex."""
    text = raw.removeprefix(_PREFIX) if isinstance(raw, str) else None
    if text is None or not _HEX.fullmatch(text):
        raise Refused(ErrorCode.BAD_USER_INPUT, f"{what} must be a SHA-256 in hex (sha256:<hex>)")
    return text


def load_manifest(path: Path) -> dict[str, str]:
    """`{"<sha256 hex>" or "sha256:<hex>": "<document>"}`, each key the hash of its document."""
    try:
        parsed = orjson.loads(path.read_bytes())
    except (OSError, orjson.JSONDecodeError) as error:
        raise ValueError(f"trusted documents {path}: cannot read a JSON object: {error}") from error
    if not isinstance(parsed, dict):
        raise ValueError(f"trusted documents {path}: not a JSON object of hash: document")
    manifest: dict[str, str] = {}
    for key, document in parsed.items():
        try:
            digest = _hash(key, "a key")
        except Refused:
            digest = ""
        if not isinstance(document, str) or digest != sha256_hex(document):
            raise ValueError(
                f"trusted documents {path}: {key!r} is not the SHA-256 of its document"
            )
        manifest[digest] = document
    return manifest


async def document_id_in(method: str, params: Callable[[], Any], body: Callable[[], Any]) -> object:
    """The request's `documentId` (GET parameter or JSON body member), unchecked; `params`
    gives the query parameters (only a GET's are parsed)."""
    if method == "GET":
        return params().get("documentId")
    raw: bytes | str = await body()
    if b"documentId" not in (raw if isinstance(raw, bytes) else raw.encode()):
        return None  # most bodies: no second look at the JSON
    parsed = orjson.loads(raw)
    return parsed.get("documentId") if isinstance(parsed, dict) else None


@dataclass
class NamedRequest(GraphQLRequestData):
    """A request that may name its document by `documentId` instead of sending it."""

    document_id: object = None


@dataclass(frozen=True)
class Resolved:
    """The request with its document, and the hash to store it under once it validated."""

    request: GraphQLRequestData
    register: str | None = None


class PersistedOperations:
    """Turns a request that names its document into one that carries it (or refuses it)."""

    def __init__(self, settings: Settings, store_of: Callable[[], Datastore]) -> None:
        path = settings.mongraph_trusted_documents
        self._trusted = load_manifest(path) if path is not None else {}
        self._trusted_only = settings.mongraph_trusted_only
        self._settings = settings
        self._store_of = store_of
        self._queries: PersistedQueries | None = None

    @property
    def required(self) -> frozenset[str] | None:
        """In trusted-only mode the hashes of the only documents that may run; else None."""
        return frozenset(self._trusted) if self._trusted_only else None

    @property
    def queries(self) -> PersistedQueries:
        if self._queries is None:
            self._queries = PersistedQueries(
                self._store_of(),
                max_bytes=self._settings.mongraph_apq_max_bytes,
                max_documents=self._settings.mongraph_apq_max_documents,
            )
        return self._queries

    async def resolve(self, request: GraphQLRequestData) -> Resolved:
        raw_id = request.document_id if isinstance(request, NamedRequest) else None
        apq = (request.extensions or {}).get("persistedQuery")
        if raw_id is not None:
            if request.query is not None or apq is not None:
                raise Refused(ErrorCode.BAD_USER_INPUT, "send documentId or a document, not both")
            return Resolved(replace(request, query=self._listed(_hash(raw_id, "documentId"))))
        if apq is not None:
            return await self._automatic(request, apq)
        if self._trusted_only:
            raise Refused(
                ErrorCode.PERSISTED_QUERY_ID_REQUIRED,
                "this gateway runs only its trusted documents: send a documentId",
            )
        return Resolved(request)

    def _listed(self, digest: str) -> str:
        document = self._trusted.get(digest)
        if document is None:
            raise Refused(
                ErrorCode.PERSISTED_QUERY_NOT_IN_LIST,
                f"document {_PREFIX}{digest} is not among this gateway's trusted documents",
            )
        return document

    async def _automatic(self, request: GraphQLRequestData, apq: object) -> Resolved:
        if not isinstance(apq, dict) or apq.get("version") != 1:
            raise Refused(ErrorCode.BAD_USER_INPUT, "persistedQuery: only version 1 is supported")
        digest = _hash(apq.get("sha256Hash"), "persistedQuery.sha256Hash")
        if request.query is not None and sha256_hex(request.query) != digest:
            raise Refused(ErrorCode.BAD_USER_INPUT, "provided sha256Hash does not match query")
        if self._trusted_only or digest in self._trusted:
            return Resolved(replace(request, query=self._listed(digest)))
        if request.query is not None:
            return Resolved(request, register=digest)
        stored = await self.queries.find(digest)
        if stored is None:
            raise Refused(ErrorCode.PERSISTED_QUERY_NOT_FOUND, NOT_FOUND_MESSAGE)
        return Resolved(replace(request, query=stored))

    async def remember(self, resolved: Resolved, result: ExecutionResult, viewer: object) -> None:
        """Stores an APQ document that validated and ran for an authenticated caller."""
        query = resolved.request.query
        if resolved.register is None or query is None or viewer is None:
            return
        if request_error_status(result) is not None:
            return  # it did not parse, validate or run: nothing to remember
        try:
            await self.queries.save(resolved.register, query)
        except Exception:  # the answer stands; the client will send the document again
            log.warning("could not store a persisted query", exc_info=True)
