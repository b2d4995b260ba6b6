"""Error codes and the domain exceptions that carry them.

Nothing here knows GraphQL: resolvers turn a `DomainError` into a `UserError`
(mutations) or a GraphQL error with `extensions.code` (queries).
"""

from __future__ import annotations

from enum import Enum

__all__ = [
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
    PERSISTED_QUERY_NOT_FOUND = "PERSISTED_QUERY_NOT_FOUND"
    PERSISTED_QUERY_NOT_IN_LIST = "PERSISTED_QUERY_NOT_IN_LIST"
    PERSISTED_QUERY_ID_REQUIRED = "PERSISTED_QUERY_ID_REQUIRED"


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
