"""Automatic persisted queries (Apollo's protocol) over HTTP: miss, register, hit."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import httpx

from mongraph.config import Settings
from mongraph.datastore.client import Datastore
from mongraph.datastore.persisted import COLLECTION
from tests.utils.apps import app_client
from tests.utils.factories import MadeUser

VIEWER = "query Me { viewer { displayName } }"
HASH = hashlib.sha256(VIEWER.encode()).hexdigest()


def apq(digest: str = HASH) -> dict[str, Any]:
    return {"persistedQuery": {"version": 1, "sha256Hash": digest}}


def bearer(user: MadeUser) -> dict[str, str]:
    return {"Authorization": f"Bearer {user.secret}"}


def codes(body: dict[str, Any]) -> list[str]:
    return [error["extensions"]["code"] for error in body.get("errors", [])]


async def test_an_unknown_hash_misses_then_the_document_registers_and_later_hits(
    http: httpx.AsyncClient, alice: MadeUser
) -> None:
    miss = await http.post("/graphql", json={"extensions": apq()}, headers=bearer(alice))
    assert miss.status_code == 200
    assert miss.json() == {
        "data": None,
        "errors": [
            {
                "message": "PersistedQueryNotFound",
                "extensions": {"code": "PERSISTED_QUERY_NOT_FOUND"},
            }
        ],
    }
    sent = await http.post(
        "/graphql", json={"query": VIEWER, "extensions": apq()}, headers=bearer(alice)
    )
    assert sent.json()["data"] == {"viewer": {"displayName": "Alice"}}
    hit = await http.post("/graphql", json={"extensions": apq()}, headers=bearer(alice))
    assert hit.json()["data"] == {"viewer": {"displayName": "Alice"}}


async def test_a_persisted_query_runs_over_get_and_a_miss_is_404_for_graphql_response_json(
    http: httpx.AsyncClient, alice: MadeUser
) -> None:
    params = {"extensions": json.dumps(apq())}
    accept = {"Accept": "application/graphql-response+json", **bearer(alice)}
    miss = await http.get("/graphql", params=params, headers=accept)
    assert (miss.status_code, codes(miss.json())) == (404, ["PERSISTED_QUERY_NOT_FOUND"])
    await http.post("/graphql", json={"query": VIEWER, "extensions": apq()}, headers=bearer(alice))
    hit = await http.get("/graphql", params=params, headers={"Accept": "*/*", **bearer(alice)})
    assert hit.status_code == 200
    assert hit.json()["data"] == {"viewer": {"displayName": "Alice"}}  # not the GraphiQL page


async def test_the_store_is_shared_by_gateway_instances(
    store: Datastore, settings: Settings, alice: MadeUser
) -> None:
    async with app_client(store, settings) as first:
        await first.post(
            "/graphql", json={"query": VIEWER, "extensions": apq()}, headers=bearer(alice)
        )
    async with app_client(store, settings) as second:
        hit = await second.post("/graphql", json={"extensions": apq()}, headers=bearer(alice))
    assert hit.json()["data"] == {"viewer": {"displayName": "Alice"}}


async def test_anonymous_and_invalid_documents_are_not_stored(
    http: httpx.AsyncClient, store: Datastore, alice: MadeUser
) -> None:
    anonymous = await http.post("/graphql", json={"query": VIEWER, "extensions": apq()})
    assert anonymous.json()["data"] == {"viewer": None}  # answered, not remembered
    invalid = "{ viewer { noSuchField } }"
    body = {"query": invalid, "extensions": apq(hashlib.sha256(invalid.encode()).hexdigest())}
    refused = await http.post("/graphql", json=body, headers=bearer(alice))
    assert codes(refused.json()) == ["BAD_USER_INPUT"]
    assert await store.db[COLLECTION].count_documents({}) == 0
    again = await http.post("/graphql", json={"extensions": apq()}, headers=bearer(alice))
    assert codes(again.json()) == ["PERSISTED_QUERY_NOT_FOUND"]


async def test_the_store_is_bounded_in_count(
    store: Datastore, settings: Settings, alice: MadeUser
) -> None:
    bounded = settings.model_copy(update={"mongraph_apq_max_documents": 2})
    documents = [f"query Q{n} {{ viewer {{ id }} }}" for n in range(3)]
    async with app_client(store, bounded) as client:
        for document in documents:
            digest = hashlib.sha256(document.encode()).hexdigest()
            body = {"query": document, "extensions": apq(digest)}
            assert (
                "errors"
                not in (await client.post("/graphql", json=body, headers=bearer(alice))).json()
            )
        results = [
            codes(
                (
                    await client.post(
                        "/graphql",
                        json={"extensions": apq(hashlib.sha256(d.encode()).hexdigest())},
                        headers=bearer(alice),
                    )
                ).json()
            )
            for d in documents
        ]
    assert results == [["PERSISTED_QUERY_NOT_FOUND"], [], []]  # the oldest went first
    assert await store.db[COLLECTION].count_documents({}) == 2


async def test_malformed_persisted_queries_are_bad_user_input_and_store_nothing(
    http: httpx.AsyncClient, store: Datastore, alice: MadeUser
) -> None:
    cases = [
        {"query": VIEWER, "extensions": apq("0" * 64)},  # the hash of another document
        {"extensions": {"persistedQuery": {"version": 2, "sha256Hash": HASH}}},
        {"extensions": {"persistedQuery": {"version": 1, "sha256Hash": "abc"}}},
        {"extensions": {"persistedQuery": "yes"}},
        {"documentId": "sha256:nothex"},
        {"documentId": 12},
        {"query": VIEWER, "documentId": f"sha256:{HASH}"},
    ]
    for body in cases:
        response = await http.post("/graphql", json=body, headers=bearer(alice))
        assert codes(response.json()) == ["BAD_USER_INPUT"], body
    assert await store.db[COLLECTION].count_documents({}) == 0


async def test_a_mutation_named_by_hash_is_refused_over_get(
    http: httpx.AsyncClient, alice: MadeUser
) -> None:
    mutation = 'mutation { createProject(input: {name: "x"}) { project { id } } }'
    digest = hashlib.sha256(mutation.encode()).hexdigest()
    await http.post(
        "/graphql", json={"query": mutation, "extensions": apq(digest)}, headers=bearer(alice)
    )
    response = await http.get(
        "/graphql", params={"extensions": json.dumps(apq(digest))}, headers=bearer(alice)
    )
    assert response.status_code == 405


async def test_batched_requests_are_refused(http: httpx.AsyncClient, alice: MadeUser) -> None:
    batch = [{"query": VIEWER}, {"query": VIEWER}]
    response = await http.post("/graphql", json=batch, headers=bearer(alice))
    assert response.status_code == 400
    assert codes(response.json()) == ["BAD_USER_INPUT"]
