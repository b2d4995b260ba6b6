"""The database a command works on: MONGODB_URI, or the embedded server for its duration."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import TYPE_CHECKING

from .config import Settings

if TYPE_CHECKING:
    from .datastore.client import Datastore

__all__ = ["connected", "database_uri"]


@contextmanager
def database_uri(settings: Settings, stop_grace: float = 15.0) -> Iterator[tuple[str, bool]]:
    """`(uri, embedded)`: MONGODB_URI when set, else the embedded server (started or attached,
    and stopped with `stop_grace` seconds to shut down before it is killed)."""
    if settings.mongodb_uri:
        yield settings.mongodb_uri, False
        return
    from .embedded import EmbeddedServer

    server = EmbeddedServer(settings.mongraph_data_dir)
    try:
        yield server.start(), True
    finally:
        server.stop(stop_grace)


@asynccontextmanager
async def connected(settings: Settings, uri: str) -> AsyncIterator[Datastore]:
    from .datastore.client import Datastore

    store = Datastore.for_settings(uri, settings)
    try:
        yield store
    finally:
        await store.close()
