"""Chat operations through the GraphQL API, for the tests."""

from __future__ import annotations

from typing import Any

from tests.utils.graphql import GraphQLClient

POST = """mutation($i: PostMessageInput!) { postMessage(input: $i) {
  message { id createdAt content { type text url } author { displayName } conversation { id } }
  userErrors { code message field } } }"""


async def create_conversation(gql: GraphQLClient, title: str = "Chat", **fields: Any) -> str:
    payload = await gql.mutate(
        "mutation($i: CreateConversationInput!) { createConversation(input: $i) { conversation { id } userErrors { code } } }",
        {"i": {"title": title, **fields}},
    )
    conversation_id: str = payload["conversation"]["id"]
    return conversation_id


async def post(gql: GraphQLClient, conversation: str, text: str) -> str:
    payload = await gql.mutate(
        POST, {"i": {"conversationId": conversation, "content": [{"type": "TEXT", "text": text}]}}
    )
    message_id: str = payload["message"]["id"]
    return message_id


async def share(gql: GraphQLClient, conversation: str, user_ids: list[str]) -> dict[str, Any]:
    data = await gql.ok(
        """mutation($i: ShareConversationInput!) { shareConversation(input: $i) {
             conversation { sharedWith { id displayName } } userErrors { code field } } }""",
        {"i": {"id": conversation, "userIds": user_ids}},
    )
    payload: dict[str, Any] = data["shareConversation"]
    return payload


async def texts(gql: GraphQLClient, conversation: str, args: str = "") -> list[str]:
    data = await gql.ok(
        f"query($id: ID!) {{ conversation(id: $id) {{ messages{args} {{ edges {{ node {{ content {{ text }} }} }} }} }} }}",
        {"id": conversation},
    )
    return [e["node"]["content"][0]["text"] for e in data["conversation"]["messages"]["edges"]]
