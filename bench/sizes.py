"""Dataset sizes (issue 6): how many of everything one benchmark run loads."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["SIZES", "Size"]


@dataclass(frozen=True)
class Size:
    name: str
    projects: int
    scenes: int
    """Scenes per project."""
    clips: int
    """Clips per scene."""
    characters: int
    """Characters per project."""
    conversations: int
    messages: int
    """Messages per conversation."""
    big_scenes: int
    big_clips: int
    """The one big project (scenario 4): `big_scenes` x `big_clips` clips."""
    write_targets: int = 20
    """Scenes and conversations set aside for the write scenario, so writes leave reads alone."""


SIZES = {
    "smoke": Size("smoke", 3, 3, 3, 5, 3, 5, big_scenes=5, big_clips=5, write_targets=2),
    # The issue puts the 100 x 100 project in `large` only; medium carries it too because
    # scenario 4 (and so P4) needs it.
    # medium's shapes for scenarios 1 and 4 at a tenth of its documents (bench/profile.py)
    "profile": Size(
        "profile", 20, 20, 10, 50, 5, 10, big_scenes=100, big_clips=100, write_targets=2
    ),
    "medium": Size("medium", 200, 20, 10, 50, 500, 100, big_scenes=100, big_clips=100),
    "large": Size("large", 2000, 20, 10, 50, 5000, 100, big_scenes=100, big_clips=100),
}
