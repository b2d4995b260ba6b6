"""`purge-expired`: soft-deleted trees older than the retention period are hard-deleted
through the cascade engine; younger ones, live documents and their order are untouched."""

from __future__ import annotations

import asyncio
import os
import re
import sys
from datetime import timedelta
from typing import Any

import pytest
from bson import ObjectId

from mongraph.cli import main
from mongraph.config import get_settings
from mongraph.datastore.client import Datastore
from mongraph.datastore.documents import ClipDoc, ProjectDoc, SceneDoc, utcnow
from mongraph.datastore.retention import purge_expired, purge_order
from mongraph.schema.ids import decode_global_id
from tests.utils.chat import create_conversation, post
from tests.utils.factories import MadeUser
from tests.utils.graphql import GraphQLClient
from tests.utils.storyboard import build_tree, create_clip, create_project, create_scene

DELETE = "mutation($id: ID!) {{ {op}(id: $id) {{ affectedCount userErrors {{ code }} }} }}"
SOFT_DELETABLE = ("projects", "scenes", "clips", "characters", "conversations", "messages")


def oid(global_id: str) -> ObjectId:
    return ObjectId(decode_global_id(global_id)[1])


async def delete(gql: GraphQLClient, op: str, global_id: str) -> None:
    result = await gql.ok(DELETE.format(op=op), {"id": global_id})
    assert result[op]["userErrors"] == []


async def age(store: Datastore, collection: str, global_id: str, days: int) -> None:
    """Moves the deletion that deleted this document `days` into the past."""
    doc = await store.db[collection].find_one({"_id": oid(global_id)})
    assert doc is not None
    assert doc["deletionId"] is not None
    when = utcnow() - timedelta(days=days)
    for name in SOFT_DELETABLE:
        await store.db[name].update_many(
            {"deletionId": doc["deletionId"]}, {"$set": {"deletedAt": when}}
        )


async def ids(store: Datastore) -> dict[str, set[ObjectId]]:
    return {n: {d["_id"] async for d in store.db[n].find({}, {"_id": 1})} for n in SOFT_DELETABLE}


def test_parents_are_purged_before_their_children() -> None:
    order = purge_order()
    assert order.index("projects") < order.index("scenes") < order.index("clips")
    assert order.index("projects") < order.index("characters")
    assert order.index("conversations") < order.index("messages")


async def test_purges_expired_trees_only_and_a_second_run_finds_nothing(
    store: Datastore, gql: GraphQLClient
) -> None:
    old = await build_tree(gql, scenes=2, clips=2, name="old")  # 1 + 1 + 2 + 4 documents
    first_scene = next(iter(old["scenes"]))
    await delete(gql, "deleteScene", first_scene)  # on its own first, 50 days ago...
    await age(store, "scenes", first_scene, days=50)
    await delete(gql, "deleteProject", old["project"])  # ...then its project, 40 days ago
    await age(store, "projects", old["project"], days=40)

    recent = await build_tree(gql, scenes=1, clips=1, name="recent")
    await delete(gql, "deleteProject", recent["project"])
    await age(store, "projects", recent["project"], days=29)

    live = await create_project(gql, "live")
    gone_scene = await create_scene(gql, live, "gone")
    gone_clips = [await create_clip(gql, gone_scene, f"g{i}") for i in range(2)]
    kept_scene = await create_scene(gql, live, "kept")
    kept_clips = [await create_clip(gql, kept_scene, f"k{i}") for i in range(3)]
    await delete(gql, "deleteScene", gone_scene)
    await age(store, "scenes", gone_scene, days=31)
    await delete(gql, "deleteClip", kept_clips[0])  # deleted just now: kept

    chat = await create_conversation(gql)
    for text in ("a", "b"):
        await post(gql, chat, text)
    await delete(gql, "deleteConversation", chat)
    await age(store, "conversations", chat, days=365)

    before = await ids(store)
    dry = await purge_expired(store, older_than=timedelta(days=30), dry_run=True)
    assert await ids(store) == before  # a dry run deletes nothing
    summary = await purge_expired(store, older_than=timedelta(days=30), batch_size=1)
    expected = {"projects": 1, "scenes": 1, "conversations": 1}
    assert (dict(dry.trees), dry.documents) == (expected, 8 + 3 + 3)
    assert (dict(summary.trees), summary.documents) == (expected, 8 + 3 + 3)

    after = await ids(store)
    purged = {oid(old["project"]), oid(gone_scene), oid(chat), *map(oid, gone_clips)}
    purged |= {oid(s) for s in old["scenes"]} | {
        oid(c) for cs in old["scenes"].values() for c in cs
    }
    assert not purged & set().union(*after.values())
    assert {n: before[n] - after[n] for n in SOFT_DELETABLE if before[n] - after[n]} == {
        "projects": {oid(old["project"])},
        "scenes": {oid(gone_scene), *(oid(s) for s in old["scenes"])},
        "clips": {oid(c) for c in gone_clips}
        | {oid(c) for cs in old["scenes"].values() for c in cs},
        "characters": {oid(old["character"])},
        "conversations": {oid(chat)},
        "messages": before["messages"],
    }
    view = await gql.ok(
        "query($id: ID!) { project(id: $id) { scenes { edges { node { name order "
        "clips { edges { node { name order } } } } } } } }",
        {"id": live},
    )
    scenes = [e["node"] for e in view["project"]["scenes"]["edges"]]
    assert [(s["name"], s["order"]) for s in scenes] == [("kept", 0)]
    clips = [(e["node"]["name"], e["node"]["order"]) for e in scenes[0]["clips"]["edges"]]
    assert clips == [("k1", 0), ("k2", 1)]
    restored = await gql.ok(DELETE.format(op="restoreProject"), {"id": recent["project"]})
    assert restored["restoreProject"]["affectedCount"] == 4  # the young tree is intact

    again = await purge_expired(store, older_than=timedelta(days=30))
    assert (again.total_trees, again.documents, again.skipped) == (0, 0, 0)


async def expired_trees(store: Datastore, owner: ObjectId, count: int) -> None:
    """`count` projects deleted 60 days ago, each with a scene and a clip."""
    when = utcnow() - timedelta(days=60)
    for i in range(count):
        marks: dict[str, Any] = {"deleted_at": when, "deleted_by": owner, "deletion_id": ObjectId()}
        project = ProjectDoc(owner_id=owner, name=f"p{i}", **marks)
        scene = SceneDoc(owner_id=owner, project_id=project.id, name="s", order=0, **marks)
        clip = ClipDoc(
            owner_id=owner, project_id=project.id, scene_id=scene.id, name="c", order=0, **marks
        )
        for doc in (project, scene, clip):
            await store.db[doc.collection].insert_one(doc.to_mongo())


async def test_two_clients_purging_at_once_purge_each_tree_exactly_once(
    store: Datastore, mongodb_uri: str, alice: MadeUser
) -> None:
    await expired_trees(store, alice.doc.id, 12)
    other = Datastore.connect(mongodb_uri, store.db.name, cursor_secret="s")
    try:
        runs = await asyncio.gather(
            purge_expired(store, older_than=timedelta(days=30), batch_size=4),
            purge_expired(other, older_than=timedelta(days=30), batch_size=4),
        )
    finally:
        await other.close()
    assert sum(r.trees["projects"] for r in runs) == 12
    assert sum(r.documents for r in runs) == 36
    for name in ("projects", "scenes", "clips"):
        assert await store.db[name].count_documents({}) == 0


async def test_the_command_prints_progress_and_a_summary(
    store: Datastore,
    alice: MadeUser,
    mongodb_uri: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    await expired_trees(store, alice.doc.id, 3)
    monkeypatch.setenv("MONGODB_URI", mongodb_uri)
    monkeypatch.setenv("MONGRAPH_DB", store.db.name)
    monkeypatch.setenv("MONGRAPH_RETENTION", "90d")
    get_settings.cache_clear()
    try:
        kept = await asyncio.to_thread(main, ["purge-expired"])  # the setting: 90 days
        dry = await asyncio.to_thread(main, ["purge-expired", "--older-than", "30d", "--dry-run"])
        real = await asyncio.to_thread(main, ["purge-expired", "--older-than", "30d"])
        bad = await asyncio.to_thread(main, ["purge-expired", "--older-than", "soon"])
    except SystemExit as exit_:  # argparse refuses the duration
        bad = exit_.code
    finally:
        get_settings.cache_clear()
    out = capsys.readouterr()
    assert (kept, dry, real, bad) == (0, 0, 0, 2)
    assert "not a positive duration" in out.err
    lines = out.out.splitlines()
    assert lines[0] == "purging trees soft-deleted more than 90 days ago"
    assert lines[1].startswith("purged 0 tree(s), 0 document(s) deleted before ")
    assert (
        lines[2] == "dry run, nothing is deleted: counting trees soft-deleted more than 30 days ago"
    )
    # a dry run examines the scenes and clips too: a real run finds them gone with their project
    progress = [
        f"  {n}: {d}/3 ({p}%)"
        for n in ("projects", "scenes", "clips")
        for d, p in ((0, 0), (3, 100))
    ]
    assert lines[3:9] == progress
    assert lines[9].startswith("would purge 3 tree(s), 9 document(s) deleted before ")
    assert lines[9].endswith(": projects 3; 0 skipped (already purged elsewhere, or restored)")
    assert lines[11:13] == progress[:2]
    assert lines[13].startswith("purged 3 tree(s), 9 document(s)")
    assert await store.db["projects"].count_documents({}) == 0


async def test_two_processes_purging_at_once_purge_each_tree_exactly_once(
    store: Datastore, mongodb_uri: str, alice: MadeUser
) -> None:
    await expired_trees(store, alice.doc.id, 20)
    env = {**os.environ, "MONGODB_URI": mongodb_uri, "MONGRAPH_DB": store.db.name}
    command = [sys.executable, "-m", "mongraph.cli", "purge-expired", "--batch-size", "2"]
    processes = [
        await asyncio.create_subprocess_exec(
            *command, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
        )
        for _ in range(2)
    ]
    results = [await asyncio.wait_for(p.communicate(), timeout=120) for p in processes]
    outputs = [(out.decode(), err.decode()) for out, err in results]
    assert [p.returncode for p in processes] == [0, 0], outputs
    summaries = [
        re.search(r"^purged (\d+) tree\(s\), (\d+) document", out, re.M) for out, _ in outputs
    ]
    assert all(summaries), outputs
    assert sum(int(s[1]) for s in summaries if s) == 20
    assert sum(int(s[2]) for s in summaries if s) == 60
    for name in ("projects", "scenes", "clips"):
        assert await store.db[name].count_documents({}) == 0
