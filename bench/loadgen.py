"""Load generator, in the runner's process or its own: `python -m bench.loadgen < spec.json`.

Keep-alive HTTP/1.1 clients on raw asyncio streams (cheap per request, so the client
takes little CPU from the server it measures). Each of `concurrency` clients sends the
`bodies` in turn, back to back, for `duration` seconds (at least `min_requests` in all).
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from typing import Any

__all__ = ["main", "summarize"]


def _request(spec: dict[str, Any], body: bytes) -> bytes:
    headers = {
        "Host": f"{spec['host']}:{spec['port']}",
        "Content-Type": "application/json",
        "Content-Length": str(len(body)),
        **spec.get("headers", {}),
    }
    head = f"POST {spec['path']} HTTP/1.1\r\n" + "".join(
        f"{k}: {v}\r\n" for k, v in headers.items()
    )
    return head.encode() + b"\r\n" + body


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    fields = {k.strip().lower(): v.strip() for k, _, v in (ln.partition(":") for ln in lines[1:])}
    if "content-length" in fields:
        return status, await reader.readexactly(int(fields["content-length"]))
    body = b""
    while True:  # chunked
        size = int((await reader.readuntil(b"\r\n")).strip(), 16)
        chunk = await reader.readexactly(size + 2)
        if size == 0:
            return status, body
        body += chunk[:-2]


async def _client(
    spec: dict[str, Any], requests: list[bytes], offset: int, stop: float, out: dict[str, Any]
) -> None:
    reader, writer = await asyncio.open_connection(spec["host"], spec["port"])
    i = offset
    try:
        while time.perf_counter() < stop or out["count"] < spec.get("min_requests", 1):
            request = requests[i % len(requests)]
            i += 1
            started = time.perf_counter()
            writer.write(request)
            status, body = await _read_response(reader)
            out["latencies"].append(time.perf_counter() - started)
            out["count"] += 1
            if status != 200 or b'"errors"' in body:
                out["errors"] += 1
                out.setdefault("sample_error", body[:500].decode(errors="replace"))
    finally:
        writer.close()


async def run(spec: dict[str, Any]) -> dict[str, Any]:
    requests = [_request(spec, body.encode()) for body in spec["bodies"]]
    out: dict[str, Any] = {"latencies": [], "count": 0, "errors": 0}
    for request in requests[: spec.get("warmup", 0)]:  # one of each body, sequentially
        scratch = {"latencies": [], "count": 0, "errors": 0}
        await _client({**spec, "min_requests": 1}, [request], 0, 0.0, scratch)
    started = time.perf_counter()
    stop = started + spec["duration"]
    clients = [_client(spec, requests, n, stop, out) for n in range(spec["concurrency"])]
    await asyncio.gather(*clients)
    elapsed = time.perf_counter() - started
    return summarize(out, elapsed, spec["concurrency"])


def _percentile(ordered: list[float], q: float) -> float:
    if not ordered:
        return 0.0
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def summarize(out: dict[str, Any], elapsed: float, concurrency: int) -> dict[str, Any]:
    ordered = sorted(out["latencies"])
    result = {
        "concurrency": concurrency,
        "requests": out["count"],
        "errors": out["errors"],
        "seconds": elapsed,
        "throughput": out["count"] / elapsed if elapsed else 0.0,
        "p50_ms": _percentile(ordered, 0.50) * 1000,
        "p95_ms": _percentile(ordered, 0.95) * 1000,
    }
    if "sample_error" in out:
        result["sample_error"] = out["sample_error"]
    return result


def main() -> int:
    spec = json.load(sys.stdin)
    try:
        from uvloop import run as run_loop
    except ImportError:
        run_loop = asyncio.run
    json.dump(run_loop(run(spec)), sys.stdout)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
