"""The request log's line and how it reaches stderr: the same JSON object as before, written
in batches (a system call per batch, not per request) and never lost at a warning or exit."""

from __future__ import annotations

import json
import logging
import os
import re
import subprocess
import sys
from collections.abc import Iterator

import pytest

from mongraph.observability.logs import (
    BatchedStreamHandler,
    JsonFormatter,
    TextFormatter,
    direct_handler,
)

FIELDS = {"request_id": "r1", "status": 200, "error_codes": ["X"], "duration_ms": 1.5, "é": "ü"}


def record(level: int = logging.INFO, msg: str = "request") -> logging.LogRecord:
    made = logging.LogRecord("mongraph.request", level, __file__, 1, msg, (), None)
    made.fields = FIELDS  # type: ignore[attr-defined]
    made.created = 1_700_000_000.25
    return made


@pytest.fixture
def pipe() -> Iterator[tuple[int, int]]:
    read, write = os.pipe()
    os.set_blocking(read, False)
    yield read, write
    os.close(read)
    os.close(write)


def waiting(fd: int) -> bytes:
    try:
        return os.read(fd, 1 << 20)
    except BlockingIOError:
        return b""


def test_the_json_line_keeps_every_field_and_the_timestamp_format() -> None:
    line = json.loads(JsonFormatter().format(record()))
    assert line == {
        "ts": "2023-11-14T22:13:20.250+00:00",
        "level": "info",
        "logger": "mongraph.request",
        "msg": "request",
        **FIELDS,
    }
    later = record()
    later.created = 1_700_000_001.999
    assert json.loads(JsonFormatter().format(later))["ts"] == "2023-11-14T22:13:21.999+00:00"


def test_a_line_made_without_a_record_is_the_records_line() -> None:
    formatter = JsonFormatter()
    made = record()
    direct = formatter.encode(made.created, "info", "mongraph.request", "request", FIELDS)
    assert direct == formatter.line(made)
    assert json.loads(direct)["ts"] == "2023-11-14T22:13:20.250+00:00"


def batched(write: int, formatter: logging.Formatter | None = None) -> BatchedStreamHandler:
    handler = BatchedStreamHandler(write, flush_seconds=3600)
    handler.setFormatter(formatter or JsonFormatter())
    return handler


def test_a_direct_line_is_written_in_its_batch_as_logging_writes_it(
    pipe: tuple[int, int],
) -> None:
    read, write = pipe
    handler = batched(write)
    try:
        handler.handle(record(msg="first"))
        handler.info("mongraph.request", "request", FIELDS)
        assert waiting(read) == b""  # batched like any other line
        handler.flush()
        via_logging, direct = (json.loads(x) for x in waiting(read).splitlines())
    finally:
        handler.close()
    assert via_logging.pop("ts")
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00", direct.pop("ts"))
    assert direct == {**via_logging, "msg": "request"}


def test_lines_go_direct_only_where_logging_would_write_them_to_that_handler_alone(
    pipe: tuple[int, int],
) -> None:
    _, write = pipe
    parent, child = logging.Logger("app"), logging.Logger("app.request")
    child.parent = parent
    assert direct_handler(child) is None  # nowhere to write
    handler = batched(write)
    other = batched(write)
    try:
        parent.addHandler(handler)
        assert direct_handler(child) is handler
        capture = logging.Handler()  # as pytest's caplog adds one
        parent.addHandler(capture)
        assert direct_handler(child) is None
        parent.removeHandler(capture)
        child.addHandler(other)
        assert direct_handler(child) is None  # two handlers would see the record
        child.propagate = False
        assert direct_handler(child) is other
        child.propagate = True
        child.removeHandler(other)
        for undirect in (
            lambda: child.addFilter(lambda r: True),
            lambda: handler.addFilter(lambda r: True),
        ):
            undirect()
            assert direct_handler(child) is None
            child.filters.clear()
            handler.filters.clear()
        assert direct_handler(child) is handler
        handler.setLevel(logging.WARNING)
        assert direct_handler(child) is None
        handler.setLevel(logging.NOTSET)
        handler.setFormatter(TextFormatter())
        assert direct_handler(child) is None
    finally:
        handler.close()
        other.close()


def test_lines_wait_for_their_batch_and_keep_their_order(pipe: tuple[int, int]) -> None:
    read, write = pipe
    handler = BatchedStreamHandler(write, flush_seconds=3600)
    handler.setFormatter(JsonFormatter())
    try:
        handler.handle(record(msg="first"))
        handler.handle(record(msg="second"))
        assert waiting(read) == b""  # batched, not one write per line
        handler.handle(record(logging.WARNING, "trouble"))  # a warning goes out at once
        lines = [json.loads(x)["msg"] for x in waiting(read).splitlines()]
        assert lines == ["first", "second", "trouble"]
        handler.handle(record(msg="last"))
    finally:
        handler.close()  # exit (logging.shutdown) flushes what waits
    assert [json.loads(x)["msg"] for x in waiting(read).splitlines()] == ["last"]


def test_a_full_batch_is_written_without_waiting(pipe: tuple[int, int]) -> None:
    read, write = pipe
    handler = BatchedStreamHandler(write, flush_seconds=3600, max_bytes=1000)
    handler.setFormatter(JsonFormatter())
    try:
        for _ in range(20):
            handler.handle(record())
        assert len(waiting(read).splitlines()) >= 5
    finally:
        handler.close()


def test_a_quiet_process_still_writes_its_lines_soon() -> None:
    """`serve`'s setup (where request lines go to the handler directly): a line made and then nothing else is on stderr while the process
    still runs (the flush thread), and a process that exits leaves nothing behind."""
    script = (
        "import logging, sys, time\n"
        "from mongraph.observability.logs import configure_logging\n"
        "from mongraph.observability.logs import direct_handler\n"
        "configure_logging('json')\n"
        "request = logging.getLogger('mongraph.request')\n"
        "assert direct_handler(request) is logging.root.handlers[0]\n"
        "request.info('request', extra={'fields': {'status': 200}})\n"
        "sys.stdout.write('made\\n'); sys.stdout.flush()\n"
        "time.sleep(30)\n"
    )
    process = subprocess.Popen(
        [sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    try:
        assert process.stdout is not None
        assert process.stderr is not None
        assert process.stdout.readline() == b"made\n"
        line = json.loads(process.stderr.readline())  # before the process ends
        assert (line["msg"], line["status"]) == ("request", 200)
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00", line["ts"])
    finally:
        process.kill()
        process.wait()
    ended = subprocess.run(
        [sys.executable, "-c", script.replace("time.sleep(30)", "pass")],
        capture_output=True,
        check=True,
    )
    assert [json.loads(x)["msg"] for x in ended.stderr.splitlines()] == ["request"]
