"""Peak memory of redaction at 100k and 1M comments, each measured in a fresh process.

Two ways of redacting the same comments (the labelled corpus of ``bench/corpus/people.py``,
all eight PII kinds on, typed masks):

- ``stream``, what a run does: the comments are read from a Parquet file in chunks of the
  run's ``chunk_rows`` (``qinbound_nb.runs.execute.CHUNK_ROWS``); each chunk is redacted and
  its redacted texts and spans are written to Parquet files before the next one is read;
  only the hit counts are kept across chunks.
- ``whole``: one ``redact`` call over the whole column, its result kept.

The corpus files are written once (chunk by chunk) to a temporary directory. Each
measurement runs ``python bench/redaction_memory.py --child MODE FILE`` and reads back the
process's peak RSS (``ru_maxrss``) and its RSS after imports.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE / "corpus"))

SIZES = (100_000, 1_000_000)
KINDS = ("email", "phone", "credit_card", "ssn", "ip", "person", "address", "iban")
MODES = ("stream", "whole")


def write_corpus(size: int, path: Path, chunk: int = 50_000) -> None:
    """``size`` people-corpus comments as a one-column Parquet file, written chunk by chunk."""
    import people
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = pa.schema([("text", pa.large_string())])
    with pq.ParquetWriter(path, schema) as writer:
        for number, start in enumerate(range(0, size, chunk)):
            rows = people.generate(min(chunk, size - start), seed=11 + number)
            writer.write_table(
                pa.table({"text": pa.array([c.text for c in rows], pa.large_string())})
            )


def child(mode: str, path: Path) -> dict[str, float]:
    """Redact the file ``mode``'s way; peak and after-import RSS in MiB, and the hit count."""
    import pandas as pd
    import pyarrow as pa
    import pyarrow.parquet as pq

    from qinbound_nb.core.redaction.redact import RedactionRules, redact
    from qinbound_nb.runs.execute import CHUNK_ROWS

    pa.set_cpu_count(1)
    rules = RedactionRules(pii=KINDS, mask_style="typed")
    redact(pd.Series(["warm up: Sarah Miller, 25 Angela Crescent"]), rules)
    baseline = _rss_mib()
    counts: Counter[str] = Counter()
    if mode == "whole":
        texts = pq.read_table(path).column("text").to_pandas()
        result = redact(texts, rules)
        counts.update(result.counts)
    else:
        with tempfile.TemporaryDirectory() as out:
            counts = _stream(path, Path(out), rules, CHUNK_ROWS)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"baseline": baseline, "peak": peak, "hits": sum(counts.values())}


def _stream(path: Path, out: Path, rules: object, chunk_rows: int) -> Counter[str]:
    """Chunks in, redacted texts and spans out, as a run moves them; only counts are kept."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from qinbound_nb.core.redaction.redact import redact

    counts: Counter[str] = Counter()
    texts_out = spans_out = None
    for batch in pq.ParquetFile(path).iter_batches(batch_size=chunk_rows, columns=["text"]):
        result = redact(batch.column(0).to_pandas(), rules)  # type: ignore[arg-type]
        counts.update(result.counts)
        texts = pa.table({"text": pa.array(result.text, pa.large_string())})
        spans = pa.Table.from_pandas(result.spans, preserve_index=False)
        texts_out = texts_out or pq.ParquetWriter(out / "texts.parquet", texts.schema)
        spans_out = spans_out or pq.ParquetWriter(out / "spans.parquet", spans.schema)
        texts_out.write_table(texts)
        spans_out.write_table(spans)
    for writer in (texts_out, spans_out):
        if writer is not None:
            writer.close()
    return counts


def _rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def measure(sizes: tuple[int, ...] = SIZES) -> dict[tuple[str, int], dict[str, float]]:
    """Every mode at every size, each in a fresh process."""
    found = {}
    with tempfile.TemporaryDirectory() as directory:
        for size in sizes:
            path = Path(directory) / f"people-{size}.parquet"
            write_corpus(size, path)
            for mode in MODES:
                done = subprocess.run(
                    [sys.executable, __file__, "--child", mode, str(path)],
                    capture_output=True,
                    text=True,
                    check=True,
                )
                found[(mode, size)] = json.loads(done.stdout)
                print(mode, size, found[(mode, size)], flush=True)
    return found


def section(sizes: tuple[int, ...] = SIZES) -> list[str]:
    """The memory table for RESULTS.md."""
    found = measure(sizes)
    small, large = sizes[0], sizes[-1]
    lines = [
        "Peak RSS of a fresh process redacting the people corpus (all eight kinds, typed "
        "masks): `stream` reads the comments from Parquet in chunks of the run's "
        "`chunk_rows` and writes each chunk's redacted texts and spans out before the next "
        "(what a run does); `whole` is one `redact` call over the whole column, its result "
        "kept. In brackets: RSS after imports and a warm-up call.",
        "",
        f"| mode | {small:,} comments: peak (after imports) MiB | {large:,}: peak MiB | ratio |",
        "|---|---|---|---|",
    ]
    for mode in MODES:
        low, high = found[(mode, small)], found[(mode, large)]
        lines.append(
            f"| {mode} | {low['peak']:.0f} ({low['baseline']:.0f}) | {high['peak']:.0f} "
            f"({high['baseline']:.0f}) | {high['peak'] / low['peak']:.2f}x |"
        )
    return [*lines, "", "Command: `python bench/bench_redaction.py --memory`."]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="peak memory of redaction, 100k vs 1M")
    parser.add_argument("--child", nargs=2, metavar=("MODE", "FILE"))
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(child(args.child[0], Path(args.child[1]))))
        return 0
    print("\n".join(section(tuple(args.sizes))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
