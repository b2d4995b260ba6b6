"""Database maintenance commands: `migrate`, `purge-expired`, and the version check that
`serve`, `seed` and `create-user` make before they touch the database."""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, TextIO

from .config import Settings, format_duration, parse_duration

if TYPE_CHECKING:
    from .datastore.client import Datastore
    from .datastore.migrate import Migration

__all__ = ["ProgressPrinter", "add_commands", "prepare_database", "run_migrate", "run_purge"]


class ProgressPrinter:
    """Prints `label: done/total (pct%)`: the first and last report, and at most one a second
    in between, one line each (readable in logs, not only on a terminal)."""

    def __init__(self, out: TextIO | None = None, every: float = 1.0) -> None:
        self.out = out
        self.every = every
        self._last = 0.0

    def __call__(self, label: str, done: int, total: int) -> None:
        now = time.monotonic()
        if 0 < done < total and now - self._last < self.every:
            return
        self._last = now
        percent = 100 if total == 0 else done * 100 // total
        out = self.out or sys.stdout
        print(f"  {label}: {done}/{total} ({percent}%)", file=out, flush=True)


def _announcer(out: TextIO, verb: str = "applying") -> Callable[[Migration], None]:
    def announce(migration: Migration) -> None:
        print(f"{verb} {migration.label}: {migration.description}", file=out, flush=True)

    return announce


async def prepare_database(store: Datastore, *, migrate: bool) -> None:
    """Applies pending migrations when `migrate`; then raises `DatabaseVersionError` unless
    the database is at exactly this code's version."""
    from .datastore.migrate import migrate_up, migration_status

    if migrate:
        # stderr: `serve` and `create-user` keep stdout for the key they print
        out = sys.stderr
        await migrate_up(store, progress=ProgressPrinter(out), on_start=_announcer(out))
    (await migration_status(store)).check()


async def _migrate(store: Datastore, args: argparse.Namespace) -> int:
    from .datastore.migrate import migrate_down, migrate_up, migration_status

    started = time.monotonic()
    if args.action == "up":
        done = await migrate_up(store, progress=ProgressPrinter(), on_start=_announcer(sys.stdout))
        verb = "applied"
    elif args.action == "down":
        done = await migrate_down(
            store,
            args.steps,
            progress=ProgressPrinter(),
            on_start=_announcer(sys.stdout, "undoing"),
        )
        verb = "undid"
    else:
        done = []
        verb = ""
    status = await migration_status(store)
    if args.action == "status":
        applied = {a.version: a for a in status.applied}
        for migration in status.known:
            record = applied.get(migration.version)
            when = (
                f"applied {record.applied_at:%Y-%m-%d %H:%M:%S}Z by {record.applied_by}"
                if record
                else "pending"
            )
            print(f"{migration.label:<28} {when}")
        for record in status.unknown:
            print(f"{record.version:04d} {record.name:<23} applied, unknown to this code")
    elif done:
        print(f"{verb} {len(done)} migration(s) in {time.monotonic() - started:.2f} s")
    else:
        print("nothing to do")
    print(
        f"database at version {status.current}; this code knows {status.latest}"
        + (f"; {len(status.pending)} pending" if status.pending else "")
    )
    return 0


def run_migrate(settings: Settings, args: argparse.Namespace) -> int:
    if args.action == "down" and (args.steps is None or args.steps < 1):
        print("error: `migrate down N` needs how many migrations to undo (≥ 1)", file=sys.stderr)
        return 2
    return _run(settings, lambda store: _migrate(store, args))


async def _purge(store: Datastore, settings: Settings, args: argparse.Namespace) -> int:
    from .datastore.retention import purge_expired

    older_than = args.older_than or settings.mongraph_retention
    verb = "would purge" if args.dry_run else "purged"
    deleted = f"trees soft-deleted more than {format_duration(older_than)} ago"
    print(
        f"dry run, nothing is deleted: counting {deleted}" if args.dry_run else f"purging {deleted}"
    )
    summary = await purge_expired(
        store,
        older_than=older_than,
        dry_run=args.dry_run,
        batch_size=args.batch_size,
        progress=ProgressPrinter(),
    )
    per_collection = ", ".join(f"{name} {n}" for name, n in summary.trees.items()) or "nothing"
    print(
        f"{verb} {summary.total_trees} tree(s), {summary.documents} document(s) "
        f"deleted before {summary.cutoff:%Y-%m-%d %H:%M:%S}Z: {per_collection}; "
        f"{summary.skipped} skipped (already purged elsewhere, or restored)"
    )
    return 0


def run_purge(settings: Settings, args: argparse.Namespace) -> int:
    async def checked(store: Datastore) -> int:
        await prepare_database(store, migrate=False)
        return await _purge(store, settings, args)

    return _run(settings, checked)


def _run(settings: Settings, command: Callable[[Datastore], Awaitable[int]]) -> int:
    from .cli_connection import connected, database_uri
    from .datastore.migrate import MigrationError

    async def run(uri: str) -> int:
        async with connected(settings, uri) as store:
            return await command(store)

    with database_uri(settings) as (uri, _):
        try:
            return asyncio.run(run(uri))
        except MigrationError as error:
            print(f"error: {error}", file=sys.stderr)
            return 1


def _duration(text: str) -> object:
    try:
        return parse_duration(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from error


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    migrate = commands.add_parser("migrate", help="apply, undo or list the migrations")
    migrate.add_argument("action", nargs="?", choices=["up", "down", "status"], default="status")
    migrate.add_argument("steps", nargs="?", type=int, help="down: how many migrations to undo")
    purge = commands.add_parser(
        "purge-expired", help="hard-delete soft-deleted trees older than the retention period"
    )
    purge.add_argument(
        "--older-than",
        type=_duration,
        help="e.g. 30d, 12h (default: MONGRAPH_RETENTION, 30d)",
    )
    purge.add_argument("--dry-run", action="store_true", help="count, delete nothing")
    purge.add_argument("--batch-size", type=int, default=100, help=argparse.SUPPRESS)
