"""The reliability matrix: every fault and kill point, written to bench/results/reliability.md.

Run from the project root: ``.venv/bin/python -m tests.reliability.matrix`` (a few minutes;
``--quick`` leaves out the read-timeout rows and the random kill delays).
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from reliability_scenarios import (
    FAULTS,
    KILL_POINTS,
    KillOutcome,
    Outcome,
    Unavailable,
    kill_scenario,
    run_scenario,
)

RESULTS = Path(__file__).resolve().parents[2] / "bench" / "results" / "reliability.md"
COMMAND = ".venv/bin/python -m tests.reliability.matrix"


def fault_row(outcome: Outcome) -> str:
    fault = outcome.fault
    injected = " + ".join(filter(None, [fault.plan, fault.extra, fault.store_fault])) or (
        f"token {fault.token!r}"
    )
    error = (outcome.error or "").split(";")[0].replace("|", "/")
    error = error if len(error) <= 90 else error[:89] + "…"
    checkpoint = "ok" if outcome.checkpoint_ok else "**MOVED**"
    return (
        f"| {fault.name} | `{injected}` | {outcome.status} | {error or '-'} | {outcome.lost} | "
        f"{outcome.doubled} | {outcome.changed} | {checkpoint} | "
        f"{_yes(outcome.converged)} | {_yes(outcome.as_expected)} |"
    )


def _yes(flag: bool) -> str:
    return "yes" if flag else "**NO**"


def kill_row(outcome: KillOutcome) -> str:
    checkpoint = "ok" if outcome.checkpoint_ok else "**MOVED**"
    return (
        f"| kill -9 at `{outcome.point}` + {outcome.delay:.3f} s | SIGKILL | {outcome.landed} | "
        f"- | {outcome.lost} | {outcome.doubled} | {outcome.changed} | {checkpoint} | "
        f"{_yes(outcome.converged)} | {_yes(outcome.as_expected)} |"
    )


def main(argv: list[str] | None = None) -> int:
    """Run the matrix, print it and write its section; exit 1 if any row is unexpected."""
    options = argparse.ArgumentParser(description=__doc__)
    options.add_argument("--quick", action="store_true", help="skip the slow rows")
    options.add_argument("--output", type=Path, default=RESULTS)
    args = options.parse_args(argv)
    os.environ.setdefault("QINBOUND_HOME", tempfile.mkdtemp(prefix="qinbound-home-"))
    root = Path(tempfile.mkdtemp(prefix="qinbound-matrix-"))
    started = time.monotonic()
    rows, bad = [], 0
    for number, fault in enumerate(FAULTS):
        if args.quick and fault.slow:
            continue
        try:
            outcome = run_scenario(fault, root / f"fault-{number}")
        except Unavailable as exc:
            rows.append(f"| {fault.name} | `{fault.store_fault}` | not run: {exc} | | | | | | | |")
            continue
        rows.append(fault_row(outcome))
        bad += not outcome.as_expected
        print(rows[-1], flush=True)
    delays = [0.0] + ([] if args.quick else [0.05, 0.15, 0.3])
    rng = random.Random(2026)
    for point in KILL_POINTS:
        for delay in delays:
            jitter = round(delay * rng.uniform(0.5, 1.5), 3)
            outcome = kill_scenario(point, jitter, root / f"kill-{point}-{jitter}")
            rows.append(kill_row(outcome))
            bad += not outcome.as_expected
            print(rows[-1], flush=True)
    write_section(args.output, rows, time.monotonic() - started, args.quick)
    print(f"{len(rows)} rows, {bad} unexpected; written to {args.output}")
    return 1 if bad else 0


def write_section(path: Path, rows: list[str], seconds: float, quick: bool) -> None:
    header = [
        "## Reliability",
        "",
        "Day one (about 216 responses, 2026-11-02 12:00 UTC) is loaded cleanly; day two (about "
        "108 more) meets one fault, over a real loopback socket to the sandbox, with a client "
        "retrying 4 times and polling for at most 60 s (on a fake clock). *Lost*, *doubled* "
        "and *changed* count documents against what the last successful runs must have left "
        "(day one after a failure, both days after a recovery); *checkpoint* is ok when it "
        "did not move after a failure and stands at day two after a success; *rerun* is a "
        "clean day-two run that must converge on the table two clean runs produce. Kill -9 "
        "rows kill a `run_job` child process that many seconds after it reaches the step.",
        "",
        "| fault | injected as | day-two run | error (first clause) | lost | doubled | "
        "changed | checkpoint | rerun converged | as expected |",
        "|---|---|---|---|---:|---:|---:|---|---|---|",
    ]
    footer = ["", f"Made by `{COMMAND}{' --quick' if quick else ''}` in {seconds:.0f} s.", ""]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(header + rows + footer), encoding="utf-8")


if __name__ == "__main__":
    raise SystemExit(main())
