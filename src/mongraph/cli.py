"""`mongraph` command line: serve | seed | export-schema | create-user | ensure-indexes |
migrate | purge-expired."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from .cli_connection import connected, database_uri
from .cli_db import add_commands, prepare_database, run_migrate, run_purge
from .config import Settings, get_settings

if TYPE_CHECKING:
    from .datastore.client import Datastore

__all__ = ["main"]

log = logging.getLogger("mongraph")
DATABASE_GRACE = 0.5
"""Seconds the embedded database gets to stop once the gateway has (Ctrl+C reached it
too; its journal covers a kill)."""


def _export_schema(args: argparse.Namespace) -> int:
    from .api.schema import export_sdl

    sdl = export_sdl()
    if args.output:
        Path(args.output).write_text(sdl)
    else:
        sys.stdout.write(sdl)
    return 0


def _ensure_indexes(settings: Settings) -> int:
    from .datastore.indexes import ensure_indexes

    async def run(uri: str) -> None:
        async with connected(settings, uri) as store:
            names = await ensure_indexes(store)
            print(f"{len(names)} indexes in place")

    with database_uri(settings) as (uri, _):
        asyncio.run(run(uri))
    return 0


def _migrates(settings: Settings, embedded: bool) -> bool:
    """Whether a command applies pending migrations itself: always on the embedded
    (development) database, on MONGODB_URI only with MONGRAPH_MIGRATE_ON_START=1."""
    return embedded or settings.mongraph_migrate_on_start


def _refused(error: Exception) -> int:
    print(f"error: {error}", file=sys.stderr)
    return 1


def _seed(settings: Settings) -> int:
    from .datastore.migrate import MigrationError
    from .seed import seed_demo_data

    async def run(uri: str, embedded: bool) -> None:
        async with connected(settings, uri) as store:
            await prepare_database(store, migrate=_migrates(settings, embedded))
            created = await seed_demo_data(store)
            print("demo data created" if created else "demo data already present")

    with database_uri(settings) as (uri, embedded):
        try:
            asyncio.run(run(uri, embedded))
        except MigrationError as error:
            return _refused(error)
    return 0


def _create_user(settings: Settings, args: argparse.Namespace) -> int:
    from .auth import make_api_key
    from .datastore import users
    from .datastore.documents import IdentityDoc, utcnow
    from .datastore.migrate import MigrationError
    from .errors import DomainError
    from .schema.ids import encode_global_id

    roles = ["USER", "ADMIN"] if args.admin else ["USER"]
    name = args.display_name.strip()
    if not 1 <= len(name) <= 200:
        print("error: --display-name must be 1 to 200 characters", file=sys.stderr)
        return 2
    service_platform = None
    if args.service:
        if args.admin or args.external_id or not args.platform:
            print("error: --service takes --platform alone (not --admin)", file=sys.stderr)
            return 2
        roles, service_platform = ["USER", "SERVICE"], args.platform
    elif bool(args.platform) != bool(args.external_id):
        print("error: give --platform and --external-id together", file=sys.stderr)
        return 2
    identity = None
    if args.external_id:
        if not 1 <= len(args.external_id) <= 256:
            print("error: --external-id must be 1 to 256 characters", file=sys.stderr)
            return 2
        identity = IdentityDoc(
            platform=args.platform, external_id=args.external_id, verified_at=utcnow()
        )

    async def run(uri: str, embedded: bool) -> str:
        async with connected(settings, uri) as store:
            await prepare_database(store, migrate=_migrates(settings, embedded))
            key = make_api_key("cli")
            user = await users.create_user(
                store,
                display_name=name,
                roles=roles,
                key=key.doc,
                identity=identity,
                service_platform=service_platform,
            )
            global_id = encode_global_id("User", user.id)  # what every `id:` argument takes
            print(f"created user {global_id} ({name}, roles: {', '.join(roles)})")
            return key.secret

    with database_uri(settings) as (uri, embedded):
        try:
            secret = asyncio.run(run(uri, embedded))
        except DomainError as error:
            print(f"error: {error.message}", file=sys.stderr)
            return 1
        except MigrationError as error:
            return _refused(error)
    print(secret)
    return 0


def port_taken(host: str, port: int) -> str | None:
    """Why `host:port` cannot be listened on (in use, no such address), or None if it can."""
    import socket

    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as error:
        return f"unknown host ({error.strerror})"
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds
        try:
            probe.bind(address)
        except OSError as error:
            return f"{error.strerror or error}; pick another with --port (make run PORT=8001)"
    return None


def _serve(settings: Settings, args: argparse.Namespace) -> int:
    import os

    import uvicorn

    from .app import create_app
    from .datastore.client import Datastore
    from .datastore.errors import is_unavailable
    from .datastore.migrate import MigrationError
    from .observability.logs import configure_logging
    from .seed import ensure_dev_key, seed_demo_data
    from .serving import uvicorn_options

    refusal = settings.refusal_to_serve()
    if refusal is not None:
        return _refused(ValueError(refusal))
    configure_logging(settings.mongraph_log_format)
    taken = port_taken(args.host, args.port)
    if taken is not None:  # before the database, the banner and the key: one plain line
        print(f"error: cannot listen on {args.host}:{args.port}: {taken}", file=sys.stderr)
        return 1
    with database_uri(settings, stop_grace=DATABASE_GRACE) as (uri, embedded):

        async def prepare() -> str | None:
            """Checks (or migrates) the database; on the embedded one, the demo data and key."""
            async with connected(settings, uri) as store:
                await prepare_database(store, migrate=_migrates(settings, embedded))
                if not embedded:
                    return None
                await seed_demo_data(store)
                secret = await ensure_dev_key(store, settings.mongraph_data_dir)
                print(
                    f"\n  GraphiQL: http://{args.host}:{args.port}/graphql\n"
                    f'  Header:   {{"Authorization": "Bearer {secret}"}}\n',
                    flush=True,
                )
                return secret

        dev_key: str | None = None
        prepared = True
        try:  # before uvicorn, so that a refusal is one clear line and a nonzero exit
            dev_key = asyncio.run(prepare())
        except MigrationError as error:
            return _refused(error)
        except Exception as error:
            if not is_unavailable(error):
                raise
            # Serve anyway (/readyz 503); the version check runs once the database answers.
            log.warning("the database is unreachable; serving and retrying")
            prepared = False

        if args.workers > 1:
            os.environ["MONGODB_URI"] = uri  # the workers attach to this database
            uvicorn.run(
                "mongraph.asgi:create_gateway",
                factory=True,
                workers=args.workers,
                host=args.host,
                port=args.port,
                **uvicorn_options(settings, workers=True),  # each worker sets up logging
            )
            return 0

        async def connect() -> Datastore:
            return Datastore.for_settings(uri, settings)

        async def check_version(store: Datastore) -> None:
            """The database was unreachable before uvicorn: check it once it answers."""
            await prepare_database(store, migrate=_migrates(settings, embedded))

        startup = None if prepared else check_version
        app = create_app(connect, settings, on_startup=startup, live_updates=True)
        app.state.graphiql_api_key = dev_key  # shown in GraphiQL in dev mode only
        uvicorn.run(
            app,
            host=args.host,
            port=args.port,
            **uvicorn_options(settings),
        )
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="mongraph", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="run the gateway")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument(
        "--workers", type=int, default=1, help="worker processes (each its own pool and stream)"
    )
    commands.add_parser("seed", help="load demo data (idempotent)")
    export = commands.add_parser("export-schema", help="print the SDL (or write it to a file)")
    export.add_argument("--output", "-o")
    user = commands.add_parser("create-user", help="create a user; prints its API key last")
    user.add_argument("--display-name", required=True)
    user.add_argument("--admin", action="store_true")
    user.add_argument(
        "--service", action="store_true", help="a SERVICE account for --platform (a bot)"
    )
    user.add_argument("--platform", choices=["TELEGRAM", "DISCORD", "WEB", "EMAIL"])
    user.add_argument("--external-id", help="the identity's id on --platform (linked, verified)")
    commands.add_parser("ensure-indexes", help="create the indexes (idempotent)")
    add_commands(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO, stream=sys.stderr, format="%(levelname)s %(name)s %(message)s"
    )
    if args.command == "export-schema":
        return _export_schema(args)
    settings = get_settings()
    if args.command == "serve":
        return _serve(settings, args)
    if args.command == "seed":
        return _seed(settings)
    if args.command == "create-user":
        return _create_user(settings, args)
    if args.command == "migrate":
        return run_migrate(settings, args)
    if args.command == "purge-expired":
        return run_purge(settings, args)
    return _ensure_indexes(settings)


if __name__ == "__main__":
    raise SystemExit(main())
