"""Open WebSockets per account on this process, each holding a slot until it closes."""

from __future__ import annotations

from collections import Counter
from typing import Any

__all__ = ["SocketSlot", "SocketSlots"]


class SocketSlot:
    """One open socket of one account; `release` when it closes."""

    def __init__(self, slots: SocketSlots, user_id: Any) -> None:
        self._slots = slots
        self._user_id = user_id
        self._released = False

    def release(self) -> None:
        if not self._released:
            self._released = True
            self._slots.release(self._user_id)


class SocketSlots:
    """Open WebSockets per account, on this process, up to `per_viewer`."""

    def __init__(self, per_viewer: int) -> None:
        self.per_viewer = per_viewer
        self._open: Counter[Any] = Counter()

    def take(self, user_id: Any) -> SocketSlot | None:
        """A slot for one more socket of this account; None at the limit."""
        if self._open[user_id] >= self.per_viewer:
            return None
        self._open[user_id] += 1
        return SocketSlot(self, user_id)

    def release(self, user_id: Any) -> None:
        self._open[user_id] -= 1
        if self._open[user_id] <= 0:
            del self._open[user_id]
