"""Redaction quality and speed: qinbound_nb's redact() against Microsoft Presidio, same corpus.

Contender: ``redact(texts, rules)`` with the five PII detectors (typed masks). Baselines, in
the same process: Presidio (presidio-analyzer + presidio-anonymizer 2.2, the EMAIL_ADDRESS,
PHONE_NUMBER, CREDIT_CARD, US_SSN and IP_ADDRESS pattern recognizers, a blank spaCy pipeline
so nothing is downloaded, tldextract on its bundled suffix-list snapshot) and one naive RE2
scan (``pyarrow.compute.replace_substring_regex`` with a textbook PII regex) as the speed
ceiling. Corpora come from ``bench/corpus/comments.py``: a PII-dense labelled corpus (half
the comments carry PII, 40% a decoy) and a survey mix (5% PII, 8% decoys). Quality is span
overlap with the same kind. Throughput is MB of UTF-8 text per CPU second (process time,
Arrow held to one thread), which the shared machine's other load disturbs less than wall
time. Run: ``python bench/bench_redaction.py [--large]``.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE / "corpus"))

import comments  # noqa: E402
import people  # noqa: E402, F401  (the corpus people_bench scores)
import people_bench  # noqa: E402

from qinbound_nb.core.redaction.redact import RedactionRules, redact  # noqa: E402

KINDS = ("email", "phone", "credit_card", "ssn", "ip")
PRESIDIO_KINDS = {
    "EMAIL_ADDRESS": "email",
    "PHONE_NUMBER": "phone",
    "CREDIT_CARD": "credit_card",
    "US_SSN": "ssn",
    "IP_ADDRESS": "ip",
}
NAIVE = {
    "email": r"[\w.+-]+@[\w-]+\.[\w.-]+",
    "ssn": r"\b\d{3}-\d{2}-\d{4}\b",
    "credit_card": r"\b(?:\d{4}[ -]?){3}\d{4}\b",
    "phone": r"(?:\+\d{1,3}[ .-]?)?\(?\d{3}\)?[ .-]?\d{3}[ .-]\d{4}\b",
    "ip": r"\b\d{1,3}(?:\.\d{1,3}){3}\b|\b[0-9a-fA-F:]*::[0-9a-fA-F:.]*",
}
NOTES = [
    "Notes. The corpus generator and the detectors were written by the same engineer, so the",
    "contender's scores are optimistic: they show that the look-alikes named in the issue are",
    "handled, not how it does on text nobody anticipated. Presidio runs without NER and without",
    "spaCy lemmas (a blank pipeline), so its context words cannot raise scores; every result is",
    "kept (score threshold 0). The naive scan is one `replace_substring_regex` over the column:",
    "no validation, no spans, no counts. Presidio runs in this process only when it is",
    "importable; it lives in its own venv (`/work/venv-bench`), so its columns may say 'not run'.",
]
MEMORY_TITLE = "### Memory"
NAIVE_PATTERN = "|".join(f"(?P<{kind}>{pattern})" for kind, pattern in NAIVE.items())


def ours(texts: pd.Series) -> list[list[tuple[int, int, str]]]:
    result = redact(texts, RedactionRules(pii=KINDS, mask_style="typed"))
    found: list[list[tuple[int, int, str]]] = [[] for _ in range(len(texts))]
    for span in result.spans.itertuples():
        found[span.row].append((span.input_start, span.input_end, span.kind))
    return found


def presidio() -> Callable[[list[str]], list[list[tuple[int, int, str]]]]:
    """A Presidio analyzer + anonymizer with pattern recognizers only, fully offline."""
    import spacy
    import tldextract
    from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
    from presidio_analyzer.nlp_engine import SpacyNlpEngine
    from presidio_analyzer.predefined_recognizers import (
        CreditCardRecognizer,
        EmailRecognizer,
        IpRecognizer,
        PhoneRecognizer,
        UsSsnRecognizer,
    )
    from presidio_anonymizer import AnonymizerEngine

    offline = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)
    tldextract.extract = offline  # the email recognizer would fetch the suffix list

    class BlankSpacy(SpacyNlpEngine):
        def load(self) -> None:
            self.nlp = {"en": spacy.blank("en")}

    nlp = BlankSpacy(models=[{"lang_code": "en", "model_name": "blank"}])
    nlp.load()
    registry = RecognizerRegistry(supported_languages=["en"])
    for recognizer in (EmailRecognizer, PhoneRecognizer, CreditCardRecognizer, UsSsnRecognizer):
        registry.add_recognizer(recognizer())
    registry.add_recognizer(IpRecognizer())
    analyzer = AnalyzerEngine(registry=registry, nlp_engine=nlp, supported_languages=["en"])
    anonymizer = AnonymizerEngine()

    def run(texts: list[str]) -> list[list[tuple[int, int, str]]]:
        found = []
        for text in texts:
            results = analyzer.analyze(text, language="en", entities=list(PRESIDIO_KINDS))
            anonymizer.anonymize(text=text, analyzer_results=results)
            found.append([(r.start, r.end, PRESIDIO_KINDS[r.entity_type]) for r in results])
        return found

    return run


def naive_spans(texts: list[str]) -> list[list[tuple[int, int, str]]]:
    import re2

    regex = re2.compile(NAIVE_PATTERN)
    found = []
    for text in texts:
        spans = []
        for match in regex.finditer(text):
            kind = next(k for k in NAIVE if match.group(k) is not None)
            spans.append((match.start(), match.end(), kind))
        found.append(spans)
    return found


def naive_scan(texts: pd.Series) -> object:
    return pc.replace_substring_regex(pa.array(texts), NAIVE_PATTERN, "[REDACTED]")


def score(corpus: list, found: list[list[tuple[int, int, str]]], kinds: tuple = KINDS) -> dict:
    """Precision, recall and F1 per kind and overall, by span overlap with the same kind."""
    right, missed, wrong = Counter(), Counter(), Counter()
    for comment, predicted in zip(corpus, found, strict=True):
        used: set[int] = set()
        for gold in comment.entities:
            hits = [
                i
                for i, (start, end, kind) in enumerate(predicted)
                if kind == gold["kind"] and start < gold["end"] and gold["start"] < end
            ]
            (right if hits else missed)[gold["kind"]] += 1
            used.update(hits)
        wrong.update(
            kind for i, (_, _, kind) in enumerate(predicted) if i not in used and kind in kinds
        )
    table = {}
    for kind in (*kinds, "overall"):
        tp = sum(right.values()) if kind == "overall" else right[kind]
        fn = sum(missed.values()) if kind == "overall" else missed[kind]
        fp = sum(wrong.values()) if kind == "overall" else wrong[kind]
        precision, recall = tp / max(1, tp + fp), tp / max(1, tp + fn)
        f1 = 2 * precision * recall / max(1e-9, precision + recall)
        table[kind] = (precision, recall, f1)
    return table


def timed(run: Callable[[], object], repeats: int) -> float:
    """Median CPU seconds of this process (one thread), so other load on the box counts less."""
    seconds = []
    for _ in range(repeats):
        started = time.process_time()
        run()
        seconds.append(time.process_time() - started)
    return statistics.median(seconds)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="redaction quality and speed vs Presidio")
    parser.add_argument("--large", action="store_true", help="1M comments, 20k for Presidio")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--size", type=int, help="comments per corpus (overrides the default)")
    parser.add_argument(
        "--people-only", action="store_true", help="only the names/addresses/IBANs section"
    )
    parser.add_argument(
        "--memory", action="store_true", help="only peak memory, 100k vs 1M, fresh processes"
    )
    args = parser.parse_args(argv)
    pa.set_cpu_count(1)
    if args.memory:
        return write_memory_section()
    if args.people_only:
        return write_people_section(args.size or 20_000, args.repeats)
    size, presidio_size = (1_000_000, 20_000) if args.large else (100_000, 3_000)
    size = args.size or size
    presidio_size = min(presidio_size, size)
    dense = comments.generate(size, seed=1, pii_share=0.5, decoy_share=0.4)
    try:
        run_presidio: Callable | None = presidio()
    except ImportError:  # Presidio lives in its own venv; the people section reaches it there
        run_presidio = None
    lines = ["## Redaction", ""]
    lines += quality_section(dense, presidio_size, run_presidio)
    # only the texts stay alive for the timings: a heap of labelled Comment objects would
    # make Python's cyclic GC, not the code under test, a large part of what is measured
    corpora = {
        "PII-dense (labelled)": pd.Series([c.text for c in dense], dtype="str"),
        "survey mix": pd.Series(
            [c.text for c in comments.generate(size, seed=2, pii_share=0.05, decoy_share=0.08)],
            dtype="str",
        ),
    }
    del dense
    gc.collect()
    lines += speed_section(corpora, presidio_size, run_presidio, args.repeats)
    command = "python bench/bench_redaction.py" + (" --large" if args.large else "")
    lines += ["", *NOTES, "", f"Command: `{command}` (medians of {args.repeats} runs; Presidio 3)."]
    lines += ["", *people_bench.section(args.size or 20_000, args.repeats)]
    text = "\n".join(lines) + "\n"
    print(text)
    (HERE / "results").mkdir(exist_ok=True)
    path = HERE / "results" / "redaction.md"
    earlier = path.read_text() if path.exists() else ""
    memory = MEMORY_TITLE + earlier.split(MEMORY_TITLE)[1] if MEMORY_TITLE in earlier else ""
    path.write_text(text + ("\n" + memory if memory else ""))  # the --memory run's subsection
    return 0


def quality_section(corpus: list, presidio_size: int, run_presidio: Callable | None) -> list[str]:
    texts = [c.text for c in corpus]
    head = corpus[:presidio_size]
    entities = Counter(e["kind"] for c in corpus for e in c.entities)
    results = {
        f"qinbound_nb ({len(corpus):,} comments)": score(corpus, ours(pd.Series(texts))),
        f"qinbound_nb (first {presidio_size:,})": score(
            head, ours(pd.Series(texts[:presidio_size]))
        ),
        f"naive RE2 regex (first {presidio_size:,})": score(
            head, naive_spans(texts[:presidio_size])
        ),
    }
    if run_presidio is not None:
        results[f"Presidio (first {presidio_size:,})"] = score(
            head, run_presidio(texts[:presidio_size])
        )
    lines = [
        f"Quality on the PII-dense labelled corpus ({sum(entities.values()):,} PII values: "
        + ", ".join(f"{k} {entities[k]:,}" for k in KINDS)
        + "). Precision / recall / F1, span overlap with the same kind.",
        "",
        "| contender | " + " | ".join(KINDS) + " | overall F1 |",
        "|---|" + "---|" * (len(KINDS) + 1),
    ]
    for name, table in results.items():
        cells = [f"{p:.3f} / {r:.3f} / {f:.3f}" for p, r, f in (table[k] for k in KINDS)]
        lines.append(f"| {name} | " + " | ".join(cells) + f" | **{table['overall'][2]:.4f}** |")
    return [*lines, ""]


def speed_section(
    corpora: dict, presidio_size: int, run_presidio: Callable | None, repeats: int
) -> list[str]:
    lines = [
        "Throughput: MB of UTF-8 text per CPU second of the one busy core (process time; Arrow "
        "held to one thread), median of the repeats.",
        "",
        "| corpus | MB | qinbound_nb MB/s | Presidio MB/s | × Presidio | naive RE2 scan MB/s | "
        "qinbound_nb / naive |",
        "|---|---|---|---|---|---|---|",
    ]
    rules = RedactionRules(pii=KINDS, mask_style="typed")
    for name, texts in corpora.items():
        megabytes = sum(len(t.encode()) for t in texts) / 1e6
        ours_mbs = megabytes / timed(lambda texts=texts: redact(texts, rules), repeats)
        naive_mbs = megabytes / timed(lambda texts=texts: naive_scan(texts), repeats)
        if run_presidio is None:
            lines.append(
                f"| {name} | {megabytes:.1f} | {ours_mbs:.1f} | not run | | {naive_mbs:.1f} | "
                f"{ours_mbs / naive_mbs:.2f} |"
            )
            print(lines[-1], flush=True)
            continue
        sample = list(texts[:presidio_size])
        sample_mb = sum(len(t.encode()) for t in sample) / 1e6
        presidio_mbs = sample_mb / timed(lambda sample=sample: run_presidio(sample), 3)
        lines.append(
            f"| {name} | {megabytes:.1f} | {ours_mbs:.1f} | {presidio_mbs:.3f} | "
            f"{ours_mbs / presidio_mbs:,.0f}× | {naive_mbs:.1f} | {ours_mbs / naive_mbs:.2f} |"
        )
        print(lines[-1], flush=True)
    return lines


def write_people_section(size: int, repeats: int) -> int:
    """Run only the names/addresses/IBANs section and put it in place in results/redaction.md
    (a memory subsection already there is kept)."""
    section = "\n".join(people_bench.section(size, repeats)) + "\n"
    print(section)
    path = HERE / "results" / "redaction.md"
    text = path.read_text() if path.exists() else ""
    kept = text.split(people_bench.TITLE)[0].rstrip()
    memory = MEMORY_TITLE + text.split(MEMORY_TITLE)[1] if MEMORY_TITLE in text else ""
    parts = [part for part in (kept, section.rstrip(), memory.rstrip()) if part]
    path.write_text("\n\n".join(parts) + "\n")
    return 0


def write_memory_section() -> int:
    """Peak RSS of a run's chunked redaction and of one whole-column call, 100k vs 1M, as the
    last subsection of results/redaction.md."""
    import redaction_memory

    section = "\n".join([MEMORY_TITLE, "", *redaction_memory.section()]) + "\n"
    print(section)
    path = HERE / "results" / "redaction.md"
    text = path.read_text() if path.exists() else ""
    kept = text.split(MEMORY_TITLE)[0].rstrip()
    path.write_text((kept + "\n\n" if kept else "") + section)
    return 0


if __name__ == "__main__":
    sys.exit(main())
