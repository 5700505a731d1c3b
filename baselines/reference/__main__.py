"""CLI of the reference baselines.

``python -m baselines.reference predict --task T --inputs DIR --out DIR``
``python -m baselines.reference container [--task T]``: container contract mode, ``/input`` ->
``/output`` (override with ARENA_INPUT / ARENA_OUTPUT); the task comes from ``--task``, else
ARENA_TASK, else the ``task`` field of ``/input/cases.json``.
Errors are one line on stderr, exit status 2.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

from baselines.reference import TASKS, BaselineInputError, predict_folder
from baselines.reference.io import task_from_cases_json


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the exit status."""
    parser = argparse.ArgumentParser(prog="python -m baselines.reference")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("predict", help="predict a folder of images")
    p.add_argument("--task", required=True, choices=TASKS)
    p.add_argument("--inputs", required=True)
    p.add_argument("--out", required=True)
    c = sub.add_parser("container", help="container contract: /input -> /output")
    c.add_argument("--task", choices=TASKS)
    args = parser.parse_args(argv)
    if args.command == "predict":
        task, inputs, out = args.task, args.inputs, args.out
    else:
        inputs = os.environ.get("ARENA_INPUT", "/input")
        out = os.environ.get("ARENA_OUTPUT", "/output")
        task = args.task or os.environ.get("ARENA_TASK") or task_from_cases_json(inputs)
        if task not in TASKS:
            print(f"error: task {task!r} unknown or not given (--task, ARENA_TASK or cases.json "
                  f"'task'); expected one of {', '.join(TASKS)}", file=sys.stderr)
            return 2
    t0 = time.perf_counter()
    try:
        done = predict_folder(task, inputs, out,
                              progress=lambda i, n, case: print(f"[{i}/{n}] {case}", flush=True))
    except (BaselineInputError, ValueError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"{task}: {len(done)} case(s) written to {out} in {time.perf_counter() - t0:.1f} s",
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
