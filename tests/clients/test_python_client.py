"""The Python client that ariadne-codegen generates from schema.graphql and
clients/operations/, used against a real gateway (uvicorn on loopback).

ariadne-codegen pins graphql-core < 3.3 (Strawberry needs >= 3.3), so it runs as
an isolated tool through `uv tool run`, with the version pinned in
clients/python/ariadne-codegen.toml; the client is generated into a temporary
directory for this session, so it always matches the current schema.
"""

from __future__ import annotations

import asyncio
import importlib
import os
import re
import shutil
import socket
import subprocess
import sys
import tomllib
from collections.abc import AsyncIterator, Iterator
from datetime import datetime
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import uvicorn

from mongraph.app import create_app
from mongraph.config import Settings
from mongraph.datastore.client import Datastore
from tests.clients.operations import ROOT
from tests.utils.factories import MadeUser

CONFIG = ROOT / "clients" / "python" / "ariadne-codegen.toml"
PACKAGE = "mongraph_client"


def uv() -> str:
    """The uv running this session (`uv run` exports it), else the one `make` uses."""
    found = os.environ.get("UV") or shutil.which("uv")
    if found:
        return found
    return subprocess.run(
        [str(ROOT / "scripts" / "ensure-uv")], capture_output=True, text=True, check=True
    ).stdout.strip()


def toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


def session_config(target: Path) -> str:
    """The committed configuration with absolute paths and `target` as output."""
    committed = tomllib.loads(CONFIG.read_text())["tool"]["ariadne-codegen"]
    main = {k: v for k, v in committed.items() if not isinstance(v, dict)}
    main["schema_path"] = ROOT / main["schema_path"]
    main["queries_path"] = ROOT / main["queries_path"]
    main["target_package_path"] = target
    lines = ["[tool.ariadne-codegen]", *(f"{k} = {toml_value(v)}" for k, v in main.items())]
    for scalar, spec in committed.get("scalars", {}).items():
        lines.append(f"[tool.ariadne-codegen.scalars.{scalar}]")
        lines += [f"{k} = {toml_value(v)}" for k, v in spec.items()]
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="session")
def client_module(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ModuleType]:
    version = tomllib.loads(CONFIG.read_text())["tool"]["mongraph"]["ariadne-codegen"]
    target = tmp_path_factory.mktemp("generated")
    config = target / "ariadne-codegen.toml"
    config.write_text(session_config(target))
    generated = subprocess.run(
        [uv(), "tool", "run", "--from", f"ariadne-codegen=={version}", "ariadne-codegen", "client", "--config", str(config)],
        capture_output=True,
        text=True,
        check=False,
        cwd=target,
    )  # fmt: skip
    assert generated.returncode == 0, generated.stdout + generated.stderr
    assert (target / PACKAGE / "client.py").is_file()
    sys.path.insert(0, str(target))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(target))
        for name in [m for m in sys.modules if m == PACKAGE or m.startswith(PACKAGE + ".")]:
            del sys.modules[name]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture
async def gateway(store: Datastore, settings: Settings) -> AsyncIterator[str]:
    """A real uvicorn server on loopback over the test database; yields its /graphql URL."""

    async def same_store() -> Datastore:
        return store

    app = create_app(same_store, settings, close_store=False)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    task = asyncio.create_task(server.serve())
    while not server.started:  # noqa: ASYNC110 - uvicorn offers no event to await
        await asyncio.sleep(0.01)
    yield f"http://127.0.0.1:{port}/graphql"
    server.should_exit = True
    await task


async def test_generated_client_builds_reads_deletes_and_restores_a_tree(
    client_module: ModuleType, gateway: str, alice: MadeUser
) -> None:
    m = client_module
    client = m.MongraphClient(url=gateway, headers={"Authorization": f"Bearer {alice.secret}"})
    async with client:
        created = await client.create_project(
            m.CreateProjectInput(name="Generated", music_duration=120.0)
        )
        assert created.create_project.user_errors == []
        project = created.create_project.project
        assert isinstance(project.created_at, datetime)
        scene = (
            await client.create_scene(m.CreateSceneInput(project_id=project.id, name="Verse"))
        ).create_scene.scene
        assert scene.order == 0
        for name, seconds in [("Wide", 4.5), ("Close", 2.0)]:
            clip = await client.create_clip(
                m.CreateClipInput(scene_id=scene.id, name=name, length=seconds)
            )
            assert clip.create_clip.user_errors == []
            assert clip.create_clip.clip.length == seconds

        tree = (await client.storyboard_tree(id=project.id)).project
        assert tree is not None
        assert (tree.name, tree.music_duration, tree.scene_count, tree.clip_count) == (
            "Generated",
            120.0,
            1,
            2,
        )
        (scene_edge,) = tree.scenes.edges
        assert scene_edge.node.id == scene.id
        clips = [e.node for e in scene_edge.node.clips.edges]
        assert [(c.name, c.order, c.length) for c in clips] == [("Wide", 0, 4.5), ("Close", 1, 2.0)]

        deleted = (await client.delete_project(id=project.id)).delete_project
        assert (deleted.user_errors, deleted.affected_count) == ([], 4)
        assert (await client.storyboard_tree(id=project.id)).project is None

        restored = (await client.restore_project(id=project.id)).restore_project
        assert (restored.user_errors, restored.affected_count) == ([], 4)
        again = (await client.storyboard_tree(id=project.id)).project
        assert again is not None
        assert again.model_dump(exclude={"updated_at"}) == tree.model_dump(exclude={"updated_at"})

        # a user error comes back typed, with the contract's ErrorCode enum
        bad = await client.create_scene(m.CreateSceneInput(project_id=project.id, name=" "))
        assert bad.create_scene.scene is None
        (error,) = bad.create_scene.user_errors
        assert error.code == m.ErrorCode.BAD_USER_INPUT
        assert error.field == ["input", "name"]


async def test_generated_client_raises_coded_graphql_errors(
    client_module: ModuleType, gateway: str
) -> None:
    m = client_module
    async with m.MongraphClient(url=gateway, headers={"Authorization": "Bearer mgr_nope"}) as c:
        with pytest.raises(m.GraphQLClientGraphQLMultiError) as raised:
            await c.storyboard_tree(id="UHJvamVjdDox")
    assert [e.extensions["code"] for e in raised.value.errors] == ["UNAUTHENTICATED"]


async def test_the_readme_example_runs_as_written(
    client_module: ModuleType, gateway: str, alice: MadeUser, capsys: pytest.CaptureFixture[str]
) -> None:
    readme = (ROOT / "README.md").read_text()
    (example,) = re.findall(r"^```python\n(.*?)^```", readme, re.MULTILINE | re.DOTALL)
    assert "asyncio.run(main())" in example
    example = example.replace("http://127.0.0.1:8000/graphql", gateway)
    example = example.replace("mgr_…", alice.secret).replace("asyncio.run(main())", "")
    namespace: dict[str, Any] = {}
    exec(compile(example, "README.md", "exec"), namespace)  # the generated client on sys.path
    await namespace["main"]()
    assert capsys.readouterr().out == "Demo 0\n"
