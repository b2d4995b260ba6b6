"""Messages page both ways, stay stable while messages arrive, and the inbox is not N+1."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from tests.utils.chat import create_conversation, post
from tests.utils.commands import CommandCounter
from tests.utils.graphql import GraphQLClient

PAGE = """query($id: ID!, $first: Int, $after: String, $last: Int, $before: String) {
  conversation(id: $id) { messages(first: $first, after: $after, last: $last, before: $before) {
    totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { node { content { text } } } } } }"""


async def page(gql: GraphQLClient, conversation: str, **args: Any) -> dict[str, Any]:
    data = await gql.ok(PAGE, {"id": conversation, **args})
    messages: dict[str, Any] = data["conversation"]["messages"]
    return messages


def texts(messages: dict[str, Any]) -> list[str]:
    return [e["node"]["content"][0]["text"] for e in messages["edges"]]


async def test_forward_from_the_oldest_and_backward_from_the_newest(gql: GraphQLClient) -> None:
    conversation = await create_conversation(gql)
    for i in range(7):
        await post(gql, conversation, f"m{i}")
    first = await page(gql, conversation, first=3)
    assert texts(first) == ["m0", "m1", "m2"]
    assert (first["pageInfo"]["hasNextPage"], first["pageInfo"]["hasPreviousPage"]) == (True, False)
    rest = await page(gql, conversation, first=10, after=first["pageInfo"]["endCursor"])
    assert texts(rest) == ["m3", "m4", "m5", "m6"]
    assert rest["pageInfo"]["hasNextPage"] is False
    newest = await page(gql, conversation, last=2)
    assert texts(newest) == ["m5", "m6"]
    assert (newest["pageInfo"]["hasPreviousPage"], newest["pageInfo"]["hasNextPage"]) == (
        True,
        False,
    )
    older = await page(gql, conversation, last=3, before=newest["pageInfo"]["startCursor"])
    assert texts(older) == ["m2", "m3", "m4"]
    default = await page(gql, conversation)
    assert len(default["edges"]) == 7
    assert default["totalCount"] == 7


@pytest.mark.parametrize(
    "args",
    [
        {"first": 1, "last": 1},
        {"first": 101},
        {"last": -1},
        {"last": 2, "after": "x"},
        {"before": "nonsense"},
    ],
)
async def test_bad_paging_arguments_are_bad_user_input(
    gql: GraphQLClient, args: dict[str, Any]
) -> None:
    conversation = await create_conversation(gql)
    await post(gql, conversation, "x")
    assert await gql.error_codes(PAGE, {"id": conversation, **args}) == ["BAD_USER_INPUT"]


@pytest.mark.concurrent_writes
async def test_paging_while_messages_arrive_has_no_gaps_or_duplicates(gql: GraphQLClient) -> None:
    conversation = await create_conversation(gql)
    for i in range(5):
        await post(gql, conversation, f"seed{i}")
    posted = [f"seed{i}" for i in range(5)]

    async def writer(tag: str) -> None:
        for i in range(25):
            await post(gql, conversation, f"{tag}{i}")
            posted.append(f"{tag}{i}")

    async def reader() -> list[str]:
        seen: list[str] = []
        after = None
        idle = 0
        while idle < 3:
            result = await page(gql, conversation, first=2, after=after)
            seen += texts(result)
            if result["edges"]:
                after = result["pageInfo"]["endCursor"]
                idle = 0
            else:
                idle += 1 if writing.done() else 0
                await asyncio.sleep(0)
        return seen

    writing = asyncio.ensure_future(asyncio.gather(writer("a"), writer("b")))
    seen = await reader()
    await writing
    assert len(seen) == len(set(seen)), "duplicates"
    assert sorted(seen) == sorted(posted), "gaps"


INBOX = """{ conversations(first: 50) { edges { node { title messageCount
  messages(last: 1) { edges { node { content { text } } } } } } } }"""


@pytest.mark.counts_execution
@pytest.mark.parametrize("conversations", [3, 30])
async def test_inbox_sends_a_bounded_number_of_commands(
    gql: GraphQLClient, commands: CommandCounter, conversations: int
) -> None:
    for c in range(conversations):
        conversation = await create_conversation(gql, f"c{c}")
        for m in range(2):
            await post(gql, conversation, f"c{c}m{m}")
    commands.reset()
    data = await gql.ok(INBOX)
    edges = data["conversations"]["edges"]
    assert len(edges) == conversations
    assert (
        edges[0]["node"]["messages"]["edges"][0]["node"]["content"][0]["text"]
        == f"c{conversations - 1}m1"
    )
    assert all(e["node"]["messageCount"] == 2 for e in edges)
    chat = commands.on("conversations", "messages")
    # the list, the message counts ($group) and the last message of each ($topN): three commands
    assert len(chat) == 3, chat
    assert "getMore" not in commands.by_name()
