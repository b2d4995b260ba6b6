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
    # an extra scene and clip, moved, deleted and restored: the tree is as it was after
    extra = (await op("CreateScene", {"input": {"projectId": project, "name": "Outro"}}))[
        "createScene"
    ]["scene"]["id"]
    moved = (await op("UpdateScene", {"input": {"id": extra, "order": 0}}))["updateScene"]
    assert moved["project"]["scenes"]["edges"][0]["node"] == {"id": extra, "order": 0}
    clip = (await op("CreateClip", {"input": {"sceneId": extra, "name": "Close-up"}}))[
        "createClip"
    ]["clip"]["id"]
    hop = (await op("UpdateClip", {"input": {"id": clip, "sceneId": scene}}))["updateClip"]
    assert (hop["scene"]["id"], hop["previousScene"]["id"]) == (scene, extra)
    assert (await op("DeleteClip", {"id": clip}))["deleteClip"]["parent"]["id"] == scene
    assert (await op("RestoreClip", {"id": clip}))["restoreClip"]["affectedIds"] == [clip]
    assert (await op("DeleteScene", {"id": extra}))["deleteScene"]["affectedCount"] == 1
    assert (await op("RestoreScene", {"id": extra}))["restoreScene"]["node"]["deletedAt"] is None
    await op("DeleteClip", {"id": clip})
    await op("DeleteScene", {"id": extra})
    conversation = (await op("CreateConversation", {"input": {"title": "Ideas"}}))[
        "createConversation"
    ]["conversation"]["id"]
    content = [{"type": "TEXT", "text": "hello"}]
    posted = (
        await op("PostMessage", {"input": {"conversationId": conversation, "content": content}})
    )["postMessage"]
    assert posted["conversation"]["messageCount"] == 1
    message = posted["message"]["id"]
    edited = {"id": message, "content": [{"type": "TEXT", "text": "hello!"}]}
    assert (await op("EditMessage", {"input": edited}))["editMessage"]["message"]["editedAt"]
    gone = (await op("DeleteMessage", {"id": message}))["deleteMessage"]
    assert gone["parent"]["messageCount"] == 0
    back = (await op("RestoreMessage", {"id": message}))["restoreMessage"]
    assert back["parent"]["messageCount"] == 1
    await op("EditMessage", {"input": {"id": message, "content": content}})
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
    spare = (await op("CreateProject", {"input": {"name": "Spare"}}))["createProject"]["project"]
    await op("DeleteProject", {"id": spare["id"]})
    assert (await op("Trash"))["projects"]["totalCount"] == 2
    purged = (await op("PurgeProject", {"id": spare["id"]}))["purgeProject"]
    assert (purged["affectedIds"], purged["query"]["trash"]["totalCount"]) == ([spare["id"]], 1)
    code = (await op("CreateLinkCode", {"platform": "TELEGRAM"}))["createIdentityLinkCode"]
    sender = {"externalId": "4242", "username": "user_tg"}
    linked = await op("RedeemLinkCode", {"code": code["linkCode"]["code"], **sender}, bot_key)
    assert linked["redeemIdentityLinkCode"]["user"]["id"] == viewer["id"]
    found = (await op("UserByTelegramId", {"externalId": "4242"}, bot_key))["userByIdentity"]
    assert found["economy"] == {"usdCredit": "0.00"}
    return done
