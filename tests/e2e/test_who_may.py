"""The rules of docs/security.md about who may do what, through the gateway on loopback:
admins change anything by id but never their own status, never leave the gateway without
an active admin, and never speak as another user."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest

from mongraph.config import Settings
from mongraph.datastore.client import Datastore
from tests.utils.apps import loopback_client
from tests.utils.chat import create_conversation, post, share
from tests.utils.factories import MadeUser, make_user
from tests.utils.graphql import GraphQLClient

SET_STATUS = """mutation($id: ID!, $status: UserStatus!) {
  setUserStatus(input: {userId: $id, status: $status}) {
    user { status } userErrors { code message field } } }"""
POST = """mutation($id: ID!) { postMessage(input: {conversationId: $id,
  content: [{type: TEXT, text: "words"}]}) { message { id } userErrors { code field } } }"""
EDIT = """mutation($id: ID!) { editMessage(input: {id: $id,
  content: [{type: TEXT, text: "not mine"}]}) { message { id } userErrors { code field } } }"""


@pytest.fixture
async def client(store: Datastore, settings: Settings) -> AsyncIterator[Any]:
    async with loopback_client(store, settings) as http:

        def as_user(user: MadeUser | None) -> GraphQLClient:
            return GraphQLClient(http, user.secret if user else None)

        yield as_user


async def statuses(store: Datastore) -> dict[str, str]:
    return {u["displayName"]: u["status"] async for u in store.db["users"].find()}


async def test_an_admin_cannot_change_their_own_status(
    client: Any, store: Datastore, admin: MadeUser, alice: MadeUser
) -> None:
    for status in ("SUSPENDED", "DELETED", "ACTIVE"):
        data = await client(admin).ok(SET_STATUS, {"id": admin.global_id, "status": status})
        payload = data["setUserStatus"]
        assert payload["user"] is None
        assert [(e["code"], e["field"]) for e in payload["userErrors"]] == [
            ("CONFLICT", ["input", "userId"])
        ]
    assert await statuses(store) == {"Root": "ACTIVE", "Alice": "ACTIVE"}
    # Another account's status is still the admin's to change.
    data = await client(admin).ok(SET_STATUS, {"id": alice.global_id, "status": "SUSPENDED"})
    assert data["setUserStatus"] == {"user": {"status": "SUSPENDED"}, "userErrors": []}


async def test_two_admins_suspending_each_other_at_once_leave_one_active(
    client: Any, store: Datastore
) -> None:
    """Each transaction alone leaves an active admin; both together would leave none. The
    loser of the race is refused (CONFLICT, or FORBIDDEN once it is itself suspended)."""
    for round_ in range(5):
        first = await make_user(store, f"A{round_}", admin=True)
        second = await make_user(store, f"B{round_}", admin=True)
        await store.db["users"].update_many(
            {"roles": "ADMIN", "_id": {"$nin": [first.doc.id, second.doc.id]}},
            {"$set": {"status": "SUSPENDED"}},
        )
        results = await asyncio.gather(
            client(first).raw(SET_STATUS, {"id": second.global_id, "status": "SUSPENDED"}),
            client(second).raw(SET_STATUS, {"id": first.global_id, "status": "SUSPENDED"}),
        )
        done = [r for r in results if (r.get("data") or {}).get("setUserStatus", {}).get("user")]
        assert len(done) == 1, results
        active = await store.db["users"].count_documents({"roles": "ADMIN", "status": "ACTIVE"})
        assert active == 1


async def test_only_the_owner_posts_to_a_conversation(
    client: Any, store: Datastore, alice: MadeUser, bob: MadeUser, admin: MadeUser
) -> None:
    conversation = await create_conversation(client(alice), "private")
    await share(client(alice), conversation, [bob.global_id])
    stranger = await make_user(store, "Carol")
    expected = [(admin, "FORBIDDEN"), (bob, "FORBIDDEN"), (stranger, "NOT_FOUND")]
    for user, code in expected:
        data = await client(user).ok(POST, {"id": conversation})
        assert data["postMessage"] == {
            "message": None,
            "userErrors": [{"code": code, "field": ["input", "conversationId"]}],
        }, user.doc.display_name
    assert await store.db["messages"].count_documents({}) == 0
    await post(client(alice), conversation, "mine")
    assert await store.db["messages"].count_documents({}) == 1


async def test_only_the_author_edits_a_message(
    client: Any, store: Datastore, alice: MadeUser, bob: MadeUser, admin: MadeUser
) -> None:
    conversation = await create_conversation(client(alice), "private")
    await share(client(alice), conversation, [bob.global_id])
    message = await post(client(alice), conversation, "original")
    stranger = await make_user(store, "Carol")
    expected = [(admin, "FORBIDDEN"), (bob, "FORBIDDEN"), (stranger, "NOT_FOUND")]
    for user, code in expected:
        data = await client(user).ok(EDIT, {"id": message})
        assert data["editMessage"] == {
            "message": None,
            "userErrors": [{"code": code, "field": ["input", "id"]}],
        }, user.doc.display_name
    stored = await store.db["messages"].find_one({})
    assert stored is not None
    assert stored["content"][0]["text"] == "original"
    assert stored.get("editedAt") is None
