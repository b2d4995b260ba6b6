"""`python -m bench` / `mongraph-bench`: run the benchmarks and write the report."""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime
from pathlib import Path

from .report import headline
from .run import Options, log, run
from .sizes import SIZES

__all__ = ["main"]

ROOT = Path(__file__).parent.parent
PRESETS = {
    "smoke": {"clients": 2, "seq_seconds": 0.1, "load_seconds": 0.2, "floor_repeat": 3},
    "profile": {"clients": 8, "seq_seconds": 2.0, "load_seconds": 3.0, "floor_repeat": 5},
    "medium": {"clients": 8, "seq_seconds": 4.0, "load_seconds": 6.0, "floor_repeat": 5},
    "large": {"clients": 8, "seq_seconds": 5.0, "load_seconds": 8.0, "floor_repeat": 10},
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--size", choices=list(SIZES), default="medium")
    parser.add_argument("--clients", type=int, help="concurrent clients for throughput")
    parser.add_argument("--seconds", type=float, help="seconds of load per scenario and target")
    parser.add_argument("--no-peers", action="store_true", help="skip graphene-mongo")
    parser.add_argument("--only", nargs="*", default=[], help="scenario names (default: all)")
    parser.add_argument("--results-dir", type=Path, default=ROOT / "bench" / "results")
    parser.add_argument(
        "--report", type=Path, default=None, help="Markdown report to write (charts beside it)"
    )
    parser.add_argument(
        "--from-results", type=Path, help="only rewrite --report from a results JSON file"
    )
    args = parser.parse_args(argv)
    if args.from_results is not None:
        from .report import write_report

        write_report(json.loads(args.from_results.read_text()), args.report)
        return 0
    preset = dict(PRESETS[args.size])
    if args.clients:
        preset["clients"] = args.clients
    if args.seconds:
        preset["load_seconds"] = args.seconds
    opts = Options(size=args.size, peers=not args.no_peers, only=tuple(args.only), **preset)
    results = run(opts)
    results["headline"] = headline(results)
    args.results_dir.mkdir(parents=True, exist_ok=True)
    day = datetime.now(UTC).strftime("%Y-%m-%d")
    out = args.results_dir / f"{day}-{args.size}.json"
    out.write_text(json.dumps(results, indent=2, default=str) + "\n")
    log(f"results: {out}")
    if args.report is not None:
        from .report import write_report

        write_report(results, args.report)
        log(f"report: {args.report}")
    return 0
