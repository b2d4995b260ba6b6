"""How uvicorn serves the gateway: the options `mongraph serve` passes, and a deadline on
each request's headers, which uvicorn does not have.

uvicorn's keep-alive timer runs only between requests, until a client's first byte: a
client that then sends one header byte every few seconds (slowloris) held its connection
for as long as it liked. `HeaderDeadlineProtocol` gives the headers of every request
`MONGRAPH_HEADER_TIMEOUT` seconds from its first byte (from the connection's opening for
the first request); the body has its own deadline in the app (http_refusals.BodyReader).
"""

from __future__ import annotations

import asyncio
from typing import Any, ClassVar

import h11
from typing_extensions import override
from uvicorn.protocols.http.h11_impl import H11Protocol

from .config import Settings, get_settings
from .stack_room import UVICORN_LOOP

__all__ = ["HeaderDeadlineProtocol", "uvicorn_options"]

_REQUEST_TIMEOUT = b"HTTP/1.1 408 Request Timeout\r\nconnection: close\r\ncontent-length: 0\r\n\r\n"


class HeaderDeadlineProtocol(H11Protocol):
    """uvicorn's h11 protocol; a request whose headers are not all in by the deadline is
    answered 408 and its connection closed."""

    header_timeout: ClassVar[float | None] = None
    """None: `MONGRAPH_HEADER_TIMEOUT` from the environment (a `--workers` process)."""

    _header_deadline: asyncio.TimerHandle | None = None

    @classmethod
    def with_timeout(cls, seconds: float) -> type[HeaderDeadlineProtocol]:
        return type(cls.__name__, (cls,), {"header_timeout": seconds})

    @override
    @override
    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()

    @override
    def data_received(self, data: bytes) -> None:
        if self._awaiting_headers():
            self._arm()  # the first bytes of the next request on a kept-alive connection
        super().data_received(data)
        if not self._awaiting_headers():
            self._disarm()

    @override
    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _awaiting_headers(self) -> bool:
        return self.conn.their_state is h11.IDLE

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
        if self._awaiting_headers() and not self.transport.is_closing():
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
