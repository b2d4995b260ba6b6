"""The frontend operations in clients/operations/, parsed once for the tests."""

from __future__ import annotations

from pathlib import Path

from graphql import DocumentNode, FragmentDefinitionNode, OperationDefinitionNode, parse

ROOT = Path(__file__).resolve().parents[2]
OPERATIONS_DIR = ROOT / "clients" / "operations"
SCHEMA_FILE = ROOT / "schema.graphql"


def operation_files() -> list[Path]:
    return sorted(OPERATIONS_DIR.glob("*.graphql"))


def all_operations_source() -> str:
    """Every file, joined: fragments may be shared across files, as codegen allows."""
    return "\n".join(path.read_text() for path in operation_files())


def operations_document() -> DocumentNode:
    return parse(all_operations_source())


def operations(document: DocumentNode) -> dict[str, OperationDefinitionNode]:
    found: dict[str, OperationDefinitionNode] = {}
    for d in document.definitions:
        if isinstance(d, OperationDefinitionNode):
            assert d.name is not None, "every client operation has a name"
            found[d.name.value] = d
    return found


def fragments(document: DocumentNode) -> dict[str, FragmentDefinitionNode]:
    return {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
