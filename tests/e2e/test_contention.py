"""Contention is not an outage: writes that meet concurrent writes on the same objects
take turns, and one that still cannot commit by its deadline is WRITE_CONFLICT
(retryable), never SERVICE_UNAVAILABLE (the database is fine)."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from typing import Any

import pytest

from mongraph.config import Settings
from mongraph.datastore.client import Datastore
from tests.utils.apps import loopback_client
from tests.utils.factories import MadeUser
from tests.utils.faults import FailPoint
from tests.utils.graphql import GraphQLClient
from tests.utils.storyboard import create_clip, create_project, create_scene

MOVE = """mutation($i: UpdateClipInput!) { updateClip(input: $i) {
  clip { order } userErrors { code } } }"""
DELETE = "mutation($id: ID!) { deleteScene(id: $id) { affectedCount userErrors { code } } }"
CLIPS, REORDERERS = 12, 30
RESTORE = "mutation($id: ID!) { restoreScene(id: $id) { affectedCount userErrors { code } } }"


@pytest.fixture
async def gql(store: Datastore, settings: Settings, alice: MadeUser) -> AsyncIterator[Any]:
    # 30 s, as the load test's short form: on a loaded two-core CI machine a delete queued
    # behind 30 reorders can exceed the production 5 s (`make load` runs at 5 s).
    production = settings.model_copy(update={"mongraph_db_timeout": 30.0})
    async with loopback_client(store, production, connections=REORDERERS + 1) as http:
        yield GraphQLClient(http, alice.secret)


def codes(body: dict[str, Any]) -> list[str]:
    found = [e["extensions"]["code"] for e in body.get("errors") or []]
    for payload in (body.get("data") or {}).values():
        found += [e["code"] for e in (payload or {}).get("userErrors") or []]
    return found or ["ok"]


async def test_deletes_do_not_starve_behind_a_stream_of_reorders(
    gql: GraphQLClient, store: Datastore
) -> None:
    project = await create_project(gql)
    scene = await create_scene(gql, project, "Busy")
    clips = [await create_clip(gql, scene, f"C{i}") for i in range(CLIPS)]
    outcomes: Counter[str] = Counter()
    deletes: Counter[str] = Counter()
    done = asyncio.Event()

    async def reorder(seed: int) -> None:
        turn = seed
        while not done.is_set() and turn < seed + 500:
            turn += 1
            body = await gql.raw(MOVE, {"i": {"id": clips[turn % CLIPS], "order": turn % 3}})
            outcomes.update(codes(body))

    async def delete_and_restore() -> None:
        try:
            for _ in range(6):
                deletes.update(codes(await gql.raw(DELETE, {"id": scene})))
                deletes.update(codes(await gql.raw(RESTORE, {"id": scene})))
        finally:
            done.set()  # the reorderers stop even when this fails

    await asyncio.gather(*(reorder(i) for i in range(REORDERERS)), delete_and_restore())
    assert deletes == {"ok": 12}, deletes
    # Reorders of a deleted scene's clips are NOT_FOUND; nothing is an outage.
    assert set(outcomes) <= {"ok", "NOT_FOUND"}, outcomes
    live = [c async for c in store.db["clips"].find({"deletedAt": None}, {"order": 1})]
    assert sorted(c["order"] for c in live) == list(range(CLIPS))


async def test_a_write_that_keeps_losing_is_write_conflict_and_changes_nothing(
    store: Datastore, settings: Settings, alice: MadeUser, failpoint: FailPoint
) -> None:
    short = settings.model_copy(update={"mongraph_db_timeout": 1.0})
    async with loopback_client(store, short) as http:
        gql = GraphQLClient(http, alice.secret)
        project = await create_project(gql)
        scene = await create_scene(gql, project, "S")
        clips = [await create_clip(gql, scene, f"C{i}") for i in range(3)]
        before = [c async for c in store.db["clips"].find({}, {"order": 1}).sort("_id")]
        # Every update loses to a concurrent writer, as the server says it.
        failpoint.arm(["update"], skip=0, error_code=112, transient=True, once=False)
        try:
            moved = await gql.raw(MOVE, {"i": {"id": clips[0], "order": 2}})
            deleted = await gql.raw(DELETE, {"id": scene})
        finally:
            failpoint.disarm()
        assert codes(moved) == ["WRITE_CONFLICT"], moved
        assert codes(deleted) == ["WRITE_CONFLICT"], deleted
        after = [c async for c in store.db["clips"].find({}, {"order": 1}).sort("_id")]
        assert after == before
        assert await store.db["scenes"].count_documents({"deletedAt": {"$ne": None}}) == 0
