"""Conversations and messages: ownership, sharing, cascade, content rules."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.utils.chat import POST, create_conversation, post, share, texts
from tests.utils.factories import MadeUser
from tests.utils.graphql import GraphQLClient

SUMMARY = """query($id: ID!) { conversation(id: $id) {
  title status folderPath messageCount lastMessageAt owner { displayName } sharedWith { displayName } } }"""


@pytest.fixture
def as_bob(http: httpx.AsyncClient, bob: MadeUser) -> GraphQLClient:
    return GraphQLClient(http, bob.secret)


async def summary(gql: GraphQLClient, conversation: str) -> dict[str, Any]:
    value: dict[str, Any] = (await gql.ok(SUMMARY, {"id": conversation}))["conversation"]
    return value


async def test_post_and_read_back(gql: GraphQLClient) -> None:
    conversation = await create_conversation(gql, "Ideas", folderPath="/work")
    assert (await summary(gql, conversation))["lastMessageAt"] is None
    payload = await gql.mutate(
        POST,
        {
            "i": {
                "conversationId": conversation,
                "role": "ASSISTANT",
                "content": [
                    {"type": "TEXT", "text": "hello"},
                    {"type": "IMAGE", "url": "https://x/y.png"},
                ],
            }
        },
    )
    message = payload["message"]
    assert message["content"] == [
        {"type": "TEXT", "text": "hello", "url": None},
        {"type": "IMAGE", "text": None, "url": "https://x/y.png"},
    ]
    assert message["author"] == {"displayName": "Alice"}
    assert message["conversation"] == {"id": conversation}
    got = await summary(gql, conversation)
    assert (got["title"], got["status"], got["folderPath"], got["messageCount"]) == (
        "Ideas",
        "ACTIVE",
        "/work",
        1,
    )
    assert got["lastMessageAt"] == message["createdAt"]


async def test_sharing_lets_readers_read_but_not_write(
    gql: GraphQLClient, as_bob: GraphQLClient, bob: MadeUser
) -> None:
    conversation = await create_conversation(gql, "Team")
    await post(gql, conversation, "first")
    assert (await as_bob.ok(SUMMARY, {"id": conversation}))["conversation"] is None
    shared = await share(gql, conversation, [bob.global_id])
    assert shared["conversation"]["sharedWith"] == [{"id": bob.global_id, "displayName": "Bob"}]
    assert await texts(as_bob, conversation) == ["first"]
    listing = await as_bob.ok(
        "{ conversations { totalCount edges { node { title owner { displayName } } } } }"
    )
    assert listing["conversations"]["edges"] == [
        {"node": {"title": "Team", "owner": {"displayName": "Alice"}}}
    ]
    refused = await as_bob.ok(
        POST.replace("userErrors { code message field }", "userErrors { code }"),
        {"i": {"conversationId": conversation, "content": [{"type": "TEXT", "text": "me too"}]}},
    )
    # The reader can see the conversation, so "not found" would be false.
    assert refused["postMessage"] == {"message": None, "userErrors": [{"code": "FORBIDDEN"}]}
    rename = await as_bob.ok(
        'mutation($id: ID!) { updateConversation(input: {id: $id, title: "mine"}) { userErrors { code } } }',
        {"id": conversation},
    )
    assert rename["updateConversation"]["userErrors"] == [{"code": "NOT_FOUND"}]
    reshare = await share(as_bob, conversation, [])
    assert [e["code"] for e in reshare["userErrors"]] == ["NOT_FOUND"]
    await share(gql, conversation, [])
    assert (await as_bob.ok(SUMMARY, {"id": conversation}))["conversation"] is None
    assert (await as_bob.ok("{ conversations { totalCount } }"))["conversations"]["totalCount"] == 0


async def test_share_with_unknown_or_malformed_users_changes_nothing(
    gql: GraphQLClient, bob: MadeUser
) -> None:
    conversation = await create_conversation(gql)
    ghost = "VXNlcjo2NGQzYTAwMDAwMDAwMDAwMDAwMDAwOTk="  # a well-formed User id nobody has
    assert [
        e["code"] for e in (await share(gql, conversation, [bob.global_id, ghost]))["userErrors"]
    ] == ["NOT_FOUND"]
    assert [e["code"] for e in (await share(gql, conversation, ["garbage"]))["userErrors"]] == [
        "BAD_USER_INPUT"
    ]
    assert (await summary(gql, conversation))["sharedWith"] == []


async def test_message_count_and_last_message_follow_live_messages(gql: GraphQLClient) -> None:
    conversation = await create_conversation(gql)
    first = await post(gql, conversation, "one")
    stamp_one = (await summary(gql, conversation))["lastMessageAt"]
    second = await post(gql, conversation, "two")
    stamp_two = (await summary(gql, conversation))["lastMessageAt"]
    assert stamp_two > stamp_one
    delete = "mutation($id: ID!) { deleteMessage(id: $id) { affectedCount } }"
    assert (await gql.ok(delete, {"id": second}))["deleteMessage"]["affectedCount"] == 1
    got = await summary(gql, conversation)
    assert (got["messageCount"], got["lastMessageAt"]) == (1, stamp_one)
    await gql.ok(delete, {"id": first})
    got = await summary(gql, conversation)
    assert (got["messageCount"], got["lastMessageAt"]) == (0, None)
    await gql.ok("mutation($id: ID!) { restoreMessage(id: $id) { affectedCount } }", {"id": second})
    got = await summary(gql, conversation)
    assert (got["messageCount"], got["lastMessageAt"]) == (1, stamp_two)
    assert await texts(gql, conversation) == ["two"]
    assert await texts(gql, conversation, "(includeDeleted: true)") == ["one", "two"]


async def test_delete_conversation_cascades_and_restores(
    gql: GraphQLClient, as_bob: GraphQLClient, bob: MadeUser
) -> None:
    conversation = await create_conversation(gql)
    messages = [await post(gql, conversation, t) for t in ("a", "b", "c")]
    await gql.ok(
        "mutation($id: ID!) { deleteMessage(id: $id) { affectedCount } }", {"id": messages[0]}
    )
    await share(gql, conversation, [bob.global_id])
    deleted = await gql.ok(
        "mutation($id: ID!) { deleteConversation(id: $id) { affectedCount } }", {"id": conversation}
    )
    assert deleted["deleteConversation"]["affectedCount"] == 3
    nodes = await gql.ok(
        "query($ids: [ID!]!) { nodes(ids: $ids) { id } }", {"ids": [conversation, *messages]}
    )
    assert nodes["nodes"] == [None] * 4
    assert (await gql.ok("{ conversations { totalCount } }"))["conversations"]["totalCount"] == 0
    trash = await gql.ok("{ conversations(includeDeleted: true) { totalCount } }")
    assert trash["conversations"]["totalCount"] == 1
    shared_trash = await as_bob.ok("{ conversations(includeDeleted: true) { totalCount } }")
    assert shared_trash["conversations"]["totalCount"] == 0  # the trash is the owner's
    restored = await gql.ok(
        "mutation($id: ID!) { restoreConversation(id: $id) { affectedCount } }",
        {"id": conversation},
    )
    assert restored["restoreConversation"]["affectedCount"] == 3
    assert await texts(gql, conversation) == ["b", "c"]
    orphan = await gql.ok(
        "mutation($id: ID!) { restoreMessage(id: $id) { affectedCount } }", {"id": messages[0]}
    )
    assert orphan["restoreMessage"]["affectedCount"] == 1


async def test_restoring_a_message_of_a_deleted_conversation_is_conflict(
    gql: GraphQLClient,
) -> None:
    conversation = await create_conversation(gql)
    message = await post(gql, conversation, "x")
    await gql.ok("mutation($id: ID!) { deleteMessage(id: $id) { affectedCount } }", {"id": message})
    await gql.ok(
        "mutation($id: ID!) { deleteConversation(id: $id) { affectedCount } }", {"id": conversation}
    )
    data = await gql.ok(
        "mutation($id: ID!) { restoreMessage(id: $id) { userErrors { code } } }", {"id": message}
    )
    assert data["restoreMessage"]["userErrors"] == [{"code": "CONFLICT"}]
    refused = await gql.ok(
        POST.replace("userErrors { code message field }", "userErrors { code }"),
        {"i": {"conversationId": conversation, "content": [{"type": "TEXT", "text": "late"}]}},
    )
    assert refused["postMessage"]["userErrors"] == [{"code": "NOT_FOUND"}]


async def test_only_the_author_edits(
    gql: GraphQLClient, as_bob: GraphQLClient, bob: MadeUser
) -> None:
    conversation = await create_conversation(gql)
    message = await post(gql, conversation, "draft")
    await share(gql, conversation, [bob.global_id])
    edit = """mutation($id: ID!, $t: String!) { editMessage(input: {id: $id, content: [{type: TEXT, text: $t}]}) {
                message { editedAt content { text } } userErrors { code } } }"""
    refused = await as_bob.ok(edit, {"id": message, "t": "hijack"})
    assert refused["editMessage"] == {"message": None, "userErrors": [{"code": "FORBIDDEN"}]}
    done = await gql.ok(edit, {"id": message, "t": "final"})
    assert done["editMessage"]["message"]["content"] == [{"text": "final"}]
    assert done["editMessage"]["message"]["editedAt"] is not None
    assert await texts(as_bob, conversation) == ["final"]


@pytest.mark.parametrize(
    ("content", "field"),
    [
        ([], ["input", "content"]),
        ([{"type": "TEXT", "text": "x"}] * 21, ["input", "content"]),
        ([{"type": "TEXT"}], ["input", "content", "0", "text"]),
        ([{"type": "IMAGE", "text": "no url"}], ["input", "content", "0", "url"]),
        (
            [{"type": "TEXT", "text": "ok"}, {"type": "IMAGE", "url": "javascript:alert(1)"}],
            ["input", "content", "1", "url"],
        ),
        ([{"type": "TEXT", "text": "é" * 16_385}], ["input", "content", "0", "text"]),
    ],
)
async def test_invalid_content_is_bad_user_input(
    gql: GraphQLClient, content: list[dict[str, Any]], field: list[str]
) -> None:
    conversation = await create_conversation(gql)
    data = await gql.ok(
        POST.replace("userErrors { code message field }", "userErrors { code field }"),
        {"i": {"conversationId": conversation, "content": content}},
    )
    assert data["postMessage"] == {
        "message": None,
        "userErrors": [{"code": "BAD_USER_INPUT", "field": field}],
    }
    assert (await summary(gql, conversation))["messageCount"] == 0


async def test_text_of_exactly_32_kb_is_accepted(gql: GraphQLClient) -> None:
    conversation = await create_conversation(gql)
    await post(gql, conversation, "x" * 32 * 1024)
    assert (await summary(gql, conversation))["messageCount"] == 1


async def test_filters_and_default_order(gql: GraphQLClient) -> None:
    quiet = await create_conversation(gql, "Quiet [draft]")
    busy = await create_conversation(gql, "Busy (work)", folderPath="/work")
    await create_conversation(gql, "Empty", folderPath="/work")
    await post(gql, quiet, "old")
    await post(gql, busy, "new")
    order = await gql.ok("{ conversations { edges { node { title } } } }")
    assert [e["node"]["title"] for e in order["conversations"]["edges"]] == [
        "Busy (work)",
        "Quiet [draft]",
        "Empty",
    ]
    for needle, expected in [("[DRAFT]", ["Quiet [draft]"]), ("(", ["Busy (work)"]), (".*", [])]:
        found = await gql.ok(
            "query($t: String) { conversations(where: {titleContains: $t}) { edges { node { title } } } }",
            {"t": needle},
        )
        assert [e["node"]["title"] for e in found["conversations"]["edges"]] == expected
    folder = await gql.ok(
        '{ conversations(where: {folderPath: "/work"}, orderBy: {field: TITLE, direction: ASC}) { edges { node { title } } } }'
    )
    assert [e["node"]["title"] for e in folder["conversations"]["edges"]] == [
        "Busy (work)",
        "Empty",
    ]
    archived = await gql.ok(
        "mutation($id: ID!) { updateConversation(input: {id: $id, status: ARCHIVED}) { conversation { status } } }",
        {"id": quiet},
    )
    assert archived["updateConversation"]["conversation"] == {"status": "ARCHIVED"}
    active = await gql.ok("{ conversations(where: {status: ACTIVE}) { totalCount } }")
    assert active["conversations"]["totalCount"] == 2
