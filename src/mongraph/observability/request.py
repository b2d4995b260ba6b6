"""What is known about the request being served, reachable from any code it runs.

A context variable, so DataLoader batches and driver callbacks (which run in tasks
created from the request's context) add to the right request without plumbing.
"""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import AbstractContextManager, nullcontext
from contextvars import ContextVar, Token
from dataclasses import dataclass, field
from typing import Protocol

__all__ = ["RequestInfo", "begin", "current_request", "end", "observe_batch", "record_errors"]


class BatchObserver(Protocol):
    """What a request needs of its telemetry (`telemetry.Telemetry`)."""

    def batch(self, collection: str, kind: str, size: int) -> AbstractContextManager[None]: ...


@dataclass(slots=True, eq=False)
class RequestInfo:
    request_id: str
    telemetry: BatchObserver
    operation: str | None = None
    """The name of the operation executed; None for an anonymous one (or none at all)."""
    operation_type: str | None = None
    error_codes: list[str] = field(default_factory=list)
    authenticated: bool = False
    """Whether the request's credentials named an account."""
    client_gone: bool = False
    """The client disconnected before its request was read (answered 499, nginx's code)."""
    db_commands: int = 0


_current: ContextVar[RequestInfo | None] = ContextVar("mongraph_request", default=None)
_NOTHING: AbstractContextManager[None] = nullcontext()


def current_request() -> RequestInfo | None:
    return _current.get()


def begin(info: RequestInfo) -> Token[RequestInfo | None]:
    return _current.set(info)


def end(token: Token[RequestInfo | None]) -> None:
    _current.reset(token)


def record_errors(codes: Iterable[str]) -> None:
    """Error codes the response carries (GraphQL errors, refused bodies)."""
    info = _current.get()
    if info is not None:
        info.error_codes.extend(codes)


def observe_batch(collection: str, kind: str, size: int) -> AbstractContextManager[None]:
    """Around one DataLoader batch: its size is measured and it gets a span when tracing."""
    info = _current.get()
    if info is None:
        return _NOTHING
    return info.telemetry.batch(collection, kind, size)
