"""Parse + map throughput on NDJSON survey exports, against json + pandas.json_normalize.

The contender is the job's own path: ``iter_export_frames`` (pyarrow's NDJSON reader in
blocks) then ``apply_mapping`` with a realistic mapping. The baseline parses every line
with ``json.loads`` and flattens with ``pandas.json_normalize`` (and maps nothing).
Peak memory: the contender runs alone in a fresh subprocess per size and reports
``ru_maxrss``; the larger export must stay within 1.3x the smaller one's peak.

    python bench/bench_parse.py            # 20k responses; memory at 100k vs 300k
    python bench/bench_parse.py --large    # 100k responses; memory at 100k vs 1M
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.json as pyarrow_json

from qinbound_nb import JobConfig
from qinbound_nb.core.mapping import apply_mapping, raw_columns
from qinbound_nb.core.parse.export import iter_export_frames

HERE = Path(__file__).parent
CACHE = HERE / ".cache"
RESULTS = HERE / "results" / "parse.md"
REPEATS = 5
UTC_S = pa.timestamp("s")  # what the reader guesses for ISO text
WORD_LIST = (
    "the service was quick friendly slow rude great terrible delivery price support staff "
    "app website checkout refund order late early helpful confusing clean store manager"
)
WORDS = WORD_LIST.split()
AGREEMENT = ["Strongly disagree", "Disagree", "Neutral", "Agree", "Strongly agree"]
REASONS = ["Price", "Support", "Delivery", "Quality"]
JOB = {
    "name": "bench",
    "project": "bench",
    "connection": "sandbox",
    "source": {"type": "survey", "survey_id": "SV_1NpsDemoSurvey1"},
    "mapping": {
        "document_date": "recordedDate",
        "fields": [
            {"source": "QID3_TEXT", "name": "comment_text", "type": "verbatim"},
            {"source": "QID1", "name": "nps", "type": "number"},
            {"source": "QID2", "name": "reasons", "type": "text"},
            {"source": "QID4_1", "name": "staff", "type": "number"},
            {"source": "QID4_2", "name": "speed", "type": "number"},
            {"source": "outlet", "name": "outlet", "type": "text"},
            {"source": "startDate", "name": "started", "type": "date"},
            {"source": "userLanguage", "name": "language", "type": "text"},
        ],
    },
}


def response(number: int, rng: random.Random) -> str:
    """One realistic NDJSON survey response with about 30 value columns."""
    start = datetime(2024, 1, 1, tzinfo=UTC) + timedelta(seconds=number * 37)
    end = start + timedelta(seconds=rng.randint(30, 900))
    in_progress = rng.random() < 0.03
    rid = f"{'FS' if in_progress else 'R'}_{number:015d}"
    values: dict[str, Any] = {
        "startDate": start.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "endDate": end.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "status": 0,
        "ipAddress": f"203.0.{rng.randint(0, 255)}.{rng.randint(0, 255)}",
        "progress": 40 if in_progress else 100,
        "duration": int((end - start).total_seconds()),
        "finished": 0 if in_progress else 1,
        "recordedDate": "" if in_progress else end.strftime("%Y-%m-%dT%H:%M:%S.123Z"),
        "_recordId": rid,
        "locationLatitude": f"{rng.uniform(-60, 60):.4f}",
        "locationLongitude": f"{rng.uniform(-120, 120):.4f}",
        "distributionChannel": rng.choice(["email", "anonymous", "social"]),
        "userLanguage": rng.choice(["EN", "DE", "FR"]),
        "QID1": rng.randint(0, 10),
        "QID2": rng.sample(["1", "2", "3", "4"], rng.randint(0, 3)),
        "QID3_TEXT": " ".join(rng.choices(WORDS, k=rng.randint(3, 40))),
        **{f"QID4_{row}": rng.randint(1, 5) for row in range(1, 7)},
        **{f"QID{n}": rng.randint(1, 7) for n in range(5, 12)},
        "outlet": rng.choice(["Berlin", "Munich", "Hamburg", "Cologne"]),
        "QID18_NPS_GROUP": rng.randint(1, 3),
    }
    questions = [key for key in values if key.startswith("QID")]
    choices = [key for key in questions if isinstance(values[key], int)]
    # The API sends labels for coded answers and what was displayed (qualtrics-api.md §7.2).
    labels = {
        "status": "IP Address",
        "finished": "True" if values["finished"] else "False",
        "QID2": [REASONS[int(choice) - 1] for choice in values["QID2"]],
        **{key: AGREEMENT[min(values[key], 5) - 1] for key in choices if key != "QID1"},
        "QID1": str(values["QID1"]),
    }
    shown = {key: list(range(1, 6)) for key in choices}
    record = {"responseId": rid, "values": values, "labels": labels,
              "displayedFields": questions, "displayedValues": shown}  # fmt: skip
    return json.dumps(record)


def export_file(size: int) -> Path:
    """The cached NDJSON export with ``size`` responses (generated once)."""
    CACHE.mkdir(exist_ok=True)
    path = CACHE / f"survey_v2_{size}.ndjson"
    if not path.exists():
        rng = random.Random(size)
        partial = path.with_suffix(".partial")
        with open(partial, "w") as out:
            for start in range(0, size, 10_000):
                rows = range(start, min(size, start + 10_000))
                out.write("\n".join(response(n, rng) for n in rows) + "\n")
        partial.rename(path)
    return path


def contender(path: Path) -> int:
    """The job's path: parse only the raw columns the mapping reads, then map."""
    job = JobConfig.from_dict(JOB)
    loaded = datetime(2024, 6, 1, tzinfo=UTC)
    count = 0
    with open(path, "rb") as stream:
        for chunk in iter_export_frames(stream, "ndjson", columns=raw_columns(job)):
            count += len(apply_mapping(chunk.frame, job, load_date=loaded).documents)
    return count


def reader_alone(path: Path) -> int:
    """pyarrow's NDJSON reader on the whole file: the ceiling for any pyarrow-based parse."""
    return int(pyarrow_json.read_json(path).num_rows)


def projected_read(path: Path) -> int:
    """pyarrow's reader keeping only ``responseId`` and the mapped ``values``: the floor of
    the contender's own read (the tokenizer still scans every byte of every line)."""
    wanted = set(raw_columns(JobConfig.from_dict(JOB)))
    with open(path, "rb") as stream:
        sample = stream.read(1 << 18)
    sample = sample[: sample.rfind(b"\n") + 1]
    values = pyarrow_json.read_json(pa.py_buffer(sample)).schema.field("values").type
    kept = [f if f.type != pa.int64() else f.with_type(pa.float64()) for f in values]
    kept = [f if f.type != UTC_S else f.with_type(pa.string()) for f in kept if f.name in wanted]
    schema = pa.schema([("responseId", pa.string()), ("values", pa.struct(kept))])
    options = pyarrow_json.ParseOptions(explicit_schema=schema, unexpected_field_behavior="ignore")
    return int(pyarrow_json.read_json(path, parse_options=options).num_rows)


def baseline(path: Path) -> int:
    """json.loads of every line, then pandas.json_normalize of the lot (maps nothing)."""
    with open(path) as stream:
        records = [json.loads(line) for line in stream if line.strip()]
    return len(pd.json_normalize(records))


CONTENDERS = {
    "ours": contender,
    "projected": projected_read,
    "reader": reader_alone,
    "baseline": baseline,
}


def timed(function: Callable[[Path], int], path: Path) -> tuple[float, float]:
    """Responses per wall second and per CPU second (all threads) of one run."""
    began, cpu = time.perf_counter(), time.process_time()
    count = function(path)
    return count / (time.perf_counter() - began), count / (time.process_time() - cpu)


def own_peak_rss_mib() -> float:
    """This process's peak RSS. VmHWM, because ru_maxrss survives exec: a child started
    from a big parent would report the parent's size."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def peak_rss_mib(path: Path) -> float:
    """Run the contender in a fresh interpreter and return its peak RSS in MiB."""
    output = subprocess.run(
        [sys.executable, __file__, "--rss-child", str(path)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return float(output.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--large", action="store_true", help="100k throughput, 1M memory")
    parser.add_argument("--repeats", type=int, default=REPEATS, help="runs of each contender")
    parser.add_argument("--rss-child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.rss_child:
        contender(args.rss_child)
        print(own_peak_rss_mib())
        return 0
    size = 100_000 if args.large else 20_000
    # Both sizes fill several 50k-row chunks, so the comparison is about growth, not about
    # an export that fits in one chunk.
    small, large = (100_000, 1_000_000) if args.large else (100_000, 300_000)
    path = export_file(size)
    runs: dict[str, list[tuple[float, float]]] = {key: [] for key in CONTENDERS}
    load = os.getloadavg()[0]
    for _ in range(args.repeats):  # interleaved, so a burst of load hits every contender
        for key, function in CONTENDERS.items():
            runs[key].append(timed(function, path))
    load = max(load, os.getloadavg()[0])
    rates = {
        key: (
            statistics.median(r[0] for r in runs[key]),
            statistics.median(r[1] for r in runs[key]),
        )
        for key in CONTENDERS
    }
    for key, (wall, cpu) in rates.items():
        print(f"{key:>10}: {wall:9,.0f}/s wall ({wall / rates['baseline'][0]:4.1f}x), "
              f"{cpu:9,.0f}/CPU s ({cpu / rates['baseline'][1]:4.1f}x)")  # fmt: skip
    rss_small, rss_large = peak_rss_mib(export_file(small)), peak_rss_mib(export_file(large))
    print(f"peak RSS {small:,}: {rss_small:.0f} MiB; {large:,}: {rss_large:.0f} MiB")
    RESULTS.parent.mkdir(exist_ok=True)
    section = report(size, rates, args.repeats, load, ((small, rss_small), (large, rss_large)))
    RESULTS.write_text(
        section + f"\nCommand: `python bench/bench_parse.py{' --large' * args.large}`\n"
    )
    return 0


LABELS = {
    "ours": "iter_export_frames(columns=raw_columns(job)) + apply_mapping (8 fields)",
    "projected": "pyarrow.json.read_json, only responseId + mapped values (floor of our read)",
    "reader": "pyarrow.json.read_json alone, whole file (ceiling: no typing, no mapping)",
    "baseline": "json.loads + pandas.json_normalize (baseline, no mapping)",
}


def report(
    size: int,
    rates: dict[str, tuple[float, float]],
    repeats: int,
    load: float,
    memory: tuple[tuple[int, float], tuple[int, float]],
) -> str:
    """The markdown section for bench/results/parse.md."""
    (small, rss_small), (large, rss_large) = memory
    mib = {n: export_file(n).stat().st_size / 2**20 for n in (small, large)}
    wall0, cpu0 = rates["baseline"]
    rows = "".join(
        f"| {LABELS[key]} | {wall:,.0f} | {wall / wall0:.1f}x | {cpu:,.0f} | {cpu / cpu0:.1f}x |\n"
        for key, (wall, cpu) in rates.items()
    )
    return (
        "## Parse\n\n"
        "NDJSON survey export as the API sends it (~30 value columns incl. a free-text "
        "comment, labels, displayed fields and values; ~1.9 KB a response), "
        f"{size:,} responses; median of {repeats} interleaved runs each, side by side in one "
        f"process. The machine (2 cores) is shared: load average up to {load:.1f} during the "
        "runs, so wall rates are noisy and mostly single-core; the CPU-second rates (all "
        "threads) are the steadier comparison.\n\n"
        "| contender | responses/s (wall) | vs baseline | responses/CPU s | vs baseline |\n"
        f"|---|---:|---:|---:|---:|\n{rows}\n"
        "Peak RSS (VmHWM) of parse+map in a fresh process (target: the larger within 1.3x):\n\n"
        "| responses | file MiB | peak RSS MiB |\n|---:|---:|---:|\n"
        f"| {small:,} | {mib[small]:,.0f} | {rss_small:.0f} |\n"
        f"| {large:,} | {mib[large]:,.0f} | {rss_large:.0f} ({rss_large / rss_small:.2f}x) |\n"
    )


if __name__ == "__main__":
    sys.exit(main())
