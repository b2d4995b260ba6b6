"""The cost model's invariant, on generated documents against a seeded database.

For every document (fragments named and inline, aliases, variables given, null, absent or
as floats, introspection) run through a real gateway with a valid key: the response has at
most `extensions.cost` units (2 per object, 1 per scalar or null; tests/utils/cost.py), and a
document refused for its shape was refused before any database command.

Documents come from a generator written here, which knows fragments and variables, and from
hypothesis-graphql (installed with schemathesis), which selects fields with literal
arguments. `MONGRAPH_COST_EXAMPLES` sets the examples (`make fuzz` runs a long form).
"""

from __future__ import annotations

import asyncio
import base64
import os
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLUnionType,
    SchemaMetaFieldDef,
    StringValueNode,
    TypeMetaFieldDef,
    Undefined,
    get_named_type,
    get_nullable_type,
    is_leaf_type,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_graphql import queries

from mongraph.api.schema import build_schema
from mongraph.config import Settings
from mongraph.datastore import storyboard
from mongraph.datastore.client import Datastore
from mongraph.datastore.repository import Scope
from mongraph.schema.ids import encode_global_id
from tests.utils.apps import on_loopback
from tests.utils.chat import create_conversation, post
from tests.utils.commands import CommandCounter
from tests.utils.cost import LIMIT_CODES, response_units
from tests.utils.factories import MadeUser
from tests.utils.graphql import GraphQLClient

EXAMPLES = int(os.environ.get("MONGRAPH_COST_EXAMPLES", "40"))
SCHEMA: GraphQLSchema = build_schema()._schema
PAGED = ("first", "last")
CURSORS = ("after", "before")


def kind_of(global_id: str) -> str:
    return base64.b64decode(global_id).decode().partition(":")[0]


@dataclass
class Seeded:
    client: GraphQLClient
    ids: list[str] = field(default_factory=list)


@pytest.fixture
async def seeded(store: Datastore, settings: Settings, alice: MadeUser) -> AsyncIterator[Seeded]:
    """Alice's projects (scenes, clips with media, a character) and conversations, served
    by uvicorn on loopback."""
    scope = Scope(owner_id=alice.doc.id)
    ids = [alice.global_id]
    for p in range(22):  # more than a top-level list's default page
        project = await storyboard.create_project(
            store, owner_id=alice.doc.id, fields={"name": f"P{p}"}
        )
        if p >= 3:
            continue
        character = await storyboard.create_character(
            store, scope=scope, project_id=project.id,
            fields={"name": "Hero", "triggerWords": ["a", "b"], "referenceImages": ["r"]},
        )  # fmt: skip
        ids += [
            encode_global_id("Project", project.id),
            encode_global_id("Character", character.id),
        ]
        for s in range(3):
            scene = await storyboard.create_scene(
                store, scope=scope, project_id=project.id, parent_scene_id=None, order=None,
                fields={"name": f"S{s}"},
            )  # fmt: skip
            ids.append(encode_global_id("Scene", scene.id))
            for c in range(3):
                clip = await storyboard.create_clip(
                    store, scope=scope, scene_id=scene.id, order=None,
                    character_id=character.id, fields={"name": f"C{c}"},
                )  # fmt: skip
                ids.append(encode_global_id("Clip", clip.id))
                for kind in ("IMAGE", "IMAGE", "VIDEO"):
                    await storyboard.add_media(
                        store, scope=scope, clip_id=clip.id, select=True,
                        media={"kind": kind, "url": "https://m.example/x", "prompt": "p"},
                    )  # fmt: skip
    async with (
        on_loopback(store, settings) as (address, _),
        httpx.AsyncClient(base_url=f"http://{address}", timeout=120) as http,
    ):
        client = GraphQLClient(http, alice.secret)
        for c in range(2):
            conversation = await create_conversation(client, f"Chat {c}")
            ids.append(conversation)
            for m in range(4):
                await post(client, conversation, f"message {m}")
        yield Seeded(client, ids)


@dataclass
class Document:
    """A document under construction: its fragments and variables as they are drawn."""

    draw: Any
    ids: list[str]
    fragments: list[str] = field(default_factory=list)
    definitions: list[str] = field(default_factory=list)
    variables: dict[str, Any] = field(default_factory=dict)
    owner: str = ""
    """The field whose arguments are drawn, as a type name (`project` -> `Project`)."""

    def variable(self, graphql_type: str, value: Any, default: str | None) -> str:
        name = f"v{len(self.definitions)}"
        self.definitions.append(f"${name}: {graphql_type}" + (f" = {default}" if default else ""))
        if value is not _ABSENT:
            self.variables[name] = value
        return f"${name}"

    def page_argument(self, name: str) -> str:
        """A page size: literal or variable; a variable given, null, absent, or a float."""
        draw = self.draw
        size = draw(st.sampled_from([0, 1, 2, 5, 50, 100]))
        how = draw(st.sampled_from(["literal", "value", "float", "null", "absent"]))
        if how == "literal":
            return f"{name}: {size}"
        value: Any = {"value": size, "float": float(size), "null": None, "absent": _ABSENT}[how]
        default = draw(st.sampled_from([None, "0", "1", "null"]))
        return f"{name}: {self.variable('Int', value, default)}"

    def argument_value(self, graphql_type: Any, name: str) -> str | None:
        nullable = get_nullable_type(graphql_type)
        named = get_named_type(graphql_type)
        if isinstance(nullable, GraphQLList):
            if name == "ids":
                chosen = self.draw(st.lists(st.sampled_from(self.ids), max_size=5, unique=True))
                return self.variable("[ID!]!", chosen, None)
            return "[]"
        if named.name == "ID":
            wanted = [i for i in self.ids if kind_of(i) == self.owner] or self.ids
            return '"' + self.draw(st.sampled_from([*wanted, "bm90OmFuSWQ="])) + '"'
        if named.name == "String":
            if name == "name":  # __type(name:)
                return '"' + self.draw(st.sampled_from(sorted(SCHEMA.type_map))) + '"'
            return '"x"'
        if named.name == "Boolean":
            return self.draw(st.sampled_from(["true", "false"]))
        if named.name in ("Int", "Float"):
            return "1"
        if isinstance(named, GraphQLEnumType):
            return self.draw(st.sampled_from(sorted(named.values)))
        if isinstance(named, GraphQLInputObjectType):
            required = [
                f"{n}: {self.argument_value(f.type, n)}"
                for n, f in named.fields.items()
                if isinstance(f.type, GraphQLNonNull)
            ]
            return "{" + ", ".join(required) + "}"
        return None  # a custom scalar: left out (it is optional wherever it appears)

    def arguments(self, definition: Any) -> str | None:
        parts = []
        for name, argument in definition.args.items():
            required = (
                isinstance(argument.type, GraphQLNonNull) and argument.default_value is Undefined
            )
            if name in PAGED:
                if self.draw(st.booleans()):
                    parts.append(self.page_argument(name))
                continue
            if not required and (name in CURSORS or self.draw(st.integers(0, 3)) != 0):
                continue
            value = self.argument_value(argument.type, name)
            if value is None:
                if required:
                    return None
                continue
            parts.append(f"{name}: {value}")
        return f"({', '.join(parts)})" if parts else ""

    def selection_set(self, parent: Any, depth: int) -> str:
        draw = self.draw
        if isinstance(parent, GraphQLUnionType | GraphQLInterfaceType):
            options = list(SCHEMA.get_possible_types(parent))
            chosen = draw(st.lists(st.sampled_from(options), min_size=1, max_size=2, unique=True))
            inner = " ".join(f"... on {t.name} {self.selection_set(t, depth)}" for t in chosen)
            return f"{{ __typename {inner} }}"
        fields = dict(parent.fields)
        if parent is SCHEMA.query_type:
            fields["__typename"] = None
            fields["__schema"] = None
            fields["__type"] = None
        names = draw(st.lists(st.sampled_from(sorted(fields)), min_size=1, max_size=4, unique=True))
        selections = [self.field(parent, name, depth) for name in names]
        selections = [s for s in selections if s] or ["__typename"]
        if draw(st.integers(0, 4)) == 0:  # a named fragment, spread once or more
            name = f"F{len(self.fragments)}"
            self.fragments.append(f"fragment {name} on {parent.name} {{ {' '.join(selections)} }}")
            return "{ " + " ".join(f"...{name}" for _ in range(draw(st.integers(1, 3)))) + " }"
        return "{ " + " ".join(selections) + " }"

    def field(self, parent: Any, name: str, depth: int) -> str | None:
        if name == "__typename":
            return name
        definition = {"__schema": SchemaMetaFieldDef, "__type": TypeMetaFieldDef}.get(name)
        if definition is None:
            definition = parent.fields[name]
        named = get_named_type(definition.type)
        if not is_leaf_type(named) and depth >= 6:
            return None
        self.owner = name[:1].upper() + name[1:]
        arguments = self.arguments(definition)
        if arguments is None:
            return None
        alias = (
            f"a{len(self.variables)}{depth}{name}: " if self.draw(st.integers(0, 5)) == 0 else ""
        )
        if is_leaf_type(named):
            return f"{alias}{name}{arguments}"
        assert isinstance(named, GraphQLObjectType | GraphQLInterfaceType | GraphQLUnionType)
        return f"{alias}{name}{arguments} {self.selection_set(named, depth + 1)}"

    def text(self, selection: str) -> str:
        header = f"({', '.join(self.definitions)})" if self.definitions else ""
        return "\n".join([f"query{header} {selection}", *self.fragments])


_ABSENT = object()


@st.composite
def written(draw: Any, ids: list[str]) -> tuple[str, dict[str, Any]]:
    document = Document(draw, ids)
    selection = document.selection_set(SCHEMA.query_type, 1)
    return document.text(selection), document.variables


def from_hypothesis_graphql() -> st.SearchStrategy[tuple[str, dict[str, Any]]]:
    scalars = {
        "DateTime": st.just(StringValueNode(value="2026-01-01T00:00:00+00:00")),
        "Decimal": st.just(StringValueNode(value="1.00")),
    }
    return queries(SCHEMA, custom_scalars=scalars).map(lambda text: (text, {}))


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
@given(data=st.data())
async def test_responses_stay_within_their_cost(
    seeded: Seeded, commands: CommandCounter, data: st.DataObject
) -> None:
    query, variables = data.draw(
        st.one_of(written(seeded.ids), written(seeded.ids), from_hypothesis_graphql()),
        label="document",
    )
    commands.reset()
    body = await seeded.client.raw(query, variables)
    codes = {e["extensions"]["code"] for e in body.get("errors") or []}
    if codes & LIMIT_CODES:
        assert body.get("data") is None, body
        if commands.commands:
            # An earlier document's loads may still settle in the background after its
            # error answered it (the differential mode runs every document twice): the
            # same refusal again, once they are done, must send nothing.
            await asyncio.sleep(0.2)
            commands.reset()
            again = await seeded.client.raw(query, variables)
            assert {e["extensions"]["code"] for e in again.get("errors") or []} == codes
        assert commands.commands == [], (query, commands.commands)
        return
    if body.get("data") is None:
        return  # refused before execution (validation, variables): nothing to count
    assert response_units(body["data"]) <= body["extensions"]["cost"], (query, variables)
