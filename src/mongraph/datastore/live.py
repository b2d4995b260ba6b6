"""The live filter: a soft-deleted document carries `deletedAt`; a live one has it null."""

from __future__ import annotations

from typing import Any

__all__ = ["DELETED_AT", "live"]

DELETED_AT = "deletedAt"


def live(query: dict[str, Any]) -> dict[str, Any]:
    """`query`, narrowed to live documents."""
    return {**query, DELETED_AT: None}
