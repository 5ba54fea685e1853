"""The ``person`` detector: people's names in running text, judged for the whole buffer at once.

Steps, each over every candidate together: (1) numpy finds the capitalised words of the
buffer; (2) pyarrow looks each word up in the lexicon (first name, name that is also a word,
title, not-a-name: :mod:`.person_lexicon`); (3) the words form runs, each judged
by its context (:mod:`.person_runs`).

A run is a name when it follows a title or a cue; when it holds a known first name (a
word-name such as "Mark" or "Grace" only with another capitalised word: "Mark Johnson");
or, made of unknown words, when it has two of them inside a sentence or before a verb, or
one inside a sentence before a verb. A run followed by a not-a-name word is not a name
unless a title or cue stands before it. The span covers the name words, not the title.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from qinbound_nb.core.redaction import person_lexicon as lexicon
from qinbound_nb.core.redaction.person_runs import (
    FIRST,
    NOT_NAME,
    PERSON_ACTS,
    TITLE,
    UNKNOWN,
    WORD_NAME,
    Runs,
)
from qinbound_nb.core.redaction.person_words import TokenTable, capitalised_words, cut


def _prefilter() -> str:
    """Rows that can hold a name: a capitalised word inside a sentence, a cue, a listed
    first name or title anywhere (a name may open a sentence), or a capitalised word
    before an act only a person does ("Kwabena explained...", not "nobody answered")."""
    listed = {word for names in lexicon.FIRST_NAMES.values() for word in names.split()}
    listed |= set(lexicon.WORD_NAMES.split()) | set(lexicon.TITLES.split())
    words = "|".join(sorted(listed, key=lambda word: (-len(word), word)))
    capital = "[A-ZÀ-ÖØ-ÞĄĆĘŁŃŚŹŻŞİĞČŠŽ]"
    inside = rf"(?:[a-z\d,;]|[^\x00-\x7f]) +{capital}[a-z]"
    acts = "|".join(PERSON_ACTS.split())
    return rf"{inside}|\b(?:{words})\b|\b(?i:{lexicon.CUES}) +{capital}|{capital}\S* (?:{acts})"


PREFILTER = _prefilter()


@lru_cache(maxsize=1)
def _lexicon() -> tuple[pa.Array, np.ndarray]:
    """Every lexicon word and its class; a word in several lists takes the strongest class."""
    classes: dict[str, int] = {}
    for names in lexicon.FIRST_NAMES.values():
        classes.update(dict.fromkeys(names.split(), FIRST))
    classes.update(dict.fromkeys(lexicon.NOT_NAMES.split(), NOT_NAME))
    classes.update(dict.fromkeys(lexicon.WORD_NAMES.split(), WORD_NAME))
    classes.update(dict.fromkeys(lexicon.TITLES.split(), TITLE))
    words = pa.array([word.encode() for word in classes], pa.large_binary())
    return words, np.fromiter(classes.values(), dtype=np.int8, count=len(classes))


def find_people(
    data: bytes, high: np.ndarray | None = None, capitals: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Start and end byte offsets of every person's name in ``data`` (``high``,
    ``capitals``: where its bytes >= 0x80 and A-Z are, when known)."""
    raw = np.frombuffer(data, dtype=np.uint8)
    words = capitalised_words(raw, high, capitals)
    if len(words.starts) == 0:
        return words.starts, words.ends
    kinds = _classes(data, words)
    words, kinds = _without_idle_not_names(raw, words, kinds)
    if len(words.starts) == 0:
        return words.starts, words.ends
    runs = Runs(raw, data, words, kinds)
    return runs.names()


def _without_idle_not_names(
    raw: np.ndarray, words: TokenTable, kinds: np.ndarray
) -> tuple[TokenTable, np.ndarray]:
    """Drop the not-a-name words ("The", "I", "Hotel") that decide nothing: such a word
    starts, joins and ends no run, and matters only one space after a name word ("Rose
    Garden"). Most capitalised words are these, so the runs are built from far fewer."""
    starts, ends = words.starts, words.ends
    after_name = np.zeros(len(kinds), dtype=bool)
    after_name[1:] = (kinds[:-1] != NOT_NAME) & (starts[1:] - ends[:-1] == 1)
    after_name[1:] &= raw[ends[:-1]] == 0x20
    keep = np.flatnonzero((kinds != NOT_NAME) | after_name)
    return TokenTable(starts[keep], ends[keep]), kinds[keep]


def _classes(data: bytes, words: TokenTable) -> np.ndarray:
    vocabulary, classes = _lexicon()
    found = pc.index_in(cut(data, words.starts, words.ends), value_set=vocabulary)
    index = np.asarray(pc.fill_null(found, -1).to_numpy(zero_copy_only=False), dtype=np.int64)
    return np.where(index >= 0, classes[index], UNKNOWN).astype(np.int8)
