"""Assembles the Strawberry schema from the domain modules."""

from __future__ import annotations

import strawberry
from graphql import GraphQLError
from strawberry.schema.config import StrawberryConfig
from strawberry.types import ExecutionContext

from ..resolvers.nodes import register_node_type
from .auth import RejectBadCredentials
from .chat import Conversation, Message
from .errors import ErrorCodes, log_unexpected
from .identity import CreditTransaction, User
from .mutation import Mutation
from .query import Query
from .scalars import SCALAR_MAP
from .storyboard import Character, Clip, Project, Scene
from .subscription import Subscription

__all__ = ["build_schema", "export_sdl"]

_NODE_TYPES = (Project, Scene, Clip, Character, User, CreditTransaction, Conversation, Message)
for _type in _NODE_TYPES:
    register_node_type(_type.__name__, _type.from_doc)


class GatewaySchema(strawberry.Schema):
    """Logs only unexpected errors (with their traceback); client errors are not news."""

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        log_unexpected(errors)


def build_schema() -> strawberry.Schema:
    return GatewaySchema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        types=list(_NODE_TYPES),
        extensions=[RejectBadCredentials, ErrorCodes],
        config=StrawberryConfig(auto_camel_case=True, scalar_map=SCALAR_MAP),
    )


def export_sdl() -> str:
    return build_schema().as_str() + "\n"
