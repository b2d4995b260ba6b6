"""The SDL as a promise: committed, current, and a compatible superset of the contract."""

from __future__ import annotations

import gc
import subprocess
import sys
import weakref
from pathlib import Path

from graphql import (
    GraphQLEnumType,
    GraphQLSchema,
    build_schema,
    find_breaking_changes,
    get_named_type,
)

from mongraph.api.schema import build_schema as build_gateway_schema
from mongraph.api.schema import export_sdl
from mongraph.config import Settings

ROOT = Path(__file__).resolve().parents[1]
# The design repository's contract (first edition), vendored: a clone has nothing beside it.
CONTRACT = ROOT / "tests" / "contract" / "schema-contract.graphql"
# Its second edition: additions marked by the issue that brings each ([production clients] …).
CONTRACT_V2 = ROOT / "tests" / "contract" / "schema-contract-v2.graphql"


def test_exported_schema_does_not_break_the_contract() -> None:
    contract = build_schema(CONTRACT.read_text())
    exported = build_schema(export_sdl())
    assert [c.description for c in find_breaking_changes(contract, exported)] == []


def test_the_contract_check_catches_a_breaking_change() -> None:
    """The check itself can fail: dropping a contract field is reported."""
    contract = build_schema(CONTRACT.read_text())
    broken = build_schema(export_sdl())
    del broken.type_map["Conversation"].fields["messageCount"]  # type: ignore[union-attr]
    changes = [c.description for c in find_breaking_changes(contract, broken)]
    assert changes == ["Field Conversation.messageCount was removed."]


def marked_enum_values(mark: str) -> dict[str, set[str]]:
    """Enum values of the second edition whose comment line above names `mark`."""
    found: dict[str, set[str]] = {}
    enum, marked = None, False
    for line in CONTRACT_V2.read_text().splitlines():
        stripped = line.strip()
        if stripped.startswith("enum "):
            enum = stripped.split()[1]
        elif stripped == "}":
            enum = None
        elif enum and stripped.startswith("#"):
            marked = f"[{mark}]" in stripped
            continue
        elif enum and stripped and marked:
            found.setdefault(enum, set()).add(stripped)
        marked = False
    return found


def test_the_production_clients_error_codes_of_the_second_edition_are_served() -> None:
    marked = marked_enum_values("production clients")
    assert marked == {
        "ErrorCode": {
            "PERSISTED_QUERY_NOT_FOUND",
            "PERSISTED_QUERY_NOT_IN_LIST",
            "PERSISTED_QUERY_ID_REQUIRED",
        }
    }
    exported = build_schema(export_sdl())
    for enum, values in marked.items():
        assert values <= set(exported.type_map[enum].values)  # type: ignore[union-attr]


# The change stream of issue 19 (`[frontend coherence]` too) is another piece of work, done
# beside this one: its types and fields are left out of the check below until it lands.
CHANGE_STREAM = (
    "ChangeKind",
    "ProjectChange",
    "ConversationChange",
    "changeCursor",
    "projectChanges",
    "conversationChanges",
)


def test_the_second_edition_is_served_but_for_the_change_stream() -> None:
    """Every payload addition of `[frontend coherence]` (`query` on each payload, the
    parents on the scene, clip and message payloads, `affectedIds`, `node` and `parent` on
    the cascade's) is in the exported schema with the contract's types, and nothing else of
    the second edition is missing."""
    contract = build_schema(CONTRACT_V2.read_text())
    exported = build_schema(export_sdl())
    changes = [c.description for c in find_breaking_changes(contract, exported)]
    assert [c for c in changes if not any(name in c for name in CHANGE_STREAM)] == []


def test_every_payload_carries_the_root() -> None:
    """`query: Query!` on every mutation payload, the second edition's and the others."""
    schema = build_schema(export_sdl())
    assert schema.mutation_type is not None
    payloads = {get_named_type(f.type).name for f in schema.mutation_type.fields.values()}
    assert len(payloads) >= 14
    roots = {name: schema.type_map[name].fields.get("query") for name in payloads}  # type: ignore[union-attr]
    assert {name: str(f.type) if f else None for name, f in roots.items()} == dict.fromkeys(
        payloads, "Query!"
    )


def test_committed_schema_matches_export_schema_command() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "mongraph.cli", "export-schema"],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    assert result.stdout == (ROOT / "schema.graphql").read_text()
    assert result.stdout == export_sdl()


SHORTEST_DESCRIPTION = 20  # "Filter." or "The item." says nothing a reader did not know


def short_descriptions(schema: GraphQLSchema) -> list[str]:
    """Every type, field, argument, input field and enum value whose description is
    missing or under the floor."""
    short: list[str] = []

    def check(where: str, description: str | None) -> None:
        if len(description or "") < SHORTEST_DESCRIPTION:
            short.append(f"{where}: {description!r}")

    for name, gtype in schema.type_map.items():
        if name.startswith("__") or name in {"String", "Int", "Float", "Boolean", "ID"}:
            continue
        check(name, gtype.description)
        if isinstance(gtype, GraphQLEnumType):
            for value_name, value in gtype.values.items():
                check(f"{name}.{value_name}", value.description)
        for field_name, field in getattr(gtype, "fields", {}).items():
            check(f"{name}.{field_name}", field.description)
            for arg_name, arg in getattr(field, "args", {}).items():
                check(f"{name}.{field_name}({arg_name})", arg.description)
    return short


def test_every_type_field_argument_and_enum_value_says_something() -> None:
    assert short_descriptions(build_schema(export_sdl())) == []


def test_the_description_floor_catches_a_terse_enum_value() -> None:
    schema = build_schema(export_sdl())
    schema.type_map["ErrorCode"].values["NOT_FOUND"].description = "Not found."  # type: ignore[union-attr]
    assert short_descriptions(schema) == ["ErrorCode.NOT_FOUND: 'Not found.'"]


def test_every_error_code_says_whether_it_is_retryable() -> None:
    codes = build_schema(export_sdl()).type_map["ErrorCode"].values  # type: ignore[union-attr]
    unclear = [name for name, value in codes.items() if "etry" not in value.description]
    assert unclear == []


async def test_a_schema_nobody_holds_is_freed() -> None:
    """Each app builds its schema; one that is dropped must not stay alive, after it ran an
    operation too (a cache keyed by schema whose value referred back to it, and
    Strawberry's validation cache shared by all schemas, each kept the schemas of a test
    session alive)."""
    schema = build_gateway_schema(Settings(mongodb_uri="unused"))
    result = await schema.execute("{ __typename }")  # through the parse and validation caches
    assert result.data == {"__typename": "Query"}
    core = weakref.ref(schema._schema)
    del schema, result
    gc.collect()
    assert core() is None
