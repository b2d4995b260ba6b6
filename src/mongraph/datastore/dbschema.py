"""The declared state of the database: validators (from `documents.py`) and indexes
(from `relations.py`), applied together and fingerprinted."""

from __future__ import annotations

import hashlib
import json

from .indexes import ensure_indexes
from .migrate import MigrationContext
from .relations import COLLECTIONS
from .validators import apply_validators, validator_for

__all__ = ["apply_schema", "schema_fingerprint"]


async def apply_schema(ctx: MigrationContext) -> None:
    """Validators then indexes, collection by collection progress on the CLI (idempotent)."""
    total = len(COLLECTIONS) * 2
    ctx.report(0, total)
    await apply_validators(ctx.store)
    ctx.report(len(COLLECTIONS), total)
    await ensure_indexes(ctx.store)
    ctx.report(total, total)


def schema_fingerprint() -> str:
    """12 hex digits that change whenever a validator or an index declaration changes."""
    declared = {
        name: {
            "validator": validator_for(name),
            "indexes": [
                [
                    index.name,
                    list(index.keys),
                    index.unique,
                    index.sparse,
                    index.partial,
                    index.expire_after,
                ]
                for index in spec.indexes
            ],
        }
        for name, spec in COLLECTIONS.items()
    }
    text = json.dumps(declared, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:12]
