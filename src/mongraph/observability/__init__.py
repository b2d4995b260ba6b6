"""Metrics, traces and request logs: what an operator sees of the gateway (docs/operations.md)."""

from .request import RequestInfo, current_request, observe_batch, record_errors
from .telemetry import Telemetry

__all__ = ["RequestInfo", "Telemetry", "current_request", "observe_batch", "record_errors"]
