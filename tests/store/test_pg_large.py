"""A million documents into one PostgreSQL store in one run, the client's memory flat.

The load is staged chunk by chunk (``RunLoad.stage``) and settled on the server, so the
client never holds more than one chunk: its resident memory after the twentieth chunk is
within a few tens of MB of what it was after the third.
"""

from __future__ import annotations

import os

import numpy as np
import pandas as pd
import pytest

from qinbound_nb import JobConfig
from qinbound_nb.store.store import Store

pytestmark = [pytest.mark.slow, pytest.mark.serial]
CHUNK = 50_000
CHUNKS = 20
PAGE = os.sysconf("SC_PAGE_SIZE")


def resident_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * PAGE / 2**20


def chunk(job: JobConfig, number: int) -> pd.DataFrame:
    ids = np.arange(number * CHUNK, (number + 1) * CHUNK)
    text = [f"comment {i} " + "the staff were kind " * 8 for i in ids]
    return pd.DataFrame(
        {
            "natural_id": [f"{job.name};R_{i:09d}" for i in ids],
            "document_date": pd.Timestamp("2026-11-01T00:00:00Z") + pd.to_timedelta(ids, "s"),
            "job_name": job.name,
            "comment": text,
            "score": (ids % 11).astype("float64"),
        },
        index=pd.RangeIndex(number * CHUNK, (number + 1) * CHUNK),
    ).astype({"natural_id": "string[pyarrow]", "comment": "string[pyarrow]"})


def test_a_million_documents_load_in_one_run_with_the_client_memory_flat(
    pg_url: str, job: JobConfig
) -> None:
    resident = []
    with Store(pg_url) as store:
        with store.load_run("run-million", job) as load:
            for number in range(CHUNKS):
                load.stage(chunk(job, number))
                resident.append(resident_mb())
            result = load.finish()
        assert result.counts["loaded"] == CHUNK * CHUNKS
        assert store.documents_per_job(job.project) == {job.name: CHUNK * CHUNKS}
    growth = resident[-1] - resident[2]
    print(f"resident MB per chunk: {[round(r) for r in resident]}")
    assert growth < 48, f"resident memory grew {growth:.0f} MB over 17 chunks: {resident}"
