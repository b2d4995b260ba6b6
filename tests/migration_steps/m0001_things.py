"""Creates the `things` collection with an index on `kind`."""

from __future__ import annotations

from mongraph.datastore.migrate import MigrationContext

from . import count_run


async def up(ctx: MigrationContext) -> None:
    await count_run(ctx, "up")
    await ctx.store.db["things"].create_index("kind", name="kind_1")


async def down(ctx: MigrationContext) -> None:
    await count_run(ctx, "down")
    await ctx.store.db["things"].drop_index("kind_1")
