"""The ``person`` detector: people's names in running text, judged for the whole buffer at once.

Steps, each over every candidate together: (1) numpy finds the capitalised words of the
buffer; (2) pyarrow looks each word up in the lexicon (first name, name that is also a word,
title, not-a-name: :mod:`.person_lexicon`); (3) words one space apart (or joined by "van",
"de", "da"...; a title by ". ") form runs, which a not-a-name word breaks; (4) each run is
judged by what is around it: a title before it, a cue phrase ("my name is", "thanks to",
"spoke with"; one RE2 scan over the buffer), whether it opens a sentence, whether a
not-a-name word follows it ("Rose Garden"), and whether a verb follows it ("... was great").

A run is a name when it follows a title or a cue; when it holds a known first name (a
word-name such as "Mark" or "Grace" only with another capitalised word: "Mark Johnson");
or, made of unknown words, when it has two of them inside a sentence or before a verb, or
one inside a sentence before a verb. A run followed by a not-a-name word is not a name
unless a title or cue stands before it. The span covers the name words, not the title.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from qinbound_nb.core.redaction import person_lexicon as lexicon
from qinbound_nb.core.redaction.person_words import TokenTable, capitalised_words, cut
from qinbound_nb.core.redaction.re2scan import match_spans

UNKNOWN, FIRST, WORD_NAME, NOT_NAME, TITLE = range(5)
JOINERS = (" ", " van ", " van der ", " van den ", " von ", " de ", " de la ", " del ", " da ",
           " di ", " dos ", " das ", " do ", " du ", " le ", " la ", " ten ", " ter ")  # fmt: skip
# What a person does right after being named; "was"/"is" only count after two name words.
ACTS = (
    "helped said told explained answered fixed sorted solved resolved listened handled assisted "
    "promised replied called apologised apologized understood took went from who ajudou "
    "pomógł ayudó atendeu aidé geholfen geholpen aiutato"
)
AGAIN = "again wieder encore otra ancora weer znowu outra"
BE = "was is has had war ist hat est era fue jest foi heeft a ha è é"
SENTENCE_ENDS = frozenset(b'.!?:;\n"\x93\x9c\xbb(*-')


def _prefilter() -> str:
    """Rows that can hold a name: a capitalised word inside a sentence, a cue, or a listed
    first name or title anywhere (a name may open a sentence)."""
    listed = {word for names in lexicon.FIRST_NAMES.values() for word in names.split()}
    listed |= set(lexicon.WORD_NAMES.split()) | set(lexicon.TITLES.split())
    words = "|".join(sorted(listed, key=lambda word: (-len(word), word)))
    capital = "[A-ZÀ-ÖØ-ÞĄĆĘŁŃŚŹŻŞİĞČŠŽ]"
    inside = rf"(?:[a-z\d,;]|[^\x00-\x7f]) +{capital}[a-z]"
    return rf"{inside}|\b(?:{words})\b|\b(?i:{lexicon.CUES}) +{capital}"


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


def find_people(data: bytes) -> tuple[np.ndarray, np.ndarray]:
    """Start and end byte offsets of every person's name in ``data``."""
    raw = np.frombuffer(data, dtype=np.uint8)
    words = capitalised_words(raw)
    if len(words.starts) == 0:
        return words.starts, words.ends
    kinds = _classes(data, words)
    runs = _Runs(raw, data, words, kinds)
    return runs.names()


def _classes(data: bytes, words: TokenTable) -> np.ndarray:
    vocabulary, classes = _lexicon()
    found = pc.index_in(cut(data, words.starts, words.ends), value_set=vocabulary)
    index = np.asarray(pc.fill_null(found, -1).to_numpy(zero_copy_only=False), dtype=np.int64)
    return np.where(index >= 0, classes[index], UNKNOWN).astype(np.int8)


class _Runs:
    """Capitalised words grouped into runs, and each run's context."""

    def __init__(self, raw: np.ndarray, data: bytes, words: TokenTable, kinds: np.ndarray):
        self.raw, self.data, self.words, self.kinds = raw, data, words, kinds
        gaps = cut(data, words.ends[:-1], words.starts[1:])
        joined = np.zeros(len(kinds), dtype=bool)
        joined[1:] = pc.is_in(gaps, value_set=_joiners()).to_numpy(zero_copy_only=False)
        after_title = np.zeros(len(kinds), dtype=bool)
        after_title[1:] = (kinds[:-1] == TITLE) & pc.is_in(gaps, value_set=_title_gaps()).to_numpy(
            zero_copy_only=False
        )
        named = kinds != NOT_NAME
        joined &= named & np.roll(named, 1)
        joined |= after_title & named
        self.followed_by_not_name = np.zeros(len(kinds), dtype=bool)
        self.followed_by_not_name[:-1] = (kinds[1:] == NOT_NAME) & joined_single(gaps)
        self.first = np.flatnonzero(named & ~joined)  # the first word of each run
        self.last = np.append(self.first[1:], len(kinds)) - 1
        # a run ends at its last named word: a NOT_NAME word starts no run and joins none
        self.last = self._last_named(named)

    def _last_named(self, named: np.ndarray) -> np.ndarray:
        position = np.where(named, np.arange(len(named)), -1)
        running = np.maximum.accumulate(position)
        return running[self.last]

    def names(self) -> tuple[np.ndarray, np.ndarray]:
        kinds, first, last = self.kinds, self.first, self.last
        is_title = (kinds == TITLE).astype(np.int64)
        titles = np.add.reduceat(is_title, first) if len(first) else np.zeros(0, np.int64)
        size = last - first + 1
        name_first = np.minimum(first + titles, last)
        count = size - titles
        known = np.add.reduceat((kinds == FIRST).astype(np.int64), first) if len(first) else titles
        unknown = (
            np.add.reduceat((kinds == UNKNOWN).astype(np.int64), first) if len(first) else titles
        )
        opener = kinds[name_first]
        starts, ends = self.words.starts, self.words.ends
        weak = self._after_cue(starts[first], lexicon.WEAK_CUES)
        strong = (titles > 0) | self._after_cue(starts[first], lexicon.CUES)
        strong |= weak & ((count >= 2) | (opener == WORD_NAME))
        back = np.flatnonzero(weak & ~strong)  # "this is Tortel again"
        strong[back] = _among(self._next_words(ends[last[back]]), AGAIN)
        thing = _among(self._previous_words(starts[first]), lexicon.ARTICLES)
        initial = self._opens_sentence(starts[first])
        acts = np.zeros(len(first), dtype=bool)
        verb = np.zeros(len(first), dtype=bool)
        needed = np.flatnonzero((unknown == count) & (count > 0) & ~strong)
        following = self._next_words(ends[last[needed]])
        acts[needed] = _among(following, ACTS)
        verb[needed] = acts[needed] | _among(following, BE)
        tainted = self.followed_by_not_name[last]
        lone_word_name = (count == 1) & (opener == WORD_NAME)
        listed = (known > 0) & ~lone_word_name
        paired = (count >= 2) & ((opener == WORD_NAME) | (unknown == count) & (~initial | verb))
        single = (count == 1) & (opener == UNKNOWN) & ~initial & acts
        accept = (count > 0) & (strong | (~tainted & ~thing & (listed | paired | single)))
        return starts[name_first[accept]], ends[last[accept]]

    def _after_cue(self, starts: np.ndarray, cues: str) -> np.ndarray:
        ends = np.fromiter((end for _, end in match_spans(_cue_regex(cues), self.data)), np.int64)
        anchors = ends - 1 - ((self.raw[np.maximum(ends - 1, 0)] & 0xC0) == 0x80)
        return np.isin(starts, anchors)

    def _opens_sentence(self, starts: np.ndarray) -> np.ndarray:
        """The last byte before the word, spaces skipped, ends a sentence (or the row)."""
        back = self.raw[np.maximum(starts[:, None] - np.arange(1, 5), 0)]
        blank = (back == 0x20) | (back == 0x09)
        first_solid = np.argmax(~blank, axis=1)
        before = back[np.arange(len(starts)), first_solid]
        return np.isin(before, list(SENTENCE_ENDS))

    def _previous_words(self, starts: np.ndarray) -> pa.Array:
        """The lower-case word before each run start when one space stands between."""
        width = 6
        back = self.raw[np.maximum(starts[:, None] - 2 - np.arange(width), 0)]
        letters = _is_letter_byte(back)
        size = np.where(letters.all(axis=1), width, np.argmax(~letters, axis=1))
        size[self.raw[np.maximum(starts - 1, 0)] != 0x20] = 0
        return cut(self.data, starts - 1 - size, starts - 1)

    def _next_words(self, ends: np.ndarray) -> pa.Array:
        """The word after each run end when one space comes first ("" otherwise)."""
        width = 16
        ahead = self.raw[np.minimum(ends[:, None] + np.arange(1, width + 1), len(self.raw) - 1)]
        letters = _is_letter_byte(ahead)
        size = np.where(letters.all(axis=1), width, np.argmax(~letters, axis=1))
        size[self.raw[ends] != 0x20] = 0
        return cut(self.data, ends + 1, ends + 1 + size)


def joined_single(gaps: pa.Array) -> np.ndarray:
    """Gaps that are exactly one space."""
    return np.asarray(pc.equal(gaps, pa.scalar(b" ", pa.large_binary())).to_numpy(False))


def _is_letter_byte(values: np.ndarray) -> np.ndarray:
    lower = values | 0x20
    return ((lower >= 0x61) & (lower <= 0x7A)) | (values >= 0x80)


def _among(words: pa.Array, listed: str) -> np.ndarray:
    """Which ``words`` are in the space-separated list ``listed``."""
    found = pc.is_in(words, value_set=_word_set(listed))
    return np.asarray(found.to_numpy(zero_copy_only=False), dtype=bool)


@lru_cache(maxsize=4)
def _word_set(listed: str) -> pa.Array:
    return pa.array([word.encode() for word in listed.split()], pa.large_binary())


@lru_cache(maxsize=1)
def _title_gaps() -> pa.Array:
    """What may stand between a title and the name: ". ", " ", and particles ("Dhr. de ")."""
    gaps = {". ", " ", *JOINERS, *(". " + joiner[1:] for joiner in JOINERS)}
    return pa.array([gap.encode() for gap in gaps], pa.large_binary())


@lru_cache(maxsize=1)
def _joiners() -> pa.Array:
    return pa.array([joiner.encode() for joiner in JOINERS], pa.large_binary())


@lru_cache(maxsize=2)
def _cue_regex(cues: str) -> Any:
    """A cue, then the capital that opens the name (cues before lower-case words never match)."""
    import re2

    options = re2.Options()
    options.log_errors = False
    return re2.compile((r"(?:^|[^\p{L}])(?i:" + cues + r")[,:]? +\p{Lu}").encode(), options)
