"""Who may read, change and subscribe to what: the one authorization policy.

Every entrance (HTTP queries and mutations, both WebSocket protocols, subscriptions and
their change-stream fan-out) asks these rules; the datastore receives the filter they
produce (`Scope`) and applies it once.
"""

from __future__ import annotations

from typing import Any

from .auth import Viewer
from .datastore.repository import Scope

__all__ = ["conversations_scope", "may_see_trash"]


def may_see_trash(viewer: Viewer, owner_id: Any) -> bool:
    """Deleted objects are listed for their owner and admins only."""
    return viewer.is_admin or viewer.user.id == owner_id


def conversations_scope(viewer: Viewer, reader_id: Any) -> Scope:
    """Whose conversations a list of `reader_id`'s shows: theirs, to themself and admins;
    none to anyone else (a SERVICE reading a user's account gets none)."""
    if reader_id == viewer.user.id or viewer.is_admin:
        return Scope(owner_id=reader_id)
    return Scope.nobody()
