"""The embedded database process: started, shared between commands, never orphaned."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from mongraph.embedded import EmbeddedServer, _listening


def wait_until(condition: object, seconds: float = 30.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return True
        time.sleep(0.1)
    return False


def test_second_user_of_a_data_dir_attaches_and_leaves_it_running(tmp_path: Path) -> None:
    with EmbeddedServer(tmp_path) as first:
        second = EmbeddedServer(tmp_path)
        assert second.start() == first.uri
        second.stop()
        assert _listening(first.port)
    assert not _listening(first.port)
    assert not (tmp_path / "server.json").exists()


@pytest.mark.skipif(sys.platform != "linux", reason="parent-death signal is Linux-only")
def test_server_dies_with_a_killed_gateway(tmp_path: Path) -> None:
    script = (
        "import sys, time, pathlib\n"
        "from mongraph.embedded import EmbeddedServer\n"
        "s = EmbeddedServer(pathlib.Path(sys.argv[1]))\n"
        "s.start(); print(s.port, flush=True); time.sleep(120)\n"
    )
    owner = subprocess.Popen(
        [sys.executable, "-c", script, str(tmp_path)], stdout=subprocess.PIPE, text=True
    )
    assert owner.stdout is not None
    port = int(owner.stdout.readline())
    assert _listening(port)
    os.kill(owner.pid, signal.SIGKILL)
    owner.wait()
    assert wait_until(lambda: not _listening(port))
