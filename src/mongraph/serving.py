"""How uvicorn serves the gateway: the options `mongraph serve` passes, and a deadline on
each request's headers, which uvicorn does not have.

uvicorn's keep-alive timer runs only between requests, until a client's first byte: a
client that then sends one header byte every few seconds (slowloris) held its connection
for as long as it liked. `HeaderDeadlineProtocol` gives the headers of every request
`MONGRAPH_HEADER_TIMEOUT` seconds from its first byte (from the connection's opening for
the first request); the body has its own deadline in the app (http_refusals.BodyReader).

It is uvicorn's httptools protocol (llhttp, in C), what uvicorn picks by itself: on the
smallest request h11's pure-Python parser cost a third of the throughput (bare Strawberry
measured 2,495 against 3,725 req/s under h11). h11 refuses a request whose head does not
fit its 16 KiB buffer, and llhttp (which keeps a header's pieces until it ends) has no
such bound, so the protocol counts the bytes of a head itself.
"""

from __future__ import annotations

import asyncio
from typing import Any, ClassVar

import httptools
from typing_extensions import override
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from .config import Settings, get_settings
from .stack_room import UVICORN_LOOP

__all__ = ["HeaderDeadlineProtocol", "uvicorn_options"]

_REQUEST_TIMEOUT = b"HTTP/1.1 408 Request Timeout\r\nconnection: close\r\ncontent-length: 0\r\n\r\n"
MAX_HEAD_BYTES = 16 * 1024
"""A request line and headers longer than this are refused (400), as h11 refused them."""
_TOO_LARGE = "Invalid HTTP request received."  # uvicorn's words for any malformed request


class _MissingHost(httptools.HttpParserCallbackError):
    """An HTTP/1.1 request without `Host`: uvicorn answers it as any malformed request."""


class HeaderDeadlineProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol; a request whose headers are not all in by the deadline
    is answered 408 and its connection closed, one whose head is over `MAX_HEAD_BYTES` 400
    (and closed)."""

    header_timeout: ClassVar[float | None] = None
    """None: `MONGRAPH_HEADER_TIMEOUT` from the environment (a `--workers` process)."""

    _header_deadline: asyncio.TimerHandle | None = None
    _awaiting_headers = True
    """From the connection's opening, and from each request's first byte to its headers' end."""
    _head_bytes = 0

    @classmethod
    def with_timeout(cls, seconds: float) -> type[HeaderDeadlineProtocol]:
        return type(cls.__name__, (cls,), {"header_timeout": seconds})

    @override
    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()

    @override
    def on_message_begin(self) -> None:  # the first byte of a request
        self._awaiting_headers = True
        self._head_bytes = 0
        self._arm()
        super().on_message_begin()

    @override
    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self._awaiting_headers and not self.transport.is_closing():
            # all of it is head: a body starts only once the headers are complete
            self._head_bytes += len(data)
            if self._head_bytes > MAX_HEAD_BYTES:
                self._disarm()
                self.logger.warning(_TOO_LARGE)
                self.send_400_response(_TOO_LARGE)

    @override
    def on_headers_complete(self) -> None:
        self._awaiting_headers = False
        self._disarm()
        if self.parser.get_http_version() == "1.1" and not any(
            name == b"host" for name, _ in self.headers
        ):  # RFC 9112 3.2 (h11 refused it; llhttp lets it through)
            raise _MissingHost
        super().on_headers_complete()

    @override
    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _arm(self) -> None:
        if self._header_deadline is None:
            seconds = self.header_timeout or get_settings().mongraph_header_timeout
            self._header_deadline = self.loop.call_later(seconds, self._headers_overdue)

    def _disarm(self) -> None:
        if self._header_deadline is not None:
            self._header_deadline.cancel()
            self._header_deadline = None

    def _headers_overdue(self) -> None:
        self._header_deadline = None
        if self._awaiting_headers and not self.transport.is_closing():
            self.transport.write(_REQUEST_TIMEOUT)
            self.transport.close()


def uvicorn_options(settings: Settings, *, workers: bool = False) -> dict[str, Any]:
    """uvicorn's keyword arguments for the gateway, as `serve` runs it (host and port aside).

    With `workers`, the protocol reads its deadline from the environment in each worker
    (a class made here could not be handed to a worker process).
    """
    protocol = (
        HeaderDeadlineProtocol
        if workers
        else HeaderDeadlineProtocol.with_timeout(settings.mongraph_header_timeout)
    )
    return {
        "http": protocol,
        "loop": UVICORN_LOOP,
        # Our request line replaces uvicorn's access log (which would log query strings),
        # and uvicorn's own records go through the root handler (JSON or text).
        "log_config": None,
        "access_log": False,
        # A bigger frame is refused (1009) before it is buffered; the app checks too.
        "ws_max_size": settings.mongraph_max_body_bytes,
        # Beyond it uvicorn answers 503 at once instead of taking on more work.
        "limit_concurrency": settings.mongraph_max_connections,
    }
