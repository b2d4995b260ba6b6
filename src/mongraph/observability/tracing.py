"""OpenTelemetry spans: one per request, per DataLoader batch, per MongoDB command.

Imported only when tracing is on, so the gateway runs without the `otel` extra.
Attribute names follow the OpenTelemetry semantic conventions (db.*, graphql.*, http.*).
"""

from __future__ import annotations

import os
from collections.abc import Hashable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from opentelemetry import context, propagate, trace
from opentelemetry.trace import Span, SpanKind, Status, StatusCode

from .request import RequestInfo

__all__ = ["RequestSpan", "Tracing", "otlp_provider"]

MAX_OPEN_COMMAND_SPANS = 10_000
_PROPAGATED = {b"traceparent", b"tracestate", b"baggage"}


def otlp_provider() -> trace.TracerProvider:
    """A provider exporting over OTLP/HTTP, configured by the standard OTEL_* variables."""
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.resources import SERVICE_NAME, Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    resource = Resource.create()
    if not os.environ.get("OTEL_SERVICE_NAME") and str(
        resource.attributes.get(SERVICE_NAME, "")
    ).startswith("unknown_service"):
        resource = resource.merge(Resource({SERVICE_NAME: "mongraph"}))
    provider = TracerProvider(resource=resource)
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    return provider


@dataclass(slots=True)
class RequestSpan:
    span: Span
    token: object


class Tracing:
    """Creates the gateway's spans from `provider` (the app's, not the global one)."""

    def __init__(self, provider: trace.TracerProvider) -> None:
        self.provider = provider
        self._tracer = provider.get_tracer("mongraph")
        self._commands: dict[Hashable, Span] = {}

    def start_request(
        self, method: str, path: str, headers: Iterable[tuple[bytes, bytes]]
    ) -> RequestSpan:
        """The request's span, current until `end_request`; joins the caller's trace if sent."""
        carrier = {
            name.decode("latin-1"): value.decode("latin-1")
            for name, value in headers
            if name in _PROPAGATED
        }
        parent = propagate.extract(carrier) if carrier else None
        span = self._tracer.start_span(
            f"{method} {path}",
            context=parent,
            kind=SpanKind.SERVER,
            attributes={"http.request.method": method, "url.path": path},
        )
        token = context.attach(trace.set_span_in_context(span, parent))
        return RequestSpan(span, token)

    def end_request(
        self, handle: RequestSpan, info: RequestInfo, status: int, outcome: str
    ) -> None:
        span = handle.span
        operation_type = info.operation_type or "graphql"
        span.update_name(f"{operation_type} {info.operation}" if info.operation else operation_type)
        attributes: dict[str, Any] = {
            "http.response.status_code": status,
            "mongraph.request_id": info.request_id,
            "mongraph.db_commands": info.db_commands,
            "mongraph.outcome": outcome,
        }
        if info.operation is not None:
            attributes["graphql.operation.name"] = info.operation
        if info.operation_type is not None:
            attributes["graphql.operation.type"] = info.operation_type
        if info.error_codes:
            attributes["mongraph.error_codes"] = info.error_codes
        span.set_attributes(attributes)
        if outcome == "server_error":
            span.set_status(Status(StatusCode.ERROR))
        context.detach(handle.token)  # type: ignore[arg-type]
        span.end()

    def trace_id(self, handle: RequestSpan) -> str:
        return format(handle.span.get_span_context().trace_id, "032x")

    @contextmanager
    def batch(self, collection: str, kind: str, size: int) -> Iterator[None]:
        with self._tracer.start_as_current_span(
            f"dataloader {collection}",
            kind=SpanKind.INTERNAL,
            attributes={
                "db.collection.name": collection,
                "mongraph.dataloader.kind": kind,
                "mongraph.dataloader.batch_size": size,
            },
        ):
            yield

    def command_started(self, key: Hashable, command: str, collection: str) -> None:
        if not trace.get_current_span().get_span_context().is_valid:
            return  # outside any request (the change stream, startup): not worth a trace
        if len(self._commands) >= MAX_OPEN_COMMAND_SPANS:
            self._commands.clear()  # ends never seen (cancelled tasks): do not grow forever
        self._commands[key] = self._tracer.start_span(
            f"{command} {collection}",
            kind=SpanKind.CLIENT,
            attributes={
                "db.system.name": "mongodb",
                "db.operation.name": command,
                "db.collection.name": collection,
            },
        )

    def command_ended(self, key: Hashable, failure: str | None) -> None:
        span = self._commands.pop(key, None)
        if span is None:
            return
        if failure is not None:
            span.set_attribute("error.type", failure)
            span.set_status(Status(StatusCode.ERROR))
        span.end()

    def shutdown(self) -> None:
        shutdown = getattr(self.provider, "shutdown", None)
        if shutdown is not None:
            shutdown()
