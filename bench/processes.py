"""Server processes of a run: started, watched (CPU, peak RSS) and stopped by their own PID."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import time
import urllib.request
from collections.abc import Sequence
from pathlib import Path
from typing import Any

__all__ = ["ROOT", "Server", "free_port", "run_loadgen"]

_TICKS = os.sysconf("SC_CLK_TCK")
ROOT = Path(__file__).parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class Server:
    """An HTTP server in its own process, e.g. `python -m bench.serve gateway --port P`."""

    def __init__(
        self,
        name: str,
        command: Sequence[str],
        port: int,
        cwd: Path = ROOT,
        env: dict[str, str] | None = None,
        stderr: Any = None,
    ) -> None:
        """Starts the process; `ready()` waits until it listens (servers start in parallel).
        `stderr`: where its stderr goes (a file for a server that logs each request)."""
        self.name, self.port, self.command = name, port, list(command)
        self.process = subprocess.Popen(
            self.command, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stderr=stderr
        )

    def ready(self) -> Server:
        deadline = time.monotonic() + 120
        while not self._listening():
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"{self.name} did not start: {' '.join(self.command)}")
            time.sleep(0.1)
        return self

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _listening(self) -> bool:
        with socket.socket() as sock:
            sock.settimeout(0.2)
            return sock.connect_ex(("127.0.0.1", self.port)) == 0

    def cpu_seconds(self) -> float:
        """User + system CPU of the server process so far."""
        with open(f"/proc/{self.process.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / _TICKS

    def reset_peak_rss(self) -> None:
        try:
            with open(f"/proc/{self.process.pid}/clear_refs", "w") as f:
                f.write("5")  # resets VmHWM (Linux >= 4.0)
        except OSError:
            pass

    def peak_rss_mb(self) -> float:
        return self._status_mb("VmHWM:")

    def rss_mb(self) -> float:
        """Resident memory now."""
        return self._status_mb("VmRSS:")

    def _status_mb(self, key: str) -> float:
        with open(f"/proc/{self.process.pid}/status") as f:
            for line in f:
                if line.startswith(key):
                    return int(line.split()[1]) / 1024
        return 0.0

    def get_json(self, path: str) -> Any:
        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}{path}", timeout=30) as r:
            return json.load(r)

    def post(self, body: str, headers: dict[str, str]) -> Any:
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.port}/graphql",
            data=body.encode(),
            headers={"Content-Type": "application/json", **headers},
        )
        with urllib.request.urlopen(request, timeout=120) as r:
            return json.load(r)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def run_loadgen(spec: dict[str, Any]) -> dict[str, Any]:
    """Runs the load generator here, in the runner's process (never the server's)."""
    from .loadgen import run

    try:
        from uvloop import run as run_loop
    except ImportError:
        run_loop = asyncio.run
    result: dict[str, Any] = run_loop(run(spec))
    return result
