"""The `mongraph` command line, run as a user would (subprocesses against the test server)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx

from mongraph.datastore.client import Datastore
from tests.utils.graphql import GraphQLClient


def mongraph(store: Datastore, uri: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "MONGODB_URI": uri, "MONGRAPH_DB": store.db.name}
    return subprocess.run(
        [sys.executable, "-m", "mongraph.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )


async def test_create_user_prints_a_working_key_last(
    store: Datastore, mongodb_uri: str, http: httpx.AsyncClient
) -> None:
    result = mongraph(store, mongodb_uri, "create-user", "--display-name", "Carol", "--admin")
    assert result.returncode == 0, result.stderr
    first, *_, secret = result.stdout.strip().splitlines()
    assert secret.startswith("mgr_")
    viewer = await GraphQLClient(http, secret).ok("{ viewer { id displayName roles } }")
    assert viewer["viewer"]["displayName"] == "Carol"
    assert viewer["viewer"]["roles"] == ["USER", "ADMIN"]
    # the id printed is the one the API uses (a global id), not the database's
    assert first == f"created user {viewer['viewer']['id']} (Carol, roles: USER, ADMIN)"
    stored = await store.db["users"].find_one({"displayName": "Carol"})
    assert stored is not None
    assert secret not in str(stored)  # only the hash is stored


def test_create_user_rejects_an_empty_name(store: Datastore, mongodb_uri: str) -> None:
    result = mongraph(store, mongodb_uri, "create-user", "--display-name", "  ")
    assert result.returncode == 2
    assert "display-name" in result.stderr


async def test_seed_is_idempotent(store: Datastore, mongodb_uri: str) -> None:
    first = mongraph(store, mongodb_uri, "seed")
    assert first.returncode == 0, first.stderr
    counts = {
        n: await store.db[n].count_documents({}) for n in ("users", "projects", "scenes", "clips")
    }
    assert counts["projects"] == 1
    assert counts["clips"] > 0
    second = mongraph(store, mongodb_uri, "seed")
    assert "already present" in second.stdout
    assert {n: await store.db[n].count_documents({}) for n in counts} == counts


async def test_ensure_indexes_is_idempotent(store: Datastore, mongodb_uri: str) -> None:
    for _ in range(2):
        result = mongraph(store, mongodb_uri, "ensure-indexes")
        assert result.returncode == 0, result.stderr
    names = [i["name"] async for i in await store.db["clips"].list_indexes()]
    assert "sceneId_1_order_1__id_1" in names
    users = [i async for i in await store.db["users"].list_indexes()]
    assert any(i.get("unique") and "apiKeys.secretHash" in i["key"] for i in users)


def test_export_schema_writes_only_sdl(tmp_path: Path, store: Datastore, mongodb_uri: str) -> None:
    out = tmp_path / "schema.graphql"
    result = mongraph(store, mongodb_uri, "export-schema", "--output", str(out))
    assert result.returncode == 0
    assert result.stdout == ""
    assert out.read_text().startswith('"""')
    assert "type Query" in out.read_text()


async def test_create_user_links_an_identity_when_given_one(
    store: Datastore, mongodb_uri: str, http: httpx.AsyncClient
) -> None:
    args = ("create-user", "--display-name", "Tg", "--platform", "TELEGRAM", "--external-id", "555")
    result = mongraph(store, mongodb_uri, *args)
    assert result.returncode == 0, result.stderr
    secret = result.stdout.strip().splitlines()[-1]
    viewer = await GraphQLClient(http, secret).ok(
        "{ viewer { identities { platform externalId } economy { usdCredit exp } } }"
    )
    assert viewer["viewer"] == {
        "identities": [{"platform": "TELEGRAM", "externalId": "555"}],
        "economy": {"usdCredit": "0.00", "exp": 0},
    }
    taken = mongraph(store, mongodb_uri, *args)
    assert taken.returncode == 1
    assert "already linked" in taken.stderr
    half = mongraph(store, mongodb_uri, "create-user", "--display-name", "X", "--platform", "WEB")
    assert half.returncode == 2


async def test_create_user_makes_a_service_account_for_one_platform(
    store: Datastore, mongodb_uri: str, http: httpx.AsyncClient
) -> None:
    args = ("create-user", "--display-name", "TgBot", "--service", "--platform", "TELEGRAM")
    result = mongraph(store, mongodb_uri, *args)
    assert result.returncode == 0, result.stderr
    bot = GraphQLClient(http, result.stdout.strip().splitlines()[-1])
    assert (await bot.ok("{ viewer { roles } }"))["viewer"] == {"roles": ["USER", "SERVICE"]}
    query = '{ userByIdentity(platform: TELEGRAM, externalId: "1") { id } }'
    assert (await bot.ok(query))["userByIdentity"] is None  # allowed, for its platform
    assert await bot.error_codes(query.replace("TELEGRAM", "DISCORD")) == ["FORBIDDEN"]
    for wrong in (("--service",), ("--service", "--platform", "WEB", "--admin")):
        refused = mongraph(store, mongodb_uri, "create-user", "--display-name", "B", *wrong)
        assert refused.returncode == 2, wrong
    assert await store.db["users"].count_documents({}) == 1
