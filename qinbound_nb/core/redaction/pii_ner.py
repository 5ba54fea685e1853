"""The optional NER engine: an installed spaCy pipeline whose entities join the built-in detectors.

``rules.ner_model`` names a spaCy pipeline package (``en_core_web_sm``) or a pipeline folder.
Its PERSON (or PER) entities count as ``person`` and its LOC entities as ``address``, each
only when that kind is enabled; they join the built-in hits as the last group, so a span the
built-in detectors already found stays theirs and overlaps are dropped (a union without
duplicates). spaCy is optional (``pip install qinbound_nb[ner]``); the built-in detectors
never need it. The model runs row by row, so expect spaCy's speed, not ours.
"""

from __future__ import annotations

import importlib.util
from functools import lru_cache
from itertools import pairwise
from pathlib import Path
from typing import Any

import numpy as np

from qinbound_nb.errors import ConfigError

LABELS = {"PERSON": "person", "PER": "person", "LOC": "address"}


def check_model(name: str) -> None:
    """Raise ConfigError unless spaCy and the pipeline ``name`` are installed."""
    if importlib.util.find_spec("spacy") is None:
        raise ConfigError(
            f"rules.ner_model names {name!r}, but spaCy is not installed; install it with "
            "`pip install qinbound_nb[ner]` and the model's package, or remove ner_model "
            "(the built-in person and address detectors need no model)"
        )
    if Path(name).is_dir() or importlib.util.find_spec(name.replace("-", "_")) is not None:
        return
    raise ConfigError(
        f"rules.ner_model names the spaCy pipeline {name!r}, which is not installed; install "
        f"its package (e.g. `pip install {name.replace('_', '-')}`) or give the folder of a "
        "trained pipeline, or remove ner_model"
    )


def find_entities(
    data: bytes, model: str, kinds: frozenset[str]
) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Byte spans and kinds of the model's entities of the enabled ``kinds`` in ``data``."""
    newlines = np.flatnonzero(np.frombuffer(data, dtype=np.uint8) == 0x0A).tolist()
    rows = [data[start + 1 : stop].decode() for start, stop in pairwise(newlines)]
    starts: list[int] = []
    ends: list[int] = []
    found: list[str] = []
    documents = _pipeline(model).pipe(rows)
    for base, text, document in zip(newlines[:-1], rows, documents, strict=True):
        for entity in document.ents:
            kind = LABELS.get(entity.label_)
            if kind in kinds:
                start = base + 1 + len(text[: entity.start_char].encode())
                starts.append(start)
                ends.append(start + len(entity.text.encode()))
                found.append(kind)
    return np.asarray(starts, dtype=np.int64), np.asarray(ends, dtype=np.int64), found


@lru_cache(maxsize=2)
def _pipeline(model: str) -> Any:
    import spacy

    return spacy.load(model)
