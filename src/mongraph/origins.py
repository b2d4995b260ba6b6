"""Which browser origins may call the gateway: one rule for CORS and WebSocket handshakes.

The gateway authenticates with bearer keys, never cookies, so an allowed origin gains no
ambient credentials; the rule still keeps pages on other origins from using a key they
happen to hold in the browser. Non-browser clients send no `Origin` and are not affected.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp
from typing_extensions import override

__all__ = ["CrossOrigin", "OriginPolicy", "parse_origins"]

_ORIGIN = re.compile(r"https?://[^/\s]+")
_LOOPBACK = re.compile(r"http://(localhost|127\.0\.0\.1|\[::1\])(:\d{1,5})?")


def parse_origins(text: str) -> tuple[str, ...]:
    """`MONGRAPH_CORS_ORIGINS`: comma-separated `scheme://host[:port]`, or `*` for any."""
    origins = tuple(o.strip().rstrip("/").lower() for o in text.split(",") if o.strip())
    for origin in origins:
        if origin != "*" and _ORIGIN.fullmatch(origin) is None:
            raise ValueError(f"not an origin (scheme://host[:port]): {origin!r}")
    return origins


class OriginPolicy:
    """The listed origins (any, with `*`), and in development any loopback page (a Vite
    or webpack dev server on http://localhost:5173)."""

    def __init__(self, listed: Iterable[str], *, loopback: bool) -> None:
        self._listed = frozenset(listed)
        self._any = "*" in self._listed
        self._loopback = loopback

    @property
    def enabled(self) -> bool:
        return bool(self._listed) or self._loopback

    def allows(self, origin: str) -> bool:
        origin = origin.lower()
        return (
            self._any
            or origin in self._listed
            or (self._loopback and _LOOPBACK.fullmatch(origin) is not None)
        )


class CrossOrigin(CORSMiddleware):
    """Starlette's CORS (preflights answered, `Access-Control-Allow-Origin` echoed for an
    allowed origin, `Vary: Origin`), deciding by the policy. No credentials: keys travel
    in `Authorization`, which preflights allow like any request header."""

    def __init__(self, app: ASGIApp, policy: OriginPolicy) -> None:
        super().__init__(
            app,
            allow_methods=("GET", "POST"),
            allow_headers=("*",),
            max_age=600,
        )
        self._policy = policy

    @override
    def is_allowed_origin(self, origin: str) -> bool:
        return self._policy.allows(origin)
