"""A migrations package for the runner's tests: `migrate.py` loads any package like this one.

Every `up()` counts its runs in `runs` (so a test can see a migration applied twice) and
yields to the event loop while it works, so that racing runners really interleave.
"""

from __future__ import annotations

import asyncio

from mongraph.datastore.migrate import MigrationContext


async def count_run(ctx: MigrationContext, direction: str) -> None:
    await ctx.store.db["runs"].update_one(
        {"_id": f"{ctx.migration.version}-{direction}"}, {"$inc": {"n": 1}}, upsert=True
    )
    await asyncio.sleep(0.2)
