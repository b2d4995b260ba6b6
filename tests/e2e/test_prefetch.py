"""Prefetching: a root field loads what the query selects below it, level by level, so the
relation fields underneath resolve from loaded data instead of a task per object."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest

from mongraph.datastore.client import Datastore
from mongraph.schema.ids import encode_global_id
from tests.e2e.test_loaders import STORYBOARD, seed
from tests.utils.commands import CommandCounter
from tests.utils.factories import MadeUser, make_user
from tests.utils.graphql import GraphQLClient
from tests.utils.identity import apply_credit

TREE = """
query Tree($projects: Int!, $scenes: Int!, $clips: Int!) {
  projects(first: $projects) { edges { node {
    scenes(first: $scenes) { edges { node { ...SceneClips } } }
  } } }
}
fragment SceneClips on Scene {
  name
  clips(first: $clips) { edges { node { ... on Node { ... on Clip { name character { name } } } } } }
}
"""


async def seeded(
    gql: GraphQLClient,
    store: Datastore,
    owner: MadeUser,
    commands: CommandCounter,
    shape: tuple[int, int, int],
) -> None:
    """`seed`s a storyboard; the key's first-use write is done and the commands reset."""
    await seed(store, owner, *shape)
    await gql.ok("{ viewer { id } }")
    commands.reset()


@contextmanager
def tasks_created() -> Iterator[list[int]]:
    """Counts the asyncio tasks the running loop creates inside the block, but the driver's
    own (its monitors' periodic work lands in the block when a loaded machine slows it)."""
    loop = asyncio.get_running_loop()
    counted = [0]
    previous = loop.get_task_factory()

    def factory(loop: asyncio.AbstractEventLoop, coro: Any, **kwargs: Any) -> asyncio.Task[Any]:
        code = getattr(coro, "cr_code", None)
        if code is None or f"{os.sep}pymongo{os.sep}" not in code.co_filename:
            counted[0] += 1
        if previous is not None:
            return previous(loop, coro, **kwargs)  # type: ignore[arg-type]
        return asyncio.Task(coro, loop=loop, **kwargs)

    loop.set_task_factory(factory)  # type: ignore[arg-type]
    try:
        yield counted
    finally:
        loop.set_task_factory(previous)


def clip_names(data: dict[str, Any]) -> list[str]:
    return [
        c["node"]["name"]
        for p in data["projects"]["edges"]
        for s in p["node"]["scenes"]["edges"]
        for c in s["node"]["clips"]["edges"]
    ]


@pytest.mark.counts_execution
async def test_tasks_per_request_do_not_grow_with_the_fan_out(
    gql: GraphQLClient, store: Datastore, alice: MadeUser, commands: CommandCounter
) -> None:
    """Through variables, a named fragment and nested interface fragments: four levels, four
    commands, and as many tasks for 216 clips as for one (a task per object without prefetch)."""
    await seed(store, alice, 6, 6, 6)
    await gql.ok("{ viewer { id } }")
    created = {}
    for size in (1, 6):
        commands.reset()
        with tasks_created() as tasks:
            data = await gql.ok(TREE, {"projects": size, "scenes": size, "clips": size})
        created[size] = tasks[0]
        assert len(clip_names(data)) == size**3
        characters = {
            c["node"]["character"]["name"]
            for p in data["projects"]["edges"]
            for s in p["node"]["scenes"]["edges"]
            for c in s["node"]["clips"]["edges"]
        }
        assert len(characters) == size
        assert len(commands.on(*STORYBOARD)) == 4, commands.commands
    assert created[6] == created[1], created


@pytest.mark.counts_execution
async def test_aliases_with_different_arguments_are_prefetched_separately(
    gql: GraphQLClient, store: Datastore, alice: MadeUser, commands: CommandCounter
) -> None:
    await seeded(gql, store, alice, commands, (2, 2, 3))
    data = await gql.ok(
        """{ projects(first: 5) { edges { node { scenes(first: 5) { edges { node {
            one: clips(first: 1) { edges { node { name } } }
            all: clips(first: 5) { edges { node { name } } }
        } } } } } } }"""
    )
    for project in data["projects"]["edges"]:
        for scene in project["node"]["scenes"]["edges"]:
            assert [e["node"]["name"] for e in scene["node"]["one"]["edges"]] == ["K0"]
            assert [e["node"]["name"] for e in scene["node"]["all"]["edges"]] == ["K0", "K1", "K2"]
    # projects, scenes, and one command per distinct page size of clips
    assert len(commands.on(*STORYBOARD)) == 4, commands.commands


@pytest.mark.parametrize(
    ("directive", "variables"),
    [("@skip(if: $flag)", {"flag": True}), ("@include(if: $flag)", {"flag": False})],
)
async def test_a_skipped_relation_is_not_loaded(
    gql: GraphQLClient,
    store: Datastore,
    alice: MadeUser,
    commands: CommandCounter,
    directive: str,
    variables: dict[str, bool],
) -> None:
    await seeded(gql, store, alice, commands, (2, 2, 2))
    data = await gql.ok(
        f"""query ($flag: Boolean!) {{ projects(first: 5) {{ edges {{ node {{
            scenes(first: 5) {{ edges {{ node {{ name clips {directive} {{ edges {{ node {{ name }} }} }} }} }} }}
        }} }} }} }}""",
        variables,
    )
    scene = data["projects"]["edges"][0]["node"]["scenes"]["edges"][0]["node"]
    assert "clips" not in scene
    assert [c for c in commands.on(*STORYBOARD) if c[1] == "clips"] == []


async def test_a_bad_argument_below_is_reported_at_its_own_path(
    gql: GraphQLClient, store: Datastore, alice: MadeUser, commands: CommandCounter
) -> None:
    await seeded(gql, store, alice, commands, (1, 2, 2))
    body = await gql.raw(
        """{ projects(first: 5) { edges { node { name scenes(first: 5) { edges { node {
            name clips(first: 101) { edges { node { name } } }
        } } } } } } }"""
    )
    # the first failing clips field nulls its non-null parents; its siblings' errors go with them
    (error,) = body["errors"]
    assert error["path"][:6] == ["projects", "edges", 0, "node", "scenes", "edges"]
    assert error["path"][7:] == ["node", "clips"]
    assert "between 0 and 100" in error["message"]
    assert {e["extensions"]["code"] for e in body["errors"]} == {"BAD_USER_INPUT"}
    assert [c for c in commands.on(*STORYBOARD) if c[1] == "clips"] == []


@pytest.mark.counts_execution
async def test_nodes_of_several_types_prefetch_each_types_relations(
    gql: GraphQLClient, store: Datastore, alice: MadeUser, commands: CommandCounter
) -> None:
    await seed(store, alice, 2, 2, 2)
    tree = await gql.ok("{ projects { edges { node { id scenes { edges { node { id } } } } } } }")
    project_ids = [p["node"]["id"] for p in tree["projects"]["edges"]]
    scene_ids = [
        s["node"]["id"] for p in tree["projects"]["edges"] for s in p["node"]["scenes"]["edges"]
    ]
    commands.reset()
    data = await gql.ok(
        """query ($ids: [ID!]!) { nodes(ids: $ids) {
                ... on Project { sceneCount scenes(first: 5) { edges { node { name } } } }
                ... on Scene { clips(first: 5) { edges { node { name character { name } } } } }
            } }""",
        {"ids": project_ids + scene_ids + [encode_global_id("Scene", "0" * 24)]},
    )
    nodes = data["nodes"]
    assert [n["sceneCount"] for n in nodes[:2]] == [2, 2]
    assert [len(n["scenes"]["edges"]) for n in nodes[:2]] == [2, 2]
    assert [len(n["clips"]["edges"]) for n in nodes[2:6]] == [2, 2, 2, 2]
    assert nodes[6] is None
    # the nodes (one command for both types), then one per relation field selected on them
    assert sorted(c for c in commands.commands if c != ("find", "users")) == [
        ("aggregate", ""),  # the nodes
        ("aggregate", "clips"),
        ("aggregate", "scenes"),  # sceneCount
        ("aggregate", "scenes"),  # scenes
        ("find", "characters"),
    ], commands.commands


LEDGERS = """{ users(first: 50) { edges { node {
  displayName economy { usdCredit }
  transactions(first: 5) { edges { node { amountUsd user { displayName } } } }
} } } }"""


@pytest.mark.counts_execution
async def test_a_page_of_users_prefetches_their_economy_and_ledger(
    http: httpx.AsyncClient, store: Datastore, admin: MadeUser, commands: CommandCounter
) -> None:
    """The identity relations are declared like the others: as many tasks and commands
    for one user as for five, each transaction's `user` back to its own account."""
    as_admin = GraphQLClient(http, admin.secret)
    created, sent = {}, {}
    for count in (1, 4):
        for i in range(count):
            user = await make_user(store, f"Payee {count}-{i}")
            await apply_credit(as_admin, user.global_id, "CREDIT", f"{count}.{i}", f"k{count}{i}")
        await as_admin.ok(LEDGERS)  # warm: the pool's connections are open
        commands.reset()
        with tasks_created() as tasks:
            data = await as_admin.ok(LEDGERS)
        created[count], sent[count] = tasks[0], sorted(commands.commands)
        payees = [e["node"] for e in data["users"]["edges"] if e["node"]["transactions"]["edges"]]
        assert len(payees) == {1: 1, 4: 5}[count]
        for payee in payees:
            (entry,) = [e["node"] for e in payee["transactions"]["edges"]]
            assert entry["user"]["displayName"] == payee["displayName"]
            assert payee["economy"]["usdCredit"] == entry["amountUsd"]
    assert created[4] == created[1], created
    key_page_and_accounts = [("find", "users")] * 3  # the key (no cache here), page, accounts
    assert sent[1] == [
        ("aggregate", "economy"),
        ("aggregate", "transactions"),
        *key_page_and_accounts,
    ], sent
    assert sent[4] == sent[1], sent
