"""Turns a run's results into the P1-P5 headline, Markdown tables and PNG charts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

__all__ = ["headline", "write_report"]

TARGETS = ("gateway", "gateway-noloaders", "graphene-mongo", "bare-strawberry")


P2_BOUND = 0.7
"""Gateway CPU per field ÷ graphql-core's execution floor (issue 21; was 1.5)."""
P3_BOUND = 0.9
LOG_LINE_BOUND_US = 5.0
"""CPU of the per-request JSON log line, written as `serve` writes it (issue 21)."""
"""Gateway ÷ bare Strawberry on the small authenticated query (issue 21; was 0.6)."""


def _get(results: dict[str, Any], scenario: str, target: str) -> dict[str, Any] | None:
    found: dict[str, Any] | None = (
        results["scenarios"].get(scenario, {}).get("targets", {}).get(target)
    )
    return found


def headline(results: dict[str, Any]) -> dict[str, Any]:
    """P1-P5 as measured (a target is None where its scenario did not run)."""
    out: dict[str, Any] = {"P1": {}, "P2": {}, "P5": {}}
    for name, s in results["scenarios"].items():
        gw = s["targets"].get("gateway")
        if gw is None or "commands_per_request" not in gw:
            continue
        bound = None if s["write"] else 1 + s["relation_fields"]
        cpr = gw["commands_per_request"]
        out["P1"][name] = {
            "commands": round(cpr, 2),
            "bound": bound,
            "met": None if bound is None else cpr <= bound + 0.05,
        }
    for name in ("1-storyboard-tree", "4-big-response"):
        gw, floor = _get(results, name, "gateway"), results["scenarios"].get(name, {}).get("floors")
        if gw and floor:
            per_field = gw["cpu_ms_per_request"] * 1000 / max(gw["fields_per_response"], 1)
            ratio = per_field / floor["execution_floor_us_per_field"]
            out["P2"][name] = {
                "gateway_us_per_field": round(per_field, 2),
                "floor_us_per_field": round(floor["execution_floor_us_per_field"], 2),
                "ratio": round(ratio, 2),
                "met": ratio <= P2_BOUND,
            }
    gw, bare = _get(results, "3-viewer", "gateway"), _get(results, "3-viewer", "bare-strawberry")
    if gw and bare and gw["load"] and bare["load"]:
        ratio = gw["load"]["throughput"] / bare["load"]["throughput"]
        out["P3"] = {
            "gateway_rps": round(gw["load"]["throughput"], 1),
            "bare_rps": round(bare["load"]["throughput"], 1),
            "ratio": round(ratio, 3),
            "met": ratio >= P3_BOUND,
        }
    gw, floor = (
        _get(results, "4-big-response", "gateway"),
        results["scenarios"].get("4-big-response", {}).get("floors"),
    )
    if gw and floor:
        floors = floor["data_floor_p50_ms"] + floor["execution_floor_ms"]
        ratio = gw["sequential"]["p50_ms"] / floors
        out["P4"] = {
            "gateway_p50_ms": round(gw["sequential"]["p50_ms"], 1),
            "data_floor_ms": round(floor["data_floor_p50_ms"], 1),
            "execution_floor_ms": round(floor["execution_floor_ms"], 1),
            "ratio": round(ratio, 2),
            "met": ratio <= 2.0,
        }
    gw = _get(results, "4-big-response", "gateway")
    if gw and gw.get("load") and "rss_before_load_mb" in gw:
        clients = gw["load"]["concurrency"]
        per_request = (gw["peak_rss_mb"] - gw["rss_before_load_mb"]) / clients
        response_mb = gw["response_bytes"] / 1e6
        idle = results.get("gateway_idle_rss_mb")
        out["P6"] = {
            "per_request_mb": round(per_request, 1),
            "clients": clients,
            "response_mb": round(response_mb, 2),
            "times_response": round(per_request / response_mb, 1),
            "idle_mb": None if idle is None else round(idle, 1),
            "met": per_request <= 30 and (idle is None or idle <= 100),
        }
    costs = results.get("request_log")
    if costs:
        out["log"] = {
            "line_us": round(costs["log_line_us"], 1),
            "request_us": round(costs["request_us"], 1),
            "met": costs["log_line_us"] <= LOG_LINE_BOUND_US,
        }
    for name in results["scenarios"]:
        gw, peer = _get(results, name, "gateway"), _get(results, name, "graphene-mongo")
        if gw and peer:
            latency = peer["sequential"]["p50_ms"] / gw["sequential"]["p50_ms"]
            throughput = None
            if gw["load"] and peer["load"]:
                throughput = round(gw["load"]["throughput"] / peer["load"]["throughput"], 2)
            out["P5"][name] = {
                "latency_factor": round(latency, 2),
                "throughput_factor": throughput,
                "met": latency > 1 and (throughput is None or throughput > 1),
            }
    return out


def _fmt(value: float | None, digits: int = 1) -> str:
    return "—" if value is None else f"{value:,.{digits}f}"


def _mark(met: bool | None) -> str:
    return {True: "met", False: "**missed**", None: "n/a"}[met]


def _tables(results: dict[str, Any]) -> list[str]:
    lines = [
        "| scenario | target | commands/request | fields | p50 ms | p95 ms "
        "| req/s (clients) | p95 ms under load "
        "| CPU ms/request | peak RSS MB |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, s in results["scenarios"].items():
        for target in TARGETS:
            t = s["targets"].get(target)
            if t is None:
                continue
            load = t["load"] or {}
            rate = f"{_fmt(load['throughput'])} ({load['concurrency']})" if load else "— (1 sample)"
            lines.append(
                f"| {name} | {target} | {_fmt(t.get('commands_per_request'))} "
                f"| {t['fields_per_response']:,} | {_fmt(t['sequential']['p50_ms'])} "
                f"| {_fmt(t['sequential']['p95_ms'])} | {rate} "
                f"| {_fmt(load.get('p95_ms'))} | {_fmt(t['cpu_ms_per_request'])} "
                f"| {_fmt(t['peak_rss_mb'], 0)} |"
            )
    lines += [
        "",
        "| scenario | data floor p50 ms (PyMongo + JSON) | execution floor ms "
        "(graphql-core over dicts) | execution floor µs/field |",
        "|---|---:|---:|---:|",
    ]
    for name, s in results["scenarios"].items():
        f = s.get("floors")
        if f:
            lines.append(
                f"| {name} | {_fmt(f['data_floor_p50_ms'])} | {_fmt(f['execution_floor_ms'], 2)} "
                f"| {_fmt(f['execution_floor_us_per_field'], 2)} |"
            )
    return lines


def _headline_lines(h: dict[str, Any]) -> list[str]:
    lines = ["| target | as measured | verdict |", "|---|---|---|"]
    for name, p in h["P1"].items():
        bound = "no bound (write)" if p["bound"] is None else f"≤ {p['bound']}"
        lines.append(
            f"| P1 {name} | {p['commands']} commands/request ({bound}) | {_mark(p['met'])} |"
        )
    for name, p in h["P2"].items():
        lines.append(
            f"| P2 {name} | {p['gateway_us_per_field']} µs/field vs floor "
            f"{p['floor_us_per_field']} µs: **{p['ratio']}x** (≤ {P2_BOUND}x) | {_mark(p['met'])} |"
        )
    if "P3" in h:
        p = h["P3"]
        lines.append(
            f"| P3 3-viewer | {p['gateway_rps']} vs {p['bare_rps']} req/s: "
            f"**{p['ratio']}x** (≥ {P3_BOUND}x) | {_mark(p['met'])} |"
        )
    if "P4" in h:
        p = h["P4"]
        lines.append(
            f"| P4 4-big-response | {p['gateway_p50_ms']} ms vs {p['data_floor_ms']} + "
            f"{p['execution_floor_ms']} ms: **{p['ratio']}x** (≤ 2x) | {_mark(p['met'])} |"
        )
    if "P6" in h:
        p = h["P6"]
        lines.append(
            f"| P6 4-big-response | peak RSS above the RSS before load, per concurrent request: "
            f"**{p['per_request_mb']} MB** ({p['clients']} clients; {p['times_response']}x the "
            f"{p['response_mb']} MB response); idle gateway {p['idle_mb']} MB "
            f"(≤ 30 MB, ≤ 100 MB idle) | {_mark(p['met'])} |"
        )
    if "log" in h:
        p = h["log"]
        lines.append(
            f"| request log line | **{p['line_us']} µs** CPU a line, written to a file as "
            f"`serve` writes it (≤ {LOG_LINE_BOUND_US:g} µs; {p['request_us']} µs with the "
            "request's metrics and middleware), the same fields as through `logging` "
            f"(tests/test_log_lines.py) | {_mark(p['met'])} |"
        )
    for name, p in h["P5"].items():
        rate = p["throughput_factor"]
        rate_text = "" if rate is None else f", gateway / graphene-mongo req/s = **{rate}x**"
        lines.append(
            f"| P5 {name} | graphene-mongo p50 / gateway p50 = **{p['latency_factor']}x**"
            f"{rate_text} | {_mark(p['met'])} |"
        )
    return lines


def _load(machine: dict[str, Any]) -> str:
    """What else ran: the 1-minute load average when the run started."""
    if "load_average" not in machine:  # results written before it was recorded
        return f"**The machine was shared**: {machine.get('shared', 'unknown')}."
    load = machine["load_average"]
    busy = "busy: other processes competed for its cores" if load > 1 else "otherwise idle"
    return f"Load average at the start: {load} ({busy})."


def _charts(results: dict[str, Any], folder: Path) -> list[str]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    folder.mkdir(parents=True, exist_ok=True)
    names = list(results["scenarios"])
    written = []
    for metric, label, file in (
        (lambda t: t["sequential"]["p50_ms"], "p50 latency, ms (log)", "latency.png"),
        (
            lambda t: t["load"]["throughput"] if t["load"] else None,
            "requests/s under load (log)",
            "throughput.png",
        ),
    ):
        fig, ax = plt.subplots(figsize=(10, 4.5))
        width = 0.2
        for i, target in enumerate(TARGETS):
            xs, ys = [], []
            for j, name in enumerate(names):
                t = results["scenarios"][name]["targets"].get(target)
                value = None if t is None else metric(t)
                if value is not None:
                    xs.append(j + (i - 1.5) * width)
                    ys.append(value)
            if xs:
                ax.bar(xs, ys, width, label=target)
        ax.set_xticks(range(len(names)), names, rotation=20, ha="right", fontsize=8)
        ax.set_yscale("log")
        ax.set_ylabel(label)
        ax.legend(fontsize=8)
        fig.tight_layout()
        fig.savefig(folder / file, dpi=90)
        plt.close(fig)
        written.append(file)
    return written


def write_report(results: dict[str, Any], path: Path) -> None:
    """Writes `path` (Markdown) and its charts into a folder named after it."""
    h = results.get("headline") or headline(results)
    m = results["machine"]
    charts = _charts(results, path.parent / path.stem)
    opts = results["options"]
    lines = [
        "# Performance",
        "",
        "Generated by `make bench` (`uv run python -m bench --size medium --report "
        "docs/performance.md`) from `bench/`; the raw numbers are in "
        f"`bench/results/{results['date'][:10]}-{results['size']}.json`. How the harness works "
        "and what each number means: `bench/README.md`.",
        "",
        f"**Machine.** {m['cpu']}, {m['cores']} cores, {m['memory_gb']} GB, {m['os']}, "
        f"Python {m['python']}; database: {m['database']}. {_load(m)} Ratios, measured in "
        "the same run, are the headline; absolute numbers are context.",
        "",
        f"**Run.** {results['date']}, size `{results['size']}` "
        f"({results['dataset']['documents']:,} documents loaded through the bulk path at "
        f"{results['dataset']['docs_per_second']:,.0f} docs/s); per scenario and target "
        f"{opts['seq_seconds']} s of one client, then {opts['load_seconds']} s of "
        f"{opts['clients']} concurrent clients (2 where one request takes over a second: "
        f"those are database-bound); whole run {results['seconds']:.0f} s. The gateway runs "
        "as `mongraph serve` does with its default settings (a JSON request line per "
        "request, written to a file; metrics; the key cache; live updates; uvicorn with "
        "`serving.uvicorn_options`); the one change is a 600 s database deadline.",
        "",
        "## Targets (issues 6 and 21)",
        "",
        *_headline_lines(h),
        "",
    ]
    if results.get("graphene_error"):
        lines += [f"graphene-mongo did not run: `{results['graphene_error']}`", ""]
    lines += [
        "## Every scenario and target",
        "",
        *_tables(results),
        "",
        "## Charts",
        "",
        *[f"![{c}]({path.stem}/{c})" for c in charts],
        "",
    ]
    notes = path.parent / f"{path.stem}-notes.md"
    if notes.exists():
        lines += [notes.read_text().rstrip(), ""]
    path.write_text("\n".join(lines))
