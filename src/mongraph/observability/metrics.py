"""Prometheus metrics of one app, in its own registry (several apps share a test process)."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from typing import Any

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Histogram,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from typing_extensions import override

from ..datastore.monitoring import PoolState

__all__ = ["ANONYMOUS", "OTHER", "BoundedLabel", "Metrics"]

# `*_created` samples (a timestamp per series) double the page and are rarely used.
disable_created_metrics()  # type: ignore[no-untyped-call]

ANONYMOUS = "anonymous"
OTHER = "other"
MAX_NAME_LENGTH = 100
REQUEST_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
MAX_COLLECTIONS = 64
BATCH_BUCKETS = (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000)


class BoundedLabel:
    """Admits the first `limit` distinct values; later ones are `other`.

    Operation names come from clients, so a client inventing names cannot make
    the registry (or Prometheus) grow without bound.
    """

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._seen: set[str] = set()

    def __call__(self, value: str, *, claim: bool = True) -> str:
        """`value` if it is a label already, or if it may `claim` one of the free ones."""
        if value in self._seen:
            return value
        if not claim or len(self._seen) >= self.limit or len(value) > MAX_NAME_LENGTH:
            return OTHER
        self._seen.add(value)
        return value


class _Gauges(Collector):
    """Values read when scraped: the pool's state and the open subscriptions."""

    def __init__(
        self, pool: Callable[[], PoolState | None], subscriptions: Callable[[], int | None]
    ) -> None:
        self._pool = pool
        self._subscriptions = subscriptions

    @override
    def collect(self) -> Iterable[Metric]:
        subscriptions = self._subscriptions()
        if subscriptions is not None:
            yield GaugeMetricFamily(
                "mongraph_subscriptions_open",
                "GraphQL subscriptions open in this process.",
                value=subscriptions,
            )
        pool = self._pool()
        if pool is None:
            return
        yield GaugeMetricFamily(
            "mongraph_db_pool_connections_open",
            "Connections to MongoDB open in the driver's pools.",
            value=pool.open,
        )
        yield GaugeMetricFamily(
            "mongraph_db_pool_connections_checked_out",
            "Pooled connections in use by an operation.",
            value=pool.checked_out,
        )
        yield GaugeMetricFamily(
            "mongraph_db_pool_checkouts_waiting",
            "Operations waiting for a pooled connection.",
            value=pool.waiting,
        )
        yield CounterMetricFamily(
            "mongraph_db_pool_checkout_failures",
            "Checkouts that failed (pool closed, timeout, connection error).",
            value=pool.checkout_failures,
        )


class Metrics:
    """Every metric of the gateway; `render()` is the /metrics body."""

    def __init__(
        self,
        *,
        max_operations: int,
        pool: Callable[[], PoolState | None],
        subscriptions: Callable[[], int | None],
    ) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.operation_label = BoundedLabel(max_operations)
        self._collection_label = BoundedLabel(MAX_COLLECTIONS)
        self.requests = Counter(
            "mongraph_requests_total",
            "GraphQL requests over HTTP by operation name and outcome.",
            ["operation", "outcome"],
            registry=self.registry,
        )
        self.duration = Histogram(
            "mongraph_request_duration_seconds",
            "Time from the request's arrival to its response, by operation name.",
            ["operation"],
            buckets=REQUEST_BUCKETS,
            registry=self.registry,
        )
        self.errors = Counter(
            "mongraph_graphql_errors_total",
            "GraphQL errors returned, by extensions.code.",
            ["code"],
            registry=self.registry,
        )
        self.db_commands = Counter(
            "mongraph_db_commands_total",
            "MongoDB commands sent, by collection and command name.",
            ["collection", "command"],
            registry=self.registry,
        )
        self.batch_size = Histogram(
            "mongraph_dataloader_batch_size",
            "Keys per DataLoader batch (each batch is one MongoDB command).",
            ["collection", "kind"],
            buckets=BATCH_BUCKETS,
            registry=self.registry,
        )
        self.registry.register(_Gauges(pool, subscriptions))
        # labels() takes a lock and builds a key each time: keep the children.
        self._children: dict[Hashable, Any] = {}

    def _child(self, metric: Counter | Histogram, *labels: str) -> Any:
        key = (metric, labels)
        child = self._children.get(key)
        if child is None:
            child = self._children[key] = metric.labels(*labels)
        return child

    def request(self, operation: str, outcome: str, seconds: float, codes: list[str]) -> None:
        self._child(self.requests, operation, outcome).inc()
        self._child(self.duration, operation).observe(seconds)
        for code in codes:
            self._child(self.errors, code).inc()

    def db_command(self, collection: str, command: str) -> None:
        self._child(self.db_commands, self._collection_label(collection), command).inc()

    def batch(self, collection: str, kind: str, size: int) -> None:
        self._child(self.batch_size, collection, kind).observe(size)

    def render(self) -> bytes:
        return generate_latest(self.registry)
