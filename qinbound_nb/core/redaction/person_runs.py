"""Runs of capitalised words for the ``person`` detector, and the context each run is judged by.

Words one space apart (or joined by "van", "de", "da"...; a title by ". ") form runs, which a
not-a-name word breaks. Each run is judged by what is around it: a title before it, a cue
phrase ("my name is", "thanks to", "spoke with"; read from the bytes before each run, all at
once), whether it opens a sentence, whether a not-a-name word follows it ("Rose Garden"),
and whether a verb follows it ("... was great"). Context words are read only for the runs
they can decide, so text full of sentence-opening capitals costs little.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pyarrow as pa
from numpy.lib.stride_tricks import sliding_window_view

from qinbound_nb.core.redaction import person_lexicon as lexicon
from qinbound_nb.core.redaction.person_words import (
    TokenTable,
    among,
    cut,
    found_in,
    is_letter_byte,
    joined_single,
)

UNKNOWN, FIRST, WORD_NAME, NOT_NAME, TITLE = range(5)
JOINERS = (" ", " van ", " van der ", " van den ", " von ", " de ", " de la ", " del ", " da ",
           " di ", " dos ", " das ", " do ", " du ", " le ", " la ", " ten ", " ter ")  # fmt: skip
# What a person does right after being named; "was"/"is" only count after two name words.
ACTS = (
    "helped said told explained answered fixed sorted solved resolved listened handled assisted "
    "promised replied called apologised apologized understood took went from who ajudou "
    "pomógł ayudó atendeu aidé geholfen geholpen aiutato"
)
# Acts only a person does: after a lone unknown word that opens a sentence ("Kwabena
# explained the fees"), where "took", "went", "said" would also follow "Shipping", "Nobody".
PERSON_ACTS = (
    "helped explained apologised apologized promised listened assisted replied answered "
    "understood ajudou pomógł ayudó aidé atendeu"
)
AGAIN = "again wieder encore otra ancora weer znowu outra"
BE = "was is has had war ist hat est era fue jest foi heeft a ha è é"
GAP_REACH = max(len(joiner) for joiner in JOINERS) + 1  # the longest title gap: ". van der "
NO_CUE, WEAK_CUE, STRONG_CUE = range(3)
CUE_REACH = 32  # bytes before a name a cue and its spaces must fit in
SENTENCE_ENDS = frozenset(b'.!?:;\n"\x93\x9c\xbb(*-')
_SENTENCE_END_TABLE = np.isin(np.arange(256), list(SENTENCE_ENDS))


@dataclass(frozen=True)
class _Tally:
    """What each run holds: titles, name words, listed first names, unknown words, opener."""

    titles: np.ndarray
    count: np.ndarray
    known: np.ndarray
    all_unknown: np.ndarray
    opener: np.ndarray
    name_first: np.ndarray


class Runs:
    """Capitalised words grouped into runs, and each run's context."""

    def __init__(self, raw: np.ndarray, data: bytes, words: TokenTable, kinds: np.ndarray):
        self.raw, self.data, self.words, self.kinds = raw, data, words, kinds
        # only short gaps can join words: cutting every gap would copy most of the buffer
        near = np.flatnonzero(words.starts[1:] - words.ends[:-1] <= GAP_REACH)
        gaps = cut(data, words.ends[near], words.starts[near + 1])
        joined, after_title, single_space = (np.zeros(len(kinds), dtype=bool) for _ in range(3))
        joined[near + 1] = found_in(gaps, _joiners())
        after_title[near + 1] = (kinds[near] == TITLE) & found_in(gaps, _title_gaps())
        single_space[near] = joined_single(gaps)
        named = kinds != NOT_NAME
        joined &= named & np.roll(named, 1)
        joined |= after_title & named
        self.followed_by_not_name = np.zeros(len(kinds), dtype=bool)
        self.followed_by_not_name[:-1] = (kinds[1:] == NOT_NAME) & single_space[:-1]
        self.first = np.flatnonzero(named & ~joined)  # the first word of each run
        self.last = np.append(self.first[1:], len(kinds)) - 1
        # a run ends at its last named word: a NOT_NAME word starts no run and joins none
        self.last = self._last_named(named)

    def _last_named(self, named: np.ndarray) -> np.ndarray:
        position = np.where(named, np.arange(len(named)), -1)
        running = np.maximum.accumulate(position)
        return running[self.last]

    def names(self) -> tuple[np.ndarray, np.ndarray]:
        """The accepted runs' name spans; context words are read only for runs they decide."""
        run, starts, ends = self._tally(), self.words.starts, self.words.ends
        strong = self._strong(run)
        initial = self._opens_sentence(starts[self.first])
        acts, verb = self._verbs(run, strong, initial)
        lone_word_name = (run.count == 1) & (run.opener == WORD_NAME)
        listed = (run.known > 0) & ~lone_word_name
        paired = (run.count >= 2) & (
            (run.opener == WORD_NAME) | run.all_unknown & (~initial | verb)
        )
        single = (run.count == 1) & ((run.opener == UNKNOWN) | (run.opener == WORD_NAME)) & acts
        likely = ~strong & (listed | paired | single) & ~self.followed_by_not_name[self.last]
        rows = np.flatnonzero(likely)
        likely[rows] = ~among(self._previous_words(starts[self.first[rows]]), lexicon.ARTICLES)
        accept = (run.count > 0) & (strong | likely)
        return starts[run.name_first[accept]], ends[self.last[accept]]

    def _tally(self) -> _Tally:
        kinds, first, last = self.kinds, self.first, self.last
        if len(first) == 0:
            empty = np.zeros(0, np.int64)
            return _Tally(empty, empty, empty, empty.astype(bool), empty, empty)
        titles = np.add.reduceat((kinds == TITLE).astype(np.int64), first)
        count = last - first + 1 - titles
        known = np.add.reduceat((kinds == FIRST).astype(np.int64), first)
        unknown = np.add.reduceat((kinds == UNKNOWN).astype(np.int64), first)
        name_first = np.minimum(first + titles, last)
        return _Tally(titles, count, known, unknown == count, kinds[name_first], name_first)

    def _strong(self, run: _Tally) -> np.ndarray:
        """Runs after a title or a cue; after a weak cue, only two words, a word-name,
        "again" after it ("this is Tortel again"), or a sign-off ("Cheers, Tortel" ending
        the comment)."""
        starts, ends = self.words.starts[self.first], self.words.ends[self.last]
        cue = self._cues(starts)
        strong = (run.titles > 0) | (cue == STRONG_CUE)
        weak = cue == WEAK_CUE
        strong |= weak & ((run.count >= 2) | (run.opener == WORD_NAME))
        back = np.flatnonzero(weak & ~strong)
        sign_off = (self.raw[starts[back] - 2] == 0x2C) & self._ends_row(ends[back])
        strong[back] = among(self._next_words(ends[back]), AGAIN) | sign_off
        return strong

    def _ends_row(self, ends: np.ndarray) -> np.ndarray:
        """Nothing but a full stop or "!" (and spaces) between each end and the row's end."""
        ahead = self.raw[np.minimum(ends[:, None] + np.arange(3), len(self.raw) - 1)]
        closing = (ahead == 0x2E) | (ahead == 0x21) | (ahead == 0x20)
        newline = ahead == 0x0A
        return (newline & (np.cumsum(~closing & ~newline, axis=1) == 0)).any(axis=1)

    def _verbs(
        self, run: _Tally, strong: np.ndarray, initial: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """An act after a lone unknown word (one only a person does when the word opens a
        sentence, or after a word-name: "Grace apologised"); an act or "was" after two
        unknown words opening one. Other runs do not need the next word, and a lone word
        needs it only when the next one starts like an act."""
        acts = np.zeros(len(self.first), dtype=bool)
        verb = np.zeros(len(self.first), dtype=bool)
        lone_word_name = (run.count == 1) & (run.opener == WORD_NAME)
        lone = np.flatnonzero(((run.all_unknown & (run.count == 1)) | lone_word_name) & ~strong)
        lone = lone[self._may_act(self.words.ends[self.last[lone]])]
        following = self._next_words(self.words.ends[self.last[lone]])
        opening = initial[lone] | lone_word_name[lone]
        acts[lone] = np.where(opening, among(following, PERSON_ACTS), among(following, ACTS))
        pairs = np.flatnonzero(run.all_unknown & (run.count >= 2) & initial & ~strong)
        following = self._next_words(self.words.ends[self.last[pairs]])
        verb[pairs] = among(following, ACTS) | among(following, BE)
        return acts, verb

    def _may_act(self, ends: np.ndarray) -> np.ndarray:
        """A space, then three bytes that begin an act word (cheap; acts are rare)."""
        at = np.minimum(ends[:, None] + np.arange(4), len(self.raw) - 1)
        after = self.raw[at].astype(np.uint32)
        prefix = (after[:, 1] << 16) | (after[:, 2] << 8) | after[:, 3]
        return (after[:, 0] == 0x20) & np.isin(prefix, _act_prefixes())

    def _cues(self, starts: np.ndarray) -> np.ndarray:
        """For each run start: STRONG_CUE, WEAK_CUE or NO_CUE, read from the bytes before it
        (a cue ends one or more spaces before a name), all windows in one Arrow call each."""
        found = np.zeros(len(starts), dtype=np.int8)
        # a cue ends in a letter, then "," or ":" may come, then the spaces: "... . Sarah" has none
        before = self.raw[np.maximum(starts - 2, 0)]
        may_cue = is_letter_byte(before) | (before == 0x2C) | (before == 0x3A) | (before == 0x20)
        spaced = np.flatnonzero((self.raw[starts - 1] == 0x20) & may_cue)
        texts = self._windows_before(starts[spaced])
        strong = found_in(texts, _cue_pattern(lexicon.CUES))
        found[spaced[strong]] = STRONG_CUE
        rest = np.flatnonzero(~strong)
        weak = found_in(texts.take(pa.array(rest)), _cue_pattern(lexicon.WEAK_CUES))
        found[spaced[rest[weak]]] = WEAK_CUE
        return found

    def _windows_before(self, starts: np.ndarray) -> pa.Array:
        """The ``CUE_REACH`` bytes before each start (newlines before the buffer's start)."""
        if len(self.raw) >= CUE_REACH:
            windows = sliding_window_view(self.raw, CUE_REACH)[np.maximum(starts - CUE_REACH, 0)]
        else:
            windows = np.zeros((len(starts), CUE_REACH), np.uint8)
        near = np.flatnonzero(starts < CUE_REACH)
        if len(near):
            head = np.concatenate([np.full(CUE_REACH, 0x0A, np.uint8), self.raw[:CUE_REACH]])
            windows[near] = sliding_window_view(head, CUE_REACH)[starts[near]]
        return pa.FixedSizeBinaryArray.from_buffers(
            pa.binary(CUE_REACH), len(starts), [None, pa.py_buffer(windows)]
        ).cast(pa.binary())

    def _opens_sentence(self, starts: np.ndarray) -> np.ndarray:
        """The last byte before the word, spaces skipped, ends a sentence (or the row)."""
        back = self.raw[np.maximum(starts[:, None] - np.arange(1, 5), 0)]
        blank = (back == 0x20) | (back == 0x09)
        first_solid = np.argmax(~blank, axis=1)
        before = back[np.arange(len(starts)), first_solid]
        return _SENTENCE_END_TABLE[before]

    def _previous_words(self, starts: np.ndarray) -> pa.Array:
        """The lower-case word before each run start when one space stands between."""
        width = 6
        back = self.raw[np.maximum(starts[:, None] - 2 - np.arange(width), 0)]
        letters = is_letter_byte(back)
        size = np.where(letters.all(axis=1), width, np.argmax(~letters, axis=1))
        size[self.raw[np.maximum(starts - 1, 0)] != 0x20] = 0
        return cut(self.data, starts - 1 - size, starts - 1)

    def _next_words(self, ends: np.ndarray) -> pa.Array:
        """The word after each run end when one space comes first ("" otherwise)."""
        width = 16
        ahead = self.raw[np.minimum(ends[:, None] + np.arange(1, width + 1), len(self.raw) - 1)]
        letters = is_letter_byte(ahead)
        size = np.where(letters.all(axis=1), width, np.argmax(~letters, axis=1))
        size[self.raw[ends] != 0x20] = 0
        return cut(self.data, ends + 1, ends + 1 + size)


@lru_cache(maxsize=1)
def _title_gaps() -> pa.Array:
    """What may stand between a title and the name: ". ", " ", and particles ("Dhr. de ")."""
    gaps = {". ", " ", *JOINERS, *(". " + joiner[1:] for joiner in JOINERS)}
    return pa.array([gap.encode() for gap in gaps], pa.large_binary())


@lru_cache(maxsize=1)
def _act_prefixes() -> np.ndarray:
    """The first three bytes of every act word, as big-endian integers."""
    words = {word.encode() for word in (ACTS + " " + PERSON_ACTS).split()}
    return np.array(sorted(int.from_bytes(word[:3], "big") for word in words), dtype=np.uint32)


@lru_cache(maxsize=1)
def _joiners() -> pa.Array:
    return pa.array([joiner.encode() for joiner in JOINERS], pa.large_binary())


def _cue_pattern(cues: str) -> str:
    """A cue at the end of a window, after a non-letter and before the name's spaces."""
    return r"[^\pL](?i:" + cues + r")[,:]? +$"
