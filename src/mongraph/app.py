"""Starlette app factory: /graphql (HTTP, GraphiQL), /healthz, /readyz, /metrics."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson
import strawberry
from cross_web import HTTPException
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.types import Receive, Send
from starlette.types import Scope as Scope_
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL, GRAPHQL_WS_PROTOCOL
from strawberry.types import ExecutionResult

from .api.schema import build_schema
from .auth import KeyCache
from .collector import tune_collector
from .config import Settings, get_settings
from .context import RequestContext
from .datastore.changes import watch_chat
from .datastore.client import Datastore
from .datastore.errors import is_unavailable
from .datastore.repository import Scope
from .errors import ErrorCode
from .framework import UnsetType
from .graphiql import ASSETS_DIR, ASSETS_PATH, CONTENT_SECURITY_POLICY, GraphiQLPage, assets_app
from .http_refusals import (
    BodyReader,
    MalformedRequest,
    MutationOverGet,
    malformed,
    names_a_mutation,
)
from .live import Hub, SubscriptionLimits
from .loaders import Loaders
from .media import GRAPHQL_RESPONSE, negotiate, prefers_graphql_response, request_error_status
from .observability import Telemetry, record_errors
from .observability.exposition import metrics_page
from .observability.middleware import RequestObserver
from .origins import CrossOrigin, OriginPolicy, parse_origins
from .persisted import NamedRequest, PersistedOperations, Refused, document_id_in
from .socket_slots import SocketSlots
from .websocket import LegacyProtocolHandler, LimitedFrames, admit

if TYPE_CHECKING:
    from cross_web import AsyncHTTPRequestAdapter  # Strawberry's own dependency
    from opentelemetry.trace import TracerProvider

    from .framework import BaseRequestProtocol

__all__ = ["GraphQLApp", "create_app"]

log = logging.getLogger("mongraph")
STARTUP_RETRY_SECONDS = 1.0


def _unreachable(error: BaseException) -> bool:
    return is_unavailable(error) or isinstance(error, TimeoutError)


class GraphQLApp(GraphQL[RequestContext, None]):
    """Strawberry's ASGI app with the request context mongraph resolvers expect."""

    websocket_adapter_class = LimitedFrames
    graphql_ws_handler_class = LegacyProtocolHandler

    def __init__(
        self,
        store_of: Callable[[], Datastore],
        hub_of: Callable[[], Hub],
        settings: Settings,
        ide: GraphiQLPage,
        origins: OriginPolicy,
    ) -> None:
        persisted = PersistedOperations(settings, store_of)
        super().__init__(
            build_schema(settings, persisted.required),
            graphql_ide="graphiql",
            allow_queries_via_get=True,
            subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL, GRAPHQL_WS_PROTOCOL),
        )
        self._store_of = store_of
        self._hub_of = hub_of
        self._settings = settings
        self._ide = ide
        self._keys = KeyCache(settings.mongraph_key_cache_seconds)
        self._persisted = persisted
        self._sockets = SocketSlots(settings.mongraph_max_sockets_per_viewer)
        self._origins = origins
        self.max_frame_bytes = settings.mongraph_max_body_bytes
        self.connection_init_wait_timeout = timedelta(seconds=settings.mongraph_ws_init_timeout)

    async def __call__(self, scope: Scope_, receive: Receive, send: Send) -> None:
        """Strawberry answers the requests it refuses in plain text; these get GraphQL JSON."""
        if scope["type"] == "websocket":
            await self._serve_socket(WebSocket(scope, receive=receive, send=send))
            return
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        try:
            response = await self.run(Request(scope, receive=receive))
        except HTTPException as refused:
            code = ErrorCode.NOT_FOUND if refused.status_code == 404 else ErrorCode.BAD_USER_INPUT
            record_errors([code.value])
            error = {"message": refused.reason, "extensions": {"code": code.value}}
            response = JSONResponse({"errors": [error]}, status_code=refused.status_code)
        await response(scope, receive, send)

    async def _serve_socket(self, socket: WebSocket) -> None:
        context = await self.get_context(socket, response=socket)
        try:
            await self.run(socket, context=context)
        finally:
            if context.socket_slot is not None:
                context.socket_slot.release()

    async def render_graphql_ide(self, request: Request) -> Response:
        """GraphiQL from local files; in dev mode with the `make run` key filled in."""
        dev_key = getattr(request.app.state, "graphiql_api_key", None)
        page = self._ide.render(
            request.url.path, api_key=dev_key if self._settings.mongraph_dev else None
        )
        return HTMLResponse(page, headers={"Content-Security-Policy": CONTENT_SECURITY_POLICY})

    def should_render_graphql_ide(self, request: BaseRequestProtocol) -> bool:
        """Not for a GET that names its document (a persisted query or a documentId)."""
        named = {"documentId", "extensions"} & set(request.query_params)
        return not named and super().should_render_graphql_ide(request)

    async def parse_http_body(
        self, request: AsyncHTTPRequestAdapter
    ) -> GraphQLRequestData | list[GraphQLRequestData]:
        parsed = await super().parse_http_body(request)
        if isinstance(parsed, list):
            return parsed  # refused as a batch by Strawberry before it gets here
        document_id = await document_id_in(request.method, request.query_params, request.get_body)
        return NamedRequest(**vars(parsed), document_id=document_id)

    async def execute_single(
        self,
        request: Request,
        request_adapter: AsyncHTTPRequestAdapter,
        sub_response: Response,
        context: RequestContext,
        root_value: None,
        request_data: GraphQLRequestData,
    ) -> ExecutionResult:
        """One HTTP operation, every database command in it bounded by `MONGRAPH_DB_TIMEOUT`."""
        with Datastore.deadline(self._settings.mongraph_db_timeout):
            try:  # a persisted operation's document, before anything parses it
                resolved = await self._persisted.resolve(request_data)
            except Refused as refused:
                record_errors([refused.code.value])
                return negotiate(request.headers.get("accept"), sub_response, refused.result())
            request_data = resolved.request
            if request.method == "GET" and names_a_mutation(
                request_data.query, request_data.operation_name, self._settings.mongraph_max_tokens
            ):
                raise MutationOverGet("mutations are not allowed over GET; send them with POST")
            result = await super().execute_single(
                request, request_adapter, sub_response, context, root_value, request_data
            )
            await self._persisted.remember(resolved, result, context.viewer_or_none)
        return negotiate(request.headers.get("accept"), sub_response, result)

    async def process_result(
        self, request: Request, result: ExecutionResult
    ) -> GraphQLHTTPResponse:
        response = await super().process_result(request, result)
        wanted = prefers_graphql_response(request.headers.get("accept"))
        if wanted and request_error_status(result) is not None:
            response.pop("data", None)  # a request error: nothing was executed
        return response

    def create_response(
        self,
        response_data: GraphQLHTTPResponse | list[GraphQLHTTPResponse],
        sub_response: Response,
    ) -> Response:
        response = super().create_response(response_data, sub_response)
        if sub_response.media_type == GRAPHQL_RESPONSE:
            response.headers["content-type"] = f"{GRAPHQL_RESPONSE}; charset=utf-8"
        return response

    def encode_json(self, data: object) -> str:
        # orjson: a tenth of json.dumps's time on a 10,000-clip response. Text, not bytes:
        # the WebSocket protocols send what this returns, and bytes go out as binary frames.
        return orjson.dumps(data).decode()

    def decode_json(self, data: str | bytes) -> object:
        # WebSocket frames: orjson's errors are JSONDecodeErrors (deep nesting included,
        # where json.loads raises RecursionError), which the protocols answer as bad JSON.
        return orjson.loads(data)

    def parse_json(self, data: str | bytes) -> Any:
        try:
            # orjson refuses lone surrogates (JSON "\\ud800"), which BSON cannot store,
            # and NaN/Infinity, which JSON does not have: one pass checks all of it.
            parsed = orjson.loads(data)
        except orjson.JSONDecodeError as exc:
            if "surrogate" in str(exc):
                raise MalformedRequest(
                    "the request contains text that is not valid Unicode"
                ) from exc
            raise MalformedRequest("the request body is not valid JSON") from exc
        if not isinstance(parsed, dict | list):
            raise MalformedRequest("the request body must be a JSON object")
        return parsed

    async def get_context(self, request: Any, response: Any = None) -> RequestContext:
        store = self._store_of()
        over_websocket = isinstance(request, WebSocket)
        context = RequestContext(
            store=store,
            settings=self._settings,
            loaders=Loaders(store, Scope.nobody()),
            viewer_or_none=None,
            authorization=request.headers.get("authorization"),
            request=request,
            response=response,
            hub=self._hub_of,
            keys=self._keys,
            socket=over_websocket,
            over_websocket=over_websocket,
        )
        if not over_websocket:  # a socket's credentials come in its connection_init
            context.refuse_repeated_credentials(request.headers.getlist("authorization"))
        return context

    def is_websocket_origin_allowed(self, request: Any, origin: str) -> bool:
        """A cross-origin handshake (same-origin and non-browser ones always pass)."""
        return self._origins.allows(origin)

    async def on_ws_connect(self, context: RequestContext) -> UnsetType | dict[str, object] | None:
        """WebSocket clients send `{"Authorization": "Bearer …"}` in connection_init."""
        await admit(context, self._sockets)
        unset: UnsetType = strawberry.UNSET
        return unset


def create_app(
    store_factory: Callable[[], Awaitable[Datastore]],
    settings: Settings | None = None,
    *,
    on_startup: Callable[[Datastore], Awaitable[None]] | None = None,
    close_store: bool = True,
    live_updates: bool = False,
    graphiql_dir: Path = ASSETS_DIR,
    tracer_provider: TracerProvider | None = None,
) -> Starlette:
    """The gateway; `store_factory` connects at startup and the store is closed at shutdown.

    `live_updates` opens the change stream at startup (`serve` does); otherwise it
    opens with the first subscription. `graphiql_dir` holds the built GraphiQL assets;
    `app.state.graphiql_api_key` (set by `serve` for its dev key) is shown in dev mode.
    `tracer_provider` turns tracing on with that provider (else the OTEL_* environment
    and `MONGRAPH_OTEL` decide, see docs/operations.md).
    """
    settings = settings or get_settings()
    state: dict[str, Any] = {}
    telemetry = Telemetry(
        settings,
        pool=lambda: state["store"].monitor.pool if "store" in state else None,
        subscriptions=lambda: state["hub"].subscription_count if "hub" in state else None,
        tracer_provider=tracer_provider,
    )

    def store_of() -> Datastore:
        store: Datastore = state["store"]
        return store

    def hub_of() -> Hub:
        hub: Hub = state["hub"]
        return hub

    async def prepare(store: Datastore, hub: Hub) -> None:
        if on_startup is not None:
            await on_startup(store)
        if live_updates:
            await asyncio.wait_for(hub.start(), settings.mongraph_db_timeout)

    async def prepare_when_reachable(store: Datastore, hub: Hub) -> None:
        while True:
            await asyncio.sleep(STARTUP_RETRY_SECONDS)
            try:
                await prepare(store, hub)
            except Exception as error:
                if not _unreachable(error):
                    log.exception("startup failed; the gateway stays unready")
                    return
                continue
            log.info("the database is reachable; the gateway is ready")
            state["ready"] = True
            return

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        tune_collector(settings.mongraph_gc_threshold)
        store = state["store"] = await store_factory()
        store.monitor.attach(telemetry)
        hub = state["hub"] = app.state.hub = Hub(
            lambda token: watch_chat(store, resume_after=token),
            SubscriptionLimits(
                per_viewer=settings.mongraph_max_subscriptions_per_viewer,
                per_process=settings.mongraph_max_subscriptions,
            ),
        )
        state["ready"] = False
        retry: asyncio.Task[None] | None = None
        try:
            await prepare(store, hub)
            state["ready"] = True
        except Exception as error:
            if not _unreachable(error):
                raise
            # Start anyway: /readyz says 503 and requests fail fast with
            # SERVICE_UNAVAILABLE until the database answers; no restart needed.
            log.warning("the database is unreachable; retrying in the background")
            retry = asyncio.create_task(prepare_when_reachable(store, hub))
        try:
            yield
        finally:
            if retry is not None:
                retry.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await retry
            await state.pop("hub").close()
            state.pop("store")
            store.monitor.detach(telemetry)
            if close_store:
                await store.close()
            telemetry.shutdown()

    async def healthz(_: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def readyz(_: Request) -> Response:
        if state.get("ready") and await store_of().ping(settings.mongraph_db_timeout):
            hub: Hub = state["hub"]
            return JSONResponse({"status": "ready", "subscriptions": hub.subscription_count})
        return JSONResponse({"status": "unavailable"}, status_code=503)

    origins = OriginPolicy(
        parse_origins(settings.mongraph_cors_origins), loopback=settings.mongraph_dev
    )
    graphql = GraphQLApp(store_of, hub_of, settings, GraphiQLPage(graphiql_dir), origins)
    routes = [
        Route("/", lambda _: RedirectResponse("/graphql")),  # where a browser lands first
        Route("/graphql", graphql, methods=["GET", "POST"]),
        WebSocketRoute("/graphql", graphql),
        Route("/healthz", healthz),
        Route("/readyz", readyz),
    ]
    if graphiql_dir.is_dir():
        routes.append(Mount(ASSETS_PATH, assets_app(graphiql_dir)))
    metrics = telemetry.metrics
    if metrics is not None and (settings.mongraph_dev or settings.mongraph_metrics_token):
        routes.append(Route("/metrics", metrics_page(metrics, settings.mongraph_metrics_token)))
    cross_origin = [Middleware(CrossOrigin, policy=origins)] if origins.enabled else []
    return Starlette(
        routes=routes,
        lifespan=lifespan,
        exception_handlers={MalformedRequest: malformed},
        middleware=[
            *cross_origin,
            Middleware(RequestObserver, telemetry=telemetry, paths=frozenset({"/graphql"})),
            Middleware(
                BodyReader,
                max_bytes=settings.mongraph_max_body_bytes,
                timeout=settings.mongraph_body_timeout,
            ),
        ],
    )
