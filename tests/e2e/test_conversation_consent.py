"""Sharing needs no consent, so a reader may leave; and sharing is no oracle of accounts."""

from __future__ import annotations

import httpx

from mongraph.datastore import chat, identity
from mongraph.datastore.client import Datastore
from mongraph.datastore.repository import Scope
from mongraph.schema.ids import encode_global_id
from tests.utils.factories import MadeUser, make_user
from tests.utils.graphql import GraphQLClient

LEAVE = (
    "mutation($id: ID!) { leaveConversation(id: $id) { conversation { id } userErrors { code } } }"
)
SHARE = """mutation($id: ID!, $u: [ID!]!) { shareConversation(input: {id: $id, userIds: $u}) {
  conversation { sharedWith { id } } userErrors { code message field } } }"""
READ = "query($id: ID!) { conversation(id: $id) { title } }"


async def shared_with_bob(store: Datastore, alice: MadeUser, bob: MadeUser) -> str:
    made = await chat.create_conversation(store, owner_id=alice.doc.id, fields={"title": "T"})
    await chat.share_conversation(
        store, scope=Scope(owner_id=alice.doc.id), conversation_id=made.id, user_ids=[bob.doc.id]
    )
    return encode_global_id("Conversation", made.id)


async def test_a_reader_leaves_and_no_one_else_can_leave_for_them(
    http: httpx.AsyncClient, gql: GraphQLClient, store: Datastore, alice: MadeUser,
    bob: MadeUser,
) -> None:  # fmt: skip
    as_bob = GraphQLClient(http, bob.secret)
    cid = await shared_with_bob(store, alice, bob)
    assert (await as_bob.ok(READ, {"id": cid}))["conversation"] == {"title": "T"}
    owner_leaves = (await gql.ok(LEAVE, {"id": cid}))["leaveConversation"]
    assert owner_leaves["userErrors"] == [{"code": "NOT_FOUND"}]
    left = (await as_bob.ok(LEAVE, {"id": cid}))["leaveConversation"]
    assert left == {"conversation": None, "userErrors": []}
    assert (await as_bob.ok(READ, {"id": cid}))["conversation"] is None
    raw = await store.db["conversations"].find_one({})
    assert raw is not None
    assert raw["sharedWith"] == []
    again = (await as_bob.ok(LEAVE, {"id": cid}))["leaveConversation"]
    assert again["userErrors"] == [{"code": "NOT_FOUND"}]


async def test_sharing_answers_alike_for_a_missing_and_an_inactive_user(
    gql: GraphQLClient, store: Datastore, alice: MadeUser, bob: MadeUser
) -> None:
    cid = await shared_with_bob(store, alice, bob)
    carol = await make_user(store, "Carol")
    await identity.set_status(store, carol.doc.id, "SUSPENDED", actor_id=alice.doc.id)
    missing = "VXNlcjowMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDA="  # User:000…0
    answers = [
        (await gql.ok(SHARE, {"id": cid, "u": [bob.global_id, who]}))["shareConversation"]
        for who in (carol.global_id, missing)
    ]
    assert answers[0] == answers[1]
    assert [e["code"] for e in answers[0]["userErrors"]] == ["NOT_FOUND"]
    raw = await store.db["conversations"].find_one({})
    assert raw is not None
    assert raw["sharedWith"] == [bob.doc.id]  # nothing written
