"""Run every benchmark in bench/ and assemble bench/RESULTS.md from their sections.

Each ``bench_<topic>.py`` has ``main(argv) -> int``, accepts ``--large`` and writes
``bench/results/<topic>.md`` (its own heading, table and the command that made it). Any
other ``bench/results/*.md`` (the reliability suite's fault matrix, say) is assembled too.

    python bench/run_all.py                  # default sizes, a few minutes (make bench)
    python bench/run_all.py --large          # the large sizes (1M responses; much longer)
    python bench/run_all.py --only e2e parse # rerun some benches, reassemble all sections
    python bench/run_all.py --only           # reassemble only, run nothing
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import platform
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).parent
RESULTS = HERE / "results"
# The order sections appear in: the whole run first, then its stages; the rest by name.
ORDER = ("e2e", "store_pg", "many_jobs", "download", "parse", "redaction", "preview", "cli")


def machine() -> str:
    """CPU model, cores, memory and Python version of this machine."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        kib = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f", {kib / 1024 / 1024:.0f} GiB RAM"
    except (OSError, ValueError, IndexError):
        pass
    system = f"{platform.system()} {platform.release()}"
    return f"{cpu}, {os.cpu_count()} cores{memory}, {system}, Python {platform.python_version()}"


def load_average() -> str:
    """The 1-minute load average, which says how busy the shared machine was."""
    try:
        return f"{os.getloadavg()[0]:.1f}"
    except OSError:
        return "unknown"


def topic(path: Path) -> str:
    """``bench_e2e.py`` → ``e2e``; ``results/e2e.md`` → ``e2e``."""
    return path.stem.removeprefix("bench_")


def run_benches(scripts: list[Path], large: bool) -> dict[str, tuple[int, float]]:
    """Run each script in its own process; return its exit code and seconds by topic."""
    outcomes = {}
    for script in scripts:
        command = [sys.executable, str(script), *(["--large"] if large else [])]
        print(f"== {script.name} (load {load_average()})", flush=True)
        started = time.perf_counter()
        code = subprocess.run(command, check=False, cwd=HERE.parent).returncode
        outcomes[topic(script)] = (code, time.perf_counter() - started)
        print(f"== {script.name}: exit {code} after {outcomes[topic(script)][1]:.0f} s", flush=True)
    return outcomes


def sections() -> list[Path]:
    """The result sections in report order."""
    found = {topic(path): path for path in RESULTS.glob("*.md")}
    ranked = [name for name in ORDER if name in found] + sorted(set(found) - set(ORDER))
    return [found[name] for name in ranked]


def header(args: list[str], outcomes: dict[str, tuple[int, float]], load: str) -> str:
    """The top of RESULTS.md: how it was made, on what, and what this run did."""
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    command = " ".join(["python bench/run_all.py", *args])
    lines = [
        "# Benchmark results",
        "",
        f"Assembled by `{command}` on {stamp} (`make bench` runs it without flags).",
        f"Machine: {machine()}.",
        "",
        "The machine is shared (other engineers' test runs were going on; 1-minute load "
        f"average {load} when this run began) and has 2 cores, so wall times are noisy: every "
        "figure is a median of repeated runs, each contender runs beside its named baseline "
        "in the same process, and some benches also give CPU time, the steadier figure. Each "
        "section names the command that made it; rerun one with "
        "`python bench/run_all.py --only <topic>`.",
        "",
    ]
    if outcomes:
        lines += ["| bench | exit | seconds |", "|---|---:|---:|"]
        lines += [f"| {name} | {code} | {secs:.0f} |" for name, (code, secs) in outcomes.items()]
        failed = [name for name, (code, _) in outcomes.items() if code]
        if failed:
            lines += ["", f"**Failed in this run: {', '.join(failed)}** — their sections below "
                      "are from an earlier run, if any."]  # fmt: skip
        lines.append("")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--large", action="store_true", help="pass --large to every bench")
    parser.add_argument(
        "--only", nargs="*", metavar="TOPIC", help="run only these benches (none: just assemble)"
    )
    args = parser.parse_args(argv)
    scripts = sorted(HERE.glob("bench_*.py"))
    if args.only is not None:
        unknown = set(args.only) - {topic(s) for s in scripts}
        if unknown:
            parser.error(f"no bench named {', '.join(sorted(unknown))}")
        scripts = [s for s in scripts if topic(s) in args.only]
    load = load_average()
    outcomes = run_benches(scripts, args.large)
    given = sys.argv[1:] if argv is None else argv
    text = header(given, outcomes, load) + "\n".join(
        p.read_text().rstrip() + "\n" for p in sections()
    )
    (HERE / "RESULTS.md").write_text(text)
    print(f"wrote {HERE / 'RESULTS.md'}")
    return 1 if any(code for code, _ in outcomes.values()) else 0


if importlib.util.find_spec("qinbound_nb") is None:  # pragma: no cover
    sys.exit("install the package first: make bench")

if __name__ == "__main__":
    sys.exit(main())
