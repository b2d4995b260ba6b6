"""Strawberry's ASGI view with mongraph's request context, body checks, persisted
documents, JSON encoding and media types (HTTP), and the WebSocket entrance's admission."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import orjson
import strawberry
from cross_web import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.types import Receive, Send
from starlette.types import Scope as Scope_
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL, GRAPHQL_WS_PROTOCOL
from strawberry.types import ExecutionResult
from typing_extensions import override

from .api.schema import build_schema
from .auth import KeyCache
from .config import Settings
from .context import RequestContext
from .datastore.client import Datastore
from .errors import ErrorCode
from .framework import UnsetType, parse_content_type, streams_for
from .graphiql import CONTENT_SECURITY_POLICY, GraphiQLPage
from .http_refusals import (
    BODY,
    MalformedRequest,
    MutationOverGet,
    names_a_mutation,
)
from .live import Hub
from .media import GRAPHQL_RESPONSE, negotiate, prefers_graphql_response, request_error_status
from .observability import record_errors
from .origins import OriginPolicy
from .persisted import NamedRequest, PersistedOperations, Refused, document_id_in
from .socket_slots import SocketSlots
from .websocket import LegacyProtocolHandler, LimitedFrames, admit

if TYPE_CHECKING:
    from cross_web import AsyncHTTPRequestAdapter  # Strawberry's own dependency

    from .framework import BaseRequestProtocol

__all__ = ["GraphQLApp"]

_HEADER_PAIRS_KEPT = 256


def _plain_request(data: dict[str, Any]) -> bool:
    """A body Strawberry would take as it is: a string `query`, objects or nulls for
    `variables` and `extensions` (anything else goes through Strawberry's own checks)."""
    return (
        isinstance(data.get("query"), str)
        and isinstance(data.get("variables"), dict | None)
        and isinstance(data.get("extensions"), dict | None)
    )


class _ReadRequest(Request):
    """A request whose body `BodyReader` has read already (in the scope)."""

    @override
    async def body(self) -> bytes:
        read = self.scope.get(BODY)
        return read if isinstance(read, bytes) else await super().body()


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
        self._plain_json_seen: dict[tuple[str, str], bool] = {}

    @override
    async def __call__(self, scope: Scope_, receive: Receive, send: Send) -> None:
        """Strawberry answers the requests it refuses in plain text; these get GraphQL JSON."""
        if scope["type"] == "websocket":
            await self._serve_socket(WebSocket(scope, receive=receive, send=send))
            return
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        try:
            response = await self.run(_ReadRequest(scope, receive=receive))
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

    @override
    async def render_graphql_ide(self, request: Request) -> Response:
        """GraphiQL from local files; in dev mode with the `make run` key filled in."""
        dev_key = getattr(request.app.state, "graphiql_api_key", None)
        page = self._ide.render(
            request.url.path, api_key=dev_key if self._settings.mongraph_dev else None
        )
        return HTMLResponse(page, headers={"Content-Security-Policy": CONTENT_SECURITY_POLICY})

    @override
    def should_render_graphql_ide(self, request: BaseRequestProtocol) -> bool:
        """Not for a GET that names its document (a persisted query or a documentId)."""
        if not super().should_render_graphql_ide(request):
            return False  # a POST, at no cost (its query string is never parsed)
        return not {"documentId", "extensions"} & set(request.query_params)

    @override
    async def parse_http_body(
        self, request: AsyncHTTPRequestAdapter
    ) -> GraphQLRequestData | list[GraphQLRequestData]:
        if request.method == "POST" and self._plain_json(request.headers):
            data = self.parse_json(await request.get_body())
            if isinstance(data, dict) and _plain_request(data):
                return NamedRequest(
                    query=data["query"],
                    variables=data.get("variables"),
                    operation_name=data.get("operationName"),
                    extensions=data.get("extensions"),
                    protocol="http",
                    document_id=data.get("documentId"),
                )
        parsed = await super().parse_http_body(request)
        if isinstance(parsed, list):
            return parsed  # refused as a batch by Strawberry before it gets here
        document_id = await document_id_in(
            request.method, lambda: request.query_params, request.get_body
        )
        return NamedRequest(**vars(parsed), document_id=document_id)

    def _plain_json(self, headers: Mapping[str, str]) -> bool:
        """Whether a POST with these headers is a JSON body answered as one JSON response,
        as Strawberry's `parse_http_body` decides it: once per distinct pair of headers (it
        parses Content-Type with the `email` package and tries every stream on Accept)."""
        key = (headers.get("content-type") or "", headers.get("accept") or "")
        plain = self._plain_json_seen.get(key)
        if plain is None:
            plain = "application/json" in parse_content_type(key[0])[0] and not streams_for(
                self, key[1]
            )
            if len(self._plain_json_seen) < _HEADER_PAIRS_KEPT:
                self._plain_json_seen[key] = plain
        return plain

    @override
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

    @override
    async def process_result(
        self, request: Request, result: ExecutionResult
    ) -> GraphQLHTTPResponse:
        response = await super().process_result(request, result)
        wanted = prefers_graphql_response(request.headers.get("accept"))
        if wanted and request_error_status(result) is not None:
            response.pop("data", None)  # a request error: nothing was executed
        return response

    @override
    def create_response(
        self,
        response_data: GraphQLHTTPResponse | list[GraphQLHTTPResponse],
        sub_response: Response,
    ) -> Response:
        # Strawberry's, with orjson's bytes as the body: `encode_json`'s text would be
        # encoded again, two more copies of a big response (3 MB each for 10,000 clips).
        response = Response(orjson.dumps(response_data), media_type="application/json")
        response.raw_headers.extend(sub_response.raw_headers)  # no MutableHeaders views
        if sub_response.background:
            response.background = sub_response.background
        if sub_response.status_code:
            response.status_code = sub_response.status_code
        if sub_response.media_type == GRAPHQL_RESPONSE:
            response.headers["content-type"] = f"{GRAPHQL_RESPONSE}; charset=utf-8"
        return response

    @override
    def encode_json(self, data: object) -> str:
        # orjson: a tenth of json.dumps's time on a 10,000-clip response. Text, not bytes:
        # the WebSocket protocols send what this returns, and bytes go out as binary frames
        # (HTTP responses take orjson's bytes directly: `create_response`).
        return orjson.dumps(data).decode()

    @override
    def decode_json(self, data: str | bytes) -> object:
        # WebSocket frames: orjson's errors are JSONDecodeErrors (deep nesting included,
        # where json.loads raises RecursionError), which the protocols answer as bad JSON.
        return orjson.loads(data)

    @override
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

    @override
    async def get_context(self, request: Any, response: Any = None) -> RequestContext:
        store = self._store_of()
        over_websocket = isinstance(request, WebSocket)
        credentials = request.headers.getlist("authorization")
        context = RequestContext(
            store=store,
            settings=self._settings,
            viewer_or_none=None,
            authorization=credentials[0] if credentials else None,
            request=request,
            response=response,
            hub=self._hub_of,
            keys=self._keys,
            socket=over_websocket,
            over_websocket=over_websocket,
        )
        if not over_websocket:  # a socket's credentials come in its connection_init
            context.refuse_repeated_credentials(credentials)
        return context

    @override
    async def get_sub_response(self, request: Request | WebSocket) -> Response:
        """Strawberry's, built without the Content-Length it then deletes (a 204 has none)."""
        sub_response = Response(status_code=204)
        sub_response.status_code = None  # type: ignore[assignment]  # as Strawberry's: unset
        return sub_response

    @override
    def is_websocket_origin_allowed(self, request: Any, origin: str) -> bool:
        """A cross-origin handshake (same-origin and non-browser ones always pass)."""
        return self._origins.allows(origin)

    @override
    async def on_ws_connect(self, context: RequestContext) -> UnsetType | dict[str, object] | None:
        """WebSocket clients send `{"Authorization": "Bearer …"}` in connection_init."""
        await admit(context, self._sockets)
        unset: UnsetType = strawberry.UNSET
        return unset
