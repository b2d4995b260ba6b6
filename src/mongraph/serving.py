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

A connection closed while its request is still arriving (a 408, a 400 for a bad head, the
413 of a body over the limit) closes lingering, as nginx does: closed at once with unread
bytes in the socket, or bytes still to come, the kernel resets the connection, and a reset
discards what the client has not read yet, the answer included. So the protocol sends the
answer and its end (`write_eof`), then reads and discards what still comes, until the
client closes, for at most `LINGER_SECONDS` and `LINGER_BYTES`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from typing import Any, ClassVar

import httptools
from typing_extensions import override
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from .config import Settings, get_settings
from .stack_room import UVICORN_LOOP

__all__ = ["LINGER_BYTES", "LINGER_SECONDS", "HeaderDeadlineProtocol", "uvicorn_options"]

_REQUEST_TIMEOUT = b"HTTP/1.1 408 Request Timeout\r\nconnection: close\r\ncontent-length: 0\r\n\r\n"
MAX_HEAD_BYTES = 16 * 1024
"""A request line and headers longer than this are refused (400), as h11 refused them."""
_TOO_LARGE = "Invalid HTTP request received."  # uvicorn's words for any malformed request
LINGER_SECONDS = 2.0
"""How long a connection refused mid-request reads what still comes before it closes."""
LINGER_BYTES = 4 * 1024 * 1024
"""How much it reads (and discards) at most: a request in flight when it was refused, and
what the client's and the kernel's buffers still hold."""


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
    _headers_due = 0.0
    """When the current head is overdue (the event loop's time)."""
    _timer_due = 0.0
    """When the timer that is set (`_header_deadline`) fires."""
    _receiving = False
    """From a request's first byte to its last: a close then lingers."""
    _lingering: asyncio.TimerHandle | None = None
    _discarded = 0
    _socket: asyncio.Transport
    """The connection's own transport (uvicorn and its request cycles get a `_Lingering` one)."""

    @classmethod
    def with_timeout(cls, seconds: float) -> type[HeaderDeadlineProtocol]:
        return type(cls.__name__, (cls,), {"header_timeout": seconds})

    @override
    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._socket = transport
        self.transport = _Lingering(transport, self._close)
        self._arm()

    @override
    def on_message_begin(self) -> None:  # the first byte of a request
        self._awaiting_headers = True
        self._receiving = True
        self._head_bytes = 0
        self._arm()
        super().on_message_begin()

    @override
    def on_message_complete(self) -> None:
        self._receiving = False
        super().on_message_complete()

    @override
    def handle_websocket_upgrade(self) -> None:
        self.transport = self._socket  # the WebSocket protocol takes the transport itself
        super().handle_websocket_upgrade()

    @override
    def data_received(self, data: bytes) -> None:
        if self._lingering is not None:
            self._discarded += len(data)
            if self._discarded > LINGER_BYTES:
                self._socket.close()
            return
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
        self._awaiting_headers = False  # the timer stays: the next request's head moves it
        if self.parser.get_http_version() == "1.1" and not any(
            name == b"host" for name, _ in self.headers
        ):  # RFC 9112 3.2 (h11 refused it; llhttp lets it through)
            raise _MissingHost
        super().on_headers_complete()

    @override
    def eof_received(self) -> None:
        if self._lingering is not None:
            self._socket.close()  # the client has read to our end, and closed its side
        super().eof_received()

    @override
    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        if self._lingering is not None:
            self._lingering.cancel()
        super().connection_lost(exc)

    def _close(self) -> None:
        """uvicorn's (and the deadline's) close: at once between requests, lingering while
        a request is still arriving."""
        socket = self._socket
        if self._lingering is not None or socket.is_closing():
            return
        if not self._receiving or not socket.can_write_eof():
            socket.close()
            return
        socket.write_eof()  # after what is buffered: the client reads our answer, then the end
        socket.resume_reading()  # uvicorn may have paused it (a body over 64 KiB unread)
        self._lingering = self.loop.call_later(LINGER_SECONDS, socket.close)

    def _arm(self) -> None:
        """The current head's deadline. A timer still set for an earlier one is kept, and
        moves on when it fires (`_headers_overdue`): one timer per deadline's length on a
        kept-alive connection, not one set and cancelled per request."""
        seconds = self.header_timeout or get_settings().mongraph_header_timeout
        self._headers_due = due = self.loop.time() + seconds
        if self._header_deadline is None:
            self._timer_due = due
            self._header_deadline = self.loop.call_at(due, self._headers_overdue)

    def _disarm(self) -> None:
        if self._header_deadline is not None:
            self._header_deadline.cancel()
            self._header_deadline = None

    def _headers_overdue(self) -> None:
        self._header_deadline = None
        if not self._awaiting_headers or self.transport.is_closing():
            return  # the next request's first byte sets it again
        if self._headers_due > self._timer_due:  # set for an earlier head
            self._timer_due = self._headers_due
            self._header_deadline = self.loop.call_at(self._headers_due, self._headers_overdue)
            return
        self.transport.write(_REQUEST_TIMEOUT)
        self.transport.close()


class _Lingering(asyncio.Transport):
    """A connection's transport whose `close` is the protocol's (lingering mid-request);
    once closed, it says so, and the rest goes to the connection's own transport."""

    def __init__(self, transport: asyncio.Transport, close: Callable[[], None]) -> None:
        super().__init__()
        self._transport = transport
        self._on_close = close
        self._closed = False

    @override
    def close(self) -> None:
        self._closed = True
        self._on_close()

    @override
    def is_closing(self) -> bool:
        return self._closed or self._transport.is_closing()

    @override
    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return self._transport.get_extra_info(name, default)

    @override
    def write(self, data: bytes | bytearray | memoryview) -> None:
        self._transport.write(data)

    @override
    def writelines(self, list_of_data: Iterable[bytes | bytearray | memoryview]) -> None:
        self._transport.writelines(list_of_data)

    @override
    def set_protocol(self, protocol: asyncio.BaseProtocol) -> None:
        self._transport.set_protocol(protocol)

    @override
    def get_protocol(self) -> asyncio.BaseProtocol:
        return self._transport.get_protocol()

    @override
    def is_reading(self) -> bool:
        return self._transport.is_reading()

    @override
    def pause_reading(self) -> None:
        self._transport.pause_reading()

    @override
    def resume_reading(self) -> None:
        self._transport.resume_reading()

    @override
    def get_write_buffer_size(self) -> int:
        return self._transport.get_write_buffer_size()

    @override
    def abort(self) -> None:
        self._closed = True
        self._transport.abort()


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
        # Without it uvicorn waits for every request in flight to end on SIGTERM, a body
        # still arriving for up to MONGRAPH_BODY_TIMEOUT.
        "timeout_graceful_shutdown": settings.mongraph_shutdown_grace,
    }
