"""Benchmark harness: the gateway against its floors and its peers (see docs/performance.md)."""
