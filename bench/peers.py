"""Peers in their own environments (bench/peers/): graphene-mongo over the same database."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

from .dataset import Dataset
from .processes import ROOT, Server, free_port
from .scenarios import Scenario

__all__ = ["graphene", "graphene_bodies"]

GRAPHENE = ROOT / "bench" / "peers" / "graphene"


def graphene(uri: str, db: str) -> Server:
    """graphene-mongo in its own uv project (it pins graphql-core < 3.3).

    Its environment is synced first and its Python started directly, so the
    server's CPU and RSS are read from the process that serves.
    """
    env = {k: v for k, v in os.environ.items() if k != "VIRTUAL_ENV"}  # the peer's own venv
    # `make bench` passes the uv it bootstrapped, which need not be on PATH.
    uv = (
        os.environ.get("MONGRAPH_BENCH_UV")
        or shutil.which("uv")
        or str(Path.home() / ".local/bin/uv")
    )
    sync = [uv, "sync", "--frozen", "--quiet", "--project", str(GRAPHENE)]
    subprocess.run(sync, cwd=GRAPHENE, env=env, check=True, timeout=600)
    port = free_port()
    python = GRAPHENE / ".venv" / "bin" / "python"
    command = [str(python), "-m", "peer", "--port", str(port), "--uri", uri, "--db", db]
    return Server("graphene-mongo", command, port, cwd=GRAPHENE, env=env)


def graphene_bodies(scenario: Scenario, dataset: Dataset) -> list[str] | None:
    """The peer's own spelling of a shared scenario (its schema is graphene-mongo's)."""
    path = GRAPHENE / "queries" / f"{scenario.name}.graphql"
    if not path.exists():
        return None
    variables = scenario.variables(dataset)
    return [json.dumps({"query": path.read_text(), "variables": v}) for v in variables]
