"""The benchmark scenarios: a GraphQL document in bench/queries/ and its variables."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .dataset import Dataset

__all__ = ["QUERIES", "SCENARIOS", "Scenario"]

QUERIES = Path(__file__).parent / "queries"


@dataclass(frozen=True)
class Scenario:
    name: str
    title: str
    relation_fields: int
    """Relation fields the document selects: P1 allows 1 + this many commands per request."""
    variables: Callable[[Dataset], list[dict[str, Any]]]
    write: bool = False

    @property
    def document(self) -> str:
        return (QUERIES / f"{self.name}.graphql").read_text()

    def bodies(self, dataset: Dataset) -> list[str]:
        return [
            json.dumps({"query": self.document, "variables": v}) for v in self.variables(dataset)
        ]


def _none(_: Dataset) -> list[dict[str, Any]]:
    return [{}]


SCENARIOS = [
    Scenario("1-storyboard-tree", "storyboard tree 20x20x20 + character", 4, _none),
    Scenario("2-inbox", "inbox: 50 conversations, count, last message", 3, _none),
    Scenario("3-viewer", "small: viewer { id displayName }", 0, _none),
    Scenario(
        "4-big-response",
        "big response: 100 scenes x 100 clips x 8 fields",
        3,
        lambda d: [{"id": d.big_project}],
    ),
    Scenario(
        "5a-post-message",
        "write: postMessage",
        1,
        lambda d: [{"conversationId": c} for c in d.write_conversations],
        write=True,
    ),
    Scenario(
        "5b-create-clip",
        "write: createClip",
        1,
        lambda d: [{"sceneId": s} for s in d.write_scenes],
        write=True,
    ),
    Scenario("6-nodes", "nodes(ids:) with 100 mixed ids", 1, lambda d: [{"ids": d.mixed_ids}]),
]
