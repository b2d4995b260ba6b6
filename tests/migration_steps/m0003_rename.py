"""Renames `kind` to `category`."""

from __future__ import annotations

from mongraph.datastore.migrate import MigrationContext

from . import count_run


async def up(ctx: MigrationContext) -> None:
    await count_run(ctx, "up")
    await ctx.store.db["things"].update_many({}, {"$rename": {"kind": "category"}})


async def down(ctx: MigrationContext) -> None:
    await count_run(ctx, "down")
    await ctx.store.db["things"].update_many({}, {"$rename": {"category": "kind"}})
