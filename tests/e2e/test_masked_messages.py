"""With introspection off, error messages teach a prober nothing the document did not
say: no enum values suggested, no echo of the client's values as Python prints them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from mongraph.config import Settings
from mongraph.datastore.client import Datastore
from tests.utils.apps import loopback_client
from tests.utils.factories import MadeUser
from tests.utils.graphql import GraphQLClient

BY_IDENTITY = 'query($p: Platform!) { userByIdentity(platform: $p, externalId: "x") { id } }'
CREATE = "mutation($i: CreateProjectInput!) { createProject(input: $i) { project { id } } }"
SINCE = "query($d: DateTime) { projects(where: {createdAt: {from: $d}}) { totalCount } }"

CASES: list[tuple[str, dict[str, Any], str]] = [
    (BY_IDENTITY, {"p": "TELEGRA"}, "TELEGRAM"),
    ('{ userByIdentity(platform: TELEGRA, externalId: "x") { id } }', {}, "TELEGRAM"),
    (BY_IDENTITY, {"p": {"$ne": None}}, "$ne"),
    ("query($id: ID!) { project(id: $id) { id } }", {"id": {"$ne": ""}}, "$ne"),
    (CREATE, {"i": {"name": {"$ne": None}, "bogus": 1}}, "$ne"),
    ("query($n: Int) { projects(first: $n) { totalCount } }", {"n": "abc"}, "'abc'"),
    (SINCE, {"d": "yesterday"}, "yesterday"),
]


@pytest.fixture
async def client(store: Datastore, settings: Settings, alice: MadeUser) -> AsyncIterator[Any]:
    closed = settings.model_copy(update={"mongraph_introspection": False})
    async with loopback_client(store, closed) as http:
        yield GraphQLClient(http, alice.secret)


@pytest.mark.parametrize(("query", "variables", "leak"), CASES)
async def test_coercion_messages_hide_values_and_suggestions(
    client: GraphQLClient, query: str, variables: dict[str, Any], leak: str
) -> None:
    body = await client.raw(query, variables)
    messages = [e["message"] for e in body["errors"]]
    assert {e["extensions"]["code"] for e in body["errors"]} == {"BAD_USER_INPUT"}
    assert not [m for m in messages if leak in m or "Did you mean" in m or "{'" in m], messages


async def test_the_masked_messages_still_say_what_is_wrong(client: GraphQLClient) -> None:
    body = await client.raw(CREATE, {"i": {"name": {"$ne": None}, "bogus": 1}})
    assert [e["message"] for e in body["errors"]] == [
        "Variable '$i' has invalid value at .name: String cannot represent a non string value.",
        "Variable '$i' has invalid value: Expected value of type 'CreateProjectInput' "
        "not to include unknown field 'bogus'.",
    ]


async def test_a_bad_date_is_explained_in_our_words_with_introspection_on(
    gql: GraphQLClient,
) -> None:
    body = await gql.raw(SINCE, {"d": "2026-13-99"})
    (message,) = [e["message"] for e in body["errors"]]
    assert "not an ISO-8601 date and time, e.g. 2026-01-31T12:00:00Z" in message
    assert "month must be in" not in message
