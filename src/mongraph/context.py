"""What every resolver of one request can reach: the viewer, the loaders, the datastore."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .auth import Viewer
from .config import Settings
from .datastore.client import Datastore
from .errors import DomainError, Unauthenticated
from .loaders import Loaders

__all__ = ["RequestContext"]


@dataclass
class RequestContext:
    store: Datastore
    settings: Settings
    loaders: Loaders
    viewer_or_none: Viewer | None
    auth_error: DomainError | None = None
    """Set when credentials were sent but rejected: every operation fails with it."""
    request: Any = None
    response: Any = None
    extras: dict[str, Any] = field(default_factory=dict)

    @property
    def viewer(self) -> Viewer:
        """The authenticated viewer; `UNAUTHENTICATED` without credentials."""
        if self.viewer_or_none is None:
            raise Unauthenticated("authentication required: send `Authorization: Bearer <api key>`")
        return self.viewer_or_none
