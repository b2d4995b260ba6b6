"""Tools a test needs from the machine: skipped on a laptop without them, fatal in CI.

CI sets MONGRAPH_REQUIRE_NODE=1 and MONGRAPH_REQUIRE_BROWSER=1 (`.ci/run`), so a
missing Node.js or Chromium fails the run instead of silently skipping tests.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

CHROMIUM = Path(os.environ.get("MONGRAPH_CHROMIUM", "/usr/bin/chromium"))


def missing(reason: str, variable: str) -> None:
    """Skips with `reason`, or fails when `variable` is set to 1."""
    if os.environ.get(variable) == "1":
        pytest.fail(f"{reason} ({variable}=1)")
    pytest.skip(reason)


def node() -> str:
    """The path of Node.js 20 or newer."""
    path = shutil.which("node")
    if path is None:
        missing("Node.js is not installed", "MONGRAPH_REQUIRE_NODE")
    assert path is not None
    version = subprocess.run(
        [path, "-p", "process.versions.node"], capture_output=True, text=True, check=True
    ).stdout.strip()
    if int(version.split(".")[0]) < 20:
        missing(f"Node.js {version} is older than 20", "MONGRAPH_REQUIRE_NODE")
    return path


def built(path: Path, how: str) -> Path:
    """`path`, which `how` (a make target) builds with Node.js."""
    if not path.exists():
        missing(f"{path} is not built: run `{how}` (needs Node.js 20+)", "MONGRAPH_REQUIRE_NODE")
    return path


def chromium() -> Path:
    if not os.access(CHROMIUM, os.X_OK):
        missing(
            f"Chromium not found at {CHROMIUM}: apt-get install chromium (or set MONGRAPH_CHROMIUM)",
            "MONGRAPH_REQUIRE_BROWSER",
        )
    return CHROMIUM
