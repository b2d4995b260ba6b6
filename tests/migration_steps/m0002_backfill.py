"""Backfills `size: 0` on every thing that has none, 50 at a time."""

from __future__ import annotations

from typing import Any

from mongraph.datastore.migrate import MigrationContext

from . import count_run


async def up(ctx: MigrationContext) -> None:
    await count_run(ctx, "up")
    things = ctx.store.db["things"]

    async def backfill(batch: list[dict[str, Any]]) -> None:
        await things.update_many({"_id": {"$in": [d["_id"] for d in batch]}}, {"$set": {"size": 0}})

    await ctx.each_batch("things", {"size": {"$exists": False}}, backfill, batch_size=50)


async def down(ctx: MigrationContext) -> None:
    await count_run(ctx, "down")
    await ctx.store.db["things"].update_many({}, {"$unset": {"size": ""}})
