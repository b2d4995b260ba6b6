"""One app's metrics, tracing and request log, built once when the app is created."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Hashable, Mapping
from contextlib import AbstractContextManager, nullcontext
from typing import TYPE_CHECKING, Any

from ..config import Settings
from ..datastore.monitoring import PoolState
from .logs import direct_handler
from .metrics import ANONYMOUS, Metrics
from .request import RequestInfo, current_request

if TYPE_CHECKING:
    from opentelemetry.trace import TracerProvider

    from .tracing import RequestSpan, Tracing

__all__ = ["Telemetry", "tracing_requested"]

log = logging.getLogger("mongraph.request")
_NOTHING: AbstractContextManager[None] = nullcontext()
_SERVER_ERRORS = frozenset({"INTERNAL", "SERVICE_UNAVAILABLE"})
_OTEL_ENDPOINTS = ("OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
MAX_LOGGED_NAME = 100


def tracing_requested(settings: Settings) -> bool:
    """`MONGRAPH_OTEL=1` or an OTLP endpoint in the environment, unless OTEL_SDK_DISABLED."""
    if os.environ.get("OTEL_SDK_DISABLED", "").strip().lower() == "true":
        return False
    return settings.mongraph_otel or any(os.environ.get(name) for name in _OTEL_ENDPOINTS)


def _tracing(settings: Settings, provider: TracerProvider | None) -> tuple[Tracing | None, bool]:
    if provider is None and not tracing_requested(settings):
        return None, False
    try:
        from .tracing import Tracing, otlp_provider
    except ImportError as exc:
        raise RuntimeError(
            "tracing is configured (MONGRAPH_OTEL or OTEL_EXPORTER_OTLP_*) but OpenTelemetry "
            "is not installed: install the `otel` extra (pip install 'mongraph[otel]')"
        ) from exc
    if provider is None:
        return Tracing(otlp_provider()), True
    return Tracing(provider), False


def outcome_of(status: int, codes: list[str]) -> str:
    if status >= 500 or any(code in _SERVER_ERRORS for code in codes):
        return "server_error"
    if status >= 400 or codes:
        return "client_error"
    return "ok"


class Telemetry:
    """Observes the datastore's commands (`CommandObserver`) and finishes each request."""

    def __init__(
        self,
        settings: Settings,
        *,
        pool: Callable[[], PoolState | None],
        subscriptions: Callable[[], int | None],
        tracer_provider: TracerProvider | None = None,
    ) -> None:
        self.metrics = (
            Metrics(
                max_operations=settings.mongraph_metrics_max_operations,
                pool=pool,
                subscriptions=subscriptions,
            )
            if settings.mongraph_metrics
            else None
        )
        self.tracing, self._owns_provider = _tracing(settings, tracer_provider)
        self.request_log = settings.mongraph_request_log

    # Datastore commands (CommandObserver).
    def command_started(self, key: Hashable, command: str, collection: str) -> None:
        if self.metrics is not None:
            self.metrics.db_command(collection, command)
        info = current_request()
        if info is not None:
            info.db_commands += 1
        if self.tracing is not None:
            self.tracing.command_started(key, command, collection)

    def command_ended(self, key: Hashable, failure: str | None) -> None:
        if self.tracing is not None:
            self.tracing.command_ended(key, failure)

    def batch(self, collection: str, kind: str, size: int) -> AbstractContextManager[None]:
        if self.metrics is not None:
            self.metrics.batch(collection, kind, size)
        if self.tracing is not None:
            return self.tracing.batch(collection, kind, size)
        return _NOTHING

    # Requests.
    def start(self, scope: Mapping[str, Any]) -> RequestSpan | None:
        if self.tracing is None or scope["type"] != "http":
            return None
        return self.tracing.start_request(scope["method"], scope["path"], scope["headers"])

    def finish(
        self,
        info: RequestInfo,
        scope: Mapping[str, Any],
        status: int,
        seconds: float,
        span: RequestSpan | None,
    ) -> None:
        http = scope["type"] == "http"
        outcome = outcome_of(status, info.error_codes) if http else "closed"
        if http and self.metrics is not None:
            # Only an authenticated request claims a new label: anonymous callers could
            # otherwise fill them all with invented names before the real operations.
            operation = (
                self.metrics.operation_label(info.operation, claim=info.authenticated)
                if info.operation
                else None
            )
            self.metrics.request(operation or ANONYMOUS, outcome, seconds, info.error_codes)
        trace_id = None
        if span is not None and self.tracing is not None:
            trace_id = self.tracing.trace_id(span)
            self.tracing.end_request(span, info, status, outcome)
        if self.request_log and log.isEnabledFor(logging.INFO):
            fields: dict[str, Any] = {
                "request_id": info.request_id,
                "method": scope.get("method", "WEBSOCKET"),
                "path": scope["path"],
                "status": status,
                "operation": (info.operation or ANONYMOUS)[:MAX_LOGGED_NAME],
                "operation_type": info.operation_type,
                "outcome": outcome,
                "duration_ms": round(seconds * 1000, 3),
                "error_codes": info.error_codes,
                "db_commands": info.db_commands,
            }
            if trace_id is not None:
                fields["trace_id"] = trace_id
            message = "request" if http else "websocket closed"
            handler = direct_handler(log)
            if handler is not None:
                handler.info(log.name, message, fields)
            else:
                log.info(message, extra={"fields": fields})

    def shutdown(self) -> None:
        if self.tracing is not None and self._owns_provider:
            self.tracing.shutdown()
