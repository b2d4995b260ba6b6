"""GraphQL over HTTP: the spec's audit suite (npm graphql-http 1.23.1) against a live gateway.

It runs against bare Strawberry too (a one-field schema, same Strawberry version):
every MUST passes and every SHOULD that bare Strawberry passes passes here. The
scores go to tests/output/graphql-http-audit.json.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import httpx
import strawberry
from strawberry.asgi import GraphQL

from mongraph.config import Settings
from mongraph.datastore.client import Datastore
from mongraph.media import GRAPHQL_RESPONSE, prefers_graphql_response
from tests.utils import required
from tests.utils.apps import on_loopback
from tests.utils.factories import MadeUser
from tests.utils.server import serving

ROOT = Path(__file__).resolve().parents[2]
OUTPUT = ROOT / "tests" / "output"


@strawberry.type
class _Query:
    hello: str = "world"


async def audit(url: str) -> list[dict[str, Any]]:
    node = required.node()
    required.built(ROOT / "web" / "node_modules" / "graphql-http", "make web")
    process = await asyncio.create_subprocess_exec(
        node,
        str(ROOT / "web" / "audit.mjs"),
        url,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    stdout, stderr = await process.communicate()
    assert process.returncode == 0, stderr.decode()
    results: list[dict[str, Any]] = json.loads(stdout)
    return results


def passed(results: list[dict[str, Any]], level: str) -> set[str]:
    return {r["name"] for r in results if r["name"].startswith(level) and r["status"] == "ok"}


def total(results: list[dict[str, Any]], level: str) -> int:
    return sum(r["name"].startswith(level) for r in results)


async def test_the_gateway_passes_the_graphql_over_http_audit(
    store: Datastore, settings: Settings
) -> None:
    async with on_loopback(store, settings) as (address, _):
        ours = await audit(f"http://{address}/graphql")
    async with serving(GraphQL(strawberry.Schema(_Query))) as address:
        bare = await audit(f"http://{address}/graphql")

    score = {
        name: {
            level: f"{len(passed(results, level))}/{total(results, level)}"
            for level in ("MUST", "SHOULD", "MAY")
        }
        for name, results in (("mongraph", ours), ("bare strawberry", bare))
    }
    OUTPUT.mkdir(exist_ok=True)
    (OUTPUT / "graphql-http-audit.json").write_text(
        json.dumps({"score": score, "mongraph": ours, "bare strawberry": bare}, indent=1)
    )
    failed_musts = [r for r in ours if r["name"].startswith("MUST") and r["status"] != "ok"]
    assert failed_musts == []
    assert passed(bare, "SHOULD") - passed(ours, "SHOULD") == set()
    # Beyond bare Strawberry: application/graphql-response+json, with 4xx on request errors.
    assert len(passed(ours, "SHOULD")) == total(ours, "SHOULD"), score
    assert total(ours, "MUST") >= 13  # the suite did run (13 MUSTs in 1.23.1)


async def test_request_errors_are_4xx_without_data_for_graphql_response_json(
    http: httpx.AsyncClient, alice: MadeUser
) -> None:
    wants = {"Accept": GRAPHQL_RESPONSE, "Authorization": f"Bearer {alice.secret}"}
    invalid = await http.post("/graphql", json={"query": "{ nope }"}, headers=wants)
    assert invalid.status_code == 400
    assert invalid.headers["content-type"] == f"{GRAPHQL_RESPONSE}; charset=utf-8"
    body = invalid.json()
    assert "data" not in body
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"

    anonymous = await http.post(
        "/graphql",
        json={"query": "{ projects { totalCount } }"},
        headers={"Accept": GRAPHQL_RESPONSE},
    )
    assert anonymous.status_code == 200  # executed: a field error, data is null
    assert anonymous.json()["data"] is None

    refused = await http.post(
        "/graphql",
        json={"query": "{ viewer { id } }"},
        headers={"Accept": GRAPHQL_RESPONSE, "Authorization": "Bearer mgr_unknown"},
    )
    assert refused.status_code == 401
    assert refused.headers["www-authenticate"] == "Bearer"
    assert "data" not in refused.json()
    assert refused.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"

    ok = await http.post("/graphql", json={"query": "{ viewer { displayName } }"}, headers=wants)
    assert ok.status_code == 200
    assert ok.headers["content-type"].startswith(GRAPHQL_RESPONSE)
    assert ok.json()["data"] == {"viewer": {"displayName": "Alice"}}


async def test_application_json_clients_keep_200_with_null_data(
    http: httpx.AsyncClient, alice: MadeUser
) -> None:
    for accept in ("application/json", "*/*", None):
        headers = {"Authorization": f"Bearer {alice.secret}"}
        if accept:
            headers["Accept"] = accept
        response = await http.post("/graphql", json={"query": "{ nope }"}, headers=headers)
        assert response.status_code == 200
        assert response.headers["content-type"] == "application/json"
        assert response.json()["data"] is None


def test_accept_negotiation() -> None:
    assert prefers_graphql_response(GRAPHQL_RESPONSE)
    assert prefers_graphql_response(f"{GRAPHQL_RESPONSE}, application/json;q=0.9")
    assert prefers_graphql_response(f"application/json, {GRAPHQL_RESPONSE}")  # a tie: ours
    assert not prefers_graphql_response(f"application/json, {GRAPHQL_RESPONSE};q=0.5")
    assert not prefers_graphql_response(f"{GRAPHQL_RESPONSE};q=0")
    assert not prefers_graphql_response("*/*")
    assert not prefers_graphql_response(None)
    assert not prefers_graphql_response(f"{GRAPHQL_RESPONSE};q=oops")


async def test_a_mutation_over_get_is_405_and_not_executed(
    http: httpx.AsyncClient, alice: MadeUser
) -> None:
    auth = {"Authorization": f"Bearer {alice.secret}"}
    create = 'mutation Make { createProject(input: {name: "via GET"}) { project { id } } }'
    both = f"query Read {{ viewer {{ displayName }} }} {create}"
    for params in (
        {"query": create},
        {"query": both, "operationName": "Make"},
    ):
        response = await http.get("/graphql", params=params, headers=auth)
        assert response.status_code == 405, params
        assert response.headers["allow"] == "POST"
        assert response.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    read = await http.get("/graphql", params={"query": both, "operationName": "Read"}, headers=auth)
    assert read.json()["data"] == {"viewer": {"displayName": "Alice"}}
    broken = await http.get("/graphql", params={"query": "mutation {"}, headers=auth)
    assert broken.status_code == 200  # a syntax error, reported as usual
    projects = await http.post(
        "/graphql", json={"query": "{ projects { totalCount } }"}, headers=auth
    )
    assert projects.json()["data"]["projects"]["totalCount"] == 0
