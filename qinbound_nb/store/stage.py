"""A run's stage: the temporary tables its chunks wait in until the merge, typed as they grow.

Documents go to ``STAGE`` with their export position (``_position``) and staging order
(``_seq``, later wins); outcome rows of dropped documents go to ``STAGED_OUTCOMES``. A column
that is empty in every chunk so far is staged as text until a typed chunk decides its type.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd
import pyarrow as pa

from qinbound_nb.job.vocab import Outcome
from qinbound_nb.store.schema import (
    STAGE,
    STAGED_OUTCOMES,
    UNTYPED,
    arrow_types,
    compatible,
    quote,
    type_conflict,
)

if TYPE_CHECKING:
    from qinbound_nb.store.backend import Backend


class Stage:
    """The stage of one run's transaction (made lazily, dropped when the run commits)."""

    def __init__(self, connection: Backend, project: str) -> None:
        self._connection = connection
        self._project = project
        self.types: dict[str, str] = {}  # column → store type, as staged
        self.untyped: set[str] = set()  # columns empty in every chunk so far
        self.rows = 0  # documents staged or written straight in, for _seq
        self._made = False
        self._schema: pa.Schema | None = None
        self._schema_types: dict[str, str] = {}
        connection.execute(
            f"CREATE TEMP TABLE {STAGED_OUTCOMES} (natural_id VARCHAR, outcome VARCHAR, "
            "reason VARCHAR, document_date TIMESTAMPTZ, position BIGINT, _seq BIGINT)"
        )

    def chunk(
        self, documents: pd.DataFrame, stored: dict[str, str]
    ) -> tuple[pa.Table, dict[str, str]]:
        """The documents as an Arrow chunk with ``_position`` and ``_seq``, and its types; the
        stage grows to hold it (``stored``: the project table's types, which it must fit)."""
        chunk = pa.Table.from_pandas(documents, preserve_index=False)
        sequence = pa.array(range(self.rows, self.rows + len(documents)))
        chunk = chunk.append_column("_position", positions(documents))
        chunk = chunk.append_column("_seq", sequence)
        types = self._types_of(chunk)
        self._grow(types, stored)
        self.rows += len(documents)
        return chunk, types

    def insert(self, chunk: pa.Table) -> None:
        """Stage the chunk's rows."""
        self._connection.insert_arrow(STAGE, chunk)

    def add_outcomes(self, outcomes: pd.DataFrame) -> None:
        """Stage outcome rows of documents that will not load (filtered, over the limit...)."""
        unknown = set(outcomes["outcome"].dropna()) - set(Outcome)
        if unknown or outcomes["outcome"].isna().any():
            raise ValueError(f"outcomes must be one of {tuple(Outcome)}, not {sorted(unknown)}")
        frame = pd.DataFrame(
            {
                "natural_id": outcomes["natural_id"].astype("string[pyarrow]"),
                "outcome": outcomes["outcome"].astype("string[pyarrow]"),
                "reason": outcomes.get("reason", pd.Series(None, index=outcomes.index)),
                "document_date": outcomes.get("document_date", pd.NaT),
            }
        )
        chunk = pa.Table.from_pandas(
            frame.astype({"reason": "string[pyarrow]"}), preserve_index=False
        )
        dates = chunk.column("document_date")
        if not pa.types.is_timestamp(dates.type) or dates.type.tz is None:
            dates = dates.cast(pa.timestamp("us"), safe=False).cast(pa.timestamp("us", tz="UTC"))
        chunk = chunk.set_column(
            chunk.schema.get_field_index("document_date"), "document_date", dates
        )
        chunk = chunk.append_column("position", positions(outcomes))
        self._connection.insert_arrow(STAGED_OUTCOMES, chunk)

    def ensure(self) -> None:
        """Make the (empty) stage if no chunk did, so the merge has a table to read."""
        if not self._made:
            self._connection.execute(
                f"CREATE TEMP TABLE {STAGE} (natural_id VARCHAR, _position BIGINT, _seq BIGINT)"
            )
            self._made = True

    def drop(self) -> None:
        for name in (STAGE, STAGED_OUTCOMES):
            self._connection.execute(f"DROP TABLE IF EXISTS {name}")

    def _types_of(self, chunk: pa.Table) -> dict[str, str]:
        """The chunk's store types; chunks of one run mostly share a schema (asked once)."""
        if self._schema is None or not chunk.schema.equals(self._schema):
            self._schema, self._schema_types = chunk.schema, arrow_types(chunk)
        return self._schema_types

    def _grow(self, incoming: dict[str, str], stored: dict[str, str]) -> None:
        retyped = []
        for column, sql_type in incoming.items():
            known = self.types.get(column) or stored.get(column)
            if column in self.untyped and sql_type != UNTYPED:
                # so far all empty (staged as text); the first typed chunk decides
                self.untyped.discard(column)
                self.types[column] = sql_type
                retyped.append(column)
            elif known and not compatible(known, sql_type):
                raise type_conflict(self._project, column, known, sql_type)
            elif column not in self.types:
                if sql_type == UNTYPED and not known:
                    self.untyped.add(column)
                self.types[column] = known or sql_type.replace(UNTYPED, "VARCHAR")
        if not self._made:
            to_sql = self._connection.sql_type
            definition = ", ".join(f"{quote(c)} {to_sql(t)}" for c, t in self.types.items())
            self._connection.execute(f"CREATE TEMP TABLE {STAGE} ({definition})")
            self._made = True
            return
        self._alter(retyped)

    def _alter(self, retyped: list[str]) -> None:
        existing = self._connection.column_types(STAGE)
        for column, logical in self.types.items():
            target = self._connection.sql_type(logical)
            if column not in existing:
                self._connection.execute(f"ALTER TABLE {STAGE} ADD COLUMN {quote(column)} {target}")
            elif column in retyped:
                self._connection.execute(
                    f"ALTER TABLE {STAGE} ALTER COLUMN {quote(column)} SET DATA TYPE {target} "
                    f"USING CAST({quote(column)} AS {target})"
                )


def positions(frame: pd.DataFrame) -> pa.Array:
    """A frame's integer index as export positions (nulls when the index is not integers)."""
    if pd.api.types.is_integer_dtype(frame.index.dtype):
        return pa.array(frame.index.to_numpy(), type=pa.int64())
    return pa.nulls(len(frame), type=pa.int64())
