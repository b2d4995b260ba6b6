"""Starlette app factory: /graphql (HTTP, GraphiQL), /healthz, /readyz."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, WebSocketRoute
from strawberry.asgi import GraphQL

from .auth import Viewer, authenticate
from .config import Settings, get_settings
from .context import RequestContext
from .datastore.client import Datastore
from .datastore.repository import Scope
from .errors import DomainError, ErrorCode
from .loaders import Loaders
from .schema.schema import build_schema

__all__ = ["GraphQLApp", "create_app"]


class MalformedRequest(Exception):
    """The HTTP body is not a GraphQL request (not JSON, not an object, not valid Unicode)."""


async def _malformed(_: Request, exc: Exception) -> Response:
    error = {"message": str(exc), "extensions": {"code": ErrorCode.BAD_USER_INPUT.value}}
    return JSONResponse({"data": None, "errors": [error]}, status_code=400)


class GraphQLApp(GraphQL[RequestContext, None]):
    """Strawberry's ASGI app with the request context mongraph resolvers expect."""

    def __init__(self, store_of: Callable[[], Datastore], settings: Settings) -> None:
        super().__init__(build_schema(), graphql_ide="graphiql", allow_queries_via_get=True)
        self._store_of = store_of
        self._settings = settings

    def parse_json(self, data: str | bytes) -> Any:
        try:
            parsed = json.loads(data)
        except (ValueError, UnicodeDecodeError) as exc:
            raise MalformedRequest("the request body is not valid JSON") from exc
        if not isinstance(parsed, dict | list):
            raise MalformedRequest("the request body must be a JSON object")
        try:
            # Lone surrogates (JSON "\\ud800") cannot be stored as BSON strings.
            json.dumps(parsed, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError as exc:
            raise MalformedRequest("the request contains text that is not valid Unicode") from exc
        return parsed

    async def get_context(self, request: Any, response: Any = None) -> RequestContext:
        store = self._store_of()
        viewer: Viewer | None = None
        auth_error: DomainError | None = None
        try:
            viewer = await authenticate(store, request.headers.get("authorization"))
        except DomainError as error:
            auth_error = error
        scope = viewer.scope if viewer is not None else Scope.nobody()
        return RequestContext(
            store=store,
            settings=self._settings,
            loaders=Loaders(store, scope),
            viewer_or_none=viewer,
            auth_error=auth_error,
            request=request,
            response=response,
        )


def create_app(
    store_factory: Callable[[], Awaitable[Datastore]],
    settings: Settings | None = None,
    *,
    on_startup: Callable[[Datastore], Awaitable[None]] | None = None,
    close_store: bool = True,
) -> Starlette:
    """The gateway; `store_factory` connects at startup and the store is closed at shutdown."""
    settings = settings or get_settings()
    holder: dict[str, Datastore] = {}

    def store_of() -> Datastore:
        return holder["store"]

    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        holder["store"] = await store_factory()
        if on_startup is not None:
            await on_startup(holder["store"])
        try:
            yield
        finally:
            store = holder.pop("store")
            if close_store:
                await store.close()

    async def healthz(_: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def readyz(_: Request) -> Response:
        store = holder.get("store")
        if store is not None and await store.ping():
            return JSONResponse({"status": "ready"})
        return JSONResponse({"status": "unavailable"}, status_code=503)

    graphql = GraphQLApp(store_of, settings)
    routes = [
        Route("/graphql", graphql, methods=["GET", "POST"]),
        WebSocketRoute("/graphql", graphql),
        Route("/healthz", healthz),
        Route("/readyz", readyz),
    ]
    return Starlette(
        routes=routes, lifespan=lifespan, exception_handlers={MalformedRequest: _malformed}
    )
