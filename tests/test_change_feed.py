"""ChangeFeed: what one subscriber receives from the change log and its hub queue, whatever
order, repeats and holes the queue brings (the log is real: written by the datastore)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from bson import ObjectId

from mongraph.change_feed import Batch, ChangeFeed
from mongraph.config import Settings
from mongraph.datastore import cascade, storyboard
from mongraph.datastore.client import Datastore
from mongraph.datastore.documents import ChangeDoc, ProjectDoc
from mongraph.datastore.repository import Scope
from mongraph.errors import BadInput, NotFound
from mongraph.live import CHANGES, Delivery, Subscription


async def add_characters(store: Datastore, project: ProjectDoc, count: int) -> None:
    for i in range(count):
        await storyboard.create_character(
            store, scope=Scope(project.owner_id), project_id=project.id, fields={"name": f"K{i}"}
        )


@pytest.fixture
async def project(store: Datastore) -> ProjectDoc:
    doc = await storyboard.create_project(store, owner_id=ObjectId(), fields={"name": "P"})
    await add_characters(store, doc, 5)
    return doc  # positions 1 (the project) to 6


async def logged(store: Datastore, project: ProjectDoc) -> list[ChangeDoc]:
    found = store.db["changes"].find({"scope": project.id}, sort=[("seq", 1)])
    return [ChangeDoc.model_validate(raw) async for raw in found]


def subscription(project: ProjectDoc) -> Subscription:
    return Subscription(project.id, CHANGES, "Project not found", project.owner_id, None, False)


async def positions(batches: AsyncIterator[Batch], count: int) -> list[int]:
    seen: list[int] = []
    async for batch in batches:
        seen += [c.seq for c in batch.changes]
        if len(seen) >= count:
            break
    return seen


async def test_queued_changes_the_log_replayed_already_are_skipped(
    store: Datastore, project: ProjectDoc
) -> None:
    log = await logged(store, project)
    sub = subscription(project)
    for seq in (2, 3, 3, 6, 5, 4):  # committed while the log was read: queued too
        sub.queue.put_nowait(Delivery(log[seq - 1]))
    sub.queue.put_nowait(None)
    feed = ChangeFeed(store, sub, after=1, known=3)
    assert await positions(feed.batches(), 10) == [2, 3, 4, 5, 6]


async def test_changes_missing_before_a_queued_one_are_read_from_the_log_first(
    store: Datastore, project: ProjectDoc
) -> None:
    sub = subscription(project)
    batches = ChangeFeed(store, sub, after=5, known=6).batches()
    replayed = await anext(batches)
    assert [c.seq for c in replayed.changes] == [6]  # the log, read: now 7 to 9 commit
    await add_characters(store, project, 3)
    log = await logged(store, project)
    sub.queue.put_nowait(Delivery(log[8]))  # only 9 reached the queue
    sub.queue.put_nowait(None)
    rest = [(b.shared is not None, [c.seq for c in b.changes]) async for b in batches]
    assert rest == [(False, [7, 8]), (True, [9])]


async def test_a_full_queue_is_caught_up_from_the_log(
    store: Datastore, project: ProjectDoc
) -> None:
    sub = subscription(project)
    batches = ChangeFeed(store, sub, after=5, known=6).batches()
    await anext(batches)
    await add_characters(store, project, 3)  # 7 to 9
    sub.queue.put_nowait(Delivery((await logged(store, project))[6]))
    sub.lagging = True  # 8 and 9 were dropped: the queue was full
    sub.queue.put_nowait(None)
    rest = [(b.shared is not None, [c.seq for c in b.changes]) async for b in batches]
    assert rest == [(False, [7, 8, 9])]  # the queued 7 came with the rest, once


async def test_a_hole_the_log_no_longer_fills_ends_the_feed_with_refetch(
    store: Datastore, project: ProjectDoc
) -> None:
    log = await logged(store, project)
    await store.db["changes"].delete_one({"scope": project.id, "seq": 4})
    sub = subscription(project)
    sub.queue.put_nowait(Delivery(log[4]))  # 5: 4 must come first, and it is gone
    feed = ChangeFeed(store, sub, after=3, known=3)
    with pytest.raises(BadInput, match="refetch"):
        await positions(feed.batches(), 2)
    with pytest.raises(BadInput, match="refetch"):  # replayed from before the hole: the same
        await positions(ChangeFeed(store, subscription(project), after=2, known=6).batches(), 1)
    with pytest.raises(BadInput, match="refetch"):  # a position the project never reached
        ChangeFeed(store, subscription(project), after=7, known=6)


async def test_the_purge_of_the_project_itself_is_the_last_change(
    store: Datastore, project: ProjectDoc
) -> None:
    scope = Scope(project.owner_id)
    await cascade.soft_delete(store, "projects", project.id, scope=scope, actor_id=ObjectId())
    await cascade.purge(store, "projects", project.id, scope=scope)
    log = await logged(store, project)
    assert [c.kind for c in log[6:]] == ["DELETED"] * 6 + ["PURGED"] * 6
    assert log[-1].node_id == project.id
    sub = subscription(project)
    with pytest.raises(NotFound):
        await positions(ChangeFeed(store, sub, after=12, known=18).batches(), 100)


async def test_each_change_expires_after_the_retention_the_settings_give_the_store(
    store: Datastore, project: ProjectDoc
) -> None:
    assert {c.expires_at - c.created_at for c in await logged(store, project)} == {
        store.change_retention
    }
    settings = Settings(mongodb_uri="unused", mongraph_change_retention="36h")
    configured = Datastore.for_settings("mongodb://127.0.0.1:1", settings)
    try:
        assert configured.change_retention == timedelta(hours=36)
    finally:
        await configured.close()
