"""The HTTP + GraphQL ceiling for scenario 3: a bare Strawberry app answering from memory,
with parser and validation caches (no database, no authentication)."""

import strawberry
from starlette.applications import Starlette
from starlette.routing import Route
from strawberry.asgi import GraphQL
from strawberry.extensions import ParserCache, ValidationCache

__all__ = ["app"]


@strawberry.type
class User:
    id: strawberry.ID
    display_name: str


VIEWER = User(id=strawberry.ID("VXNlcjox"), display_name="Bench User")


@strawberry.type
class Query:
    @strawberry.field
    def viewer(self) -> User:
        return VIEWER


schema = strawberry.Schema(Query, extensions=[ParserCache(), ValidationCache()])
app = Starlette(routes=[Route("/graphql", GraphQL(schema), methods=["GET", "POST"])])
