"""End-to-end ``run_job`` on a generated sandbox survey, beside the download floor and pandas.

Three stages pull the same export (the request ``plan_pull`` makes for a first run) through
the same client over the in-process sandbox transport, with the same job settings (two
mapped fields plus the default fields, all five PII kinds redacted, duplicates ``replace``):

- ``run_job``: the contender — fetch, parse, map, redact, filter, dedupe, load into a fresh
  DuckDB store, exactly as ``qinbound run --direct`` does it;
- download+decompress floor: the export downloaded and every member read by
  ``pyarrow.json.read_json``, nothing else (target: ``run_job`` within 2x of it);
- hand-written pandas pipeline (baseline): ``json.loads`` + ``pandas.json_normalize`` per
  50,000 lines, the same default fields, a per-row ``re.sub`` per PII kind with simple
  regexes, ``drop_duplicates`` on ``natural_id`` and ``DataFrame.to_sql`` into SQLite
  (target: ``run_job`` at least 10x faster).

Every size runs in its own subprocess: one for the timings (the stages interleaved, median
of the repeats), one per stage for the peak RSS (``ru_maxrss`` after a single run).

Run: ``python bench/bench_e2e.py`` (100k responses) or ``--large`` (100k and 1M).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import e2e_stages as stages

RESULTS = Path(__file__).parent / "results" / "e2e.md"
STAGES: dict[str, Callable[[int, Path], int]] = {
    "run_job": stages.contender,
    "floor": stages.floor,
    "download": stages.download_only,
    "baseline": stages.baseline,
}


def time_stages(size: int, repeats: dict[str, int]) -> dict[str, dict[str, list[float]]]:
    """Wall and CPU seconds per run of each stage, interleaved so noise hits them alike.

    CPU time is the whole process's (the in-process sandbox included): on a shared machine
    it is steadier than wall time, which waits whenever another job holds a core.
    """
    with tempfile.TemporaryDirectory(prefix="bench-e2e-") as folder:
        stages.prepare(Path(folder))
    runs: dict[str, dict[str, list[float]]] = {name: {"wall": [], "cpu": []} for name in repeats}
    for repeat in range(max(repeats.values())):
        for name in (name for name, count in repeats.items() if repeat < count):
            with tempfile.TemporaryDirectory(prefix="bench-e2e-") as folder:
                wall, cpu = time.perf_counter(), time.process_time()
                rows = STAGES[name](size, Path(folder))
                runs[name]["wall"].append(time.perf_counter() - wall)
                runs[name]["cpu"].append(time.process_time() - cpu)
            if rows != size:
                raise SystemExit(f"{name} handled {rows:,} responses, expected {size:,}")
    return runs


def peak_rss_mib(size: int, name: str) -> float:
    """Peak RSS of one run of one stage, in a fresh process."""
    return float(child(["--rss-child", str(size), "--stage", name])["rss_mib"])


def child(args: list[str]) -> dict[str, Any]:
    """Run this script in a subprocess and return the JSON its last line prints."""
    command = [sys.executable, __file__, *args]
    done = subprocess.run(command, check=False, capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"{' '.join(args)} failed:\n{done.stderr[-3000:]}")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def run_child(args: argparse.Namespace) -> int:
    """The subprocess side: timings (``--time-child``) or one run's peak RSS (``--rss-child``)."""
    if args.rss_child:
        with tempfile.TemporaryDirectory(prefix="bench-e2e-") as folder:
            STAGES[args.stage](args.rss_child, Path(folder))
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(json.dumps({"rss_mib": rss}))
        return 0
    print(json.dumps(time_stages(args.time_child, json.loads(args.plan))))
    return 0


def measure(size: int, repeats: dict[str, int]) -> dict[str, dict[str, float]]:
    """Median wall and CPU seconds, and peak RSS, per stage for one size."""
    print(f"-- {size:,} responses, repeats {repeats}", flush=True)
    runs = child(["--time-child", str(size), "--plan", json.dumps(repeats)])
    figures = {}
    for name, times in runs.items():
        wall, cpu = statistics.median(times["wall"]), statistics.median(times["cpu"])
        rss = peak_rss_mib(size, name)
        figures[name] = {"wall": wall, "cpu": cpu, "rss": rss, "repeats": len(times["wall"])}
        shown = ", ".join(f"{t:.2f}" for t in times["wall"])
        print(f"   {name}: wall {shown} s (median {wall:.2f}), CPU median {cpu:.2f} s, "
              f"peak RSS {rss:,.0f} MiB", flush=True)  # fmt: skip
    return figures


LABELS = {
    "run_job": "run_job (contender)",
    "floor": "download + pyarrow NDJSON read (floor)",
    "download": "download alone (zip to disk)",
    "baseline": "json_normalize + re.sub + to_sql (baseline)",
}


def report(results: dict[int, dict[str, dict[str, float]]], command: str) -> str:
    """The markdown section for bench/results/e2e.md."""
    lines = [
        "## End-to-end",
        "",
        "`run_job` on a generated sandbox survey (NPS-shaped NDJSON) over the in-process "
        "transport into a fresh DuckDB store: two mapped fields (number + verbatim) plus the "
        "default fields, all five PII kinds redacted, duplicates `replace`. The floor and the "
        "baseline pull the same export through the same client; the baseline is "
        "`json.loads` + `json_normalize` per 50k lines, the same fields, a per-row `re.sub` "
        "per PII kind and `DataFrame.to_sql` into SQLite. Every stage includes the sandbox "
        "generating and deflating the export in the same process. Each size runs in its own "
        "process; peak RSS is `ru_maxrss` of a fresh process doing one run of that stage.",
        "",
        "| responses | stage | runs | wall s (median) | CPU s (median) | responses/s (wall) "
        "| peak RSS MiB | run_job vs stage, wall (CPU) |",
        "|---:|---|---:|---:|---:|---:|---:|---|",
    ]
    for size, figures in results.items():
        ours = figures["run_job"]
        for name, stage in figures.items():
            lines.append(
                f"| {size:,} | {LABELS[name]} | {stage['repeats']:.0f} | {stage['wall']:.2f} "
                f"| {stage['cpu']:.2f} | {size / stage['wall']:,.0f} | {stage['rss']:,.0f} "
                f"| {_ratio(ours, stage, name)} |"
            )
    for sentence in commentary(results):
        lines += ["", sentence]
    lines += [
        "",
        "Targets: run_job within 2× the floor's time, and at least 10× faster than the "
        "baseline. Wall time on this shared 2-core machine waits whenever another job holds "
        "a core; the CPU time (whole process, the sandbox included) is the steadier figure.",
        "",
        f"Command: `{command}`",
        "",
    ]
    return "\n".join(lines)


def commentary(results: dict[int, dict[str, dict[str, float]]]) -> list[str]:
    """Per size: the work after the shared download, and how far the floor allows the target."""
    lines = []
    for size, figures in results.items():
        if "baseline" not in figures:
            continue
        base, ours = figures["baseline"], figures["run_job"]
        bound = base["cpu"] / figures["floor"]["cpu"]
        lines.append(
            f"At {size:,}: the floor itself is {base['wall'] / figures['floor']['wall']:.1f}× "
            f"({bound:.1f}× in CPU) faster than the baseline, so a 10× win over the baseline "
            f"needs run_job within {bound / 10:.2f}× the floor's CPU time (it takes "
            f"{ours['cpu'] / figures['floor']['cpu']:.2f}×)."
        )
        if "download" in figures:
            fetch = figures["download"]["wall"]
            work, theirs = ours["wall"] - fetch, base["wall"] - fetch
            lines[-1] += (
                f" Beyond the download ({fetch:.2f} s), run_job spends {work:.2f} s and the "
                f"baseline {theirs:.2f} s: {theirs / work:.1f}× faster on the work a pipeline "
                "adds to the transfer."
            )
    sizes = sorted(results)
    if len(sizes) > 1:
        small, large = (results[n]["run_job"]["rss"] for n in (sizes[0], sizes[-1]))
        lines.append(
            f"run_job's peak RSS at {sizes[-1]:,} is {large / small:.2f}× its peak at "
            f"{sizes[0]:,} ({small:,.0f} → {large:,.0f} MiB)."
        )
    return lines


def _ratio(ours: dict[str, float], theirs: dict[str, float], name: str) -> str:
    if name in ("run_job", "download"):
        return "—"
    if name == "floor":
        wall, cpu = ours["wall"] / theirs["wall"], ours["cpu"] / theirs["cpu"]
        return f"{wall:.2f}× ({cpu:.2f}×) the floor's time"
    return f"{theirs['wall'] / ours['wall']:.1f}× ({theirs['cpu'] / ours['cpu']:.1f}×) faster"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--large", action="store_true", help="also 1,000,000 responses")
    parser.add_argument("--responses", type=int, help="one size instead of the defaults")
    parser.add_argument("--repeats", type=int, default=5, help="run_job, floor and download runs")
    parser.add_argument(
        "--baseline-repeats", type=int, default=3, help="pandas pipeline runs (0: skip)"
    )
    parser.add_argument("--time-child", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--rss-child", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--stage", choices=sorted(STAGES), help=argparse.SUPPRESS)
    parser.add_argument("--plan", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.time_child or args.rss_child:
        return run_child(args)
    sizes = [args.responses] if args.responses else [100_000] + ([1_000_000] if args.large else [])
    results = {size: measure(size, plan(size, args)) for size in sizes}
    flags = " ".join(argv if argv is not None else sys.argv[1:])
    text = report(results, f"python bench/bench_e2e.py {flags}".strip())
    print(text)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(text)
    return 0


def plan(size: int, args: argparse.Namespace) -> dict[str, int]:
    """Runs per stage for one size: fewer at 1M, where one run already takes minutes."""
    large = size > 100_000
    repeats = dict.fromkeys(("run_job", "floor", "download"), args.repeats)
    repeats["baseline"] = args.baseline_repeats
    if large:
        repeats = {
            name: min(count, 2 if name != "baseline" else 1) for name, count in repeats.items()
        }
    return {name: count for name, count in repeats.items() if count > 0}


if __name__ == "__main__":
    os.environ.setdefault("QINBOUND_HOME", tempfile.mkdtemp(prefix="bench-e2e-home-"))
    sys.exit(main())
