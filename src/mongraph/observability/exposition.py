"""`GET /metrics`: the Prometheus page, for whoever holds `MONGRAPH_METRICS_TOKEN`.

Without a token the page is served only in development (`create_app` leaves the route
out otherwise): operation names, error counts and pool states are nobody else's business.
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable

from prometheus_client import CONTENT_TYPE_LATEST
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from .metrics import Metrics

__all__ = ["metrics_page"]


def metrics_page(metrics: Metrics, token: str | None) -> Callable[[Request], Awaitable[Response]]:
    """The endpoint; with a `token`, only `Authorization: Bearer <token>` reads it."""
    expected = f"Bearer {token}".encode() if token else None

    async def page(request: Request) -> Response:
        if expected is not None:
            sent = request.headers.get("authorization", "").encode()
            if not hmac.compare_digest(sent, expected):
                return PlainTextResponse(
                    "send Authorization: Bearer <MONGRAPH_METRICS_TOKEN>\n",
                    status_code=401,
                    headers={"WWW-Authenticate": 'Bearer realm="metrics"'},
                )
        return Response(metrics.render(), media_type=CONTENT_TYPE_LATEST)

    return page
