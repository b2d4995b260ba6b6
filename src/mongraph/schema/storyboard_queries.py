"""Filters and orderings of the `projects` list."""

from __future__ import annotations

from enum import Enum
from typing import Annotated

import strawberry

from .common import DateTimeRange, SortDirection

__all__ = [
    "IncludeDeletedArg",
    "ProjectFilter",
    "ProjectFilterArg",
    "ProjectOrder",
    "ProjectOrderArg",
    "ProjectOrderField",
]


@strawberry.input(description="Narrows the `projects` list; all given conditions must hold.")
class ProjectFilter:
    name_contains: str | None = strawberry.field(
        default=None, description="Case-insensitive substring of the name (taken literally)."
    )
    created_at: DateTimeRange | None = strawberry.field(
        default=None, description="Created within this range."
    )


@strawberry.enum(description="What the `projects` list is sorted by.")
class ProjectOrderField(Enum):
    CREATED_AT = "CREATED_AT"
    UPDATED_AT = "UPDATED_AT"
    NAME = "NAME"


@strawberry.input(description="Sort order of the `projects` list (ties broken by id).")
class ProjectOrder:
    field: ProjectOrderField = strawberry.field(description="The sort key.")
    direction: SortDirection = strawberry.field(
        default=SortDirection.DESC, description="Ascending or descending."
    )


ProjectFilterArg = Annotated[ProjectFilter | None, strawberry.argument(description="Filter.")]
ProjectOrderArg = Annotated[
    ProjectOrder | None, strawberry.argument(description="Default: CREATED_AT DESC.")
]
IncludeDeletedArg = Annotated[
    bool | None, strawberry.argument(description="Show deleted ones too (the owner's trash).")
]
