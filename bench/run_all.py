"""Run every benchmark at its default size and print one summary table.

    python bench/run_all.py [--only throughput,fanout] [--out bench/results] [--tiny]

Each benchmark runs as its own process (``python bench/<name>.py --json <out>/<name>.json``), so one cannot
skew another (deliberation.py pins numpy to one thread before importing it). The summary goes to stdout and to
``<out>/summary.json``; bench/results/ is git-ignored. ``--tiny`` runs each at a size of a few seconds (what
the smoke test does). Exit status 1 when any benchmark missed a target or failed. At default sizes the whole
run takes about eleven minutes on two cores, six of them bench/latency.py's fan-out at Telegram's real 30/s.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

if str(ROOT := Path(__file__).resolve().parent.parent) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.harness import RESULTS, environment, machine, progress, write_json

BENCHMARKS: dict[str, list[str]] = {  # name -> arguments at the default size
    "throughput": [],
    "fanout": [],
    "latency": [],
    "scale": [],
    "deliberation": [],
    "transport": [],
    "report": [],
    "scrub": [],
    "flood": [],
    "whatsapp": [],
    "whatsapp_clients": [],
    "pg_turn": [],
    "twoproc": [],
}
TINY: dict[str, list[str]] = {
    "throughput": ["--users", "4", "--warmup", "0.5", "--duration", "1.5", "--rounds", "1"],
    "fanout": ["--residents", "200", "--rate", "200"],
    "latency": ["--tiny"],
    "scale": ["--residents", "400", "--experiences", "200", "--votes", "1000", "--ops", "10", "--repeat", "1"],
    "deliberation": ["--participants", "200", "--statements", "20", "--repeat", "1"],
    "transport": ["--requests", "200", "--concurrency", "16", "--warmup", "20"],
    "report": ["--residents", "500", "--stories", "300"],
    "scrub": ["--tiny"],
    "flood": ["--users", "2", "--flood-rate", "20", "--warmup", "0.2", "--duration", "1"],
    "whatsapp": ["--residents", "100", "--rate", "80", "--messages", "20"],
    "whatsapp_clients": ["--calls", "50", "--webhooks", "100"],
    "pg_turn": ["--residents", "300", "--experiences", "50", "--votes", "1000", "--turns", "20",
                "--whole-seconds", "1"],
    "twoproc": ["--residents", "300", "--rate", "150"],
}


def summary_rows(name: str, report: dict[str, Any]) -> list[dict[str, Any]]:
    if "summary" in report:
        return list(report["summary"])
    return [{"metric": name, "value": "", "target": "", "passed": report.get("passed")}]


def run_one(name: str, arguments: list[str], out: Path) -> dict[str, Any]:
    path = out / f"{name}.json"
    path.unlink(missing_ok=True)
    progress(f"run_all: {name} {' '.join(arguments)}")
    start = time.perf_counter()
    result = subprocess.run([sys.executable, str(ROOT / "bench" / f"{name}.py"), *arguments, "--json", str(path)],
                            cwd=ROOT, env=environment(), capture_output=True, text=True, timeout=900)
    seconds = time.perf_counter() - start
    print(result.stdout, end="", flush=True)
    if not path.exists():
        return {"name": name, "seconds": seconds, "passed": False, "rows": [
            {"metric": name, "value": f"failed (exit {result.returncode})", "target": "", "passed": False}],
            "error": result.stderr[-3000:]}
    report = json.loads(path.read_text(encoding="utf-8"))
    return {"name": name, "seconds": seconds, "passed": bool(report.get("passed")) and result.returncode == 0,
            "rows": summary_rows(name, report)}


def table(results: list[dict[str, Any]]) -> str:
    lines = [f"{'benchmark':<13} {'metric':<48} {'value':>14} {'target':>8}  result"]
    for result in results:
        for row in result["rows"]:
            verdict = "" if "passed" not in row else ("pass" if row["passed"] else "FAIL")
            lines.append(f"{result['name']:<13} {row['metric']:<48} {row['value']!s:>14} {row['target']!s:>8}"
                         f"  {verdict}")
    total = sum(result["seconds"] for result in results)
    lines.append(f"{sum(r['passed'] for r in results)} of {len(results)} benchmarks met every target"
                 f" ({total:.0f} s)")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--only", help=f"comma-separated subset of {', '.join(BENCHMARKS)}")
    parser.add_argument("--out", type=Path, default=RESULTS, help="where the JSON files go")
    parser.add_argument("--tiny", action="store_true", help="each at a size of a few seconds (smoke test)")
    args = parser.parse_args(argv)
    names = [n.strip() for n in args.only.split(",")] if args.only else list(BENCHMARKS)
    unknown = [n for n in names if n not in BENCHMARKS]
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(unknown)}")
    args.out.mkdir(parents=True, exist_ok=True)
    sizes = TINY if args.tiny else BENCHMARKS
    results = [run_one(name, sizes[name], args.out) for name in names]
    print()
    print(table(results))
    for result in results:
        if "error" in result:
            print(f"\n{result['name']} failed:\n{result['error']}", file=sys.stderr)
    write_json(args.out / "summary.json", {"machine": machine(), "tiny": args.tiny, "results": results})
    return 0 if all(result["passed"] for result in results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
