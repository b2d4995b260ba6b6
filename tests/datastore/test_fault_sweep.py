"""Every multi-document operation, interrupted at every command position in turn.

(A failure of `commitTransaction` itself is left out: see the comment below.)

For each operation the harness first counts the commands it sends, then for each
position k it injects one failure at the k-th command (`failCommand` armed with
`skip: k`, disarmed on the first failure):

- a permanent error: the operation fails and the database is exactly as before;
- a transient error (`TransientTransactionError`): the operation is retried and the
  database ends exactly as after an undisturbed run.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import pytest
from bson import Decimal128, ObjectId

from mongraph.datastore.client import Datastore
from tests.utils.chat import create_conversation, post
from tests.utils.commands import CommandCounter
from tests.utils.factories import MadeUser
from tests.utils.faults import FailPoint
from tests.utils.graphql import GraphQLClient
from tests.utils.identity import apply_credit
from tests.utils.storyboard import build_tree

COMMANDS = [
    "find",
    "aggregate",
    "count",
    "insert",
    "update",
    "delete",
    "findAndModify",
    "commitTransaction",
]
VOLATILE = {
    "updatedAt",
    "deletedAt",
    "deletionId",
    "createdAt",
    "childrenVersion",
    "lastMessageAt",
    "lastMessageSort",
    "_id",
    "lastUsedAt",
    "apiKeys",
}
COLLECTIONS = [
    "projects",
    "scenes",
    "clips",
    "characters",
    "conversations",
    "messages",
    "economy",
    "transactions",
    "users",
]


async def snapshot(store: Datastore, *, exact: bool) -> dict[str, list[Any]]:
    """The whole database; `exact=False` drops values that differ between two equal runs."""
    state: dict[str, list[Any]] = {}
    for name in COLLECTIONS:
        docs = [doc async for doc in store.db[name].find({}, sort=[("_id", 1)])]
        if not exact:
            docs = sorted(
                (
                    [
                        *sorted((k, _shape(v)) for k, v in d.items() if k not in VOLATILE),
                        ("live", repr(d.get("deletedAt") is None)),
                    ]
                    for d in docs
                ),
                key=repr,
            )
        state[name] = docs
    return state


def _shape(value: Any) -> str:
    """A value with its ObjectIds blanked: fresh worlds get fresh ids."""
    if isinstance(value, ObjectId):
        return "oid"
    if isinstance(value, list):
        return "[" + ",".join(_shape(v) for v in value) + "]"
    return repr(value)


@dataclass
class Operation:
    name: str
    prepare: Callable[[GraphQLClient, GraphQLClient, MadeUser], Awaitable[dict[str, Any]]]
    run: Callable[[GraphQLClient, GraphQLClient, dict[str, Any]], Awaitable[dict[str, Any]]]


async def _tree(gql: GraphQLClient, admin: GraphQLClient, alice: MadeUser) -> dict[str, Any]:
    return await build_tree(gql, scenes=2, clips=2)


async def _deleted_tree(
    gql: GraphQLClient, admin: GraphQLClient, alice: MadeUser
) -> dict[str, Any]:
    tree = await build_tree(gql, scenes=2, clips=2)
    await gql.ok(
        "mutation($id: ID!) { deleteProject(id: $id) { affectedCount } }", {"id": tree["project"]}
    )
    return tree


async def _chat(gql: GraphQLClient, admin: GraphQLClient, alice: MadeUser) -> dict[str, Any]:
    conversation = await create_conversation(gql)
    for text in ("a", "b"):
        await post(gql, conversation, text)
    return {"conversation": conversation, "user": alice.global_id}


async def _funded(gql: GraphQLClient, admin: GraphQLClient, alice: MadeUser) -> dict[str, Any]:
    await apply_credit(admin, alice.global_id, "CREDIT", "10.00", "fund")
    return {"user": alice.global_id}


def _cascade(
    op: str, key: str
) -> Callable[[GraphQLClient, GraphQLClient, dict[str, Any]], Awaitable[dict[str, Any]]]:
    async def run(
        gql: GraphQLClient, admin: GraphQLClient, world: dict[str, Any]
    ) -> dict[str, Any]:
        return await gql.raw(
            f"mutation($id: ID!) {{ {op}(id: $id) {{ affectedCount userErrors {{ code }} }} }}",
            {"id": world[key]},
        )

    return run


async def _post(gql: GraphQLClient, admin: GraphQLClient, world: dict[str, Any]) -> dict[str, Any]:
    return await gql.raw(
        "mutation($i: PostMessageInput!) { postMessage(input: $i) { message { id } userErrors { code } } }",
        {
            "i": {
                "conversationId": world["conversation"],
                "content": [{"type": "TEXT", "text": "c"}],
            }
        },
    )


async def _debit(gql: GraphQLClient, admin: GraphQLClient, world: dict[str, Any]) -> dict[str, Any]:
    return await admin.raw(
        "mutation($i: CreditInput!) { applyCredit(input: $i) { transaction { id } userErrors { code } } }",
        {
            "i": {
                "userId": world["user"],
                "type": "DEBIT",
                "amountUsd": "2.50",
                "idempotencyKey": "sweep",
            }
        },
    )


OPERATIONS = [
    Operation("deleteProject", _tree, _cascade("deleteProject", "project")),
    Operation("restoreProject", _deleted_tree, _cascade("restoreProject", "project")),
    Operation("purgeProject", _deleted_tree, _cascade("purgeProject", "project")),
    Operation("deleteConversation", _chat, _cascade("deleteConversation", "conversation")),
    Operation("postMessage", _chat, _post),
    Operation("applyCredit", _funded, _debit),
]


def succeeded(body: dict[str, Any]) -> bool:
    if body.get("errors") or body.get("data") is None:
        return False
    (payload,) = body["data"].values()
    return payload["userErrors"] == []


async def _fresh_world(
    store: Datastore, gql: GraphQLClient, admin: GraphQLClient, alice: MadeUser, op: Operation
) -> dict[str, Any]:
    for name in COLLECTIONS:
        if name != "users":
            await store.db[name].delete_many({})
    await store.db["economy"].insert_many(
        [
            {"userId": u["_id"], "usdCredit": Decimal128("0.00"), "exp": 0}
            async for u in store.db["users"].find({})
        ]
    )
    return await op.prepare(gql, admin, alice)


@pytest.mark.parametrize("op", OPERATIONS, ids=[o.name for o in OPERATIONS])
async def test_interrupted_at_every_position_is_all_or_nothing(
    op: Operation,
    store: Datastore,
    gql: GraphQLClient,
    http: Any,
    alice: MadeUser,
    admin: MadeUser,
    commands: CommandCounter,
    failpoint: FailPoint,
) -> None:
    as_admin = GraphQLClient(http, admin.secret)
    await gql.ok("{ viewer { id } }")  # the key's lastUsedAt is written now, not during the sweep
    await as_admin.ok("{ viewer { id } }")
    world = await _fresh_world(store, gql, as_admin, alice, op)
    commands.reset()
    assert succeeded(await op.run(gql, as_admin, world))
    sequence = [name for name, _ in commands.commands if name in COMMANDS]
    positions = len(sequence)
    after = await snapshot(store, exact=False)
    tried = 0
    for k in range(positions):
        for transient in (False, True):
            if sequence[k] == "commitTransaction":
                # SecantusDB keeps a transaction whose commit failed open (real MongoDB
                # aborts it when the session moves on), and later writes then wait on it:
                # failing the commit itself is not exercised here.
                continue
            world = await _fresh_world(store, gql, as_admin, alice, op)
            before = await snapshot(store, exact=True)
            commands.failures.clear()
            failpoint.arm(COMMANDS, skip=k, error_code=112 if transient else 2, transient=transient)
            body = await op.run(gql, as_admin, world)
            failpoint.disarm()
            tried += 1
            assert commands.failures, f"{op.name}: nothing failed at position {k}"
            if succeeded(body):
                assert await snapshot(store, exact=False) == after, f"{op.name} k={k}: half done"
            else:
                assert [e.get("extensions", {}).get("code") for e in body.get("errors", [])] == [
                    "INTERNAL"
                ], (k, body)
                assert await snapshot(store, exact=True) == before, f"{op.name} k={k}: changed"
                assert not transient or k == 0, (
                    f"{op.name} k={k}: a transient error was not retried"
                )
    print(f"{op.name}: {tried} interrupted runs over {positions} command positions")
