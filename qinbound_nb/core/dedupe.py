"""Within-batch duplicate handling: one document per ``natural_id``, the last row winning.

The store settles duplicates against what is already loaded; this stage settles them inside
one frame, so a preview, a dry run and a chunk of a production run agree with the store's
rule: in export order the **last** row for a ``natural_id`` is the current version of that
response. In ``update`` mode the rows are merged instead: a later row's non-empty fields
overwrite, its empty fields (missing or ``""``) keep the earlier value.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from qinbound_nb.job.vocab import DuplicateMode, Outcome

SUPERSEDED = "superseded by a later row with the same natural_id in this run"
MERGED = "merged into a later row with the same natural_id in this run"
OUTCOME_COLUMNS = ["natural_id", "outcome", "reason"]


@dataclass(frozen=True)
class DedupeResult:
    """The winning documents and one outcome row per superseded duplicate.

    Attributes:
        documents: one row per ``natural_id``, at the index (and position) of its last row.
        duplicates: ``natural_id``, ``outcome`` (``skipped_duplicate``) and ``reason`` for
            every earlier row that lost, indexed like the rows it describes.
    """

    documents: pd.DataFrame
    duplicates: pd.DataFrame


def dedupe(documents: pd.DataFrame, mode: DuplicateMode) -> DedupeResult:
    """Keep one document per ``natural_id`` within ``documents``.

    Args:
        documents: a document frame with a ``natural_id`` column (rows without one are kept
            as they are: they cannot be matched).
        mode: the job's duplicate mode; ``update`` merges rows, the others keep the last.

    Returns:
        The winners (in export order) and the superseded rows with their reasons.
    """
    if mode not in tuple(DuplicateMode):
        raise ValueError(f"duplicate mode must be one of {tuple(DuplicateMode)}, not {mode!r}")
    ids = documents["natural_id"]
    superseded = ids.notna() & ids.duplicated(keep="last")
    winners = documents.loc[~superseded]
    if mode == DuplicateMode.UPDATE and superseded.any():
        winners = _merge_into_winners(documents, winners, superseded)
    duplicates = pd.DataFrame(
        {
            "natural_id": ids[superseded],
            "outcome": Outcome.SKIPPED_DUPLICATE,
            "reason": MERGED if mode == DuplicateMode.UPDATE else SUPERSEDED,
        },
        index=documents.index[superseded],
        columns=OUTCOME_COLUMNS,
    )
    return DedupeResult(documents=winners.copy(), duplicates=duplicates)


def _merge_into_winners(
    documents: pd.DataFrame, winners: pd.DataFrame, superseded: pd.Series
) -> pd.DataFrame:
    """Give each repeated natural_id its last non-empty value per column."""
    repeated_ids = documents.loc[superseded, "natural_id"].unique()
    repeated = documents[documents["natural_id"].isin(repeated_ids)]
    # groupby().last() skips missing values, so blanking "" makes empty strings lose too
    merged = _blank_empty_text(repeated).groupby("natural_id", sort=False).last()
    targets = winners["natural_id"].isin(repeated_ids)
    result = winners.copy()
    lookup = result.loc[targets, "natural_id"]
    for column in merged.columns:
        values = merged[column].reindex(lookup.to_numpy())
        values.index = lookup.index
        current = result.loc[targets, column]
        result.loc[targets, column] = values.where(values.notna(), current)
    return result


def _blank_empty_text(frame: pd.DataFrame) -> pd.DataFrame:
    blanked = frame.copy()
    for column in blanked.columns:
        series = blanked[column]
        if column != "natural_id" and pd.api.types.is_string_dtype(series.dtype):
            blanked[column] = series.mask(series == "")
    return blanked
