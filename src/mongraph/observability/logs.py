"""One JSON object per log line, for log shippers (`MONGRAPH_LOG_FORMAT=json`).

Every request writes one line, so the line is made cheaply: orjson, the timestamp's
second formatted once per second, no caller lookup, lines written in batches
(`BatchedStreamHandler`) rather than one system call each, and no `LogRecord` when that
handler is the only place the line would go (`direct_handler`).
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from datetime import UTC, datetime
from typing import Any

import orjson
from typing_extensions import override

__all__ = [
    "BatchedStreamHandler",
    "JsonFormatter",
    "TextFormatter",
    "configure_logging",
    "direct_handler",
]

_MILLISECONDS = tuple(f".{ms:03d}+00:00" for ms in range(1000))


class JsonFormatter(logging.Formatter):
    """`ts`, `level`, `logger`, `msg`, the record's `fields` (the request line) and `exc`."""

    def __init__(self) -> None:
        super().__init__()
        self._second = -1
        self._prefix = ""

    def _timestamp(self, created: float) -> str:
        second = int(created)
        if second != self._second:  # one line's worth of datetime formatting per second
            moment = datetime.fromtimestamp(second, UTC)
            self._prefix, self._second = moment.strftime("%Y-%m-%dT%H:%M:%S"), second
        return self._prefix + _MILLISECONDS[min(int((created - second) * 1000), 999)]

    @override
    def format(self, record: logging.LogRecord) -> str:
        return self.line(record).decode()

    def line(self, record: logging.LogRecord) -> bytes:
        """The record as JSON, UTF-8 encoded (what `BatchedStreamHandler` writes)."""
        fields = getattr(record, "fields", None)
        exc = self.formatException(record.exc_info) if record.exc_info else None
        return self.encode(
            record.created,
            record.levelname.lower(),
            record.name,
            record.getMessage(),
            fields if isinstance(fields, dict) else None,
            exc,
        )

    def encode(
        self,
        created: float,
        level: str,
        logger: str,
        msg: str,
        fields: dict[str, Any] | None = None,
        exc: str | None = None,
    ) -> bytes:
        """A line of these parts: what `line` makes of a record, and `BatchedStreamHandler.info`
        of the same parts without one."""
        line: dict[str, Any] = {
            "ts": self._timestamp(created),
            "level": level,
            "logger": logger,
            "msg": msg,
        }
        if fields is not None:
            line.update(fields)
        if exc is not None:
            line["exc"] = exc
        return orjson.dumps(line, default=str, option=orjson.OPT_NON_STR_KEYS)


class TextFormatter(logging.Formatter):
    """`LEVEL logger message key=value ...` for a terminal."""

    def __init__(self) -> None:
        super().__init__("%(levelname)s %(name)s %(message)s")

    @override
    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            text += "".join(f" {key}={json.dumps(value)}" for key, value in fields.items())
        return text


class BatchedStreamHandler(logging.Handler):
    """Lines to a file descriptor (stderr), written together: whenever `flush_seconds`
    have passed (a daemon thread), when a WARNING or worse arrives, when `max_bytes`
    are waiting, and at exit (`logging.shutdown` flushes every handler). A line reaches
    the log at most `flush_seconds` after it was made, at one system call per batch."""

    def __init__(self, fd: int = 2, *, flush_seconds: float = 0.1, max_bytes: int = 65536) -> None:
        super().__init__()
        self.fd = fd
        self.max_bytes = max_bytes
        self._pending: list[bytes] = []
        self._size = 0
        self._stop = threading.Event()
        self._timer = threading.Thread(
            target=self._flush_every, args=(flush_seconds,), name="mongraph-log", daemon=True
        )
        self._timer.start()

    @override
    def emit(self, record: logging.LogRecord) -> None:
        try:
            formatter = self.formatter
            if isinstance(formatter, JsonFormatter):
                line = formatter.line(record) + b"\n"
            else:
                line = (self.format(record) + "\n").encode()
        except Exception:
            self.handleError(record)
            return
        self.write(line, urgent=record.levelno >= logging.WARNING)

    def write(self, line: bytes, *, urgent: bool = False) -> None:
        """Queues a whole line (ending in a newline); `urgent` writes it out now."""
        with self.lock:  # type: ignore[union-attr]
            self._pending.append(line)
            self._size += len(line)
            due = urgent or self._size >= self.max_bytes
        if due:
            self.flush()

    def info(self, logger: str, msg: str, fields: dict[str, Any]) -> None:
        """An INFO line as `emit` would write it for a record of `logger` carrying
        `fields`, made without the record (`direct_handler` says when that is the same)."""
        formatter = self.formatter
        assert isinstance(formatter, JsonFormatter)
        self.write(formatter.encode(time.time(), "info", logger, msg, fields) + b"\n")

    @override
    def flush(self) -> None:
        with self.lock:  # type: ignore[union-attr]
            data, self._pending, self._size = b"".join(self._pending), [], 0
            while data:
                try:
                    data = data[os.write(self.fd, data) :]
                except BlockingIOError:  # a full non-blocking pipe: keep the rest
                    self._pending, self._size = [data], len(data)
                    return
                except OSError:  # the reader is gone: nothing to keep it for
                    return

    @override
    def close(self) -> None:
        self._stop.set()
        self.flush()
        super().close()

    def _flush_every(self, seconds: float) -> None:
        while not self._stop.wait(seconds):
            if self._pending:
                self.flush()


def direct_handler(logger: logging.Logger) -> BatchedStreamHandler | None:
    """The handler an INFO record of `logger` would reach when it reaches that one alone,
    it is a `BatchedStreamHandler` formatting JSON, and no filter on the way could drop or
    change the record: then `handler.info` writes the line `logger.info` would, at a third
    of the cost (a `LogRecord` and logging's dispatch are most of a request line's). Any
    other setup (a test's capture handler, a filter, text lines) gets None: log as usual.
    Looked up on each call, so a handler added or removed later is seen at once."""
    found: BatchedStreamHandler | None = None
    current: logging.Logger | None = logger
    while current is not None:
        if current.filters:
            return None
        for handler in current.handlers:
            if (
                found is not None
                or type(handler) is not BatchedStreamHandler
                or type(handler.formatter) is not JsonFormatter
                or handler.filters
                or handler.level > logging.INFO
            ):
                return None
            found = handler
        current = current.parent if current.propagate else None
    return found


def configure_logging(fmt: str, level: int = logging.INFO) -> None:
    """The root handler on stderr, JSON or `LEVEL logger message` text."""
    # The logging HOWTO's optimizations: no formatter here prints a record's caller,
    # thread or process, and looking them up was a third of a request line's cost.
    logging._srcfile = None
    logging.logThreads = False
    logging.logProcesses = False
    logging.logMultiprocessing = False
    handler = BatchedStreamHandler()
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    logging.basicConfig(level=level, handlers=[handler], force=True)
