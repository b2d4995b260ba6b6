"""Strawberry's and graphql-core's internals are used in one module only (`framework.py`):
an upgrade that changes them breaks in one place, which `make upgrade-check` points at."""

from __future__ import annotations

import ast
import importlib
import re
from functools import cache
from pathlib import Path

from tests.architecture.imports import modules

FRAMEWORKS = ("strawberry", "graphql")
DOOR = "mongraph.framework"
DOCUMENTED = {
    ("strawberry.schema.config", "StrawberryConfig"),
    ("strawberry.asgi", "GraphQL"),
    ("strawberry.exceptions", "ConnectionRejectionError"),
}
"""Names Strawberry's documentation imports from where no `__all__` lists them."""


@cache
def _public_names(module: str) -> frozenset[str] | None:
    """What a framework package exports (its `__all__`, at most one level down: deeper
    modules are the package's own business); None: nothing is public there."""
    if module.count(".") > 1:
        return None
    names = getattr(importlib.import_module(module), "__all__", None)
    return None if names is None else frozenset(names)


def _is_public(module: str, name: str) -> bool:
    if (module, name) in DOCUMENTED:
        return True
    exported = _public_names(module)
    return exported is not None and name in exported


@cache
def framework_private_attributes() -> frozenset[str]:
    """Private attribute names the frameworks define (`self._x = …`, `_x: …` in a class,
    `def _x`, `f._x = …`): reading one of them from outside is reaching in."""
    found: set[str] = set()
    pattern = re.compile(r"(?:\.|^\s+|def )(_[a-z]\w*)\s*[:=(]", re.M)
    for package in FRAMEWORKS:
        root = Path(importlib.import_module(package).__file__ or "").parent
        for path in root.rglob("*.py"):
            found.update(pattern.findall(path.read_text(errors="replace")))
    return frozenset(found)


def reaches_in(path: Path) -> list[str]:
    """The framework internals a source file uses: imports of names no `__all__` exports,
    and private framework attributes read from anything but `self`/`cls`."""
    tree = ast.parse(path.read_text(), str(path))
    private = framework_private_attributes()
    own = {n.name for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.ClassDef)}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and not node.level and node.module:
            if node.module.split(".")[0] in FRAMEWORKS:
                found += [
                    f"{node.module}.{a.name}"
                    for a in node.names
                    if not _is_public(node.module, a.name)
                ]
        elif isinstance(node, ast.Import):
            found += [
                a.name
                for a in node.names
                if a.name.split(".")[0] in FRAMEWORKS and "." in a.name
                and _public_names(a.name) is None
            ]  # fmt: skip
        elif (
            isinstance(node, ast.Attribute)
            and node.attr in private
            and node.attr not in own
            and not (isinstance(node.value, ast.Name) and node.value.id in ("self", "cls"))
        ):
            found.append(f"._{node.attr.lstrip('_')} (line {node.lineno})")
    return found


def test_only_the_door_uses_framework_internals() -> None:
    outside = {
        name: used
        for name, path in modules().items()
        if name != DOOR and (used := reaches_in(path))
    }
    assert outside == {}


def test_the_door_is_where_the_internals_are() -> None:
    """The check above can fail: the door itself reaches in, and is found to."""
    door = modules()[DOOR]
    used = reaches_in(door)
    assert "graphql.execution.collect_fields.GroupedFieldSet" in used
    assert any(u.startswith("._raw_info") for u in used)


def casts(path: Path) -> list[int]:
    """Lines of a source file that use `strawberry.cast` (an object typed by a mark on it,
    not by its class)."""
    tree = ast.parse(path.read_text(), str(path))
    found = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and node.attr == "cast"
            and isinstance(node.value, ast.Name)
            and node.value.id == "strawberry"
        ) or (
            isinstance(node, ast.ImportFrom)
            and (node.module or "").startswith("strawberry")
            and ("cast" in (node.module or "") or any(a.name == "cast" for a in node.names))
        ):
            found.append(node.lineno)
    return found


def test_no_object_is_typed_by_strawberry_cast(tmp_path: Path) -> None:
    """The compiled path accepts an object of a class `is_type_of` accepted before without
    asking again (`execution/completion.py`), which a cast object would make wrong."""
    assert {name: lines for name, path in modules().items() if (lines := casts(path))} == {}
    sample = tmp_path / "sample.py"
    sample.write_text("import strawberry\nx = strawberry.cast(T, row)\n")
    assert casts(sample) == [2]
