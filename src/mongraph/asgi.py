"""The gateway as an ASGI app factory for process managers.

    MONGODB_URI=mongodb://db:27017/?replicaSet=rs0 \\
        uvicorn --factory mongraph.asgi:create_gateway --workers 4 \\
            --loop mongraph.stack_room:new_event_loop --ws-max-size 1000000

`mongraph serve --workers N` runs it this way (the loop keeps each request's frames clear of
CPython's stack-chunk churn: mongraph/stack_room.py). Settings come from the environment;
MONGODB_URI is required (no embedded server in a worker). `--ws-max-size` is
`MONGRAPH_MAX_BODY_BYTES` (`serve` passes it; the app refuses bigger frames either way).
A worker does not migrate: it refuses to start unless the database is at this code's
migration version.
"""

from __future__ import annotations

from starlette.applications import Starlette

from .app import create_app
from .config import get_settings
from .datastore.client import Datastore
from .datastore.migrate import migration_status
from .observability.logs import configure_logging

__all__ = ["create_gateway"]


def create_gateway() -> Starlette:
    settings = get_settings()
    configure_logging(settings.mongraph_log_format)  # a worker process starts without any
    uri = settings.mongodb_uri
    if not uri:
        raise RuntimeError("MONGODB_URI is required: a worker does not start a database")
    refusal = settings.refusal_to_serve()
    if refusal is not None:
        raise RuntimeError(refusal)

    async def connect() -> Datastore:
        return Datastore.for_settings(uri, settings)

    async def check_version(store: Datastore) -> None:
        (await migration_status(store)).check()

    return create_app(connect, settings, on_startup=check_version, live_updates=True)
