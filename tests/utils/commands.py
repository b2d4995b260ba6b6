"""Counts the MongoDB commands a client sends (the N+1 tests assert on it)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pymongo import monitoring

from mongraph.datastore.monitoring import command_collection

_IGNORED = {"hello", "ismaster", "isMaster", "ping", "endSessions", "saslStart", "saslContinue"}


@dataclass
class CommandCounter(monitoring.CommandListener):
    commands: list[tuple[str, str]] = field(default_factory=list)
    keep_pipelines: bool = False
    pipelines: list[tuple[str, list[dict[str, Any]]]] = field(default_factory=list)
    """With `keep_pipelines`, each aggregate's (collection, pipeline), as sent."""
    failures: list[str] = field(default_factory=list)
    on_failure: Callable[[monitoring.CommandFailedEvent], None] | None = None
    on_started: Callable[[str, str], None] | None = None
    """Called with each counted command's name and collection as it is sent."""

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        if event.command_name in _IGNORED:
            return
        target = command_collection(event.command_name, event.command) or ""
        self.commands.append((event.command_name, target))
        if self.keep_pipelines and event.command_name == "aggregate":
            self.pipelines.append((target, event.command["pipeline"]))
        if self.on_started is not None:
            self.on_started(event.command_name, target)

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        pass

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        self.failures.append(event.command_name)
        if self.on_failure is not None:
            self.on_failure(event)

    def reset(self) -> None:
        self.commands.clear()
        self.pipelines.clear()

    def on(self, *collections: str) -> list[tuple[str, str]]:
        return [c for c in self.commands if c[1] in collections]

    def by_name(self) -> Counter[str]:
        return Counter(name for name, _ in self.commands)
