"""Settings read from the environment (and `.env`), validated by pydantic."""

from __future__ import annotations

import re
from datetime import timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from .origins import parse_origins

__all__ = ["DEV_CURSOR_SECRET", "Settings", "format_duration", "get_settings", "parse_duration"]

DEV_CURSOR_SECRET = "mongraph-dev-cursor-secret"
_DURATION = re.compile(r"^\s*(\d+)\s*([smhdw])\s*$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def parse_duration(text: str) -> timedelta:
    """`"30d"`, `"12h"`, `"90m"`, `"45s"`, `"2w"` as a positive timedelta (ValueError otherwise)."""
    match = _DURATION.match(text)
    if match is None or int(match[1]) == 0:
        raise ValueError(f"not a positive duration like 30d, 12h, 90m: {text!r}")
    return timedelta(**{_UNITS[match[2]]: int(match[1])})


def format_duration(duration: timedelta) -> str:
    """`timedelta(days=30)` as "30 days", in the largest unit that divides it exactly."""
    seconds = int(duration.total_seconds())
    for unit, size in (("week", 604_800), ("day", 86_400), ("hour", 3600), ("minute", 60)):
        if seconds >= size and seconds % size == 0:
            count = seconds // size
            return f"{count} {unit}{'s' if count != 1 else ''}"
    return f"{seconds} second{'s' if seconds != 1 else ''}"


class Settings(BaseSettings):
    """Gateway configuration.

    Example: ``MONGODB_URI=mongodb://db:27017/?replicaSet=rs0 mongraph serve``.
    """

    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    mongodb_uri: str | None = Field(
        default=None,
        description="MongoDB connection string; unset starts the embedded server.",
    )
    mongraph_db: str = Field(default="mongraph", description="Database name.")
    mongraph_data_dir: Path = Field(
        default=Path(".mongraph-data"),
        description="Where the embedded server keeps its files.",
    )
    mongraph_db_timeout: float = Field(
        default=5.0,
        gt=0,
        le=600,
        description="Seconds a request may wait for the database before SERVICE_UNAVAILABLE.",
    )
    mongraph_cursor_secret: str = Field(
        default=DEV_CURSOR_SECRET,
        description="Key that signs pagination cursors; `serve` on MONGODB_URI refuses to "
        "start with the public default unless MONGRAPH_DEV=1.",
    )
    mongraph_public_url: str = Field(
        default="http://127.0.0.1:8000",
        description="The app's public origin: the domain and URI wallet owners are asked to "
        "sign for (EIP-4361).",
    )
    mongraph_dev: bool = Field(
        default=False,
        description="Developer mode: field suggestions; GraphiQL shows the embedded dev key.",
    )
    mongraph_introspection: bool = Field(default=True, description="Serve introspection.")
    mongraph_cors_origins: str = Field(
        default="",
        description="Browser origins (comma-separated `scheme://host[:port]`, or `*`) whose "
        "pages may call /graphql over HTTP (CORS) and open its WebSocket; in development "
        "(MONGRAPH_DEV=1) any loopback origin too.",
    )
    mongraph_max_depth: int = Field(default=12, ge=1, description="Deepest field nesting.")
    mongraph_max_aliases: int = Field(default=15, ge=0, description="Aliases per document.")
    mongraph_max_tokens: int = Field(default=2000, ge=10, description="Tokens per document.")
    mongraph_max_directives: int = Field(default=50, ge=0, description="Directives per document.")
    mongraph_max_cost: int = Field(default=200_000, ge=1, description="Cost budget per operation.")
    mongraph_max_introspection_depth: int = Field(
        default=16,
        ge=1,
        description="Deepest field nesting under `__schema` / `__type` (the standard "
        "introspection query needs 15: its TypeRef fragment nests `ofType` nine times).",
    )
    mongraph_max_visits: int = Field(
        default=10_000,
        ge=1,
        description="Selections the cost analysis may look at per operation (each fragment "
        "is looked at once, so this is far above any document within the token limit).",
    )
    mongraph_key_cache_seconds: float = Field(
        default=1.0,
        ge=0,
        description="How long an authenticated API key is trusted without a database lookup "
        "(so revoking a key takes effect within it); 0 turns the cache off.",
    )
    mongraph_gc_threshold: int = Field(
        default=50_000,
        ge=0,
        description="Allocations between collections of the garbage collector's young "
        "generation (Python's default: 700), and of the middle one every 100 young "
        "collections (default: 10); objects alive at startup are frozen out of "
        "collections. 0 leaves Python's schedule alone.",
    )
    mongraph_execution: Literal["compiled", "graphql-core", "differential"] = Field(
        default="compiled",
        description="How operations execute: `compiled` (each field compiled once into a plan, "
        "see docs/architecture.md), `graphql-core` (its interpreter, the reference), or "
        "`differential` (tests: each query runs both ways and must give the same JSON).",
    )
    mongraph_max_body_bytes: int = Field(
        default=1_000_000, ge=1024, description="Largest accepted request body (else HTTP 413)."
    )
    mongraph_header_timeout: float = Field(
        default=10.0,
        gt=0,
        le=600,
        description="Seconds a request's headers may take from its first byte (from the "
        "connection's opening for the first request); then 408 and the connection closes.",
    )
    mongraph_body_timeout: float = Field(
        default=30.0,
        gt=0,
        le=3600,
        description="Seconds a request's body may take to arrive once its headers are in; "
        "then 408 and the connection closes.",
    )
    mongraph_max_connections: int = Field(
        default=1000,
        ge=1,
        description="Open connections and requests in progress per process (WebSockets "
        "included); beyond it new requests are answered 503 at once.",
    )
    mongraph_ws_init_timeout: float = Field(
        default=10.0,
        gt=0,
        le=600,
        description="Seconds a WebSocket may stay open before its `connection_init` "
        "(either protocol); then it is closed (4408).",
    )
    mongraph_shutdown_grace: float = Field(
        default=5.0,
        ge=0,
        le=600,
        description="Seconds a stopping gateway (SIGTERM, Ctrl+C) gives requests in flight "
        "and open connections to finish before it closes them.",
    )
    mongraph_max_sockets_per_viewer: int = Field(
        default=20, ge=1, description="Open WebSockets per account, per process."
    )
    mongraph_max_subscriptions_per_viewer: int = Field(
        default=100,
        ge=1,
        description="Live subscriptions per account, per process (else TOO_MANY_SUBSCRIPTIONS).",
    )
    mongraph_max_subscriptions: int = Field(
        default=10_000,
        ge=1,
        description="Live subscriptions per process, all accounts together "
        "(else TOO_MANY_SUBSCRIPTIONS).",
    )
    mongraph_migrate_on_start: bool = Field(
        default=False,
        description="`serve` applies pending migrations before it starts (under the lock).",
    )
    mongraph_retention: timedelta = Field(
        default=timedelta(days=30),
        description="How long soft-deleted trees are kept before `purge-expired` removes them.",
    )
    mongraph_change_retention: timedelta = Field(
        default=timedelta(days=7),
        description="How long each change stays in the change log that `projectChanges` and "
        "`conversationChanges` resume from; an older cursor is refused (refetch instead).",
    )

    mongraph_trusted_documents: Path | None = Field(
        default=None,
        description="A JSON manifest {sha256: document} of the app's operations, which "
        "clients may then send by `documentId` (GraphQL Code Generator's client preset "
        "writes it with `persistedDocuments`).",
    )
    mongraph_trusted_only: bool = Field(
        default=False,
        description="Run only the documents of MONGRAPH_TRUSTED_DOCUMENTS: any other is "
        "refused before it is parsed.",
    )
    mongraph_apq_max_documents: int = Field(
        default=10_000, ge=1, description="Automatic persisted queries kept (oldest go first)."
    )
    mongraph_apq_max_bytes: int = Field(
        default=16_000_000,
        ge=4096,
        description="Bytes of automatic persisted queries kept (oldest go first).",
    )

    mongraph_metrics: bool = Field(
        default=True, description="Serve Prometheus metrics on /metrics."
    )
    mongraph_metrics_token: str | None = Field(
        default=None,
        description="Bearer token that /metrics requires. Unset: /metrics is served only "
        "in development (MONGRAPH_DEV=1), without a token.",
    )
    mongraph_metrics_max_operations: int = Field(
        default=100,
        ge=1,
        description="Distinct operation names labelled in metrics; later ones count as `other`.",
    )
    mongraph_request_log: bool = Field(default=True, description="One log line per request.")
    mongraph_log_format: Literal["json", "text"] = Field(
        default="json", description="`serve`'s log lines: JSON objects or text."
    )
    mongraph_otel: bool = Field(
        default=False,
        description="OpenTelemetry tracing (the `otel` extra); also on when "
        "OTEL_EXPORTER_OTLP_ENDPOINT is set.",
    )

    def refusal_to_serve(self) -> str | None:
        """Why `serve` must not start with these settings, if it must not: on a real
        database (MONGODB_URI) outside development, cursors signed with the public
        default key could be forged by anyone."""
        public = self.mongraph_cursor_secret in ("", DEV_CURSOR_SECRET)
        if self.mongodb_uri and public and not self.mongraph_dev:
            return (
                "MONGRAPH_CURSOR_SECRET is unset or the public default: set it to a long "
                "random value (e.g. `openssl rand -hex 32`), or MONGRAPH_DEV=1 for development"
            )
        return None

    @field_validator("mongraph_retention", "mongraph_change_retention", mode="before")
    @classmethod
    def _retention_is_a_duration(cls, value: Any) -> Any:
        return parse_duration(value) if isinstance(value, str) else value

    @model_validator(mode="after")
    def _trusted_only_has_a_list(self) -> Settings:
        if self.mongraph_trusted_only and self.mongraph_trusted_documents is None:
            raise ValueError("MONGRAPH_TRUSTED_ONLY=1 needs MONGRAPH_TRUSTED_DOCUMENTS=<file>")
        return self

    @field_validator("mongraph_cors_origins")
    @classmethod
    def _origins_are_origins(cls, value: str) -> str:
        parse_origins(value)  # refused at startup, not at the first browser request
        return value

    @field_validator("mongraph_public_url")
    @classmethod
    def _public_url_is_an_origin(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc or parts.query:
            raise ValueError("an http(s) URL such as https://app.example.com")
        return value.rstrip("/")

    @field_validator("mongraph_db")
    @classmethod
    def _db_name_is_valid(cls, value: str) -> str:
        if not value or any(ch in value for ch in '/\\. "$') or len(value) > 63:
            raise ValueError("not a valid MongoDB database name")
        return value


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
