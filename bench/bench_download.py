"""Export download throughput from the sandbox: client download, unzip, and a pyarrow read.

Stages, each timed on its own (medians of several repeats, one process):

- generator (baseline): the sandbox's NDJSON generator alone, no zip, no HTTP;
- download, compress=false: the client's own cost (start, poll, stream to disk) plus generation;
- download: ``QualtricsClient.export_responses`` over the in-process transport (start, poll,
  streamed zip written to disk; includes the sandbox's generation and deflate);
- unzip: ``iter_members`` reading every byte of the member;
- unzip + pyarrow.json (floor): what a parser at least costs, the stream read by pyarrow.

Run: ``python bench/bench_download.py`` (100k responses) or ``--large`` (1M).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pyarrow.json as pa_json
from pydantic import SecretStr

from qinbound_nb.job.config import Connection
from qinbound_nb.qualtrics import QualtricsClient, ResponseExportRequest, iter_members
from qinbound_nb.sandbox.render import Selection
from qinbound_nb.sandbox.simulator import Sandbox

SURVEY = "SV_BenchDownload01"
RESULTS = Path(__file__).parent / "results" / "download.md"


def timed(action: Callable[[], int], repeats: int) -> tuple[float, int]:
    """Median seconds over ``repeats`` runs, and the byte count the action reports."""
    times, size = [], 0
    for _ in range(repeats):
        started = time.perf_counter()
        size = action()
        times.append(time.perf_counter() - started)
    return statistics.median(times), size


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--large", action="store_true", help="1,000,000 responses")
    parser.add_argument("--responses", type=int, help="override the response count")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    count = args.responses or (1_000_000 if args.large else 100_000)
    sandbox = Sandbox(seed=0, now=datetime(2026, 11, 20, tzinfo=UTC))
    survey = sandbox.add_generated_survey(SURVEY, responses=count)
    connection = Connection(name="sandbox", datacenter="sandbox", token=SecretStr("bench"))
    workdir = Path(tempfile.mkdtemp(prefix="bench-download-"))
    exports: list[Path] = []

    def generate() -> int:
        return sum(len(chunk) for chunk in survey.stream(range(count), "ndjson", Selection()))

    def download() -> int:
        with QualtricsClient(connection, transport=sandbox.transport(), sleep=lambda _: None) as c:
            export = c.export_responses(SURVEY, ResponseExportRequest(format="ndjson"), workdir)
        exports.append(export.path)
        return export.size

    def download_raw() -> int:
        request = ResponseExportRequest(format="ndjson", compress=False)
        with QualtricsClient(connection, transport=sandbox.transport(), sleep=lambda _: None) as c:
            return c.export_responses(SURVEY, request, workdir).size

    def unzip() -> int:
        total = 0
        for _, stream in iter_members(exports[-1]):
            while chunk := stream.read(1 << 20):
                total += len(chunk)
        return total

    def unzip_parse() -> int:
        rows = 0
        for _, stream in iter_members(exports[-1]):
            rows += pa_json.read_json(stream).num_rows
        assert rows == count, rows
        return rows

    generate()  # warm the row templates
    stages = [
        ("generator alone (baseline)", generate),
        ("download, compress=false (client + transport)", download_raw),
        ("download (client, streamed zip to disk)", download),
        ("unzip (iter_members)", unzip),
        ("unzip + pyarrow.json read (floor)", unzip_parse),
    ]
    results = [(name, *timed(action, args.repeats)) for name, action in stages]
    raw_bytes = results[0][2]
    lines = [
        "## Download",
        "",
        f"Export of {count:,} NDJSON responses from the sandbox ({raw_bytes / 1e6:,.0f} MB "
        f"unzipped, {results[2][2] / 1e6:,.0f} MB zipped; the sandbox deflates at level 1), "
        f"median of {args.repeats} runs.",
        "",
        "| stage | seconds | responses/s | MB/s (unzipped) | vs generator |",
        "|---|---:|---:|---:|---:|",
    ]
    for name, seconds, _ in results:
        lines.append(
            f"| {name} | {seconds:.2f} | {count / seconds:,.0f} | {raw_bytes / seconds / 1e6:,.0f}"
            f" | {seconds / results[0][1]:.1f}x |"
        )
    lines += [
        "",
        f"Command: `python bench/bench_download.py{' --large' if args.large else ''}`",
        "",
    ]
    text = "\n".join(lines)
    print(text)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(text)
    for path in workdir.iterdir():
        path.unlink()
    workdir.rmdir()
    return 0


if __name__ == "__main__":
    sys.exit(main())
