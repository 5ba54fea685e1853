"""Run every benchmark in bench/ and assemble bench/RESULTS.md from their sections.

Each ``bench_<topic>.py`` has ``main(argv) -> int`` and writes ``bench/results/<topic>.md``.
Default sizes finish in a few minutes; pass ``--large`` for the large sizes.
"""

from __future__ import annotations

import importlib.util
import os
import platform
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).parent


def machine() -> str:
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
        memory = f", {kib / 1024 / 1024:.0f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    return f"{cpu}, {os.cpu_count()} cores{memory}, Python {platform.python_version()}"


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    failures = 0
    for script in sorted(HERE.glob("bench_*.py")):
        print(f"== {script.name}", flush=True)
        result = subprocess.run([sys.executable, str(script), *args], check=False)
        failures += result.returncode != 0
    sections = [path.read_text() for path in sorted((HERE / "results").glob("*.md"))]
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    header = (
        "# Benchmark results\n\n"
        f"Written by `make bench` ({'bench/run_all.py ' + ' '.join(args)}) on {stamp}.\n"
        f"Machine: {machine()}. Shared and noisy: figures are medians of repeated runs, and\n"
        "each contender runs beside its named baseline in the same process.\n\n"
    )
    (HERE / "RESULTS.md").write_text(header + "\n".join(sections))
    return 1 if failures else 0


if importlib.util.find_spec("qinbound_nb") is None:  # pragma: no cover
    sys.exit("install the package first: make bench")

if __name__ == "__main__":
    sys.exit(main())
