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
from strawberry.exceptions import ConnectionRejectionError
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL, GRAPHQL_WS_PROTOCOL
from strawberry.types.unset import UNSET, UnsetType

from .auth import authenticate
from .config import Settings, get_settings
from .context import RequestContext
from .datastore.changes import watch_chat
from .datastore.client import Datastore
from .datastore.repository import Scope
from .errors import DomainError, ErrorCode
from .live import Hub
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

    def __init__(
        self, store_of: Callable[[], Datastore], hub_of: Callable[[], Hub], settings: Settings
    ) -> None:
        super().__init__(
            build_schema(),
            graphql_ide="graphiql",
            allow_queries_via_get=True,
            subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL, GRAPHQL_WS_PROTOCOL),
        )
        self._store_of = store_of
        self._hub_of = hub_of
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
        context = RequestContext(
            store=store,
            settings=self._settings,
            loaders=Loaders(store, Scope.nobody()),
            viewer_or_none=None,
            request=request,
            response=response,
            hub=self._hub_of,
        )
        await self._authenticate(context, request.headers.get("authorization"))
        return context

    async def _authenticate(self, context: RequestContext, authorization: str | None) -> None:
        try:
            viewer = await authenticate(context.store, authorization)
        except DomainError as error:
            context.auth_error = error
            return
        context.viewer_or_none = viewer
        if viewer is not None:
            context.loaders = Loaders(context.store, viewer.scope)

    async def on_ws_connect(self, context: RequestContext) -> UnsetType | dict[str, object] | None:
        """WebSocket clients send `{"Authorization": "Bearer …"}` in connection_init."""
        params = context.connection_params if isinstance(context.connection_params, dict) else {}
        authorization = params.get("Authorization", params.get("authorization"))
        if authorization is not None:
            if not isinstance(authorization, str):
                raise ConnectionRejectionError({"message": "Authorization must be a string"})
            await self._authenticate(context, authorization)
        if context.auth_error is not None:
            raise ConnectionRejectionError(
                {"message": context.auth_error.message, "code": context.auth_error.code.value}
            )
        unset: UnsetType = UNSET
        return unset


def create_app(
    store_factory: Callable[[], Awaitable[Datastore]],
    settings: Settings | None = None,
    *,
    on_startup: Callable[[Datastore], Awaitable[None]] | None = None,
    close_store: bool = True,
    live_updates: bool = False,
) -> Starlette:
    """The gateway; `store_factory` connects at startup and the store is closed at shutdown.

    `live_updates` opens the change stream at startup (`serve` does); otherwise it
    opens with the first subscription.
    """
    settings = settings or get_settings()
    state: dict[str, Any] = {}

    def store_of() -> Datastore:
        store: Datastore = state["store"]
        return store

    def hub_of() -> Hub:
        hub: Hub = state["hub"]
        return hub

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        store = state["store"] = await store_factory()
        hub = state["hub"] = app.state.hub = Hub(
            lambda token: watch_chat(store, resume_after=token)
        )
        if on_startup is not None:
            await on_startup(store)
        if live_updates:
            await hub.start()
        try:
            yield
        finally:
            await state.pop("hub").close()
            state.pop("store")
            if close_store:
                await store.close()

    async def healthz(_: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def readyz(_: Request) -> Response:
        store = state.get("store")
        if store is not None and await store.ping():
            hub: Hub = state["hub"]
            return JSONResponse({"status": "ready", "subscriptions": hub.subscription_count})
        return JSONResponse({"status": "unavailable"}, status_code=503)

    graphql = GraphQLApp(store_of, hub_of, settings)
    routes = [
        Route("/graphql", graphql, methods=["GET", "POST"]),
        WebSocketRoute("/graphql", graphql),
        Route("/healthz", healthz),
        Route("/readyz", readyz),
    ]
    return Starlette(
        routes=routes, lifespan=lifespan, exception_handlers={MalformedRequest: _malformed}
    )
