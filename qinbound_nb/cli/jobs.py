"""``qinbound jobs VERB JOB``: the Jobs page's actions (enable, disable, copy, delete, restore,
run-now, stop); :mod:`qinbound_nb.runs.jobs_page` does the work, these print what it did."""

from __future__ import annotations

import argparse

from qinbound_nb.cli.history import store_path
from qinbound_nb.job.vocab import FeedbackFormat
from qinbound_nb.runs import jobs_page


def cmd_enable(args: argparse.Namespace) -> int:
    print(jobs_page.set_enabled(store_path(args), args.job, True))
    return 0


def cmd_disable(args: argparse.Namespace) -> int:
    print(jobs_page.set_enabled(store_path(args), args.job, False))
    return 0


def cmd_copy(args: argparse.Namespace) -> int:
    path = jobs_page.copy_job(store_path(args), args.job, args.new_name)
    print(
        f"copied job {args.job!r} to {args.new_name!r} in {path}; the copy has no checkpoint "
        f"and starts disabled: edit it, then 'qinbound jobs enable {args.new_name}'"
    )
    return 0


def cmd_delete(args: argparse.Namespace) -> int:
    recycled = jobs_page.delete_job(store_path(args), args.job)
    print(
        f"deleted job {args.job!r}: its file is in {recycled}; its history and the documents "
        f"it loaded stay. Bring it back with 'qinbound jobs restore {args.job}'"
    )
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    path = jobs_page.restore_job(store_path(args), args.job)
    print(f"restored job {args.job!r} to {path}; its schedule is as it was before the delete")
    return 0


def cmd_run_now(args: argparse.Namespace) -> int:
    from qinbound_nb.cli.runs import run_once

    job_path = jobs_page.job_path_to_run(store_path(args), args.job)
    run = argparse.Namespace(
        job=str(job_path),
        store=getattr(args, "store", None),
        direct=args.direct,
        dry_run=False,
        timeout=args.timeout,
        xm_files=None,
        xm_format=FeedbackFormat.CSV,
        report_json=None,
    )
    return run_once(run)  # a manual run, outside the schedule


def cmd_stop(args: argparse.Namespace) -> int:
    if jobs_page.stop_job(store_path(args), args.job):
        print(
            f"asked the running run of {args.job!r} to stop: it stops at its next check "
            "(between stages and pages) and commits nothing"
        )
    else:
        print(f"job {args.job!r} is not running against {store_path(args)}; nothing to stop")
    return 0
