"""Without the `otel` extra the gateway imports and serves; asking for tracing says what to install."""

from __future__ import annotations

import os
import subprocess
import sys

SCRIPT = """
import sys

class NoOpenTelemetry:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] == "opentelemetry":
            raise ImportError(f"no module named {name!r}")
        return None

sys.meta_path.insert(0, NoOpenTelemetry())
from mongraph.app import create_app
from mongraph.config import Settings

async def no_store():
    raise AssertionError("not started")

app = create_app(no_store, Settings(mongodb_uri="unused", mongraph_metrics_token="t"))
paths = {route.path for route in app.routes}
print("routes:", sorted(paths & {"/graphql", "/metrics"}))
try:
    create_app(no_store, Settings(mongodb_uri="unused", mongraph_otel=True))
except RuntimeError as error:
    print("refused:", error)
print("loaded:", sorted(m for m in sys.modules if m.startswith("opentelemetry")))
"""


def test_the_gateway_runs_without_opentelemetry_installed() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OTEL_")}
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, env=env, timeout=120
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "routes: ['/graphql', '/metrics']"
    assert lines[1].startswith("refused: tracing is configured")
    assert "mongraph[otel]" in lines[1]
    assert lines[2] == "loaded: []"
