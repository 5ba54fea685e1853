"""How fast the entry points answer: CLI commands and ``import qinbound_nb`` in fresh processes.

Each contender is a fresh Python process, timed from spawn to exit, beside the named
baseline ``python -c "import pandas"`` in the same rounds (interleaved, so a busy moment on
the shared machine hits every contender alike); figures are medians. The wizard's Finish
(save the job file + export the notebook) is timed in-process around the button click, in a
fresh process each round, so the first click's imports count. Once per contender a probe
records which heavy libraries (pandas, pyarrow, duckdb, nbformat, papermill, ipywidgets...)
the process loaded. The issue's targets: ``--help`` ≤ 0.5 s, ``validate`` and ``jobs``
≤ 1 s, Finish ≤ 1.5 s; nbformat, papermill and ipywidgets only where a notebook is written
or run or a widget shown.

    python bench/bench_cli.py                    # 7 rounds
    python bench/bench_cli.py --rounds 3         # a quick look
    python bench/bench_cli.py --before DIR       # also time another source tree (PYTHONPATH)
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
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).parent
ROOT = HERE.parent
RESULTS = HERE / "results" / "cli.md"
TEMPLATE = ROOT / "qinbound_nb" / "templates" / "nps-weekly.json"
SANDBOX_NOW = "2026-11-04T09:00:00Z"
HEAVY = ("pandas", "pyarrow", "numpy", "duckdb", "lark", "httpx", "nbformat", "jsonschema",
         "papermill", "ipywidgets", "IPython")  # fmt: skip
TARGETS = {"qinbound --help": 0.5, "qinbound validate JOB": 1.0, "qinbound jobs": 1.0,
           "wizard Finish (save + export)": 1.5}  # fmt: skip
BASELINE = "python -c 'import pandas' (baseline)"
FINISH_NAME = "wizard Finish (save + export)"
RUN_CLI = "import sys; from qinbound_nb.cli.main import main; sys.exit(main(sys.argv[1:]))"
PROBE = (
    "import sys, json, contextlib, io\n"
    "from qinbound_nb.cli.main import main\n"
    "with contextlib.redirect_stdout(io.StringIO()):\n"
    "    try: main(sys.argv[1:])\n"
    "    except SystemExit: pass\n"
    "print(json.dumps(sorted(m for m in sys.modules if m in {heavy})))"
)
FINISH = """
import json, sys, tempfile, time
from pathlib import Path
from qinbound_nb.job.config import JobConfig
from qinbound_nb.widgets.tasks import SynchronousExecutor
from qinbound_nb.widgets.wizard import Wizard
folder = Path(tempfile.mkdtemp(dir=sys.argv[2]))
wizard = Wizard(JobConfig.load(sys.argv[1]), executor=SynchronousExecutor(), jobs_dir=folder,
                api_factory=lambda connection: None)
wizard.go_to("finish")
before = set(sys.modules)
started, cpu = time.perf_counter(), time.process_time()
wizard.current.save_button.click()
seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
assert (folder / "nps-weekly.ipynb").exists() and (folder / "nps-weekly.json").exists()
wizard.close()
print(json.dumps({"seconds": seconds, "cpu": cpu,
                  "loaded": sorted(m for m in set(sys.modules) - before if m in %r)}))
"""


def prepare(folder: Path) -> tuple[Path, Path]:
    """A job file with an expression and rules to check, and a store with two runs of it."""
    from qinbound_nb import JobConfig, Store, run_job

    job = JobConfig.load(TEMPLATE).model_copy(deep=True)
    data = job.model_dump(mode="json")
    data["filter"]["expression"] = "NOT ISBLANK(nps_comment) AND nps_score >= 0"
    data["rules"]["redactions"] = r"\bORD-\d{6}\b"
    job = JobConfig.model_validate(data)
    job_path = job.save(folder / "nps-weekly.json")
    store = folder / "bench.duckdb"
    for day in ("2026-11-03T09:00:00Z", SANDBOX_NOW):
        os.environ["QINBOUND_SANDBOX_NOW"] = day  # the sandbox and the run share one clock
        run_job(job, store=store, now=datetime.fromisoformat(day.replace("Z", "+00:00")))
    with Store.open(store) as opened:
        opened.register_job(job, job_path)
    return job_path, store


def commands(job: Path, store: Path, scratch: Path) -> dict[str, list[str]]:
    """What each contender runs (arguments after ``python``)."""
    cli = [sys.executable, "-c", RUN_CLI]
    return {
        BASELINE: [sys.executable, "-c", "import pandas"],
        "python -c 'import qinbound_nb'": [sys.executable, "-c", "import qinbound_nb"],
        "qinbound --help": [*cli, "--help"],
        "qinbound validate JOB": [*cli, "validate", str(job)],
        "qinbound schema": [*cli, "schema"],
        "qinbound jobs": [*cli, "jobs", "--store", str(store)],
        "qinbound history JOB": [*cli, "history", str(job), "--store", str(store)],
        FINISH_NAME: [sys.executable, "-c", FINISH % (HEAVY,), str(job), str(scratch)],
    }


def environment(source: Path, scratch: Path) -> dict[str, str]:
    """The children's environment: ``source`` first on the path, a private home, and a
    private bytecode cache (an installed package has its ``.pyc`` files; recompiling every
    module in every run would time the compiler, not the imports)."""
    home = tempfile.mkdtemp(prefix="home-", dir=scratch)  # also the children's working folder
    env = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
    return env | {"PYTHONPATH": str(source), "QINBOUND_HOME": home,
                  "QINBOUND_SANDBOX_NOW": SANDBOX_NOW,
                  "PYTHONPYCACHEPREFIX": str(scratch / "pycache")}  # fmt: skip


def time_once(name: str, command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU seconds from spawn to exit (for Finish: the click, as the process says).

    The child runs in a scratch folder: ``python -c`` puts the working folder first on the
    path, which would shadow the source tree the environment names.
    """
    cpu_before = _children_cpu()
    started = time.perf_counter()
    done = subprocess.run(
        command, env=env, cwd=env["QINBOUND_HOME"], capture_output=True, text=True, check=False
    )
    elapsed = time.perf_counter() - started
    cpu = _children_cpu() - cpu_before
    if done.returncode != 0:
        raise SystemExit(f"{name} failed (exit {done.returncode}): {done.stderr[-2000:]}")
    if name == FINISH_NAME:
        reported = json.loads(done.stdout.splitlines()[-1])
        return float(reported["seconds"]), float(reported["cpu"])
    return elapsed, cpu


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def heavy_loaded(name: str, command: list[str], env: dict[str, str]) -> list[str]:
    """The heavy libraries a contender's process loads (for Finish: that the click loads)."""
    if name == FINISH_NAME:
        probe = command
    elif command[2] == RUN_CLI:
        probe = [sys.executable, "-c", PROBE.format(heavy=set(HEAVY)), *command[3:]]
    else:
        listing = f"\nimport sys, json\nprint(json.dumps(sorted(set(sys.modules) & {set(HEAVY)})))"
        probe = [sys.executable, "-c", command[2] + listing]
    done = subprocess.run(
        probe, env=env, cwd=env["QINBOUND_HOME"], capture_output=True, text=True, check=True
    )
    found = json.loads(done.stdout.splitlines()[-1])
    return list(found["loaded"] if name == FINISH_NAME else found)


def measure(
    contenders: dict[str, list[str]], env: dict[str, str], rounds: int
) -> dict[str, tuple[float, float]]:
    """Median wall and CPU seconds per contender over ``rounds`` interleaved rounds, after
    one warm-up round (it fills the bytecode cache)."""
    times: dict[str, list[tuple[float, float]]] = {name: [] for name in contenders}
    for round_number in range(rounds + 1):
        for name, command in contenders.items():
            measured = time_once(name, command, env)
            if round_number:
                times[name].append(measured)
    return {
        name: (statistics.median(w for w, _ in values), statistics.median(c for _, c in values))
        for name, values in times.items()
    }


def load_average() -> float:
    return os.getloadavg()[0]


def report(
    medians: dict[str, tuple[float, float]],
    loaded: dict[str, list[str]],
    before: dict[str, tuple[float, float]] | None,
    rounds: int,
    loads: tuple[float, float],
    before_label: str = "",
) -> str:
    """The markdown section: one row per contender, ratios to the baseline, targets."""
    base_wall, base_cpu = medians[BASELINE]
    lines = [
        "## CLI and entry points",
        "",
        f"Run on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC. Fresh processes timed spawn to exit, "
        f"median of {rounds} interleaved rounds, beside "
        f"`python -c 'import pandas'` as the baseline (median {base_wall:.2f} s wall, "
        f"{base_cpu:.2f} s CPU). The wizard's Finish is the button click (save the job file + "
        "export the notebook) timed inside a fresh process that built the wizard first, so the "
        "click's own imports count. The machine (2 cores) is shared: 1-minute load average "
        f"{loads[0]:.1f} before and {loads[1]:.1f} after the runs, so wall times wait for a "
        "core; CPU time (user + system of the child) and the ratios to the baseline, measured "
        "in the same rounds, are the steadier figures. Targets are on wall time.",
        "",
        "| contender | wall s | vs baseline | CPU s | vs baseline (CPU) | target (wall) "
        "| heavy libraries loaded |" + (" before: wall s | before: CPU s |" if before else ""),
        "|---|---:|---:|---:|---:|---|---|" + ("---:|---:|" if before else ""),
    ]
    for name, (wall, cpu) in medians.items():
        target = TARGETS.get(name)
        verdict = f"≤ {target} s {'✓' if wall <= target else '✗'}" if target else "—"
        libraries = ", ".join(loaded[name]) or "none"
        row = (
            f"| {name} | {wall:.2f} | {wall / base_wall:.2f}× | {cpu:.2f} | "
            f"{cpu / base_cpu:.2f}× | {verdict} | {libraries} |"
        )
        if before:
            row += f" {before[name][0]:.2f} | {before[name][1]:.2f} |"
        lines.append(row)
    if before:
        lines += ["", f"*before*: the same contenders against {before_label}, timed in the "
                  "same session."]  # fmt: skip
    command = "python bench/bench_cli.py" + (f" --rounds {rounds}" if rounds != 7 else "")
    command += " --before DIR --before-label '...'" if before else ""
    lines += ["", f"Command: `{command}`"]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7, help="interleaved rounds (7)")
    parser.add_argument("--large", action="store_true", help="accepted for run_all; no effect")
    parser.add_argument("--before", type=Path, help="another source tree to time alongside")
    parser.add_argument(
        "--before-label",
        default="the source tree given with `--before`",
        help="what --before is, for the report (e.g. the commit it was exported from)",
    )
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="qinbound-bench-cli-") as scratch:
        folder = Path(scratch)
        os.environ.setdefault("QINBOUND_HOME", str(folder / "home"))
        job, store = prepare(folder)
        contenders = commands(job, store, folder)
        env = environment(ROOT, folder)
        loads = [load_average()]
        loaded = {name: heavy_loaded(name, command, env) for name, command in contenders.items()}
        medians = measure(contenders, env, args.rounds)
        before = (
            measure(contenders, environment(args.before, folder), args.rounds)
            if args.before
            else None
        )
        loads.append(load_average())
    text = report(medians, loaded, before, args.rounds, (loads[0], loads[1]), args.before_label)
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
