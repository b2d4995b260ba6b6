"""Change feeds (`projectChanges`, `conversationChanges`) for the tests: the subscriptions,
reading N changes off a socket, and the change log as the database holds it."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from bson import ObjectId

from mongraph.datastore.change_log import cursor_of, position_of
from mongraph.datastore.client import Datastore
from mongraph.schema.ids import decode_global_id
from tests.utils.graphql import GraphQLClient
from tests.utils.ws import GraphQLWebSocket

NODE = """node { id __typename
  ... on SoftDeletable { deletedAt }
  ... on Project { name }
  ... on Scene { name order }
  ... on Clip { name order scene { id } selectedImage { url } }
  ... on Character { name }
  ... on Conversation { title }
  ... on Message { content { text } } }"""
PROJECT_CHANGES = f"""subscription($id: ID!, $after: String) {{
  projectChanges(projectId: $id, after: $after) {{ kind nodeId cursor at {NODE} }} }}"""
CONVERSATION_CHANGES = f"""subscription($id: ID!, $after: String) {{
  conversationChanges(conversationId: $id, after: $after) {{ kind nodeId cursor at {NODE} }} }}"""
PROJECT_CURSOR = "query($id: ID!) { project(id: $id) { name changeCursor } }"
CONVERSATION_CURSOR = "query($id: ID!) { conversation(id: $id) { title changeCursor } }"


def oid(global_id: str) -> ObjectId:
    return ObjectId(decode_global_id(global_id)[1])


async def project_cursor(gql: GraphQLClient, project: str) -> str:
    data = await gql.ok(PROJECT_CURSOR, {"id": project})
    cursor: str = data["project"]["changeCursor"]
    return cursor


async def conversation_cursor(gql: GraphQLClient, conversation: str) -> str:
    data = await gql.ok(CONVERSATION_CURSOR, {"id": conversation})
    cursor: str = data["conversation"]["changeCursor"]
    return cursor


async def next_changes(
    ws: GraphQLWebSocket, count: int, within: float = 20.0
) -> list[dict[str, Any]]:
    """The next `count` changes on a socket holding one change subscription."""
    changes = []
    for _ in range(count):
        payload = await ws.next_payload(within)
        assert "errors" not in payload, payload
        (change,) = payload["data"].values()
        changes.append(change)
    return changes


def kinds(changes: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return [(c["kind"], c["nodeId"]) for c in changes]


def position(store: Datastore, scope: str, cursor: str) -> int:
    return position_of(store, oid(scope), cursor)


async def logged_cursors(store: Datastore, scope: str, after: int = 0) -> list[str]:
    """The cursor of every change of `scope` after position `after` the log holds, in order."""
    scope_id = oid(scope)
    found = store.db["changes"].find({"scope": scope_id, "seq": {"$gt": after}}, sort=[("seq", 1)])
    return [cursor_of(store, scope_id, doc["seq"]) async for doc in found]


async def until(condition: Callable[[], Awaitable[bool]], what: str, seconds: float = 30) -> None:
    for _ in range(int(seconds / 0.05)):
        if await condition():
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"never: {what}")
