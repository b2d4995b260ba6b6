"""The cost analysis: linear in the document, introspection included, variables as executed,
and every list bounded by what the write path enforces. `extensions.cost` is an upper bound
of the response's units (tests/utils/cost.py), and a refused document costs no command."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from bson import ObjectId
from graphql import (
    FragmentDefinitionNode,
    OperationDefinitionNode,
    get_introspection_query,
    parse,
)

from mongraph.api.schema import build_schema
from mongraph.config import Settings
from mongraph.datastore import storyboard
from mongraph.datastore.client import Datastore
from mongraph.datastore.documents import MediaDoc
from mongraph.datastore.repository import Scope
from mongraph.errors import Conflict
from mongraph.schema.ids import encode_global_id
from tests.utils.apps import on_loopback
from tests.utils.commands import CommandCounter
from tests.utils.cost import fan_out, response_units, token_count
from tests.utils.factories import MadeUser
from tests.utils.graphql import GraphQLClient


@pytest.fixture
async def served(store: Datastore, settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """The gateway on a real uvicorn on loopback."""
    async with (
        on_loopback(store, settings) as (address, _),
        httpx.AsyncClient(base_url=f"http://{address}", timeout=120) as client,
    ):
        yield client


async def refused_before_the_database(
    client: GraphQLClient, commands: CommandCounter, query: str, code: str
) -> dict[str, Any]:
    commands.reset()
    body = await client.raw(query)
    assert [e["extensions"]["code"] for e in body.get("errors") or []] == [code], body
    assert body.get("data") is None
    assert commands.commands == [], "the database was asked"
    return body


def shape_of(text: str, *, unlimited: bool) -> Any:
    from mongraph.execution.cost import Limits, measure
    from mongraph.execution.cost_sizes import costs_of

    limits = (
        Limits(10**100, 10**6, 10**6, 10**6, 10**6, 10**6)
        if unlimited
        else Limits.of(Settings(mongodb_uri="unused"))
    )
    document = parse(text)
    operation = next(d for d in document.definitions if isinstance(d, OperationDefinitionNode))
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    return measure(costs_of(build_schema()._schema), operation, fragments, {}, limits)


@pytest.mark.parametrize("levels", [13, 20])
def test_the_walk_is_linear_in_the_document(levels: int) -> None:
    text = fan_out(levels)
    tokens = token_count(text)
    stopped = shape_of(text, unlimited=False)
    assert stopped.exceeded is not None
    assert stopped.exceeded.name == "COST"
    assert stopped.visits <= tokens
    # Without a limit to stop it, each fragment is still walked once and scaled.
    whole = shape_of(text, unlimited=True)
    assert whole.exceeded is None
    assert whole.cost == 3 ** (levels - 1)  # one __typename at the bottom of each path
    assert whole.visits <= tokens


async def test_the_fan_out_is_refused_over_http_without_a_key_or_a_command(
    served: httpx.AsyncClient, commands: CommandCounter
) -> None:
    anonymous = GraphQLClient(served)
    for levels in (13, 20):
        body = await refused_before_the_database(
            anonymous, commands, fan_out(levels), "QUERY_TOO_COMPLEX"
        )
        assert body["extensions"]["cost"] > 200_000


@pytest.mark.parametrize(
    "options",
    [
        {},
        {
            "descriptions": True,
            "specified_by_url": True,
            "directive_is_repeatable": True,
            "schema_description": True,
            "input_value_deprecation": True,
        },
    ],
    ids=["plain", "graphiql"],
)
async def test_standard_introspection_passes_and_is_costed(
    served: httpx.AsyncClient, options: dict[str, bool]
) -> None:
    body = await GraphQLClient(served).raw(get_introspection_query(**options))
    assert "errors" not in body, body["errors"]
    assert len(body["data"]["__schema"]["types"]) > 50
    assert response_units(body["data"]) <= body["extensions"]["cost"] <= 200_000


@pytest.mark.parametrize(
    "listed",
    [
        "enumValues(includeDeprecated: true) { deprecationReason }",
        "fields { name }",
        "inputFields { name }",
    ],
)
async def test_a_list_that_is_null_on_most_types_is_costed_with_its_nulls(
    served: httpx.AsyncClient, listed: str
) -> None:
    """Every type's `enumValues` together are capped by the schema's enum values, but each
    type that is not an enum answers null: those count too (the fuzz test found 596 units
    under a cost of 563)."""
    body = await GraphQLClient(served).raw(f"{{ __schema {{ description types {{ {listed} }} }} }}")
    assert "errors" not in body, body["errors"]
    assert response_units(body["data"]) <= body["extensions"]["cost"]


async def test_aliases_under_introspection_count(
    served: httpx.AsyncClient, commands: CommandCounter
) -> None:
    many = " ".join(f"a{i}: queryType {{ name }}" for i in range(40))
    await refused_before_the_database(
        GraphQLClient(served), commands, f"{{ __schema {{ {many} }} }}", "TOO_MANY_ALIASES"
    )


INTROSPECTION_BOMB = """{ __schema { ...S } }
fragment S on __Schema { a: types { ...T1 } b: types { ...T1 } }
fragment T1 on __Type { a: fields { type { ...T2 } } b: fields { type { ...T2 } } ofType { ...T2 } }
fragment T2 on __Type { a: fields { type { ...T3 } } b: fields { type { ...T3 } } ofType { ...T3 } }
fragment T3 on __Type { name kind ofType { name kind ofType { name kind } } }"""

# Within graphql-core's MaxIntrospectionDepthRule (`fields` nested at most twice) and the
# alias limit (3 + 3 x 4 = 15), about 130,000 fields of about 15 units each.
NESTED_INTROSPECTION = """{ __schema { types {
  a: fields { type { ...X } } b: fields { type { ...X } } c: fields { type { ...X } } } } }
fragment X on __Type { a: fields { type { ...Y } } b: fields { type { ...Y } }
  c: fields { type { ...Y } } d: fields { type { ...Y } } }
fragment Y on __Type { name kind ofType { name kind ofType { name kind ofType { name } } } }"""


@pytest.mark.parametrize(
    ("query", "code"),
    [(INTROSPECTION_BOMB, "QUERY_TOO_COMPLEX"), (NESTED_INTROSPECTION, "QUERY_TOO_COMPLEX")],
    ids=["aliased-fragments", "nested-lists"],
)
async def test_introspection_bombs_are_refused(
    served: httpx.AsyncClient, commands: CommandCounter, query: str, code: str
) -> None:
    await refused_before_the_database(GraphQLClient(served), commands, query, code)


async def make_projects(store: Datastore, owner: MadeUser, count: int) -> None:
    for i in range(count):
        await storyboard.create_project(store, owner_id=owner.doc.id, fields={"name": f"P{i}"})


async def test_a_null_variable_is_costed_as_the_page_it_executes_with(
    store: Datastore, alice: MadeUser, gql: GraphQLClient
) -> None:
    await make_projects(store, alice, 25)
    query = "query($f: Int = 0) { projects(first: $f) { edges { node { id name } } } }"
    body = await gql.raw(query, {"f": None})  # null overrides the default: the resolver's page
    assert len(body["data"]["projects"]["edges"]) == 20
    assert body["extensions"]["cost"] >= response_units(body["data"])
    absent = await gql.raw(query)  # absent: the default, 0
    assert absent["data"]["projects"]["edges"] == []


async def test_a_child_page_of_null_is_costed_as_its_resolver_applies_it(
    store: Datastore, alice: MadeUser, gql: GraphQLClient
) -> None:
    project = await storyboard.create_project(store, owner_id=alice.doc.id, fields={"name": "P"})
    for i in range(55):
        await storyboard.create_scene(
            store, scope=Scope(owner_id=alice.doc.id), project_id=project.id,
            parent_scene_id=None, order=None, fields={"name": f"S{i}"},
        )  # fmt: skip
    query = """query($id: ID!, $f: Int = 1) {
      project(id: $id) { scenes(first: $f) { edges { node { id name } } } } }"""
    body = await gql.raw(query, {"id": encode_global_id("Project", project.id), "f": None})
    assert len(body["data"]["project"]["scenes"]["edges"]) == 50
    assert body["extensions"]["cost"] >= response_units(body["data"])


async def test_a_float_page_size_is_costed_as_the_integer_it_executes_as(
    store: Datastore, alice: MadeUser, gql: GraphQLClient
) -> None:
    await make_projects(store, alice, 35)
    query = "query($n: Int) { projects(first: $n) { edges { node { id } } } }"
    body = await gql.raw(query, {"n": 30.0})
    assert len(body["data"]["projects"]["edges"]) == 30
    assert body["extensions"]["cost"] == 2 + 5 * 30  # projects, then edge + node + id each
    assert body["extensions"]["cost"] >= response_units(body["data"])


async def test_an_empty_page_still_costs_its_connection(
    store: Datastore, alice: MadeUser, gql: GraphQLClient
) -> None:
    """`first: 0` returns no edge but still a connection with its `pageInfo` (found by the
    property test: cost 2 for 5 units)."""
    await make_projects(store, alice, 3)
    query = "{ projects(first: 0) { totalCount edges { cursor } pageInfo { endCursor } } }"
    body = await gql.raw(query)
    assert body["data"]["projects"]["edges"] == []
    assert body["extensions"]["cost"] >= response_units(body["data"])


ADD_MEDIA = """mutation($input: AddGeneratedMediaInput!) {
  addGeneratedMedia(input: $input) { clip { id } userErrors { code field } } }"""
CLIP_MEDIA = """query($id: ID!) { node(id: $id) { ... on Clip {
  generatedImages { id url prompt } generatedVideos { id } selectedImage { id } } } }"""


async def make_clip(store: Datastore, owner: MadeUser) -> ObjectId:
    scope = Scope(owner_id=owner.doc.id)
    project = await storyboard.create_project(store, owner_id=owner.doc.id, fields={"name": "P"})
    scene = await storyboard.create_scene(
        store, scope=scope, project_id=project.id, parent_scene_id=None, order=None,
        fields={"name": "S"},
    )  # fmt: skip
    clip = await storyboard.create_clip(
        store, scope=scope, scene_id=scene.id, character_id=None, order=None,
        fields={"name": "C"},
    )  # fmt: skip
    return clip.id


async def add_image(store: Datastore, owner: MadeUser, clip_id: ObjectId, i: int) -> None:
    await storyboard.add_media(
        store, scope=Scope(owner_id=owner.doc.id), clip_id=clip_id,
        media={"kind": "IMAGE", "url": f"https://img.example/{i}.png"}, select=False,
    )  # fmt: skip


async def test_a_clip_takes_at_most_100_images(
    store: Datastore, alice: MadeUser, gql: GraphQLClient
) -> None:
    clip_id = await make_clip(store, alice)
    for i in range(100):
        await add_image(store, alice, clip_id, i)
    clip = encode_global_id("Clip", clip_id)
    image = {"clipId": clip, "kind": "IMAGE", "url": "https://img.example/x.png"}
    payload = (await gql.ok(ADD_MEDIA, {"input": image}))["addGeneratedMedia"]
    assert payload == {
        "clip": None,
        "userErrors": [{"code": "CONFLICT", "field": ["input", "clipId"]}],
    }
    video = {"clipId": clip, "kind": "VIDEO", "url": "https://img.example/x.mp4"}
    assert (await gql.mutate(ADD_MEDIA, {"input": video}))["clip"]["id"] == clip
    body = await gql.raw(CLIP_MEDIA, {"id": clip})
    assert len(body["data"]["node"]["generatedImages"]) == 100
    assert len(body["data"]["node"]["generatedVideos"]) == 1
    assert body["extensions"]["cost"] >= response_units(body["data"])


async def test_concurrent_appends_stop_at_the_cap(store: Datastore, alice: MadeUser) -> None:
    clip_id = await make_clip(store, alice)
    for i in range(95):
        await add_image(store, alice, clip_id, i)
    results = await asyncio.gather(
        *(add_image(store, alice, clip_id, 100 + i) for i in range(12)), return_exceptions=True
    )
    assert sum(r is None for r in results) == 5
    assert all(isinstance(r, Conflict) for r in results if r is not None), results
    stored = await store.db["clips"].find_one({"_id": clip_id})
    assert stored is not None
    assert len(stored["generatedImages"]) == 100


async def test_a_clip_stored_over_the_cap_answers_within_it(
    store: Datastore, alice: MadeUser, gql: GraphQLClient
) -> None:
    """Written before the cap (249 images of 2 kB prompts): the response shows 100."""
    clip_id = await make_clip(store, alice)
    images = [
        MediaDoc(kind="IMAGE", url=f"https://img.example/{i}.png", prompt="p" * 2000).to_mongo()
        for i in range(249)
    ]
    await store.db["clips"].update_one(
        {"_id": clip_id},
        {"$set": {"generatedImages": images, "selectedImageId": images[200]["id"]}},
    )
    body = await gql.raw(CLIP_MEDIA, {"id": encode_global_id("Clip", clip_id)})
    node = body["data"]["node"]
    assert len(node["generatedImages"]) == 100
    assert node["selectedImage"]["id"] == encode_global_id("GeneratedMedia", images[200]["id"])
    assert body["extensions"]["cost"] >= response_units(body["data"])


async def test_nodes_costs_its_ids_and_refuses_repeats(
    store: Datastore, alice: MadeUser, gql: GraphQLClient
) -> None:
    clips = [await make_clip(store, alice) for _ in range(3)]
    ids = [encode_global_id("Clip", c) for c in clips]
    query = "query($ids: [ID!]!) { nodes(ids: $ids) { id } }"
    body = await gql.raw(query, {"ids": ids})
    assert [n["id"] for n in body["data"]["nodes"]] == ids
    assert body["extensions"]["cost"] == 2 * 3 + 3  # three objects with an id each
    assert await gql.error_codes(query, {"ids": [ids[0]] * 40}) == ["BAD_USER_INPUT"]
    assert await gql.error_codes(query, {"ids": [ids[0], ids[1], ids[0]]}) == ["BAD_USER_INPUT"]
