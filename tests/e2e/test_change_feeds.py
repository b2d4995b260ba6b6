"""`projectChanges` / `conversationChanges` over WebSocket: every change, in commit order,
each once, resumable from a cursor; refused as a read would be refused."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest

from mongraph.config import Settings
from mongraph.datastore.client import Datastore
from tests.utils.apps import CURSOR_SECRET
from tests.utils.changes import (
    CONVERSATION_CHANGES,
    PROJECT_CHANGES,
    conversation_cursor,
    kinds,
    logged_cursors,
    next_changes,
    oid,
    position,
    project_cursor,
)
from tests.utils.chat import create_conversation, post, share
from tests.utils.factories import MadeUser
from tests.utils.graphql import GraphQLClient
from tests.utils.live import LiveServer, live_server
from tests.utils.storyboard import create_character, create_clip, create_project, create_scene
from tests.utils.ws import LEGACY_WS, TRANSPORT_WS

MESSAGE_ADDED = "subscription($id: ID!) { messageAdded(conversationId: $id) { content { text } } }"
UPDATE_CLIP = """mutation($i: UpdateClipInput!) { updateClip(input: $i) { userErrors { code } } }"""
ADD_MEDIA = """mutation($i: AddGeneratedMediaInput!) { addGeneratedMedia(input: $i) {
  userErrors { code } } }"""


def cascade(op: str) -> str:
    return f"mutation($id: ID!) {{ {op}(id: $id) {{ affectedCount userErrors {{ code }} }} }}"


@pytest.fixture
async def live(store: Datastore, settings: Settings) -> AsyncIterator[LiveServer]:
    async with live_server(store, settings) as server:
        yield server


def codes(payload: dict[str, Any]) -> list[str]:
    return [e["extensions"]["code"] for e in payload.get("errors") or []]


@pytest.mark.parametrize("protocol", [TRANSPORT_WS, LEGACY_WS])
async def test_every_kind_of_change_arrives_in_commit_order_with_the_node_as_it_is_then(
    live: LiveServer, alice: MadeUser, protocol: str
) -> None:
    gql = live.client(alice.secret)
    project = await create_project(gql, "Video")
    ws = await live.subscribed(
        alice.secret, PROJECT_CHANGES, {"id": project, "after": await project_cursor(gql, project)},
        protocol,
    )  # fmt: skip
    received: list[dict[str, Any]] = []

    async def step(expected: list[tuple[str, str]]) -> list[dict[str, Any]]:
        """The changes of the last write: within one transaction in an order of its own,
        so compared as a set; the writes themselves in the order they committed."""
        changes = await next_changes(ws, len(expected))
        assert sorted(kinds(changes)) == sorted(expected)
        received.extend(changes)
        return changes

    s0 = await create_scene(gql, project, "S0")
    (created,) = await step([("CREATED", s0)])
    assert created["node"] == {
        "id": s0, "__typename": "Scene", "deletedAt": None, "name": "S0", "order": 0,
    }  # fmt: skip
    s1 = await create_scene(gql, project, "S1")
    await step([("CREATED", s1)])
    c0 = await create_clip(gql, s0, "C0")
    await step([("CREATED", c0)])
    c1 = await create_clip(gql, s0, "C1")
    await step([("CREATED", c1)])
    await gql.mutate(UPDATE_CLIP, {"i": {"id": c1, "order": 0}})  # C0 makes room
    moved = {c["nodeId"]: c for c in await step([("MOVED", c1), ("UPDATED", c0)])}
    assert (moved[c1]["node"]["order"], moved[c0]["node"]["order"]) == (0, 1)
    character = await create_character(gql, project, "Hero")
    await step([("CREATED", character)])
    media = {"clipId": c1, "kind": "IMAGE", "url": "https://x.test/1.png", "select": True}
    await gql.mutate(ADD_MEDIA, {"i": media})
    (generated,) = await step([("UPDATED", c1)])
    assert generated["node"]["selectedImage"] == {"url": "https://x.test/1.png"}
    await gql.mutate(UPDATE_CLIP, {"i": {"id": c0, "sceneId": s1}})
    (to_s1,) = await step([("MOVED", c0)])
    assert to_s1["node"]["scene"] == {"id": s1}
    await gql.mutate(cascade("deleteScene"), {"id": s0})  # S1 moves up, C1 goes with S0
    deleted = {
        c["nodeId"]: c for c in await step([("DELETED", s0), ("UPDATED", s1), ("DELETED", c1)])
    }
    assert deleted[s0]["node"]["deletedAt"] is not None  # the owner sees the trash
    assert deleted[s1]["node"]["order"] == 0
    await gql.mutate(cascade("restoreScene"), {"id": s0})
    restored = await step([("RESTORED", s0), ("UPDATED", s1), ("RESTORED", c1)])
    assert all(c["node"]["deletedAt"] is None for c in restored)
    await gql.mutate(
        "mutation($i: UpdateProjectInput!) { updateProject(input: $i) { userErrors { code } } }",
        {"i": {"id": project, "name": "Final cut"}},
    )
    (renamed,) = await step([("UPDATED", project)])
    assert renamed["node"]["name"] == "Final cut"
    tree = [s0, s1, c0, c1, character]
    await gql.mutate(cascade("deleteProject"), {"id": project})
    await step([("DELETED", project), *(("DELETED", n) for n in tree)])
    await gql.mutate(cascade("purgeProject"), {"id": project})
    purged = await step([("PURGED", project), *(("PURGED", n) for n in tree)])
    assert purged[-1]["nodeId"] == project  # the project itself goes last
    assert all(c["node"] is None for c in purged)
    assert codes(await ws.next_payload()) == ["NOT_FOUND"]  # nothing can follow a purge
    cursors = [c["cursor"] for c in received]
    assert len(set(cursors)) == len(cursors)
    await ws.close()


async def test_conversation_changes_beside_message_added_on_the_legacy_protocol(
    live: LiveServer, alice: MadeUser, bob: MadeUser
) -> None:
    gql = live.client(alice.secret)
    conversation = await create_conversation(gql, "Chat")
    changes = await live.subscribed(
        alice.secret, CONVERSATION_CHANGES, {"id": conversation}, LEGACY_WS
    )
    messages = await live.subscribed(alice.secret, MESSAGE_ADDED, {"id": conversation}, LEGACY_WS)
    message = await post(gql, conversation, "hello")
    (posted,) = await next_changes(changes, 1)
    assert (posted["kind"], posted["node"]["content"]) == ("CREATED", [{"text": "hello"}])
    assert (await messages.next_payload())["data"]["messageAdded"]["content"] == [{"text": "hello"}]
    await gql.mutate(
        """mutation($i: EditMessageInput!) { editMessage(input: $i) { userErrors { code } } }""",
        {"i": {"id": message, "content": [{"type": "TEXT", "text": "hello!"}]}},
    )
    (edited,) = await next_changes(changes, 1)
    assert (edited["kind"], edited["node"]["content"]) == ("UPDATED", [{"text": "hello!"}])
    await gql.mutate(cascade("deleteMessage"), {"id": message})
    await gql.mutate(cascade("restoreMessage"), {"id": message})
    await gql.mutate(
        "mutation($i: UpdateConversationInput!) { updateConversation(input: $i) { userErrors { code } } }",
        {"i": {"id": conversation, "title": "Renamed"}},
    )
    await share(gql, conversation, [bob.global_id])
    later = await next_changes(changes, 4)
    assert kinds(later) == [
        ("DELETED", message),
        ("RESTORED", message),
        ("UPDATED", conversation),
        ("UPDATED", conversation),
    ]
    assert later[2]["node"] == {
        "id": conversation, "__typename": "Conversation", "deletedAt": None, "title": "Renamed",
    }  # fmt: skip
    await post(gql, conversation, "again")
    assert (await messages.next_payload())["data"]["messageAdded"]["content"] == [{"text": "again"}]
    assert (await next_changes(changes, 1))[0]["kind"] == "CREATED"
    await changes.close()
    await messages.close()


async def test_a_cursor_replays_every_change_after_it_then_goes_on_live(
    live: LiveServer, alice: MadeUser
) -> None:
    gql = live.client(alice.secret)
    project = await create_project(gql)
    scene = await create_scene(gql, project)
    start = await project_cursor(gql, project)
    clips = [await create_clip(gql, scene, f"C{i}") for i in range(3)]
    midway = await project_cursor(gql, project)
    clips.append(await create_clip(gql, scene, "C3"))

    replay = await live.subscribed(alice.secret, PROJECT_CHANGES, {"id": project, "after": start})
    first = await next_changes(replay, 4)
    assert kinds(first) == [("CREATED", c) for c in clips]
    later = await live.subscribed(alice.secret, PROJECT_CHANGES, {"id": project, "after": midway})
    assert kinds(await next_changes(later, 1)) == [("CREATED", clips[3])]
    resumed = await live.subscribed(
        alice.secret, PROJECT_CHANGES, {"id": project, "after": first[1]["cursor"]}
    )
    assert kinds(await next_changes(resumed, 2)) == [("CREATED", c) for c in clips[2:]]
    live_clip = await create_clip(gql, scene, "live")
    for ws in (replay, later, resumed):
        assert kinds(await next_changes(ws, 1)) == [("CREATED", live_clip)]
        await ws.close()


async def keep_writing(gql: GraphQLClient, scene: str, writes: int) -> None:
    """Clips appended, and every third write one moved to the front (which renumbers the
    others): transactions of one change and of many."""
    clips: list[str] = []
    for i in range(writes):
        if i % 3 == 2:
            await gql.mutate(UPDATE_CLIP, {"i": {"id": clips[-1], "order": 0}})
        else:
            clips.append(await create_clip(gql, scene, f"W{i}"))
        await asyncio.sleep(0.01)


async def test_a_dropped_socket_resumes_from_its_last_cursor_with_every_change_once(
    live: LiveServer, alice: MadeUser, store: Datastore
) -> None:
    gql = live.client(alice.secret)
    project = await create_project(gql)
    scene = await create_scene(gql, project)
    start = await project_cursor(gql, project)
    ws = await live.subscribed(alice.secret, PROJECT_CHANGES, {"id": project, "after": start})
    writer = asyncio.create_task(keep_writing(gql, scene, 30))
    before_drop = await next_changes(ws, 12)
    ws.connection.transport.abort()  # no close frame: the network went away
    await live.until_unsubscribed()
    await asyncio.sleep(0.2)  # the writes go on meanwhile
    last = before_drop[-1]["cursor"]
    resumed = await live.subscribed(alice.secret, PROJECT_CHANGES, {"id": project, "after": last})
    await writer
    everything = await logged_cursors(store, project, after=position(store, project, start))
    after_drop = await next_changes(resumed, len(everything) - len(before_drop))
    assert [c["cursor"] for c in before_drop + after_drop] == everything
    assert len(everything) > 30  # the moves renumbered clips
    clip = await create_clip(gql, scene, "then live")
    assert kinds(await next_changes(resumed, 1)) == [("CREATED", clip)]  # nothing repeated
    await resumed.close()


@pytest.mark.concurrent_writes
async def test_a_read_then_a_subscription_after_its_change_cursor_misses_nothing(
    live: LiveServer, alice: MadeUser, store: Datastore
) -> None:
    gql = live.client(alice.secret)
    project = await create_project(gql)
    scene = await create_scene(gql, project)
    writer = asyncio.create_task(keep_writing(gql, scene, 30))
    await asyncio.sleep(0.1)
    read = await gql.ok(
        """query($id: ID!) { project(id: $id) { changeCursor
             scenes { edges { node { clips { edges { node { id order } } } } } } } }""",
        {"id": project},
    )
    cursor = read["project"]["changeCursor"]
    ws = await live.subscribed(alice.secret, PROJECT_CHANGES, {"id": project, "after": cursor})
    await writer
    expected = await logged_cursors(store, project, after=position(store, project, cursor))
    assert expected, "the writes went on after the read"
    received = await next_changes(ws, len(expected))
    assert [c["cursor"] for c in received] == expected
    assert all(c["kind"] in ("CREATED", "MOVED", "UPDATED") for c in received)
    await ws.close()


async def test_a_cursor_whose_changes_are_no_longer_kept_is_refused_with_refetch(
    live: LiveServer, alice: MadeUser, store: Datastore
) -> None:
    gql = live.client(alice.secret)
    project = await create_project(gql)
    scene = await create_scene(gql, project)
    old = await project_cursor(gql, project)
    for i in range(3):
        await create_clip(gql, scene, f"C{i}")
    current = await project_cursor(gql, project)
    # What the TTL index does after MONGRAPH_CHANGE_RETENTION: the oldest changes go.
    await store.db["changes"].delete_many(
        {"scope": oid(project), "seq": {"$lte": position(store, project, old) + 1}}
    )
    ws = await live.subscribed(alice.secret, PROJECT_CHANGES, {"id": project, "after": current})
    refused = await ws.execute(PROJECT_CHANGES, {"id": project, "after": old})
    assert codes(refused) == ["BAD_USER_INPUT"]
    assert "refetch" in refused["errors"][0]["message"]
    clip = await create_clip(gql, scene, "after")  # a cursor with nothing missing still works
    assert kinds(await next_changes(ws, 1)) == [("CREATED", clip)]
    await ws.close()


async def test_changes_older_than_the_retention_window_are_gone_to_readers_at_once(
    store: Datastore, settings: Settings, mongodb_uri: str, alice: MadeUser
) -> None:
    """The TTL monitor removes expired changes about once a minute: readers do not wait."""
    brief = Datastore.connect(
        mongodb_uri,
        store.db.name,
        cursor_secret=CURSOR_SECRET,
        change_retention=timedelta(seconds=1),
    )
    try:
        async with live_server(brief, settings) as live:
            gql = live.client(alice.secret)
            project = await create_project(gql)
            old = await project_cursor(gql, project)
            await create_scene(gql, project)
            current = await project_cursor(gql, project)
            await asyncio.sleep(1.5)
            ws = await live.subscribed(
                alice.secret, PROJECT_CHANGES, {"id": project, "after": current}
            )
            refused = await ws.execute(PROJECT_CHANGES, {"id": project, "after": old})
            assert codes(refused) == ["BAD_USER_INPUT"]
            assert "refetch" in refused["errors"][0]["message"]
            scene = await create_scene(gql, project, "new")
            assert kinds(await next_changes(ws, 1)) == [("CREATED", scene)]
            await ws.close()
    finally:
        await brief.close()


async def test_a_forged_or_foreign_cursor_is_bad_user_input(
    live: LiveServer, alice: MadeUser
) -> None:
    gql = live.client(alice.secret)
    project, other = await create_project(gql, "A"), await create_project(gql, "B")
    conversation = await create_conversation(gql)
    await create_scene(gql, project)
    scenes = await gql.ok(
        "query($id: ID!) { project(id: $id) { scenes { edges { cursor } } } }", {"id": project}
    )
    mine = await project_cursor(gql, project)
    edited = mine[:-2] + ("AA" if mine[-2:] != "AA" else "BB")
    ws = await live.subscribed(alice.secret, PROJECT_CHANGES, {"id": project, "after": mine})
    for cursor in (
        await project_cursor(gql, other),
        await conversation_cursor(gql, conversation),
        scenes["project"]["scenes"]["edges"][0]["cursor"],
        edited,
        "garbage",
    ):
        refused = await ws.execute(PROJECT_CHANGES, {"id": project, "after": cursor})
        assert codes(refused) == ["BAD_USER_INPUT"], cursor
    await ws.close()
