"""Documents are parsed and validated once per text (api/documents.py); everything that
depends on the request still runs on every request: its caller, its variables, its limits."""

from __future__ import annotations

import httpx
from graphql import NoSchemaIntrospectionCustomRule, parse, specified_rules

from mongraph.api.documents import DocumentCache
from mongraph.api.schema import build_schema
from mongraph.config import Settings
from mongraph.datastore.client import Datastore
from mongraph.framework import graphql_schema
from tests.utils.apps import app_client
from tests.utils.factories import MadeUser
from tests.utils.graphql import GraphQLClient

VIEWER = "query Viewer { viewer { id displayName } }"


def codes(body: dict[str, object]) -> list[str]:
    errors = body.get("errors") or []
    assert isinstance(errors, list)
    return [e["extensions"]["code"] for e in errors]


async def test_a_cached_document_answers_each_caller_as_itself(
    http: httpx.AsyncClient, alice: MadeUser, bob: MadeUser
) -> None:
    as_alice, as_bob = GraphQLClient(http, alice.secret), GraphQLClient(http, bob.secret)
    for _ in range(2):
        assert (await as_alice.raw(VIEWER))["data"]["viewer"]["displayName"] == "Alice"
        assert (await as_bob.raw(VIEWER))["data"]["viewer"]["displayName"] == "Bob"
        anonymous = await GraphQLClient(http, None).raw(VIEWER)
        assert anonymous["data"] == {"viewer": None}
        forged = await GraphQLClient(http, "mgr_" + "x" * 43).raw(VIEWER)
        assert codes(forged) == ["UNAUTHENTICATED"]


async def test_a_changed_document_is_validated_again(gql: GraphQLClient) -> None:
    assert "errors" not in await gql.raw(VIEWER)
    edited = await gql.raw(VIEWER.replace("displayName", "displayNam"))
    assert codes(edited) == ["BAD_USER_INPUT"]
    assert "errors" not in await gql.raw(VIEWER)
    garbled = await gql.raw(VIEWER.replace("{ id", "{ id {"))
    assert codes(garbled) == ["BAD_USER_INPUT"]


async def test_the_limits_of_a_cached_document_follow_each_requests_variables(
    gql: GraphQLClient,
) -> None:
    query = "query($n: Int) { projects(first: $n) { edges { node { id } } } }"
    assert "errors" not in await gql.raw(query, {"n": 10})
    assert codes(await gql.raw(query, {"n": 100_000})) == ["QUERY_TOO_COMPLEX"]
    assert "errors" not in await gql.raw(query, {"n": 10})


async def test_each_schema_validates_with_its_own_rules(
    store: Datastore, settings: Settings, alice: MadeUser
) -> None:
    """The same text, valid for a gateway that serves introspection, is refused by one
    that does not, whichever ran it first."""
    query = "{ __schema { queryType { name } } }"
    closed = settings.model_copy(update={"mongraph_introspection": False})
    async with app_client(store, settings) as open_http, app_client(store, closed) as closed_http:
        for _ in range(2):
            opened = await GraphQLClient(open_http, alice.secret).raw(query)
            assert opened["data"] == {"__schema": {"queryType": {"name": "Query"}}}
            refused = await GraphQLClient(closed_http, alice.secret).raw(query)
            assert refused["data"] is None
            assert set(codes(refused)) == {"BAD_USER_INPUT"}


def test_validation_is_kept_per_document_and_rules() -> None:
    cache = DocumentCache(graphql_schema(build_schema()), maxsize=2)
    query = "{ __schema { queryType { name } } }"
    document = cache.parse(query)
    assert cache.parse(query) is document  # the same text, the same document
    assert cache.validate(document, specified_rules) == []
    closed = (*specified_rules, NoSchemaIntrospectionCustomRule)
    assert cache.validate(document, closed)  # other rules: validated again
    assert cache.validate(document, specified_rules) == []
    invalid = parse("{ __schema { nope } }")
    assert len(cache.validate(invalid, specified_rules)) == 1
    twin = parse(query)  # equal text, another document: validated as itself
    assert cache.validate(twin, closed)
    for text in ("{ viewer { id } }", "{ node(id: 1) { id } }", "{ viewer { nope } }"):
        cache.validate(cache.parse(text), specified_rules)  # evicts the oldest (maxsize 2)
    assert len(cache.validate(cache.parse("{ viewer { nope } }"), specified_rules)) == 1
