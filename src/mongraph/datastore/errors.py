"""Driver errors that are expected outcomes, turned into domain errors."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from pymongo.errors import ConnectionFailure, DuplicateKeyError, PyMongoError

from ..errors import Conflict

__all__ = ["identity_conflicts", "is_unavailable"]

_MESSAGES = {
    "identities": "this identity is already linked to an account",
    "wallets": "this wallet address belongs to an account already",
    "idempotencyKey": "this idempotency key was used already",
}


@contextmanager
def identity_conflicts() -> Iterator[None]:
    """Unique-index violations on users become `CONFLICT` with a message naming what clashed."""
    try:
        yield
    except DuplicateKeyError as error:
        pattern = str((error.details or {}).get("keyPattern") or error)
        message = next((m for key, m in _MESSAGES.items() if key in pattern), "already exists")
        raise Conflict(message) from error


def is_unavailable(error: BaseException | None) -> bool:
    """Whether `error` means the database cannot be reached in time (not a bug of ours)."""
    return isinstance(error, ConnectionFailure) or (
        isinstance(error, PyMongoError) and error.timeout
    )
