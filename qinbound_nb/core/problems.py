"""Collecting per-row problems (row, field, value, problem) without raising one by one."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

PROBLEM_COLUMNS = ("row", "field", "value", "problem")


class Problems:
    """Gathers problems as arrays and turns them into one Arrow-backed frame at the end."""

    def __init__(self, index: pd.Index) -> None:
        self.index = index
        self.parts: list[pa.Table] = []

    def rows(
        self, field: str, positions: np.ndarray, values: pa.Array | None, problem: str
    ) -> None:
        """Record ``problem`` for the rows at ``positions`` (0-based), with their values."""
        if not len(positions):
            return
        taken = pa.array(np.asarray(positions, dtype=np.int64))
        shown = values.take(taken) if values is not None else pa.nulls(len(taken), pa.string())
        self._add(np.asarray(self.index[positions], dtype=np.int64), field, shown, problem)

    def column(self, field: str, problem: str) -> None:
        """Record a problem about a whole column (its row is blank)."""
        self._add(None, field, pa.nulls(1, pa.string()), problem)

    def _add(self, rows: np.ndarray | None, field: str, values: pa.Array, problem: str) -> None:
        count = len(values)
        row_array = pa.nulls(count, pa.int64()) if rows is None else pa.array(rows, pa.int64())
        self.parts.append(
            pa.table(
                {
                    "row": row_array,
                    "field": pa.array([field] * count, pa.string()),
                    "value": values.cast(pa.string()),
                    "problem": pa.array([problem] * count, pa.string()),
                }
            )
        )

    def frame(self) -> pd.DataFrame:
        """All problems so far as a frame with columns row, field, value, problem."""
        if not self.parts:
            empty = {
                name: pa.array([], pa.int64() if name == "row" else pa.string())
                for name in PROBLEM_COLUMNS
            }
            return pa.table(empty).to_pandas(types_mapper=pd.ArrowDtype)
        return pa.concat_tables(self.parts).to_pandas(types_mapper=pd.ArrowDtype)


def problem_rows(problems: pd.DataFrame) -> int:
    """How many rows have at least one problem (a whole-column problem names no row)."""
    return int(problems["row"].dropna().nunique())
