"""Starlette app factory: /graphql (HTTP, GraphiQL), /healthz, /readyz, /metrics."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route, WebSocketRoute

from .collector import tune_collector
from .config import Settings, get_settings
from .datastore.changes import watch_chat
from .datastore.client import Datastore
from .datastore.errors import is_unavailable
from .graphiql import ASSETS_DIR, ASSETS_PATH, GraphiQLPage, assets_app
from .graphql_view import GraphQLApp
from .http_refusals import (
    BodyReader,
    MalformedRequest,
    malformed,
)
from .live import Hub, SubscriptionLimits
from .observability import Telemetry
from .observability.exposition import metrics_page
from .observability.middleware import RequestObserver
from .origins import CrossOrigin, OriginPolicy, parse_origins

if TYPE_CHECKING:
    from opentelemetry.trace import TracerProvider


__all__ = ["create_app"]

log = logging.getLogger("mongraph")
STARTUP_RETRY_SECONDS = 1.0


def _unreachable(error: BaseException) -> bool:
    return is_unavailable(error) or isinstance(error, TimeoutError)


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
    routes = [  # /graphql first: the router tries the routes in order, for every request
        Route("/graphql", graphql, methods=["GET", "POST"]),
        WebSocketRoute("/graphql", graphql),
        Route("/", lambda _: RedirectResponse("/graphql")),  # where a browser lands first
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
