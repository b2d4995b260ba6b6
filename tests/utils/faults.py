"""Fault injection with `configureFailPoint` (`failCommand`), portable to real MongoDB.

Only the standard modes are used (`{skip: N}`, `{times: N}`). To make a fault
happen exactly once in the middle of a transaction, the fail point is armed
with `skip` and disarmed by the command listener the moment the first injected
failure is seen, before the driver retries.
"""

from __future__ import annotations

from typing import Any

from pymongo import MongoClient, monitoring

from tests.utils.commands import CommandCounter


class FailPoint:
    def __init__(self, uri: str, commands: CommandCounter) -> None:
        self._admin = MongoClient(uri, serverSelectionTimeoutMS=5000).admin
        self._commands = commands

    def arm(
        self,
        commands: list[str],
        *,
        skip: int,
        error_code: int | None = None,
        transient: bool = False,
        close_connection: bool = False,
        once: bool = True,
    ) -> None:
        """Fails `commands` after the first `skip` of them; `once`: only the first time."""
        data: dict[str, Any] = {"failCommands": commands}
        if close_connection:
            data["closeConnection"] = True
        else:
            data["errorCode"] = error_code or 2
        if transient:
            data["errorLabels"] = ["TransientTransactionError"]
        self._admin.command(
            {"configureFailPoint": "failCommand", "mode": {"skip": skip}, "data": data}
        )
        if once:
            self._commands.on_failure = self._disarm_on_first

    def hold(self, commands: list[str], *, skip: int, milliseconds: int) -> None:
        """Holds each of `commands` after the first `skip` of them for `milliseconds` before
        the server runs it (`blockConnection`), until `disarm`."""
        self._admin.command(
            {
                "configureFailPoint": "failCommand",
                "mode": {"skip": skip},
                "data": {
                    "failCommands": commands,
                    "blockConnection": True,
                    "blockTimeMS": milliseconds,
                },
            }
        )

    def _disarm_on_first(self, _: monitoring.CommandFailedEvent) -> None:
        self.disarm()

    def disarm(self) -> None:
        self._commands.on_failure = None
        self._admin.command({"configureFailPoint": "failCommand", "mode": "off"})

    def close(self) -> None:
        self.disarm()
        self._admin.client.close()
