"""What a list promises, in one place: page sizes, the cap of an unpaged list, and the
namespaces cursors are minted under. The connections, the cost model and the schema's
descriptions all read these."""

from __future__ import annotations

from typing import Any

__all__ = [
    "CHILD_PAGE_SIZE",
    "LIST_CAP",
    "LIST_PAGE_SIZE",
    "MAX_PAGE_SIZE",
    "change_ordering",
    "child_ordering",
    "list_ordering",
]

MAX_PAGE_SIZE = 100
"""The largest `first`/`last` (larger is `BAD_USER_INPUT`, never silently clamped)."""
LIST_PAGE_SIZE = 20
"""The page of a top-level list (`users`, `projects`, `conversations`, and User's) when
`first` is null or absent."""
CHILD_PAGE_SIZE = 50
"""The page of a parent's children (`scenes`, `clips`, `messages`, `transactions`) when
`first` and `last` are null or absent."""
LIST_CAP = 100
"""The longest unpaged list of children (`Project.characters`, `Scene.alternates`)."""


def child_ordering(relation: str, parent_id: Any) -> str:
    """Cursor namespace of one parent's children: a cursor never pages another parent's list."""
    return f"{relation}:{parent_id}"


def list_ordering(collection: str, sort_field: str, sign: int) -> str:
    """Cursor namespace of a list: a cursor never pages a list in another order."""
    return f"{collection}:{sort_field}:{sign}"


def change_ordering(scope_id: Any) -> str:
    """Cursor namespace of one project's or conversation's changes: a change cursor never
    resumes another one's changes, nor pages a list."""
    return f"changes:{scope_id}"
