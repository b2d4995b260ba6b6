"""`mongraph serve` as a separate process on loopback, for tests that need a real server."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from tests.utils.apps import CURSOR_SECRET

GATEWAY_LOGS: dict[int, list[str]] = {}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def start_gateway(port: int, mongodb_uri: str, db_name: str, **env: str) -> subprocess.Popen[str]:
    """Starts `mongraph serve` on `mongodb_uri`; returns once uvicorn says it is serving.

    Its later output is drained by a thread into `GATEWAY_LOGS[pid]`: a full pipe would
    otherwise block the gateway on its next log line.
    """
    environment = {
        **os.environ,
        "MONGODB_URI": mongodb_uri,
        "MONGRAPH_DB": db_name,
        "MONGRAPH_CURSOR_SECRET": CURSOR_SECRET,
        **env,
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "mongraph.cli", "serve", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=environment,
    )
    assert process.stdout is not None
    output = ""
    while "Application startup complete" not in output:
        line = process.stdout.readline()
        if not line:
            process.wait()
            raise AssertionError(f"the gateway exited before serving:\n{output}")
        output += line
    lines = GATEWAY_LOGS.setdefault(process.pid, output.splitlines())
    threading.Thread(target=lambda: lines.extend(process.stdout or ()), daemon=True).start()
    return process


@contextmanager
def gateway_process(mongodb_uri: str, db_name: str, **env: str) -> Iterator[str]:
    """A running gateway's base URL; stopped (SIGTERM) afterwards, its log printed on failure."""
    port = free_port()
    process = start_gateway(port, mongodb_uri, db_name, **env)
    try:
        yield f"http://127.0.0.1:{port}"
    except BaseException:
        print("\n".join(GATEWAY_LOGS.get(process.pid, [])[-100:]))
        raise
    finally:
        process.terminate()
        process.wait(timeout=30)
