"""The first hour from a fresh clone: the commands README.md and docs/*.md give name
programs that exist after `make run`/`make test` (and the README's session setup),
`make run` is configurable and shares `make test`'s environment, and `serve` reports a
taken port in one line before anything else."""

from __future__ import annotations

import json
import os
import re
import shlex
import socket
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
# What the README asks of a fresh machine (Python, make; Node/npm, Chromium, Docker and
# wrk for the steps that say so) and the shell's own words.
PREREQUISITES = {"make", "python3", "node", "npm", "apt-get", "docker", "wrk"}
SHELL = {"cd", "source", "export"}
# Words that start a command in an inline code span (a span like `node(id)` does not).
COMMAND_WORDS = {"make", "uv", "uvx", "npm", "npx", "node", "python", "python3", "pip"}
COMMAND_WORDS |= {"mongraph", "pytest", "docker", "apt-get", "cd", "source", "export"}
ASSIGNMENT = re.compile(r"^[A-Z_][A-Z0-9_]*=")
FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.MULTILINE | re.DOTALL)
INLINE = re.compile(r"(?<!`)`([^`\n]+)`(?!`)")


def commands(text: str) -> list[str]:
    """`$ ` lines of fenced shell blocks, and inline code spans that start a command."""
    found: list[str] = []
    for language, body in FENCE.findall(text):
        if language in {"", "sh", "bash", "shell", "console"}:
            found += [line[2:] for line in body.splitlines() if line.startswith("$ ")]
    prose = FENCE.sub("", text)
    for span in INLINE.findall(prose):
        words = span.split()
        while words and ASSIGNMENT.match(words[0]):
            words = words[1:]
        if len(words) > 1 and (
            words[0] in COMMAND_WORDS or words[0].startswith((".venv/", "scripts/"))
        ):
            found.append(span)
    return found


def make_targets() -> set[str]:
    makefile = (ROOT / "Makefile").read_text()
    return set(re.findall(r"^([a-z][\w-]*):", makefile, re.MULTILINE))


def uv_bin() -> Path:
    out = subprocess.run([ROOT / "scripts" / "ensure-uv"], capture_output=True, text=True)
    return Path(out.stdout.strip()).parent


def programs_after_setup() -> set[str]:
    venv = ROOT / ".venv" / "bin"
    return (
        PREREQUISITES
        | SHELL
        | {p.name for p in venv.iterdir()}
        | {p.name for p in uv_bin().iterdir()}
    )


def problems(command: str, available: set[str], targets: set[str]) -> list[str]:
    found: list[str] = []
    cwd = ROOT
    for part in re.split(r"&&|\|\||;|\|", command.replace("\\|", "/")):  # a table's \|
        words = [w for w in shlex.split(part.split("#")[0], posix=True) if not ASSIGNMENT.match(w)]
        if not words or words[0].startswith("$("):
            continue
        program = words[0]
        if "/" in program:
            if not os.access(cwd / program, os.X_OK):
                found.append(f"{command!r}: {program} is not an executable after setup")
        elif program not in available:
            found.append(f"{command!r}: {program} is not on PATH after setup")
        elif program == "make" and len(words) > 1 and not ASSIGNMENT.match(words[1]):
            if words[1] not in targets:
                found.append(f"{command!r}: the Makefile has no target {words[1]}")
        elif program == "cd" and len(words) > 1:
            cwd = cwd / words[1]
            if not cwd.is_dir():
                found.append(f"{command!r}: no directory {words[1]}")
    return found


def test_the_extraction_finds_commands_and_skips_prose() -> None:
    text = "Run `make run PORT=8001`, call `node(id)` or `.venv/bin/mongraph seed`.\n"
    text += "```\n$ mongraph migrate up\napplying 0001\n```\n```graphql\n$ no\n```\n"
    assert commands(text) == [
        "mongraph migrate up",
        "make run PORT=8001",
        ".venv/bin/mongraph seed",
    ]


def test_the_check_catches_what_a_fresh_shell_lacks() -> None:
    available = {"make", "cd", "npm"}
    assert problems("uv run mongraph seed", available, {"run"}) == [
        "'uv run mongraph seed': uv is not on PATH after setup"
    ]
    assert problems("make nothing", available, {"run"}) == [
        "'make nothing': the Makefile has no target nothing"
    ]
    assert problems("cd clients/typescript && npm ci", available, set()) == []


def test_every_command_in_the_readme_and_docs_names_a_program_that_exists_after_setup() -> None:
    if not (ROOT / ".venv" / "bin" / "mongraph").exists():
        pytest.skip("run `make test` (or `make run`) first: it creates .venv")
    available, targets = programs_after_setup(), make_targets()
    found = [(doc.name, c) for doc in DOCS for c in commands(doc.read_text())]
    assert len(found) > 30  # the extraction still sees the docs' commands
    assert [p for _, c in found for p in problems(c, available, targets)] == []


def dry_run(*args: str) -> list[str]:
    out = subprocess.run(["make", "-n", *args], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    return out.stdout.splitlines()


def test_make_run_and_make_test_install_the_same_environment() -> None:
    def syncs(target: str) -> list[str]:
        return [line for line in dry_run(target) if " sync " in line]

    assert syncs("run") == syncs("test") != []  # so switching between them installs nothing
    assert not any("--no-dev" in line for line in syncs("run"))


def test_make_run_takes_port_and_host_and_runs_in_development_mode() -> None:
    (serve,) = [line for line in dry_run("run", "PORT=8001", "HOST=0.0.0.0") if " serve" in line]
    assert "--host 0.0.0.0 --port 8001" in serve
    assert "MONGRAPH_DEV=${MONGRAPH_DEV:-1}" in serve


def test_a_taken_port_is_one_plain_line_before_any_banner(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = {**os.environ, "MONGRAPH_DATA_DIR": str(tmp_path / "data")}
        result = subprocess.run(
            [sys.executable, "-m", "mongraph.cli", "serve", "--port", str(port)],
            capture_output=True,
            text=True,
            env=env,
            timeout=60,
        )
    assert result.returncode == 1
    assert result.stdout == ""  # no banner, no key
    assert result.stderr.splitlines() == [
        f"error: cannot listen on 127.0.0.1:{port}: Address already in use; "
        "pick another with --port (make run PORT=8001)"
    ]
    assert not (tmp_path / "data").exists()  # no database was started for it


def test_the_node_requirement_is_the_one_the_readme_states() -> None:
    """Every npm package the README runs `npm ci` in declares the same Node floor."""
    readme = (ROOT / "README.md").read_text()
    stated = re.findall(r"Node(?:\.js)? ≥ (\d+)", readme)
    for package in ("web", "clients/typescript"):
        engines = json.loads((ROOT / package / "package.json").read_text())["engines"]["node"]
        assert engines == f">={stated[0]}"
    assert set(stated) == {stated[0]}
