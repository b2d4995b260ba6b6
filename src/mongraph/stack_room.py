"""Room on CPython's frame stack for a server's whole life (CPython issue gh-142183).

CPython 3.11 and later keep Python frames in 16 KiB chunks and, before the fix for
gh-142183 (3.13.13 and 3.14.4; 3.11 and 3.12 do not have it), free a chunk as soon as the
frame at its base returns. A call that crosses a chunk boundary inside a loop then costs an
`mmap`, page faults and a `munmap` every time. graphql-core completing 20,000 fields at the
same depth does exactly that when the boundary happens to fall there: scenario 1 of the
benchmark spent 100 to 200 ms of system time a request (of 300 to 400), depending only on
how deep the server's stack was when its event loop started (`python -m`, a script, uvicorn
workers: each starts at another depth).

`run_with_stack_room(fn)` calls `fn` from a frame whose evaluation stack is declared
`_ROOM_SLOTS` deep, so CPython gives that frame a chunk of its own, twice that size; every
frame that `fn` pushes, up to about 512 KiB of them, then stays inside that chunk. The slots
are never written, so only the pages that frames actually use become resident.

`new_event_loop` is the event loop that `mongraph serve` gives uvicorn (each worker too): its
`run_forever` runs in that room, so every request's frames do. Another process manager gets
it with `uvicorn --loop mongraph.stack_room:new_event_loop`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, TypeVar

from typing_extensions import override

try:
    from uvloop import Loop as _Loop
except ImportError:  # pragma: no cover - uvloop comes with uvicorn[standard] off Windows
    _Loop = asyncio.SelectorEventLoop  # type: ignore[assignment,misc]

__all__ = ["UVICORN_LOOP", "new_event_loop", "run_with_stack_room"]

T = TypeVar("T")

_ROOM_SLOTS = 64 * 1024 + 64
"""Just over 512 KiB of 8-byte slots: the chunk rounds up to 1 MiB, leaving ~512 KiB above."""


def _call(fn: Callable[..., Any], args: tuple[Any, ...]) -> Any:
    return fn(*args)


_call.__code__ = _call.__code__.replace(co_stacksize=_ROOM_SLOTS)


def run_with_stack_room(fn: Callable[..., T], *args: Any) -> T:
    """`fn(*args)`, with the frames it pushes kept clear of chunk boundaries."""
    result: T = _call(fn, args)
    return result


class _RoomyLoop(_Loop):
    @override
    def run_forever(self) -> None:
        run_with_stack_room(super().run_forever)


def new_event_loop() -> asyncio.AbstractEventLoop:
    """uvloop's event loop (asyncio's without it), running its callbacks in stack room."""
    return _RoomyLoop()


UVICORN_LOOP = f"{__name__}:{new_event_loop.__name__}"
"""`new_event_loop` as uvicorn's `loop` setting names it (`mongraph serve`, bench/serve.py)."""
