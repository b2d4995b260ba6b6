"""The floors: raw PyMongo fetching exactly what a scenario returns (plus JSON encoding),
and graphql-core executing the same document over those pre-fetched dicts."""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from bson import ObjectId
from graphql import build_schema, execute, parse
from pymongo import AsyncMongoClient

from mongraph.schema.ids import decode_global_id, encode_global_id
from mongraph.stack_room import run_with_stack_room

from .dataset import Dataset
from .scenarios import Scenario

__all__ = ["DataFloor", "count_fields", "execution_floor"]

Raw = dict[str, Any]
SDL = Path(__file__).parent.parent / "schema.graphql"


def _gid(type_name: str, raw: Raw) -> str:
    return encode_global_id(type_name, raw["_id"])


def _conn(nodes: list[Raw]) -> Raw:
    return {"edges": [{"node": n} for n in nodes]}


class DataFloor:
    """One scenario's data, fetched the shortest way: one command per level, no validation."""

    def __init__(self, uri: str, db: str, dataset: Dataset) -> None:
        self.client: AsyncMongoClient[Raw] = AsyncMongoClient(uri, tz_aware=True)
        self.db = self.client[db]
        self.dataset = dataset
        self.owner = ObjectId(decode_global_id(dataset.user_id)[1])

    async def close(self) -> None:
        await self.client.close()

    def fetcher(self, scenario: Scenario) -> Callable[[], Awaitable[Raw]] | None:
        return {
            "1-storyboard-tree": self.tree,
            "2-inbox": self.inbox,
            "3-viewer": self.viewer,
            "4-big-response": self.big,
        }.get(scenario.name)

    async def _per_parent(
        self, collection: str, key: str, parents: list[Any], pipeline: list[Raw]
    ) -> dict[Any, list[Raw]]:
        """`pipeline` over each parent's children in one command (the form the gateway's
        loaders use: a `$lookup` per parent reads N children from the index, where a
        `$match` + `$group`/`$topN` reads every child of every parent)."""
        stages = [
            {"$documents": [{"_id": p} for p in parents]},
            {
                "$lookup": {
                    "from": collection,
                    "localField": "_id",
                    "foreignField": key,
                    "pipeline": pipeline,
                    "as": "docs",
                }
            },
        ]
        cursor = await self.db.aggregate(stages, batchSize=len(parents) + 1)
        return {row["_id"]: row["docs"] async for row in cursor}

    async def _first_n(
        self, collection: str, key: str, parents: list[Any], n: int, sort: Raw, match: Raw
    ) -> dict[Any, list[Raw]]:
        live = {"$match": {**match, "deletedAt": None}}
        return await self._per_parent(
            collection, key, parents, [live, {"$sort": sort}, {"$limit": n}]
        )

    async def tree(self) -> Raw:
        projects = (
            await self.db["projects"]
            .find(
                {"ownerId": self.owner, "deletedAt": None},
                sort=[("createdAt", -1), ("_id", -1)],
                limit=20,
            )
            .to_list()
        )
        order = {"order": 1, "_id": 1}
        scenes = await self._first_n(
            "scenes", "projectId", [p["_id"] for p in projects], 20, order, {"parentSceneId": None}
        )
        scene_ids = [s["_id"] for group in scenes.values() for s in group]
        clips = await self._first_n("clips", "sceneId", scene_ids, 20, order, {})
        character_ids = list({c["characterId"] for g in clips.values() for c in g})
        characters = {
            c["_id"]: c
            async for c in self.db["characters"].find(
                {"_id": {"$in": character_ids}}, batch_size=len(character_ids) + 1
            )
        }

        def clip(c: Raw) -> Raw:
            ch = characters.get(c["characterId"])
            return {
                "id": _gid("Clip", c),
                "name": c["name"],
                "order": c["order"],
                "character": None
                if ch is None
                else {"id": _gid("Character", ch), "name": ch["name"]},
            }

        def scene(s: Raw) -> Raw:
            return {
                "id": _gid("Scene", s),
                "name": s["name"],
                "order": s["order"],
                "clips": _conn([clip(c) for c in clips.get(s["_id"], [])]),
            }

        return {
            "projects": _conn(
                [
                    {
                        "id": _gid("Project", p),
                        "name": p["name"],
                        "scenes": _conn([scene(s) for s in scenes.get(p["_id"], [])]),
                    }
                    for p in projects
                ]
            )
        }

    async def inbox(self) -> Raw:
        query = {"$or": [{"ownerId": self.owner}, {"sharedWith": self.owner, "deletedAt": None}]}
        conversations = (
            await self.db["conversations"]
            .find(
                {**query, "deletedAt": None},
                sort=[("lastMessageSort", -1), ("_id", -1)],
                limit=50,
            )
            .to_list()
        )
        ids = [c["_id"] for c in conversations]
        count = [{"$match": {"deletedAt": None}}, {"$group": {"_id": None, "n": {"$sum": 1}}}]
        counts = {
            parent: groups[0]["n"] if groups else 0
            for parent, groups in (
                await self._per_parent("messages", "conversationId", ids, count)
            ).items()
        }
        last = await self._first_n(
            "messages", "conversationId", ids, 1, {"createdAt": -1, "_id": -1}, {}
        )

        def message(m: Raw) -> Raw:
            return {
                "id": _gid("Message", m),
                "role": m["role"],
                "createdAt": m["createdAt"],
                "content": [{"type": p["type"], "text": p.get("text")} for p in m["content"]],
            }

        return {
            "conversations": _conn(
                [
                    {
                        "id": _gid("Conversation", c),
                        "title": c["title"],
                        "lastMessageAt": c.get("lastMessageAt"),
                        "messageCount": counts.get(c["_id"], 0),
                        "messages": _conn([message(m) for m in last.get(c["_id"], [])]),
                    }
                    for c in conversations
                ]
            )
        }

    async def viewer(self) -> Raw:
        digest = hashlib.sha256(self.dataset.api_key.encode()).hexdigest()
        user = await self.db["users"].find_one({"apiKeys.secretHash": digest})
        assert user is not None
        return {"viewer": {"id": _gid("User", user), "displayName": user["displayName"]}}

    async def big(self) -> Raw:
        project_id = ObjectId(decode_global_id(self.dataset.big_project)[1])
        project = await self.db["projects"].find_one({"_id": project_id, "ownerId": self.owner})
        assert project is not None
        scenes = (
            await self.db["scenes"]
            .find(
                {"projectId": project_id, "deletedAt": None, "parentSceneId": None},
                sort=[("order", 1), ("_id", 1)],
                limit=100,
            )
            .to_list()
        )
        clips = await self._first_n(
            "clips", "sceneId", [s["_id"] for s in scenes], 100, {"order": 1, "_id": 1}, {}
        )
        fields = (
            "name",
            "lyrics",
            "length",
            "timelinePosition",
            "order",
            "imagePrompt",
            "videoPrompt",
        )

        def clip(c: Raw) -> Raw:
            return {"id": _gid("Clip", c), **{f: c.get(f) for f in fields}}

        return {
            "project": {
                "scenes": _conn(
                    [{"clips": _conn([clip(c) for c in clips.get(s["_id"], [])])} for s in scenes]
                )
            }
        }


def encode(data: Raw) -> bytes:
    return json.dumps({"data": data}, default=str).encode()


def count_fields(value: Any) -> int:
    """Fields resolved to produce a response: one per key of every object in it."""
    if isinstance(value, dict):
        return len(value) + sum(count_fields(v) for v in value.values())
    if isinstance(value, list):
        return sum(count_fields(v) for v in value)
    return 0


_schema = None


def execution_floor(scenario: Scenario, data: Raw, variables: Raw, repeat: int) -> float:
    """CPU seconds for graphql-core to execute the parsed document over `data` (no I/O)."""
    global _schema
    if _schema is None:
        _schema = build_schema(SDL.read_text())
    document = parse(scenario.document)
    schema = _schema

    def timed() -> float:
        result = execute(schema, document, root_value=data, variable_values=variables)
        assert not result.errors, result.errors  # type: ignore[union-attr]
        started = time.process_time()
        for _ in range(repeat):
            execute(schema, document, root_value=data, variable_values=variables)
        return (time.process_time() - started) / repeat

    # In stack room like the gateway's requests: graphql-core's recursion must not pay
    # CPython's chunk churn by the luck of this process's stack depth either.
    return run_with_stack_room(timed)
