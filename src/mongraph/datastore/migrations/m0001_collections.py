"""Collections with $jsonSchema validators from documents.py, and the indexes from relations.py.

Idempotent: on a database that already has the collections (created before migrations
existed, or by an interrupted run) it replaces their validators and creates only the
missing indexes. `down` removes the validators and the declared indexes and keeps the
collections and every document.
"""

from __future__ import annotations

from ..dbschema import apply_schema
from ..indexes import drop_indexes
from ..migrate import MigrationContext
from ..validators import remove_validators

SCHEMA = "3dbe78b5f5c4"


async def up(ctx: MigrationContext) -> None:
    await apply_schema(ctx)


async def down(ctx: MigrationContext) -> None:
    await drop_indexes(ctx.store)
    await remove_validators(ctx.store)
