"""Identity proofs: link codes, wallet challenges and failed redemptions (TTL-indexed), and
`verifiedAt` on identities and wallets and `servicePlatform` on accounts in the validators.

Existing identities and wallets stay as they are: unverified (no `verifiedAt`). `down`
drops the three short-lived collections, removes `verifiedAt`, puts back the previous
`users` validator, and turns SERVICE accounts into suspended ordinary ones (the code before
this migration knows no SERVICE role, and a bot's key must not become a user's key).
"""

from __future__ import annotations

import copy
from typing import Any

from ..dbschema import apply_schema
from ..migrate import MigrationContext
from ..validators import validator_for

SCHEMA = "365aecf427d5"
NEW_COLLECTIONS = ("linkCodes", "linkCodeFailures", "walletChallenges")


async def up(ctx: MigrationContext) -> None:
    await apply_schema(ctx)


def previous_users_validator() -> dict[str, Any]:
    """The `users` validator of migration 1: today's without the fields this one added."""
    validator = copy.deepcopy(validator_for("users"))
    properties = validator["$jsonSchema"]["properties"]
    del properties["servicePlatform"]
    for embedded in ("identities", "wallets"):
        del properties[embedded]["items"]["properties"]["verifiedAt"]
    return validator


async def down(ctx: MigrationContext) -> None:
    users = ctx.store.db["users"]
    ctx.report(0, 4)
    await users.update_many(
        {"roles": "SERVICE"},
        {"$pull": {"roles": "SERVICE"}, "$unset": {"servicePlatform": ""},
         "$set": {"status": "SUSPENDED"}},
    )  # fmt: skip
    await users.update_many(
        {"servicePlatform": {"$exists": True}}, {"$unset": {"servicePlatform": ""}}
    )
    ctx.report(1, 4)
    for embedded in ("identities", "wallets"):
        await users.update_many(
            {f"{embedded}.verifiedAt": {"$exists": True}},
            {"$unset": {f"{embedded}.$[].verifiedAt": ""}},
        )
    ctx.report(2, 4)
    for name in NEW_COLLECTIONS:
        await ctx.store.db.drop_collection(name)
    ctx.report(3, 4)
    existing = set(await ctx.store.db.list_collection_names())
    if "users" in existing:
        await ctx.store.db.command("collMod", "users", validator=previous_users_validator())
    ctx.report(4, 4)
