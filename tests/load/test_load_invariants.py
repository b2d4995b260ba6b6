"""Bounded load on a real gateway process, then the data's invariants checked in the database.

Clients mix storyboard edits (create, move, delete/restore), chat posts, reads, credit
debits and live subscriptions against `mongraph serve` on loopback. The short form runs
in the test command; `make load` runs the full form (MONGRAPH_LOAD_SECONDS=300) and
writes a report to MONGRAPH_LOAD_REPORT.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from mongraph.datastore.client import Datastore
from mongraph.datastore.economy import DEBIT_TYPES
from tests.utils.chat import POST, create_conversation
from tests.utils.factories import MadeUser, make_user
from tests.utils.gateway import gateway_process
from tests.utils.graphql import GraphQLClient
from tests.utils.storyboard import create_clip, create_project, create_scene
from tests.utils.ws import GraphQLWebSocket

SECONDS = float(os.environ.get("MONGRAPH_LOAD_SECONDS", "8"))
CLIENTS = int(os.environ.get("MONGRAPH_LOAD_CLIENTS", "50"))
REPORT = os.environ.get("MONGRAPH_LOAD_REPORT")
DB_TIMEOUT = os.environ.get("MONGRAPH_LOAD_DB_TIMEOUT", "30")
USERS = 5
# Outcomes a correct gateway gives under contention; anything else fails the test.
EXPECTED = {"ok", "NOT_FOUND", "CONFLICT", "INSUFFICIENT_CREDIT", "BAD_USER_INPUT"}

TREE = """query($id: ID!) { node(id: $id) { ... on Project { name
  scenes(first: 20) { edges { node { id order clips(first: 20) { edges { node { id order } } } } } } } } }"""
INBOX = """{ conversations(first: 10) { edges { node { title messageCount
  messages(last: 1) { edges { node { id } } } } } } }"""
MOVE_CLIP = """mutation($i: UpdateClipInput!) { updateClip(input: $i) { clip { order } userErrors { code } } }"""
MOVE_SCENE = """mutation($i: UpdateSceneInput!) { updateScene(input: $i) { scene { order } userErrors { code } } }"""
CREDIT = """mutation($i: CreditInput!) { applyCredit(input: $i) {
  transaction { balanceAfter } userErrors { code } } }"""
SUBSCRIBE = "subscription($id: ID!) { messageAdded(conversationId: $id) { id createdAt } }"


def cascade(op: str) -> str:
    return f"mutation($id: ID!) {{ {op}(id: $id) {{ affectedCount userErrors {{ code }} }} }}"


@dataclass
class World:
    """One user's storyboard and conversation, as the clients know them."""

    user: MadeUser
    gql: GraphQLClient
    project: str
    conversation: str
    scenes: list[str]
    clips: list[str]


@dataclass
class Stats:
    outcomes: Counter[str] = field(default_factory=Counter)
    by_operation: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    latencies: list[float] = field(default_factory=list)
    posted: set[str] = field(default_factory=set)
    posted_to: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))

    def record(self, operation: str, body: dict[str, Any], seconds: float) -> dict[str, Any]:
        self.latencies.append(seconds)
        codes = [e["extensions"]["code"] for e in body.get("errors") or []]
        for payload in (body.get("data") or {}).values():
            if isinstance(payload, dict):
                codes += [e["code"] for e in payload.get("userErrors") or []]
        for code in codes or ["ok"]:
            self.outcomes[code] += 1
            self.by_operation[operation][code] += 1
        return body

    def percentile(self, p: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(p * len(ordered)))]


async def build_world(http: httpx.AsyncClient, user: MadeUser) -> World:
    gql = GraphQLClient(http, user.secret)
    project = await create_project(gql, "Load")
    scenes = [await create_scene(gql, project, f"S{i}") for i in range(3)]
    clips = [await create_clip(gql, scene, f"C{i}") for scene in scenes for i in range(3)]
    conversation = await create_conversation(gql, "Load chat")
    return World(user, gql, project, conversation, scenes, clips)


class Client:
    """One simulated user session: picks an operation at random, repeats until the deadline."""

    def __init__(self, world: World, admin: GraphQLClient, stats: Stats, seed: int) -> None:
        self.world, self.admin, self.stats = world, admin, stats
        self.random = random.Random(seed)
        self.operations: list[tuple[int, Callable[[], Awaitable[None]]]] = [
            (20, self.read_tree),
            (10, self.read_inbox),
            (12, self.post),
            (10, self.create_clip),
            (10, self.move_clip),
            (5, self.move_scene),
            (6, self.delete_and_restore_clip),
            (3, self.delete_clip),
            (4, self.delete_and_restore_scene),
            (1, self.delete_and_restore_project),
            (8, self.debit),
        ]

    async def run(self, deadline: float) -> None:
        weights = [w for w, _ in self.operations]
        actions = [a for _, a in self.operations]
        while time.monotonic() < deadline:
            await self.random.choices(actions, weights)[0]()

    async def delete_during_reorders(self, deadline: float) -> None:
        """Deletes and restores one scene over and over while the world's other clients
        reorder its clips: a long cascade against a stream of short writes."""
        while time.monotonic() < deadline:
            await self.delete_and_restore("Scene", self.world.scenes[0])

    async def call(
        self,
        operation: str,
        query: str,
        variables: dict[str, Any],
        gql: GraphQLClient | None = None,
    ) -> dict[str, Any]:
        started = time.monotonic()
        body = await (gql or self.world.gql).raw(query, variables)
        return self.stats.record(operation, body, time.monotonic() - started)

    async def read_tree(self) -> None:
        body = await self.call("tree", TREE, {"id": self.world.project})
        project = (body.get("data") or {}).get("node")
        if project:  # learn the scenes and clips other clients created
            scenes = [e["node"] for e in project["scenes"]["edges"]]
            self.world.scenes = [s["id"] for s in scenes] or self.world.scenes
            clips = [c["node"]["id"] for s in scenes for c in s["clips"]["edges"]]
            self.world.clips = clips or self.world.clips

    async def read_inbox(self) -> None:
        await self.call("inbox", INBOX, {})

    async def post(self) -> None:
        text = f"load {uuid.uuid4().hex[:8]}"
        content = [{"type": "TEXT", "text": text}]
        body = await self.call(
            "post", POST, {"i": {"conversationId": self.world.conversation, "content": content}}
        )
        message = ((body.get("data") or {}).get("postMessage") or {}).get("message")
        if message:
            self.stats.posted.add(message["id"])
            self.stats.posted_to[self.world.conversation].add(message["id"])

    async def create_clip(self) -> None:
        scene = self.random.choice(self.world.scenes)
        query = "mutation($i: CreateClipInput!) { createClip(input: $i) { clip { id } userErrors { code } } }"
        await self.call("createClip", query, {"i": {"sceneId": scene, "name": "Added"}})

    async def move_clip(self) -> None:
        clip = self.random.choice(self.world.clips)
        await self.call(
            "moveClip", MOVE_CLIP, {"i": {"id": clip, "order": self.random.randint(0, 2)}}
        )

    async def move_scene(self) -> None:
        scene = self.random.choice(self.world.scenes)
        order = self.random.randint(0, 2)
        await self.call("moveScene", MOVE_SCENE, {"i": {"id": scene, "order": order}})

    async def delete_and_restore(self, kind: str, target: str) -> None:
        await self.call(f"delete{kind}", cascade(f"delete{kind}"), {"id": target})
        await self.call(f"restore{kind}", cascade(f"restore{kind}"), {"id": target})

    async def delete_and_restore_clip(self) -> None:
        await self.delete_and_restore("Clip", self.random.choice(self.world.clips))

    async def delete_clip(self) -> None:
        clip = self.random.choice(self.world.clips)
        await self.call("deleteClip", cascade("deleteClip"), {"id": clip})

    async def delete_and_restore_scene(self) -> None:
        await self.delete_and_restore("Scene", self.random.choice(self.world.scenes))

    async def delete_and_restore_project(self) -> None:
        await self.delete_and_restore("Project", self.world.project)

    async def debit(self) -> None:
        credit = {
            "userId": self.world.user.global_id,
            "type": "DEBIT",
            "amountUsd": "1.00",
            "idempotencyKey": uuid.uuid4().hex,
        }
        await self.call("debit", CREDIT, {"i": credit}, gql=self.admin)


async def subscriber(address: str, world: World, received: list[dict[str, Any]]) -> None:
    ws = await GraphQLWebSocket.open(address, world.user.secret)
    await ws.subscribe(SUBSCRIBE, {"id": world.conversation})
    try:
        while True:
            received.append((await ws.next_payload(within=3600))["data"]["messageAdded"])
    finally:
        await ws.close()


async def eventually_subscribed(http: httpx.AsyncClient, count: int) -> None:
    deadline = time.monotonic() + 60
    while (await http.get("/readyz")).json().get("subscriptions") != count:
        assert time.monotonic() < deadline, "the subscriptions did not start"
        await asyncio.sleep(0.05)


async def delivered(
    worlds: list[World], received: list[list[dict[str, Any]]], stats: Stats
) -> None:
    """Waits (up to a minute) until each subscriber has as many messages as were posted."""
    deadline = time.monotonic() + 60
    while any(
        len(r) < len(stats.posted_to[w.conversation]) for w, r in zip(worlds, received, strict=True)
    ):
        if time.monotonic() > deadline:
            return  # the assertions below say what is missing
        await asyncio.sleep(0.1)


async def check_invariants(store: Datastore, stats: Stats) -> dict[str, int]:
    """Straight from the database; returns how many documents each check covered."""
    db = store.db

    async def every(name: str) -> list[dict[str, Any]]:
        return [doc async for doc in db[name].find({})]

    projects = {p["_id"]: p for p in await every("projects")}
    scenes = {s["_id"]: s for s in await every("scenes")}
    clips = await every("clips")

    def live(doc: dict[str, Any] | None) -> bool:
        return doc is not None and doc.get("deletedAt") is None

    # Live children of live parents only, and consistent parent links.
    for scene in scenes.values():
        if live(scene):
            assert live(projects.get(scene["projectId"])), scene
    for clip in clips:
        if live(clip):
            scene = scenes.get(clip["sceneId"])
            assert live(scene), clip
            assert scene is not None
            assert clip["projectId"] == scene["projectId"], clip
            assert live(projects.get(clip["projectId"])), clip

    # Dense order among live siblings: 0..n-1, no gaps, no duplicates.
    siblings: dict[Any, list[int]] = defaultdict(list)
    for scene in scenes.values():
        if live(scene) and scene.get("parentSceneId") is None:
            siblings[("scenes", scene["projectId"])].append(scene["order"])
    for clip in clips:
        if live(clip):
            siblings[("clips", clip["sceneId"])].append(clip["order"])
    for key, orders in siblings.items():
        assert sorted(orders) == list(range(len(orders))), (key, orders)

    # No half-done cascade: each deletion has exactly one root (a document whose
    # parent was not deleted by the same deletion).
    parent_of = {"scenes": "projectId", "clips": "sceneId"}
    every_doc = {**projects, **scenes, **{c["_id"]: c for c in clips}}
    roots: Counter[Any] = Counter()
    deletions: set[Any] = set()
    for name, docs in (
        ("projects", projects.values()),
        ("scenes", scenes.values()),
        ("clips", clips),
    ):
        for doc in docs:
            if doc.get("deletionId") is None or live(doc):
                continue
            deletions.add(doc["deletionId"])
            parent = every_doc.get(doc.get(parent_of.get(name, ""), None))
            if parent is None or parent.get("deletionId") != doc["deletionId"]:
                roots[doc["deletionId"]] += 1
    assert all(roots[d] == 1 for d in deletions), roots

    # Conversation rollups equal what the live messages say.
    messages = await every("messages")
    newest: dict[Any, Any] = {}
    for message in messages:
        if live(message):
            cid = message["conversationId"]
            newest[cid] = max(newest.get(cid, message["createdAt"]), message["createdAt"])
    conversations = await every("conversations")
    for conversation in conversations:
        assert conversation.get("lastMessageAt") == newest.get(conversation["_id"]), conversation
    stored_ids = {str(m["_id"]) for m in messages}
    assert {_raw_id(i) for i in stats.posted} <= stored_ids  # every acknowledged post is kept

    # Every balance equals the sum of its ledger, and never went below zero.
    ledger: dict[Any, Decimal] = defaultdict(Decimal)
    transactions = await every("transactions")
    for entry in transactions:
        amount = entry["amountUsd"].to_decimal()  # stored unsigned; the type says which way
        ledger[entry["userId"]] += -amount if entry["type"] in DEBIT_TYPES else amount
        assert entry["balanceAfter"].to_decimal() >= 0, entry
    economies = await every("economy")
    for economy in economies:
        assert economy["usdCredit"].to_decimal() == ledger[economy["userId"]], economy
    return {
        "scenes": len(scenes),
        "clips": len(clips),
        "deletions": len(deletions),
        "messages": len(messages),
        "conversations": len(conversations),
        "ledger entries": len(transactions),
        "balances": len(economies),
    }


def _raw_id(global_id: str) -> str:
    from mongraph.schema.ids import decode_global_id

    return decode_global_id(global_id)[1]


@pytest.mark.concurrent_writes
async def test_bounded_mixed_load_keeps_every_invariant(store: Datastore, mongodb_uri: str) -> None:
    admin = await make_user(store, "Admin", admin=True)
    users = [await make_user(store, f"User {i}") for i in range(USERS)]
    stats = Stats()
    # The short form in `make test` allows 30 s a request: the suite shares two cores with
    # whatever else runs, so a SERVICE_UNAVAILABLE there means a stuck request, not a slow
    # one. `make load` runs at the production deadline (MONGRAPH_LOAD_DB_TIMEOUT=5).
    with gateway_process(mongodb_uri, store.db.name, MONGRAPH_DB_TIMEOUT=DB_TIMEOUT) as base:
        limits = httpx.Limits(max_connections=CLIENTS + 10)
        async with httpx.AsyncClient(base_url=base, timeout=60, limits=limits) as http:
            admin_gql = GraphQLClient(http, admin.secret)
            worlds = [await build_world(http, user) for user in users]
            for world in worlds:
                await admin_gql.mutate(
                    CREDIT,
                    {
                        "i": {
                            "userId": world.user.global_id,
                            "type": "CREDIT",
                            "amountUsd": "25.00",
                            "idempotencyKey": uuid.uuid4().hex,
                        }
                    },
                )
            received: list[list[dict[str, Any]]] = [[] for _ in worlds]
            address = base.removeprefix("http://")
            listeners = [
                asyncio.create_task(subscriber(address, w, r))
                for w, r in zip(worlds, received, strict=True)
            ]
            await eventually_subscribed(http, len(worlds))
            deadline = time.monotonic() + SECONDS
            clients = [
                Client(worlds[i % USERS], admin_gql, stats, seed=i).run(deadline)
                for i in range(CLIENTS)
            ]
            clients += [
                Client(world, admin_gql, stats, seed=-i).delete_during_reorders(deadline)
                for i, world in enumerate(worlds)
            ]
            started = time.monotonic()
            await asyncio.gather(*clients)
            elapsed = time.monotonic() - started
            await delivered(worlds, received, stats)
            for listener in listeners:
                listener.cancel()
            await asyncio.gather(*listeners, return_exceptions=True)

    assert set(stats.outcomes) <= EXPECTED, stats.by_operation
    assert stats.outcomes["ok"] > 0
    deletes = stats.by_operation["deleteScene"]
    assert deletes["ok"] > 0, deletes  # every other outcome is one of EXPECTED

    for world, messages in zip(worlds, received, strict=True):
        ids = [m["id"] for m in messages]
        assert len(ids) == len(set(ids))  # each message once
        assert (
            set(ids) == stats.posted_to[world.conversation]
        )  # every acknowledged post, only those
        stamps = [m["createdAt"] for m in messages]
        assert stamps == sorted(stamps)  # in order

    checked = await check_invariants(store, stats)
    report = {
        "seconds": round(elapsed, 1),
        "clients": CLIENTS,
        "requests": len(stats.latencies),
        "requests_per_second": round(len(stats.latencies) / elapsed, 1),
        "outcomes": dict(stats.outcomes),
        "delete_scene": dict(deletes),
        "delete_scene_ok_rate": round(deletes["ok"] / sum(deletes.values()), 3),
        "p50_ms": round(stats.percentile(0.50) * 1000, 1),
        "p95_ms": round(stats.percentile(0.95) * 1000, 1),
        "messages_delivered": sum(len(r) for r in received),
        "invariants_checked_over": checked,
    }
    print(json.dumps(report, indent=2))
    if REPORT:
        await asyncio.to_thread(Path(REPORT).write_text, json.dumps(report, indent=2) + "\n")
