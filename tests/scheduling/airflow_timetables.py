"""Run by Apache Airflow's own Python (not by pytest): what Airflow makes of a folder of DAGs.

Prints JSON: import errors, every warning raised while the files load, and per DAG its task,
pool, retries and the first three runs its timetable schedules (UTC, ISO) from its start date.
Usage: ``<airflow venv>/bin/python airflow_timetables.py DAG_FOLDER``.
"""

from __future__ import annotations

import json
import sys
import warnings
from typing import Any


def first_runs(dag: Any, count: int = 3) -> list[str]:
    """The first ``count`` runs of the DAG's timetable as the scheduler computes them."""
    from airflow.serialization.decoders import decode_timetable
    from airflow.serialization.encoders import encode_timetable
    from airflow.timetables.base import TimeRestriction

    timetable = decode_timetable(encode_timetable(dag.timetable))  # the scheduler's view
    restriction = TimeRestriction(earliest=dag.start_date, latest=None, catchup=True)
    runs, last = [], None
    while len(runs) < count:
        info = timetable.next_dagrun_info(
            last_automated_data_interval=last, restriction=restriction
        )
        if info is None:
            break
        runs.append(info.run_after.in_timezone("UTC").isoformat())
        last = info.data_interval
    return runs


def main(folder: str) -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        from airflow.dag_processing.dagbag import DagBag

        bag = DagBag(dag_folder=folder)
    dags = {
        dag_id: {
            "task": dag.tasks[0].task_id,
            "pool": dag.tasks[0].pool,
            "retries": dag.tasks[0].retries,
            "runs": first_runs(dag),
        }
        for dag_id, dag in bag.dags.items()
    }
    warned = [f"{w.category.__name__}: {w.message} ({w.filename})" for w in caught]
    errors = {path: str(error) for path, error in bag.import_errors.items()}
    print(json.dumps({"errors": errors, "warnings": warned, "dags": dags}))


if __name__ == "__main__":
    main(sys.argv[1])
