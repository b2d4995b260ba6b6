"""The driver's command and connection-pool events, handed on without pymongo types.

`Datastore.connect` registers one `Monitor` on its client (listeners can only be
given when a client is created); the gateway attaches its observers to it at
startup. The pool counters live here, from the client's first connection on, so
they are right whenever an observer looks at them.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass
from typing import Any, Protocol

from pymongo import monitoring
from typing_extensions import override

__all__ = ["CommandObserver", "Monitor", "PoolState", "command_collection"]

# Connection handshakes and authentication: driver plumbing, not the application's work.
_IGNORED = frozenset({"hello", "ismaster", "isMaster", "saslStart", "saslContinue", "authenticate"})
NO_COLLECTION = "none"


class CommandObserver(Protocol):
    def command_started(self, key: Hashable, command: str, collection: str) -> None:
        """`key` identifies the command in the matching `command_ended` call."""

    def command_ended(self, key: Hashable, failure: str | None) -> None:
        """`failure` is the server's error code name (or "error") when the command failed."""


@dataclass
class PoolState:
    """Connections of every pool of the client (one pool per server)."""

    open: int = 0
    checked_out: int = 0
    waiting: int = 0
    checkout_failures: int = 0


def command_collection(command_name: str, command: Any) -> str | None:
    """The collection a command reads or writes; None when it has no single one.

    A database-level aggregate (`$documents` joined with `$lookup`) is labelled with the
    collection it joins when it joins only one: the loaders' per-parent child pages.
    """
    target = command.get(command_name)
    if isinstance(target, str):
        return target
    if command_name == "getMore":  # the target is the cursor id
        collection = command.get("collection")
        if isinstance(collection, str) and not collection.startswith("$cmd"):
            return collection  # "$cmd.aggregate": a database-level cursor (the change stream)
    if command_name == "aggregate":
        joined = {
            stage["$lookup"].get("from")
            for stage in command.get("pipeline") or ()
            if isinstance(stage, dict) and isinstance(stage.get("$lookup"), dict)
        }
        if len(joined) == 1 and isinstance(collection := joined.pop(), str):
            return collection
    return None


def _failure(failure: Any) -> str:
    if isinstance(failure, dict):
        name = failure.get("codeName")
        if isinstance(name, str):
            return name
    return "error"


class Monitor(monitoring.CommandListener, monitoring.ConnectionPoolListener):
    """Fans the client's command events out to the attached observers."""

    def __init__(self) -> None:
        self.observers: tuple[CommandObserver, ...] = ()
        self.pool = PoolState()

    def attach(self, observer: CommandObserver) -> None:
        self.observers = (*self.observers, observer)

    def detach(self, observer: CommandObserver) -> None:
        self.observers = tuple(o for o in self.observers if o is not observer)

    # Commands: the listener runs in the task that sends the command, so observers
    # see that task's context variables (the request, the current span).
    @override
    def started(self, event: monitoring.CommandStartedEvent) -> None:
        if not self.observers or event.command_name in _IGNORED:
            return
        key = (event.request_id, event.connection_id)
        collection = command_collection(event.command_name, event.command) or NO_COLLECTION
        for observer in self.observers:
            observer.command_started(key, event.command_name, collection)

    @override
    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        if not self.observers or event.command_name in _IGNORED:
            return
        key = (event.request_id, event.connection_id)
        for observer in self.observers:
            observer.command_ended(key, None)

    @override
    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        if not self.observers or event.command_name in _IGNORED:
            return
        key = (event.request_id, event.connection_id)
        failure = _failure(event.failure)
        for observer in self.observers:
            observer.command_ended(key, failure)

    # The pool.
    @override
    def connection_created(self, event: monitoring.ConnectionCreatedEvent) -> None:
        self.pool.open += 1

    @override
    def connection_closed(self, event: monitoring.ConnectionClosedEvent) -> None:
        self.pool.open -= 1

    @override
    def connection_check_out_started(
        self, event: monitoring.ConnectionCheckOutStartedEvent
    ) -> None:
        self.pool.waiting += 1

    @override
    def connection_check_out_failed(self, event: monitoring.ConnectionCheckOutFailedEvent) -> None:
        self.pool.waiting -= 1
        self.pool.checkout_failures += 1

    @override
    def connection_checked_out(self, event: monitoring.ConnectionCheckedOutEvent) -> None:
        self.pool.waiting -= 1
        self.pool.checked_out += 1

    @override
    def connection_checked_in(self, event: monitoring.ConnectionCheckedInEvent) -> None:
        self.pool.checked_out -= 1

    @override
    def pool_created(self, event: monitoring.PoolCreatedEvent) -> None:
        pass

    @override
    def pool_ready(self, event: monitoring.PoolReadyEvent) -> None:
        pass

    @override
    def pool_cleared(self, event: monitoring.PoolClearedEvent) -> None:
        pass

    @override
    def pool_closed(self, event: monitoring.PoolClosedEvent) -> None:
        pass

    @override
    def connection_ready(self, event: monitoring.ConnectionReadyEvent) -> None:
        pass
