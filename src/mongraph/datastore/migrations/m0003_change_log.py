"""The change log: the `changes` collection (unique `(scope, seq)`, TTL on `expiresAt`) and
`changeSeq` on projects and conversations in the validators.

Existing projects and conversations keep no `changeSeq`, which reads as 0 (no change yet):
their first change is position 1. `down` drops `changes`, removes `changeSeq` and puts back
the previous validators of `projects` and `conversations`.
"""

from __future__ import annotations

import copy
from typing import Any

from ..change_log import SEQ
from ..dbschema import apply_schema
from ..migrate import MigrationContext
from ..validators import validator_for

SCHEMA = "075876007258"
SCOPES = ("projects", "conversations")


async def up(ctx: MigrationContext) -> None:
    await apply_schema(ctx)


def previous_validator(collection: str) -> dict[str, Any]:
    """The validator of `projects` or `conversations` before this migration."""
    validator = copy.deepcopy(validator_for(collection))
    del validator["$jsonSchema"]["properties"][SEQ]
    return validator


async def down(ctx: MigrationContext) -> None:
    ctx.report(0, 3)
    await ctx.store.db.drop_collection("changes")
    ctx.report(1, 3)
    existing = set(await ctx.store.db.list_collection_names())
    for name in SCOPES:
        if name in existing:
            await ctx.store.db.command("collMod", name, validator=previous_validator(name))
    ctx.report(2, 3)
    for name in SCOPES:
        await ctx.store.db[name].update_many({SEQ: {"$exists": True}}, {"$unset": {SEQ: ""}})
    ctx.report(3, 3)
