"""Atomic cascades: a fault in the middle leaves the database fully before or fully after."""

from __future__ import annotations

from typing import Any

import pytest

from mongraph.datastore.client import Datastore
from tests.utils.commands import CommandCounter
from tests.utils.faults import FailPoint
from tests.utils.graphql import GraphQLClient
from tests.utils.storyboard import build_tree

STORYBOARD = ("projects", "scenes", "clips", "characters")


async def snapshot(store: Datastore) -> dict[str, list[dict[str, Any]]]:
    return {
        name: [doc async for doc in store.db[name].find({}, sort=[("_id", 1)])]
        for name in STORYBOARD
    }


def live_count(state: dict[str, list[dict[str, Any]]]) -> int:
    return sum(doc.get("deletedAt") is None for docs in state.values() for doc in docs)


async def cascade(gql: GraphQLClient, op: str, target: str) -> dict[str, Any]:
    return await gql.raw(
        f"mutation($id: ID!) {{ {op}(id: $id) {{ affectedCount userErrors {{ code }} }} }}",
        {"id": target},
    )


async def test_transient_error_mid_cascade_is_retried_to_completion(
    gql: GraphQLClient, store: Datastore, failpoint: FailPoint, commands: CommandCounter
) -> None:
    tree = await build_tree(gql, scenes=2, clips=3)
    failpoint.arm(["update"], skip=2, error_code=112, transient=True)  # the 3rd update: clips
    body = await cascade(gql, "deleteProject", tree["project"])
    assert body["data"]["deleteProject"] == {"affectedCount": 10, "userErrors": []}
    assert commands.failures == ["update"]  # it did fail once, mid-way
    assert live_count(await snapshot(store)) == 0


async def test_closed_connection_mid_cascade_is_retried_to_completion(
    gql: GraphQLClient, store: Datastore, failpoint: FailPoint, commands: CommandCounter
) -> None:
    tree = await build_tree(gql, scenes=2, clips=2)
    failpoint.arm(["update"], skip=3, close_connection=True)
    body = await cascade(gql, "deleteProject", tree["project"])
    assert body["data"]["deleteProject"] == {"affectedCount": 8, "userErrors": []}
    assert commands.failures == ["update"]
    assert live_count(await snapshot(store)) == 0


@pytest.mark.parametrize("skip", [1, 2, 3])
async def test_permanent_error_mid_delete_leaves_everything_as_before(
    gql: GraphQLClient, store: Datastore, failpoint: FailPoint, skip: int
) -> None:
    tree = await build_tree(gql, scenes=2, clips=2)
    before = await snapshot(store)
    failpoint.arm(["update"], skip=skip, error_code=2, once=False)
    body = await cascade(gql, "deleteProject", tree["project"])
    failpoint.disarm()
    assert body["data"] is None
    assert [e["extensions"]["code"] for e in body["errors"]] == ["INTERNAL"]
    assert body["errors"][0]["message"] == "Internal server error"
    assert await snapshot(store) == before


async def test_permanent_error_mid_restore_leaves_everything_deleted(
    gql: GraphQLClient, store: Datastore, failpoint: FailPoint
) -> None:
    tree = await build_tree(gql, scenes=2, clips=2)
    await cascade(gql, "deleteProject", tree["project"])
    before = await snapshot(store)
    failpoint.arm(["update"], skip=2, error_code=2, once=False)
    body = await cascade(gql, "restoreProject", tree["project"])
    failpoint.disarm()
    assert [e["extensions"]["code"] for e in body["errors"]] == ["INTERNAL"]
    assert await snapshot(store) == before
    restored = await cascade(gql, "restoreProject", tree["project"])
    assert restored["data"]["restoreProject"] == {"affectedCount": 8, "userErrors": []}


async def test_permanent_error_mid_purge_deletes_nothing(
    gql: GraphQLClient, store: Datastore, failpoint: FailPoint
) -> None:
    tree = await build_tree(gql, scenes=2, clips=2)
    await cascade(gql, "deleteProject", tree["project"])
    before = await snapshot(store)
    failpoint.arm(["delete"], skip=2, error_code=2, once=False)
    body = await cascade(gql, "purgeProject", tree["project"])
    failpoint.disarm()
    assert [e["extensions"]["code"] for e in body["errors"]] == ["INTERNAL"]
    assert await snapshot(store) == before
