"""Names, street addresses and IBANs: our detectors beside Presidio's default analyzer.

Corpus: ``bench/corpus/people.py`` (names of ten locales, a quarter invented; addresses in
eight countries' formats; IBANs of ten countries; the decoys of issue 13). Ours: ``redact``
with all eight built-in kinds on, spans read back from ``Redacted.spans``. Presidio: its
default analyzer with spaCy's small English model, run by ``bench/presidio_people.py`` in a
separate venv (``$PRESIDIO_PYTHON``, default ``/work/venv-bench/bin/python``) on the first
rows of the same corpus; its LOCATION entity stands for an address. Quality is span overlap
with the same kind; throughput is MB of UTF-8 text per CPU second (one thread).
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import time
from collections import Counter
from pathlib import Path

import comments
import pandas as pd
import people

from qinbound_nb.core.redaction.redact import RedactionRules, redact

TITLE = "### Names, street addresses and IBANs"
NEW_KINDS = ("person", "address", "iban")
ALL_KINDS = ("email", "phone", "credit_card", "ssn", "ip", *NEW_KINDS)
PRESIDIO_ROWS = 2_000
PRESIDIO_PYTHON = os.environ.get("PRESIDIO_PYTHON", "/work/venv-bench/bin/python")
HERE = Path(__file__).parent
RULES = RedactionRules(pii=ALL_KINDS, mask_style="typed")


def ours(texts: list[str]) -> list[list[tuple[int, int, str]]]:
    result = redact(pd.Series(texts, dtype="str"), RULES)
    found: list[list[tuple[int, int, str]]] = [[] for _ in texts]
    for span in result.spans.itertuples():
        found[span.row].append((span.input_start, span.input_end, span.kind))
    return found


def presidio(texts: list[str]) -> tuple[list[list[tuple[int, int, str]]], float] | None:
    """Presidio's spans and CPU seconds, or None when its venv is not there."""
    if not Path(PRESIDIO_PYTHON).exists():
        return None
    done = subprocess.run(
        [PRESIDIO_PYTHON, str(HERE / "presidio_people.py")],
        input=json.dumps(texts),
        capture_output=True,
        text=True,
        check=True,
        env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"},
    )
    answer = json.loads(done.stdout)
    return [[tuple(span) for span in row] for row in answer["spans"]], answer["cpu_seconds"]


def score(corpus: list[people.Comment], found: list[list[tuple[int, int, str]]]) -> dict:
    """Precision, recall, F1 per new kind and over the three, by overlap with the same kind."""
    right, missed, wrong = Counter[str](), Counter[str](), Counter[str]()
    for comment, predicted in zip(corpus, found, strict=True):
        used: set[int] = set()
        for gold in comment.entities:
            hits = [
                i
                for i, (start, end, kind) in enumerate(predicted)
                if kind == gold["kind"] and start < gold["end"] and gold["start"] < end  # type: ignore[operator]
            ]
            (right if hits else missed)[str(gold["kind"])] += 1
            used.update(hits)
        wrong.update(k for i, (_, _, k) in enumerate(predicted) if i not in used and k in NEW_KINDS)
    table = {}
    for kind in (*NEW_KINDS, "overall"):
        pick = NEW_KINDS if kind == "overall" else (kind,)
        tp, fn, fp = (sum(c[k] for k in pick) for c in (right, missed, wrong))
        precision, recall = tp / max(1, tp + fp), tp / max(1, tp + fn)
        table[kind] = (precision, recall, 2 * precision * recall / max(1e-9, precision + recall))
    return table


ORIGINS = ("invented", "listed", "real, unlisted")


def origin(comment: people.Comment, gold: dict[str, object]) -> str:
    """Where a person value comes from: invented from syllables; a real name with a word the
    detector's lists hold (a first name); a real name without one (a surname after a title)."""
    if gold.get("invented"):
        return "invented"
    words = comment.text[gold["start"] : gold["end"]].split()  # type: ignore[misc]
    return "listed" if any(word in _listed() for word in words) else "real, unlisted"


def _listed() -> frozenset[str]:
    from qinbound_nb.core.redaction import person_lexicon as lexicon

    names = [*lexicon.FIRST_NAMES.values(), lexicon.WORD_NAMES]
    return frozenset(word for words in names for word in words.split())


def recall_by_origin(
    corpus: list[people.Comment], found: list[list[tuple[int, int, str]]]
) -> dict[str, tuple[int, int]]:
    """Person values caught and labelled, per origin."""
    caught, total = Counter[str](), Counter[str]()
    for comment, predicted in zip(corpus, found, strict=True):
        for gold in comment.entities:
            if gold["kind"] != "person":
                continue
            group = origin(comment, gold)
            total[group] += 1
            caught[group] += any(
                kind == "person" and start < gold["end"] and gold["start"] < end  # type: ignore[operator]
                for start, end, kind in predicted
            )
    return {group: (caught[group], total[group]) for group in ORIGINS}


def origin_lines(name: str, recalls: dict[str, tuple[int, int]]) -> str:
    cells = [f"{hit / max(1, all_):.3f} ({all_:,})" for hit, all_ in recalls.values()]
    return f"| {name} | " + " | ".join(cells) + " |"


def cpu_seconds(texts: list[str], repeats: int) -> float:
    series = pd.Series(texts, dtype="str")
    times = []
    for _ in range(repeats):
        started = time.process_time()
        redact(series, RULES)
        times.append(time.process_time() - started)
    return statistics.median(times)


def section(size: int, repeats: int) -> list[str]:
    corpus = people.generate(size, seed=11)
    texts = [c.text for c in corpus]
    head = min(PRESIDIO_ROWS, size)
    counts = Counter(str(e["kind"]) for c in corpus for e in c.entities)
    our_spans = ours(texts)
    results = {
        f"qinbound_nb ({size:,} comments)": score(corpus, our_spans),
        f"qinbound_nb (first {head:,})": score(corpus[:head], ours(texts[:head])),
    }
    by_origin = {f"qinbound_nb ({size:,} comments)": recall_by_origin(corpus, our_spans)}
    theirs = presidio(texts[:head])
    if theirs is not None:
        results[f"Presidio + en_core_web_sm (first {head:,})"] = score(corpus[:head], theirs[0])
        by_origin[f"Presidio + en_core_web_sm (first {head:,})"] = recall_by_origin(
            corpus[:head], theirs[0]
        )
    megabytes = sum(len(t.encode()) for t in texts) / 1e6
    our_rate = megabytes / cpu_seconds(texts, repeats)
    lines = [
        TITLE,
        "",
        f"Quality on the labelled corpus of `bench/corpus/people.py` ({size:,} comments, "
        + ", ".join(f"{k} {counts[k]:,}" for k in NEW_KINDS)
        + "). Precision / recall / F1, span overlap with the same kind; all eight kinds on.",
        "",
        "| contender | person | address | iban | overall P / R / F1 |",
        "|---|---|---|---|---|",
    ]
    for name, table in results.items():
        cells = [f"{p:.3f} / {r:.3f} / {f:.3f}" for p, r, f in (table[k] for k in NEW_KINDS)]
        p, r, f = table["overall"]
        lines.append(f"| {name} | " + " | ".join(cells) + f" | **{p:.3f} / {r:.3f} / {f:.3f}** |")
    lines += [
        "",
        "Person recall by where the name comes from (values in brackets): invented from "
        "syllables (in no list the detector uses), real names with a word the detector's "
        "first-name lists hold, real names without one (a surname after a title).",
        "",
        "| contender | " + " | ".join(ORIGINS) + " |",
        "|---|---|---|---|",
        *(origin_lines(name, recalls) for name, recalls in by_origin.items()),
    ]
    lines += ["", "| throughput (MB per CPU second, one thread) | MB/s |", "|---|---|"]
    lines.append(f"| qinbound_nb, all eight kinds, {megabytes:.1f} MB | {our_rate:.1f} |")
    mix = [c.text for c in comments.generate(size * 5, seed=2, pii_share=0.05, decoy_share=0.08)]
    mix_mb = sum(len(t.encode()) for t in mix) / 1e6
    mix_rate = mix_mb / cpu_seconds(mix, repeats)
    lines.append(f"| qinbound_nb, all eight kinds, survey mix ({mix_mb:.1f} MB) | {mix_rate:.1f} |")
    if theirs is not None:
        head_mb = sum(len(t.encode()) for t in texts[:head]) / 1e6
        their_rate = head_mb / theirs[1]
        lines.append(
            f"| Presidio + en_core_web_sm, first {head:,} ({head_mb:.2f} MB) | {their_rate:.3f} |"
        )
        lines.append(f"| ratio | {our_rate / their_rate:,.0f}× |")
    else:
        lines.append(f"| Presidio | not run: no {PRESIDIO_PYTHON} |")
    return [
        *lines,
        "",
        *NOTES,
        "",
        f"Command: `python bench/bench_redaction.py --people-only --size {size}` "
        f"(median of {repeats}).",
    ]


NOTES = [
    "Notes. The corpus generator and the detectors were written by the same engineer, in the",
    "same session: the templates, cue phrases and decoys the corpus uses are the ones the",
    "detector was written against, so these scores flatter it and say little about comments",
    "nobody anticipated (a name opening a sentence with no cue and no known first name is",
    "missed by design; German nouns, unseen brands and places are the likeliest false hits).",
    "Presidio runs its default recognizers with spaCy's small English model on text in eight",
    "languages; LOCATION is counted as an address, so its city and country hits in the decoys",
    "count against it, as they would in a redaction. Invented names are syllable names the",
    "generator checks against every word list of the detector; what still misses them is a lone",
    "name opening a sentence before 'was' ('Zorblat was great with the kids'), by design. The",
    "sign-off and act templates ('Best, {f}', '{f} apologised for the wait.') were added to the",
    "corpus together with the rules that catch them, so their recall says only that those rules",
    "work.",
]
