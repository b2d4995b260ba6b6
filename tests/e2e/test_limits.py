"""Hostile queries are refused before any resolver runs and before any database command."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import httpx
import pytest

from mongraph.config import Settings
from mongraph.datastore.client import Datastore
from tests.utils.apps import app_client
from tests.utils.commands import CommandCounter
from tests.utils.factories import MadeUser
from tests.utils.graphql import GraphQLClient


async def refused(
    gql: GraphQLClient, commands: CommandCounter, query: str, code: str
) -> dict[str, object]:
    commands.reset()
    body = await gql.raw(query)
    assert [e["extensions"]["code"] for e in body["errors"]] == [code], body
    assert body.get("data") is None
    assert commands.commands == [], "the database was asked"
    return body


def nested(depth: int) -> str:
    """`node { ... on Scene { project { scenes { edges { node { ...` to the given depth."""
    inner = "id"
    levels = 1
    while levels + 3 <= depth - 1:
        inner = f"project {{ scenes(first: 1) {{ edges {{ node {{ {inner} }} }} }} }}"
        levels += 4
    while levels < depth - 1:
        inner = f"parentScene {{ {inner} }}"
        levels += 1
    return f'{{ node(id: "x") {{ ... on Scene {{ {inner} }} }} }}'


async def test_depth_limit(gql: GraphQLClient, commands: CommandCounter) -> None:
    await refused(gql, commands, nested(13), "QUERY_TOO_DEEP")
    assert await gql.error_codes(nested(12)) == [
        "BAD_USER_INPUT"
    ]  # within the limit: runs (bad id)


async def test_alias_limit(gql: GraphQLClient, commands: CommandCounter) -> None:
    many = " ".join(f"a{i}: viewer {{ id }}" for i in range(16))
    await refused(gql, commands, f"{{ {many} }}", "TOO_MANY_ALIASES")
    fine = " ".join(f"a{i}: viewer {{ id }}" for i in range(15))
    assert len(await gql.ok(f"{{ {fine} }}")) == 15


async def test_token_limit(gql: GraphQLClient, commands: CommandCounter) -> None:
    fields = " ".join("__typename" for _ in range(2100))
    await refused(gql, commands, f"{{ {fields} }}", "QUERY_TOO_COMPLEX")


async def test_directive_limit(gql: GraphQLClient, commands: CommandCounter) -> None:
    many = " ".join("__typename @include(if: true)" for _ in range(51))
    await refused(gql, commands, f"{{ {many} }}", "QUERY_TOO_COMPLEX")
    fine = " ".join("__typename @include(if: true)" for _ in range(50))
    assert (await gql.ok(f"{{ {fine} }}")) == {"__typename": "Query"}


async def test_cost_budget(gql: GraphQLClient, commands: CommandCounter) -> None:
    greedy = """{ projects(first: 100) { edges { node { scenes(first: 100) { edges { node {
                  clips(first: 100) { edges { node { character { clips { edges { node { id } } } } } } } } } } } } } }"""
    body = await refused(gql, commands, greedy, "QUERY_TOO_COMPLEX")
    assert body["extensions"]["cost"] > 200_000  # type: ignore[index]
    shallow = "{ projects(first: 100) { edges { node { scenes(first: 100) { edges { node { clips(first: 100) { edges { node { id } } } } } } } } } }"
    await refused(gql, commands, shallow, "QUERY_TOO_COMPLEX")
    with_variables = "query($n: Int) { projects(first: $n) { edges { node { scenes(first: $n) { edges { node { clips(first: $n) { edges { node { id } } } } } } } } } }"
    commands.reset()
    body = await gql.raw(with_variables, {"n": 100})
    assert [e["extensions"]["code"] for e in body["errors"]] == ["QUERY_TOO_COMPLEX"]
    assert commands.commands == []


@pytest.mark.parametrize(
    "query",
    [
        # the storyboard tree, the inbox and the big response of the benchmarks fit the budget
        "{ projects(first: 20) { edges { node { scenes(first: 20) { edges { node { clips(first: 20) { edges { node { name character { name } } } } } } } } } } }",
        "{ conversations(first: 50) { edges { node { title messageCount messages(last: 1) { edges { node { content { text } } } } } } } }",
        """query($id: ID!) { project(id: $id) { scenes(first: 100) { edges { node { clips(first: 100) { edges { node {
             id name lyrics length timelinePosition order imagePrompt videoPrompt } } } } } } } }""",
    ],
)
async def test_real_operations_fit_and_report_their_cost(gql: GraphQLClient, query: str) -> None:
    body = await gql.raw(query, {"id": "UHJvamVjdDo2YjAyNTJjMGExZDVkMTE3ZGQyOWU0OGU="})
    assert "errors" not in body or body["errors"][0]["extensions"]["code"] != "QUERY_TOO_COMPLEX"
    assert 0 < body["extensions"]["cost"] <= 200_000


async def test_cost_counts_scalars_objects_and_page_sizes(gql: GraphQLClient) -> None:
    assert (await gql.raw("{ viewer { id displayName } }"))["extensions"]["cost"] == 4
    small = await gql.raw(
        "query($n: Int) { projects(first: $n) { edges { node { id } } } }", {"n": 10}
    )
    # projects 2 + edges 2x10 + node 2x10 + id 1x10
    assert small["extensions"]["cost"] == 2 + 20 + 20 + 10


async def test_a_repeated_document_is_costed_by_its_own_variables(gql: GraphQLClient) -> None:
    """Shapes are cached by document and variables: the same text with another page size
    costs what that page size costs, in either order."""
    query = "query($n: Int) { projects(first: $n) { edges { node { id } } } }"
    costs = [(await gql.raw(query, {"n": n}))["extensions"]["cost"] for n in (10, 3, 10, 3)]
    assert costs == [2 + 5 * 10, 2 + 5 * 3, 2 + 5 * 10, 2 + 5 * 3]
    over = await gql.raw(query, {"n": 100_000})  # 500,002: over the budget, not n=10's 52
    assert over["errors"][0]["extensions"]["code"] == "QUERY_TOO_COMPLEX"


async def test_body_over_the_limit_is_413(http: httpx.AsyncClient, alice: MadeUser) -> None:
    query = "{ viewer { id } }" + " " * 1_000_001
    response = await http.post(
        "/graphql", json={"query": query}, headers={"Authorization": f"Bearer {alice.secret}"}
    )
    assert response.status_code == 413
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_batches_get_mutations_and_form_posts_are_refused(
    http: httpx.AsyncClient, alice: MadeUser, gql: GraphQLClient
) -> None:
    auth = {"Authorization": f"Bearer {alice.secret}"}
    batch = await http.post("/graphql", json=[{"query": "{ viewer { id } }"}] * 2, headers=auth)
    assert batch.status_code == 400
    get_query = await http.get(
        "/graphql", params={"query": "{ viewer { displayName } }"}, headers=auth
    )
    assert get_query.json()["data"] == {"viewer": {"displayName": "Alice"}}
    mutation = 'mutation { createProject(input: {name: "csrf"}) { project { id } } }'
    get_mutation = await http.get("/graphql", params={"query": mutation}, headers=auth)
    assert get_mutation.status_code == 405  # GraphQL over HTTP: a MUST
    assert get_mutation.headers["allow"] == "POST"
    form = await http.post("/graphql", data={"query": mutation}, headers=auth)
    assert form.status_code in (400, 415)
    assert (await gql.ok("{ projects { totalCount } }"))["projects"]["totalCount"] == 0


@pytest.fixture
async def locked_down(store: Datastore) -> AsyncIterator[httpx.AsyncClient]:
    settings = Settings(mongodb_uri="unused", mongraph_introspection=False, mongraph_dev=False)
    async with app_client(store, settings) as client:
        yield client


async def test_introspection_can_be_switched_off(
    locked_down: httpx.AsyncClient, alice: MadeUser
) -> None:
    client = GraphQLClient(locked_down, alice.secret)
    assert set(await client.error_codes("{ __schema { types { name } } }")) == {"BAD_USER_INPUT"}
    assert set(await client.error_codes('{ __type(name: "User") { fields { name } } }')) == {
        "BAD_USER_INPUT"
    }
    assert (await client.ok("{ viewer { displayName } }"))["viewer"] == {"displayName": "Alice"}


async def test_probing_for_field_names_learns_nothing_outside_dev_mode(gql: GraphQLClient) -> None:
    probes = [
        "{ viewr { id } }",
        "{ viewer { apiKey { id } } }",
        '{ project(id: "x") { nam } }',
        "{ usr { id } }",
    ]
    for probe in probes:
        body = await gql.raw(probe)
        text = json.dumps(body)
        assert "Did you mean" not in text, text


# A clairvoyance-style probe: guessed words, near misses and real fields used wrongly,
# whose error messages would name types, fields and arguments the prober never wrote.
PROBES = [
    "{ viewer }",
    "{ node }",
    "{ project }",
    "{ projects { edges { node } } }",
    "{ projects { edges { node { scenes } } } }",
    "{ conversations { edges { node { messages { edges { node { content } } } } } } }",
    "{ viewer { wallets } }",
    "mutation { createProject }",
    "mutation { applyCredit(input: {}) { transaction { id } } }",
    "{ user account profile wallet apiKey identity ledger balance clip scene }",
    "{ viewer { id secret password hash keys roles } }",
]


def schema_names() -> set[str]:
    from mongraph.api.schema import build_schema

    schema = build_schema()._schema
    names = {n for n in schema.type_map if not n.startswith("__")}
    for gtype in schema.type_map.values():
        for name, field in (getattr(gtype, "fields", None) or {}).items():
            names.add(name)
            names.update(getattr(field, "args", None) or {})
    return names


def learned(body: dict[str, object], probe: str) -> set[str]:
    """Schema names quoted in the response's error messages that the probe did not contain."""
    import re

    name = r"[_A-Za-z][_0-9A-Za-z]*"
    written = set(re.findall(name, probe))
    said = " ".join(e["message"] for e in body.get("errors") or [])  # type: ignore[attr-defined]
    quoted = " ".join(re.findall(r"['\"]([^'\"]*)['\"]", said))
    return {n for n in re.findall(name, quoted) if n not in written} & schema_names()


async def test_probing_with_introspection_off_learns_no_schema_name(
    locked_down: httpx.AsyncClient, alice: MadeUser
) -> None:
    client = GraphQLClient(locked_down, alice.secret)
    for probe in PROBES:
        body = await client.raw(probe)
        assert body["errors"], probe
        assert learned(body, probe) == set(), (probe, body["errors"])


async def test_the_same_probes_teach_plenty_when_introspection_is_on(gql: GraphQLClient) -> None:
    """The check above can see a leak: without the mask the messages name types."""
    taught = set()
    for probe in PROBES:
        taught |= learned(await gql.raw(probe), probe)
    assert {"User", "Project", "CreateProjectInput"} <= taught
