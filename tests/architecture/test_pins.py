"""The frameworks whose internals the executor subclasses are pinned to the versions the suite
has passed on: a lower and an upper bound each, and the locked versions inside them, so that
`uv lock --upgrade` cannot move them past what is tested (`make upgrade-check` tries newer
releases in a throwaway environment; docs/operations.md, "Framework pins")."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[2]
PINNED = ("strawberry-graphql", "graphql-core")

LOWER = {">=", ">", "==", "~=", "==="}
UPPER = {"<", "<=", "==", "~=", "==="}


def declared() -> dict[str, SpecifierSet]:
    """The direct dependencies of the project, by normalized name."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    requirements = (Requirement(line) for line in project["dependencies"])
    return {canonicalize_name(r.name): r.specifier for r in requirements}


def locked() -> dict[str, Version]:
    """The versions uv.lock resolves, by normalized name."""
    lock = tomllib.loads((ROOT / "uv.lock").read_text())
    return {canonicalize_name(p["name"]): Version(p["version"]) for p in lock["package"]}


def missing_bounds(specifier: SpecifierSet) -> list[str]:
    """Which of "lower" and "upper" the specifier lacks (`==` and `~=` give both)."""
    operators = {s.operator for s in specifier}
    return [side for side, ops in (("lower", LOWER), ("upper", UPPER)) if not operators & ops]


@pytest.mark.parametrize("name", PINNED)
def test_the_framework_is_a_direct_dependency_with_both_bounds(name: str) -> None:
    dependencies = declared()
    assert name in dependencies, f"{name} is not declared in pyproject.toml's dependencies"
    assert missing_bounds(dependencies[name]) == [], f"{name}{dependencies[name]}"


@pytest.mark.parametrize("name", PINNED)
def test_the_locked_version_lies_inside_the_declared_range(name: str) -> None:
    specifier, version = declared()[name], locked()[name]
    assert specifier.contains(version, prereleases=True), f"{name} {version} not in {specifier}"


def test_the_bounds_check_can_fail() -> None:
    assert missing_bounds(SpecifierSet(">=0.260")) == ["upper"]
    assert missing_bounds(SpecifierSet("<3.4")) == ["lower"]
    assert missing_bounds(SpecifierSet("")) == ["lower", "upper"]
    assert missing_bounds(SpecifierSet("!=3.3.0")) == ["lower", "upper"]
    assert missing_bounds(SpecifierSet(">=0.341.2,<0.342")) == []
    assert missing_bounds(SpecifierSet("~=3.3.2")) == []
    assert missing_bounds(SpecifierSet("==3.3.2")) == []
