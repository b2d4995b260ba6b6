"""Assembles the Strawberry schema from the domain modules."""

from __future__ import annotations

import strawberry
from strawberry.schema.config import StrawberryConfig

from ..resolvers.nodes import register_node_type
from .auth import RejectBadCredentials
from .errors import ErrorCodes
from .identity import User
from .mutation import Mutation
from .query import Query
from .storyboard import Character, Clip, Project, Scene

__all__ = ["build_schema", "export_sdl"]

for _type in (Project, Scene, Clip, Character, User):
    register_node_type(_type.__name__, _type.from_doc)


def build_schema() -> strawberry.Schema:
    return strawberry.Schema(
        query=Query,
        mutation=Mutation,
        types=[Project, Scene, Clip, Character, User],
        extensions=[RejectBadCredentials, ErrorCodes],
        config=StrawberryConfig(auto_camel_case=True),
    )


def export_sdl() -> str:
    return build_schema().as_str() + "\n"
