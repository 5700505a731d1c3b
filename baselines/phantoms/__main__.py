"""CLI: ``python -m baselines.phantoms generate --task T --preset small --cases N --seed S --out DIR``.

Also ``python -m baselines.phantoms list`` (the task names). Errors are printed as one line on
stderr with exit status 2; nothing is left behind on failure.
"""

from __future__ import annotations

import argparse
import sys
import time

from baselines.phantoms import PRESETS, TASKS, generate_dataset


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the process exit status."""
    parser = argparse.ArgumentParser(prog="python -m baselines.phantoms",
                                     description="Write phantom datasets for the Arena tasks.")
    sub = parser.add_subparsers(dest="command", required=True)
    gen = sub.add_parser("generate", help="write one task's dataset folder")
    gen.add_argument("--task", required=True, choices=TASKS)
    gen.add_argument("--preset", default="small", choices=PRESETS)
    gen.add_argument("--cases", type=int, default=3, help="number of cases (default 3)")
    gen.add_argument("--seed", type=int, default=0)
    gen.add_argument("--out", required=True, help="new or empty output folder")
    sub.add_parser("list", help="print the task names")
    args = parser.parse_args(argv)
    if args.command == "list":
        print("\n".join(TASKS))
        return 0
    t0 = time.perf_counter()
    try:
        out = generate_dataset(args.task, args.out, preset=args.preset, n_cases=args.cases, seed=args.seed)
    except (ValueError, FileExistsError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {args.cases} {args.preset} {args.task} case(s) to {out} in {time.perf_counter() - t0:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
