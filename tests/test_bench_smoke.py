"""The benchmark harness at its smoke size, so it cannot rot (no timing is asserted)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent


@pytest.mark.counts_execution
def test_bench_smoke_runs_every_scenario_and_keeps_command_counts(tmp_path: Path) -> None:
    report = tmp_path / "performance.md"
    env = {k: v for k, v in os.environ.items() if k != "MONGODB_URI"}  # own server, own data
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench",
            "--size",
            "smoke",
            "--no-peers",
            "--results-dir",
            str(tmp_path),
            "--report",
            str(report),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    (result_file,) = tmp_path.glob("*-smoke.json")
    results = json.loads(result_file.read_text())
    scenarios = results["scenarios"]
    assert set(scenarios) == {
        "1-storyboard-tree",
        "2-inbox",
        "3-viewer",
        "4-big-response",
        "5a-post-message",
        "5b-create-clip",
        "6-nodes",
    }
    for name, scenario in scenarios.items():
        gateway = scenario["targets"]["gateway"]
        assert gateway["sequential"]["errors"] == 0, name
        assert gateway["load"]["requests"] >= 2, name
        assert gateway["peak_rss_mb"] > 0, name
    # P1 holds whatever the fan-out: one command per relation field, plus the key lookup.
    p1 = results["headline"]["P1"]
    for name in ("1-storyboard-tree", "2-inbox", "3-viewer", "4-big-response"):
        assert p1[name]["met"], (name, p1[name], scenarios[name]["targets"]["gateway"]["commands"])
    # the N+1 baseline really is one: loaders off costs a command per parent
    tree = scenarios["1-storyboard-tree"]["targets"]
    assert (
        tree["gateway-noloaders"]["commands_per_request"]
        > 3 * tree["gateway"]["commands_per_request"]
    )
    assert (
        tree["gateway-noloaders"]["fields_per_response"] == tree["gateway"]["fields_per_response"]
    )
    # the floors ran over the same data the gateway returned
    assert (
        scenarios["4-big-response"]["floors"]["fields_per_response"]
        == (scenarios["4-big-response"]["targets"]["gateway"]["fields_per_response"])
    )
    assert "bare-strawberry" in scenarios["3-viewer"]["targets"]
    text = report.read_text()
    assert "| P3 3-viewer |" in text
    # the request log line's cost, measured as `serve` writes it
    assert results["headline"]["log"]["line_us"] > 0
    assert "| request log line |" in text
    # P6: memory per concurrent big request, and the gateway's RSS before any request
    p6 = results["headline"]["P6"]
    assert p6["clients"] >= 2
    assert p6["idle_mb"] > 0
    assert "| P6 4-big-response |" in text
    assert (tmp_path / "performance" / "latency.png").stat().st_size > 1000
