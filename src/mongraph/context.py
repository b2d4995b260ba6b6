"""What every resolver of one request can reach: the viewer, the loaders, the datastore."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from . import auth
from .auth import KeyCache, Viewer
from .config import Settings
from .datastore.client import Datastore
from .datastore.repository import Scope
from .errors import DomainError, Unauthenticated
from .live import Hub
from .loaders import Loaders

if TYPE_CHECKING:
    from .socket_slots import SocketSlot

__all__ = ["RequestContext"]


def _no_hub() -> Hub:
    raise RuntimeError("live updates are not available here")


@dataclass
class RequestContext:
    store: Datastore
    settings: Settings
    viewer_or_none: Viewer | None
    auth_error: DomainError | None = None
    """Set when credentials were sent but rejected: every operation fails with it."""
    request: Any = None
    response: Any = None
    authorization: str | None = None
    """The credentials sent (`Authorization` header, or a WebSocket's connection_init)."""
    authenticated: bool = False
    connection_params: dict[str, Any] | None = None
    """The payload of a WebSocket's `connection_init` (set by Strawberry)."""
    hub: Callable[[], Hub] = field(default=_no_hub)
    keys: KeyCache | None = None
    """Recently authenticated keys of this process (no database lookup for them)."""
    socket: bool = False
    """A WebSocket connection's context: each of its operations runs in `for_operation()`."""
    over_websocket: bool = False
    """Whether the operation came over a WebSocket (its connection's and each operation's)."""
    socket_slot: SocketSlot | None = None
    """The connection's place among its account's open sockets (released when it closes)."""
    wrote: bool = False
    """Whether a mutation of this request ran (`resolvers.common.attempt`): reads after it
    (a payload's `query { viewer }`) see the viewer's account as the write left it."""
    _loaders: Loaders | None = field(default=None, init=False, repr=False)

    @property
    def loaders(self) -> Loaders:
        """This request's loaders, made when first used (most small requests load nothing
        through them), bound to the viewer's read scope; nobody's before authentication."""
        if self._loaders is None:
            viewer = self.viewer_or_none
            scope = Scope.nobody() if viewer is None else viewer.read_scope
            self._loaders = Loaders(self.store, scope)
        return self._loaders

    def release(self) -> None:
        """When an HTTP operation has executed: its documents, request and response let go.
        graphql-core's executor is a reference cycle that holds this context, so whatever
        the context holds would otherwise wait for the cyclic collector."""
        if self._loaders is not None:
            self._loaders.clear()
        if not self.socket:  # a connection's context lives on with its socket
            self.request = self.response = None

    def for_operation(self) -> RequestContext:
        """A fresh context for one operation of this connection, as an HTTP request gets:
        its credentials authenticated again (through the key cache), its own loaders."""
        return replace(  # its loaders made anew when first used
            self,
            viewer_or_none=None,
            auth_error=None,
            authenticated=False,
            socket=False,
            socket_slot=None,
        )

    def refuse_repeated_credentials(self, headers: list[str]) -> None:
        """Two `Authorization` headers (a proxy that appends its own): the gateway would
        pick one and the proxy may believe the other, so neither is trusted."""
        if len(headers) > 1:
            self.authenticated = True
            self.auth_error = Unauthenticated(
                f"send one Authorization header; this request has {len(headers)}"
            )

    async def authenticate(self) -> None:
        """Resolves `authorization` to the viewer once (a database lookup), before execution."""
        if self.authenticated:
            return
        self.authenticated = True
        try:
            viewer = await auth.authenticate(self.store, self.authorization, self.keys)
        except DomainError as error:
            self.auth_error = error
            return
        self.viewer_or_none = viewer
        if viewer is not None:
            self._loaders = None  # any made before: nobody's scope; the next are the viewer's

    @property
    def viewer(self) -> Viewer:
        """The authenticated viewer; the credentials' refusal, or `UNAUTHENTICATED` without."""
        if self.auth_error is not None:
            raise self.auth_error
        if self.viewer_or_none is None:
            raise Unauthenticated("authentication required: send `Authorization: Bearer <api key>`")
        return self.viewer_or_none
