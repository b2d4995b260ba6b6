"""One session of the frontend: every operation of clients/operations/, each used once,
through whichever way of sending them a test chooses (the document, or its documentId)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

Send = Callable[[str, dict[str, Any], str | None], Awaitable[dict[str, Any]]]
"""Runs the named operation with these variables, with the given API key instead of the
session's own when there is one, and returns its data (no errors)."""


async def every_operation(send: Send, bot_key: str) -> set[str]:
    """Runs the session (and the two calls of a Telegram bot holding `bot_key`, a SERVICE
    key) and returns the names of the operations it ran."""
    done: set[str] = set()

    async def op(
        name: str, variables: dict[str, Any] | None = None, key: str | None = None
    ) -> dict[str, Any]:
        done.add(name)
        data = await send(name, variables or {}, key)
        for payload in data.values():
            if isinstance(payload, dict) and "userErrors" in payload:
                assert payload["userErrors"] == [], (name, payload)
        return data

    project = (await op("CreateProject", {"input": {"name": "Clip show", "musicDuration": 90}}))[
        "createProject"
    ]["project"]["id"]
    scene = (await op("CreateScene", {"input": {"projectId": project, "name": "Intro"}}))[
        "createScene"
    ]["scene"]["id"]
    await op("CreateClip", {"input": {"sceneId": scene, "name": "Wide shot", "length": 4.5}})
    tree = (await op("StoryboardTree", {"id": project}))["project"]
    assert tree["scenes"]["edges"][0]["node"]["clips"]["edges"][0]["node"]["length"] == 4.5
    assert (await op("MyProjects"))["projects"]["totalCount"] == 1
    conversation = (await op("CreateConversation", {"input": {"title": "Ideas"}}))[
        "createConversation"
    ]["conversation"]["id"]
    content = [{"type": "TEXT", "text": "hello"}]
    await op("PostMessage", {"input": {"conversationId": conversation, "content": content}})
    inbox = (await op("Inbox"))["conversations"]["edges"]
    assert inbox[0]["node"]["messages"]["edges"][0]["node"]["content"][0]["text"] == "hello"
    history = (await op("ConversationHistory", {"id": conversation}))["conversation"]
    assert len(history["messages"]["edges"]) == 1
    key = (await op("CreateApiKey", {"name": "frontend"}))["createApiKey"]
    assert key["secret"].startswith("mgr_")
    viewer = (await op("Viewer"))["viewer"]
    assert len(viewer["apiKeys"]) == 2
    assert (await op("DeleteProject", {"id": project}))["deleteProject"]["affectedCount"] == 3
    assert (await op("RestoreProject", {"id": project}))["restoreProject"]["affectedCount"] == 3
    code = (await op("CreateLinkCode", {"platform": "TELEGRAM"}))["createIdentityLinkCode"]
    sender = {"externalId": "4242", "username": "user_tg"}
    linked = await op("RedeemLinkCode", {"code": code["linkCode"]["code"], **sender}, bot_key)
    assert linked["redeemIdentityLinkCode"]["user"]["id"] == viewer["id"]
    found = (await op("UserByTelegramId", {"externalId": "4242"}, bot_key))["userByIdentity"]
    assert found["economy"] == {"usdCredit": "0.00"}
    return done
