"""The root Query type."""

from __future__ import annotations

import inspect
from collections.abc import Awaitable
from typing import Annotated

import strawberry

from ..context import RequestContext
from ..execution.connection import Connection
from ..execution.loading import PageArgs
from ..execution.relation_fields import prefetch_connection, prefetch_objects
from ..resolvers import chat as chat_resolvers
from ..resolvers import identity as ident
from ..resolvers import nodes as node_resolvers
from ..resolvers import storyboard as sb
from ..schema.chat import Conversation
from ..schema.chat_inputs import ConversationFilterArg, ConversationOrderArg
from ..schema.common import Node
from ..schema.identity import Platform, User
from ..schema.identity_inputs import UserFilter
from ..schema.ids import encode_global_id
from ..schema.paging import After, Before, First, Last
from ..schema.storyboard import Project
from ..schema.storyboard_queries import IncludeDeletedArg, ProjectFilterArg, ProjectOrderArg

__all__ = ["CONTEXT_RESOLVER", "Query", "viewer_of"]

CONTEXT_RESOLVER = "mongraph.context_resolver"
"""A root field's metadata key: the function of the request context alone that resolves it.
api/schema.py makes it the field's graphql-core resolver, without Strawberry's wrapper
(an `Info`, its arguments and extensions: a tenth of the smallest request's execution)."""


def viewer_of(ctx: RequestContext) -> User | Awaitable[User | None] | None:
    """`Query.viewer`. Synchronous in the common case (graphql-core awaits what it is given
    otherwise): an `async` resolver cost the smallest request a coroutine and graphql-core's
    awaitable path. The account comes with authentication, and one object needs no
    prefetch: each relation field below loads itself (one command) and prefetches on."""
    viewer = ctx.viewer_or_none
    if viewer is None:
        return None
    if ctx.wrote:  # a payload's `query`: the account as this request's writes left it
        return ident.get_user(ctx, encode_global_id("User", viewer.user.id))
    return ident.viewer_user(viewer.user)


Info = strawberry.Info[RequestContext, None]


@strawberry.type(description="Everything that can be read.")
class Query:
    @strawberry.field(description="Any object by its global id; null when missing or not yours.")
    async def node(
        self,
        info: Info,
        id: Annotated[
            strawberry.ID,
            strawberry.argument(description="The object's global id (its `id` field)."),
        ],
    ) -> Node | None:
        node: Node | None = await node_resolvers.resolve_node(info.context, id)
        await prefetch_objects(info, [node])
        return node

    @strawberry.field(
        description="Objects by global id, in order; null for each missing one. "
        f"At most {node_resolvers.MAX_NODES} ids, none repeated."
    )
    async def nodes(
        self,
        info: Info,
        ids: Annotated[
            list[strawberry.ID],
            strawberry.argument(
                description="Global ids; the answer lists the objects in this order."
            ),
        ],
    ) -> list[Node | None]:
        ctx = info.context
        node_resolvers.check_node_ids(ids)
        found = await node_resolvers.resolve_nodes(ctx, ids)
        await prefetch_objects(info, [n for n in found if not inspect.isawaitable(n)])
        return found

    @strawberry.field(
        description="The authenticated user; null without credentials.",
        graphql_type=User | None,
        metadata={CONTEXT_RESOLVER: viewer_of},
    )
    def viewer(self, info: Info) -> User | Awaitable[User | None] | None:
        return viewer_of(info.context)

    @strawberry.field(description="A user by id: yourself, or anyone for admins; else null.")
    async def user(
        self,
        info: Info,
        id: Annotated[
            strawberry.ID,
            strawberry.argument(description="The object's global id (its `id` field)."),
        ],
    ) -> User | None:
        user = await ident.get_user(info.context, id)
        await prefetch_objects(info, [user])
        return user

    @strawberry.field(description="Admins only: every account, newest first.")
    async def users(
        self,
        info: Info,
        first: First = strawberry.UNSET,
        after: After = strawberry.UNSET,
        last: Last = strawberry.UNSET,
        before: Before = strawberry.UNSET,
        where: Annotated[
            UserFilter | None,
            strawberry.argument(description="Only the items that match every field set here."),
        ] = None,
    ) -> Connection[User]:
        paging = PageArgs(first, after, last, before)
        users = await ident.list_users(info.context, paging=paging, where=where)
        return await prefetch_connection(info, users)

    @strawberry.field(description="Admins only: resolve a platform identity to its master account.")
    async def user_by_identity(
        self,
        info: Info,
        platform: Annotated[
            Platform, strawberry.argument(description="The platform the identity lives on.")
        ],
        external_id: Annotated[str, strawberry.argument(description="Its id there (literal).")],
    ) -> User | None:
        user = await ident.user_by_identity(info.context, platform.value, external_id)
        await prefetch_objects(info, [user])
        return user

    @strawberry.field(description="A project by id; null when missing, deleted or not yours.")
    async def project(
        self,
        info: Info,
        id: Annotated[
            strawberry.ID,
            strawberry.argument(description="The object's global id (its `id` field)."),
        ],
    ) -> Project | None:
        info.context.viewer  # noqa: B018 - authentication check
        project = await sb.get_project(info.context, id)
        await prefetch_objects(info, [project])
        return project

    @strawberry.field(
        description="The viewer's own projects (admins too: their own; they reach others' by id)."
    )
    async def projects(
        self,
        info: Info,
        first: First = strawberry.UNSET,
        after: After = strawberry.UNSET,
        last: Last = strawberry.UNSET,
        before: Before = strawberry.UNSET,
        where: ProjectFilterArg = None,
        order_by: ProjectOrderArg = None,
        include_deleted: IncludeDeletedArg = False,
    ) -> Connection[Project]:
        ctx = info.context
        projects = await sb.list_projects(
            ctx,
            owner_id=ctx.viewer.user.id,
            paging=PageArgs(first, after, last, before),
            where=where,
            order_by=order_by,
            include_deleted=bool(include_deleted),
        )
        return await prefetch_connection(info, projects)

    @strawberry.field(description="A conversation you own or that is shared with you; else null.")
    async def conversation(
        self,
        info: Info,
        id: Annotated[
            strawberry.ID,
            strawberry.argument(description="The object's global id (its `id` field)."),
        ],
    ) -> Conversation | None:
        conversation = await chat_resolvers.get_conversation(info.context, id)
        await prefetch_objects(info, [conversation])
        return conversation

    @strawberry.field(description="The viewer's own conversations and those shared with them.")
    async def conversations(
        self,
        info: Info,
        first: First = strawberry.UNSET,
        after: After = strawberry.UNSET,
        last: Last = strawberry.UNSET,
        before: Before = strawberry.UNSET,
        where: ConversationFilterArg = None,
        order_by: ConversationOrderArg = None,
        include_deleted: IncludeDeletedArg = False,
    ) -> Connection[Conversation]:
        ctx = info.context
        conversations = await chat_resolvers.list_conversations(
            ctx,
            reader_id=ctx.viewer.user.id,
            paging=PageArgs(first, after, last, before),
            where=where,
            order_by=order_by,
            include_deleted=bool(include_deleted),
        )
        return await prefetch_connection(info, conversations)
