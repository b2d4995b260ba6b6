"""Starts and stops the embedded SecantusDB server as a child process.

The server runs in its own process (`secantusd-py`), never in the gateway's
interpreter. A running server's address is recorded in its data directory, so
CLI commands run while `serve` is up attach to it instead of opening the same
WiredTiger files twice.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path
from types import TracebackType

__all__ = ["EmbeddedServer", "EmbeddedServerError"]

_STATE_FILE = "server.json"


class EmbeddedServerError(RuntimeError):
    pass


def _executable() -> str:
    beside = Path(sys.executable).parent / "secantusd-py"
    found = str(beside) if beside.exists() else shutil.which("secantusd-py")
    if not found:
        raise EmbeddedServerError(
            "the embedded database is not installed: run `uv sync --extra embedded` "
            "or set MONGODB_URI to a MongoDB replica set"
        )
    return found


def _die_with_parent() -> None:
    """Linux: the server is killed if the gateway dies without stopping it (e.g. SIGKILL).

    SIGKILL, not SIGTERM: under load SecantusDB's SIGTERM shutdown was seen to hang
    for minutes with its port still open, leaving an orphan. Its storage recovers from
    its journal at the next start; a normal stop still shuts it down gracefully.
    """
    import ctypes
    import signal

    pr_set_pdeathsig = 1
    ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGKILL)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _listening(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.2)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    return True


class EmbeddedServer:
    """A SecantusDB server on a free loopback port.

    Example::

        with EmbeddedServer(Path(".mongraph-data")) as server:
            print(server.uri)

    `data_dir=None` keeps everything in memory (tests).
    """

    def __init__(
        self, data_dir: Path | None, *, test_commands: bool = False, port: int = 0
    ) -> None:
        """`port=0` picks a free loopback port."""
        self.data_dir = data_dir
        self.test_commands = test_commands
        self.requested_port = port
        self.port = 0
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def uri(self) -> str:
        return f"mongodb://127.0.0.1:{self.port}/?directConnection=true"

    @property
    def pid(self) -> int | None:
        """The server process this object started (None when attached or stopped)."""
        return self._process.pid if self._process is not None else None

    def start(self, timeout: float = 30.0) -> str:
        if self.data_dir is not None and self._attach():
            return self.uri
        self.port = self.requested_port or _free_port()
        storage = ":memory:"
        log = subprocess.DEVNULL
        if self.data_dir is not None:
            self.data_dir.mkdir(parents=True, exist_ok=True)
            storage = str(self.data_dir / "db")
            log = (self.data_dir / "secantusd.log").open("ab")  # type: ignore[assignment]
        command = [_executable(), "--host", "127.0.0.1", "--port", str(self.port)]
        command += ["--storage-path", storage, "--log-level", "WARNING"]
        if self.test_commands:
            command.append("--enable-test-commands")
        self._process = subprocess.Popen(
            command,
            stdout=log,
            stderr=subprocess.STDOUT,
            preexec_fn=_die_with_parent if sys.platform == "linux" else None,
        )
        deadline = time.monotonic() + timeout
        while not _listening(self.port):
            if self._process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise EmbeddedServerError(f"the embedded database did not start: {command}")
            time.sleep(0.1)
        if self.data_dir is not None:
            state = {"pid": self._process.pid, "port": self.port}
            (self.data_dir / _STATE_FILE).write_text(json.dumps(state))
        return self.uri

    def _attach(self) -> bool:
        """Reuses a server another process started on the same data directory."""
        assert self.data_dir is not None
        try:
            state = json.loads((self.data_dir / _STATE_FILE).read_text())
            pid, port = int(state["pid"]), int(state["port"])
        except (OSError, ValueError, KeyError, TypeError):
            return False
        if not (_alive(pid) and _listening(port)):
            return False
        self.port = port
        return True

    def stop(self, grace: float = 15.0) -> None:
        """Asks the server to stop and gives it `grace` seconds before killing it (its
        storage recovers from its journal at the next start)."""
        process, self._process = self._process, None
        if process is None:
            return
        process.terminate()
        try:
            process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if self.data_dir is not None:
            (self.data_dir / _STATE_FILE).unlink(missing_ok=True)

    def __enter__(self) -> EmbeddedServer:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
