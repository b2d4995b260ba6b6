"""Error codes and the domain exceptions that carry them.

Nothing here knows GraphQL: resolvers turn a `DomainError` into a `UserError`
(mutations) or a GraphQL error with `extensions.code` (queries).
"""

from __future__ import annotations

from enum import Enum

__all__ = [
    "ERROR_CODE_MEANINGS",
    "ApiError",
    "BadInput",
    "Conflict",
    "DomainError",
    "ErrorCode",
    "Forbidden",
    "NotFound",
    "Unauthenticated",
]


class ErrorCode(Enum):
    """Codes of `userErrors` and of `extensions.code` on GraphQL errors."""

    BAD_USER_INPUT = "BAD_USER_INPUT"
    NOT_FOUND = "NOT_FOUND"
    CONFLICT = "CONFLICT"
    FORBIDDEN = "FORBIDDEN"
    UNAUTHENTICATED = "UNAUTHENTICATED"
    INSUFFICIENT_CREDIT = "INSUFFICIENT_CREDIT"
    INTERNAL = "INTERNAL"
    SERVICE_UNAVAILABLE = "SERVICE_UNAVAILABLE"
    QUERY_TOO_DEEP = "QUERY_TOO_DEEP"
    TOO_MANY_ALIASES = "TOO_MANY_ALIASES"
    QUERY_TOO_COMPLEX = "QUERY_TOO_COMPLEX"
    TOO_MANY_SUBSCRIPTIONS = "TOO_MANY_SUBSCRIPTIONS"
    WRITE_CONFLICT = "WRITE_CONFLICT"
    PERSISTED_QUERY_NOT_FOUND = "PERSISTED_QUERY_NOT_FOUND"
    PERSISTED_QUERY_NOT_IN_LIST = "PERSISTED_QUERY_NOT_IN_LIST"
    PERSISTED_QUERY_ID_REQUIRED = "PERSISTED_QUERY_ID_REQUIRED"


ERROR_CODE_MEANINGS: dict[ErrorCode, str] = {
    ErrorCode.BAD_USER_INPUT: "The request or an input value is malformed, invalid or out of "
    "range (a document that does not parse or validate, a bad id, a too long name). "
    "Not retryable: fix the request.",
    ErrorCode.NOT_FOUND: "No such object, or one the viewer may not see: the two answers are "
    "the same. Not retryable.",
    ErrorCode.CONFLICT: "The change contradicts the current state (an identity linked "
    "elsewhere, a restore under a deleted parent). Not retryable as it is.",
    ErrorCode.FORBIDDEN: "The credentials are valid but may not do this (an admin-only "
    "operation, a suspended account). Not retryable.",
    ErrorCode.UNAUTHENTICATED: "No valid credentials: the API key is missing where one is "
    "needed, unknown, revoked or malformed. Not retryable with the same key.",
    ErrorCode.INSUFFICIENT_CREDIT: "A debit would take the balance below zero; nothing "
    "changed. Not retryable until credit is added.",
    ErrorCode.INTERNAL: "An unexpected server error; the details are in the gateway's log, "
    "not in the response. Retrying is unlikely to help.",
    ErrorCode.SERVICE_UNAVAILABLE: "The database did not answer within the deadline; "
    "nothing is known to have changed. Retryable, with backoff.",
    ErrorCode.QUERY_TOO_DEEP: "The document nests fields deeper than the gateway allows "
    "(MONGRAPH_MAX_DEPTH). Not retryable: make it shallower.",
    ErrorCode.TOO_MANY_ALIASES: "The document has more aliases than the gateway allows "
    "(MONGRAPH_MAX_ALIASES). Not retryable: use fewer.",
    ErrorCode.QUERY_TOO_COMPLEX: "The operation's cost, tokens or directives are over the "
    "gateway's limits. Not retryable: ask for smaller pages or fewer fields.",
    ErrorCode.TOO_MANY_SUBSCRIPTIONS: "The viewer, or this gateway process, already holds "
    "as many live subscriptions as allowed. Retryable once another one has ended.",
    ErrorCode.WRITE_CONFLICT: "The write kept losing to concurrent writes on the same "
    "objects until its deadline; nothing changed. Retryable.",
    ErrorCode.PERSISTED_QUERY_NOT_FOUND: "Automatic persisted queries: the gateway does not "
    "know this hash. Retry with the document and the hash together (the protocol's next "
    "step).",
    ErrorCode.PERSISTED_QUERY_NOT_IN_LIST: "This documentId (or hash) is not among the "
    "gateway's trusted documents. Not retryable: the app's manifest must list it.",
    ErrorCode.PERSISTED_QUERY_ID_REQUIRED: "The gateway runs only its trusted documents: "
    "send a documentId instead of a document. Not retryable as it is.",
}
"""What each code means, and whether sending the same request again can succeed."""


class DomainError(Exception):
    """An expected failure: safe to show to the client as it is.

    `field` is the path to the offending input, e.g. ``("input", "name")``.
    """

    code: ErrorCode = ErrorCode.INTERNAL

    def __init__(self, message: str, *, field: tuple[str, ...] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class BadInput(DomainError):
    code = ErrorCode.BAD_USER_INPUT


class NotFound(DomainError):
    code = ErrorCode.NOT_FOUND


class Conflict(DomainError):
    code = ErrorCode.CONFLICT


class Forbidden(DomainError):
    code = ErrorCode.FORBIDDEN


class Unauthenticated(DomainError):
    code = ErrorCode.UNAUTHENTICATED


class ApiError(DomainError):
    """A domain error with an explicit code (limits, unavailability)."""

    def __init__(
        self, code: ErrorCode, message: str, *, field: tuple[str, ...] | None = None
    ) -> None:
        super().__init__(message, field=field)
        self.code = code
