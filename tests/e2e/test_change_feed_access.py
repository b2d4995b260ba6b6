"""Who may follow a project's or conversation's changes: whoever may read it, as HTTP says,
checked again whenever that changes (the key, the account, the sharing, the object)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from mongraph.config import Settings
from mongraph.datastore import cascade
from mongraph.datastore.client import Datastore
from mongraph.datastore.repository import Scope
from tests.utils.changes import CONVERSATION_CHANGES, PROJECT_CHANGES, kinds, next_changes, oid
from tests.utils.chat import create_conversation, post, share
from tests.utils.factories import MadeUser
from tests.utils.live import LiveServer, live_server
from tests.utils.storyboard import create_project, create_scene
from tests.utils.ws import LEGACY_WS, TRANSPORT_WS, GraphQLWebSocket

PROTOCOLS = [TRANSPORT_WS, LEGACY_WS]


@pytest.fixture
async def live(store: Datastore, settings: Settings) -> AsyncIterator[LiveServer]:
    async with live_server(store, settings) as server:
        yield server


def codes(payload: dict[str, Any]) -> list[str]:
    return [e["extensions"]["code"] for e in payload.get("errors") or []]


async def test_another_user_is_told_not_found_as_a_read_and_an_admin_follows(
    live: LiveServer, alice: MadeUser, bob: MadeUser, admin: MadeUser
) -> None:
    gql = live.client(alice.secret)
    project = await create_project(gql)
    conversation = await create_conversation(gql)
    outsider = await GraphQLWebSocket.open(live.address, bob.secret)
    for query, scope in ((PROJECT_CHANGES, project), (CONVERSATION_CHANGES, conversation)):
        assert codes(await outsider.execute(query, {"id": scope})) == ["NOT_FOUND"]
    assert codes(await outsider.execute(PROJECT_CHANGES, {"id": conversation})) == [
        "BAD_USER_INPUT"  # a conversation's id where a project's belongs
    ]
    assert await live.client(bob.secret).ok(
        "query($id: ID!) { project(id: $id) { id } }", {"id": project}
    ) == {"project": None}  # what a read says
    await outsider.close()

    moderator = await live.subscribed(admin.secret, PROJECT_CHANGES, {"id": project})
    scene = await create_scene(gql, project)
    (change,) = await next_changes(moderator, 1)
    assert (change["kind"], change["node"]["id"]) == ("CREATED", scene)
    await moderator.close()


async def test_a_reader_follows_a_shared_conversation_until_it_is_unshared(
    live: LiveServer, alice: MadeUser, bob: MadeUser
) -> None:
    gql = live.client(alice.secret)
    conversation = await create_conversation(gql)
    await share(gql, conversation, [bob.global_id])
    reader = await live.subscribed(bob.secret, CONVERSATION_CHANGES, {"id": conversation})
    owner = await live.subscribed(alice.secret, CONVERSATION_CHANGES, {"id": conversation})
    message = await post(gql, conversation, "for bob")
    assert kinds(await next_changes(reader, 1)) == [("CREATED", message)]
    await gql.ok("mutation($id: ID!) { deleteMessage(id: $id) { affectedCount } }", {"id": message})
    (deleted,) = await next_changes(reader, 1)
    assert (deleted["kind"], deleted["node"]) == ("DELETED", None)  # a reader sees no trash
    assert kinds(await next_changes(owner, 2)) == [("CREATED", message), ("DELETED", message)]

    await share(gql, conversation, [])
    assert codes(await reader.next_payload()) == ["NOT_FOUND"]
    assert kinds(await next_changes(owner, 1)) == [("UPDATED", conversation)]
    await reader.close()
    await owner.close()


async def test_the_owner_follows_a_deleted_conversation_and_its_readers_do_not(
    live: LiveServer, alice: MadeUser, bob: MadeUser
) -> None:
    gql = live.client(alice.secret)
    conversation = await create_conversation(gql)
    await share(gql, conversation, [bob.global_id])
    reader = await live.subscribed(bob.secret, CONVERSATION_CHANGES, {"id": conversation})
    owner = await live.subscribed(alice.secret, CONVERSATION_CHANGES, {"id": conversation})
    await gql.ok(
        "mutation($id: ID!) { deleteConversation(id: $id) { affectedCount } }",
        {"id": conversation},
    )
    assert codes(await reader.next_payload()) == ["NOT_FOUND"]
    (deleted,) = await next_changes(owner, 1)
    assert deleted["kind"] == "DELETED"
    assert deleted["node"]["deletedAt"] is not None
    await gql.ok(
        "mutation($id: ID!) { restoreConversation(id: $id) { affectedCount } }",
        {"id": conversation},
    )
    assert kinds(await next_changes(owner, 1)) == [("RESTORED", conversation)]
    await reader.close()
    await owner.close()


@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_a_revoked_key_ends_the_feed_as_it_ends_message_added(
    live: LiveServer, alice: MadeUser, protocol: str
) -> None:
    gql = live.client(alice.secret)
    project = await create_project(gql)
    created = await gql.mutate(
        """mutation { createApiKey(input: {name: "feed"}) { apiKey { id } secret
             userErrors { code } } }"""
    )
    ws = await live.subscribed(created["secret"], PROJECT_CHANGES, {"id": project}, protocol)
    await create_scene(gql, project)
    await next_changes(ws, 1)
    await gql.mutate(
        "mutation($id: ID!) { revokeApiKey(id: $id) { userErrors { code } } }",
        {"id": created["apiKey"]["id"]},
    )
    assert codes(await ws.next_payload()) == ["UNAUTHENTICATED"]
    await live.until_unsubscribed()
    await ws.close()


async def test_a_suspended_account_and_a_demoted_admin_lose_their_feeds(
    live: LiveServer, alice: MadeUser, bob: MadeUser, admin: MadeUser, store: Datastore
) -> None:
    gql = live.client(alice.secret)
    project = await create_project(gql)
    conversation = await create_conversation(live.client(bob.secret))
    moderator = await live.subscribed(admin.secret, PROJECT_CHANGES, {"id": project})
    suspended = await live.subscribed(bob.secret, CONVERSATION_CHANGES, {"id": conversation})
    await live.client(admin.secret).mutate(
        "mutation($i: SetUserStatusInput!) { setUserStatus(input: $i) { userErrors { code } } }",
        {"i": {"userId": bob.global_id, "status": "SUSPENDED"}},
    )
    assert codes(await suspended.next_payload()) == ["FORBIDDEN"]
    await store.db["users"].update_one({"_id": admin.doc.id}, {"$set": {"roles": ["USER"]}})
    assert codes(await moderator.next_payload()) == ["NOT_FOUND"]  # no longer reads it
    await suspended.close()
    await moderator.close()


async def test_a_conversation_purged_by_retention_ends_its_feed_after_its_purged(
    live: LiveServer, alice: MadeUser, store: Datastore
) -> None:
    gql = live.client(alice.secret)
    conversation = await create_conversation(gql)
    message = await post(gql, conversation, "old")
    await gql.ok(
        "mutation($id: ID!) { deleteConversation(id: $id) { affectedCount } }",
        {"id": conversation},
    )
    owner = await live.subscribed(alice.secret, CONVERSATION_CHANGES, {"id": conversation})
    target = oid(conversation)
    await cascade.purge(
        store, "conversations", target, scope=Scope(alice.doc.id)
    )  # as purge-expired
    purged = await next_changes(owner, 2)
    assert kinds(purged) == [("PURGED", message), ("PURGED", conversation)]
    assert [c["node"] for c in purged] == [None, None]
    assert codes(await owner.next_payload()) == ["NOT_FOUND"]
    await owner.close()
