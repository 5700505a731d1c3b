"""``python -m evaluators``: score prediction folders, list tasks, rank scored submissions.

Exit status: 0 on success, 2 on bad input (one clear message on stderr, never a traceback).
"""

import argparse
import csv
import io
import sys
from pathlib import Path

from evaluators import __version__
from evaluators.errors import EvaluationInputError
from evaluators.headers import check_header, read_header
from evaluators.report import _atomic_write, read_metrics, spreadsheet_safe, write_report
from evaluators.scoring import _check_folders, score_folder
from evaluators.tasks import get_task, list_tasks, task_names

EPILOG = """examples:
  python -m evaluators tasks
  python -m evaluators score --task kits21 --pred preds/ --ref refs/ --out scores/ --jobs 2 \\
      --extra-metrics hd95,hd95_surfel,nsd@2.0
  python -m evaluators rank --task kits21 teamA=scoresA/ teamB=scoresB/ --out ranking.csv
  python -m evaluators rank --task kits21 teamA=scoresA/ teamB=scoresB/ --bootstrap 1000 \
      --seed 1 --json robustness.json
  python -m evaluators verify-board board-snapshot.json --public-key KEY
"""


def _progress(done: int, total: int, case: str) -> None:
    width = 30
    filled = int(width * done / total)
    sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} {case[:40]:<40}")
    if done == total:
        sys.stderr.write("\n")
    sys.stderr.flush()


def _fmt(value) -> str:
    return "—" if value is None else f"{value:.4f}"


def _warn(text: str) -> None:
    sys.stderr.write(f"warning: {text}\n")


def check_prediction_folder(task: str, pred: Path, ref: Path, *, strict: bool) -> None:
    """Refuse what is clearly a mistake before scoring (``EvaluationInputError``, exit 2): a
    folder where no file matches a reference case, a matching entry that is not a readable image
    (its header; a truncated stream is refused when it is decoded), and with ``strict`` any missing
    case. Without ``strict`` missing cases get a warning on stderr; they are scored by the task's
    missing rule."""
    spec = get_task(task)
    _check_folders(pred, ref)
    references = spec.reference_cases(ref)
    predictions = spec.index_predictions(pred, list(references))
    if predictions.problems:
        raise EvaluationInputError(predictions.problems[0])
    if not predictions.files:
        found = sorted(p.name for p in pred.iterdir() if not p.name.startswith("."))
        example = next(iter(references))
        raise EvaluationInputError(
            f"{pred}: no file matches a reference case (expected e.g. {example}.nii.gz for "
            f"case {example}; found "
            + (", ".join(found[:5]) + (" …" if len(found) > 5 else "") if found else "nothing")
            + ")"
        )
    for case, path in predictions.files.items():
        if path.is_file():  # the header only: the gzip stream is verified when it is decoded
            try:
                check_header(read_header(path))
            except EvaluationInputError as error:
                raise EvaluationInputError(f"case {case}: {error}")
    missing = predictions.missing
    if missing:
        listed = ", ".join(missing[:20]) + (" …" if len(missing) > 20 else "")
        if strict:
            raise EvaluationInputError(
                f"{pred}: {len(missing)} reference case(s) have no prediction: {listed} "
                "(--strict; without it they are scored by the task's missing rule)"
            )
        _warn(f"{len(missing)} reference case(s) have no prediction and are scored by the "
              f"task's missing rule: {listed}")


def cmd_score(args: argparse.Namespace) -> int:
    extra = tuple(m for m in (args.extra_metrics or "").split(",") if m.strip())
    check_prediction_folder(args.task, args.pred, args.ref, strict=args.strict)
    result = score_folder(
        args.task,
        args.pred,
        args.ref,
        jobs=args.jobs,
        extra_metrics=extra,
        progress=None if args.quiet else _progress,
        case_timeout=args.case_timeout,
        total_timeout=args.total_timeout,
        missing=args.missing,
    )
    write_report(result, args.out)
    table = result.metrics_json["aggregates"]
    print(f"task {result.task.name}: {len(result.cases)} case(s) scored -> {args.out}")
    if result.missing_cases:
        scored = {c.case for c in result.cases}
        rule = ("scored by the task's missing rule" if result.missing_cases[0] in scored
                else "left out of the means")
        print(f"missing predictions ({rule}): {', '.join(result.missing_cases)}")  # also warned on stderr
    if result.extra_files:
        print(f"extra files (ignored): {', '.join(result.extra_files)}")
    print("per-case statistics (over cases):")
    print(f"{'region':<24}{'metric':<16}{'mean':>10}{'std':>10}{'median':>10}{'n':>5}")
    for region, metrics in table.items():
        for metric, stats in metrics.items():
            print(f"{region:<24}{metric:<16}{_fmt(stats['mean']):>10}{_fmt(stats['std']):>10}"
                  f"{_fmt(stats['median']):>10}{stats['count']:>5}")
    print("leaderboard values (what the board shows and ranks on)"
          + (f": {result.task.board_note}" if result.task.board_note else ":"))
    for key, value in result.metrics_json["ranking_scores"].items():
        if "/" not in key:
            print(f"{key}: {_fmt(value)}")
    return 0


def cmd_tasks(args: argparse.Namespace) -> int:
    for task in list_tasks():
        print(f"{task.name}: {task.title}")
        regions = ", ".join(task.regions)
        print(f"  regions: {regions if len(regions) < 200 else regions[:200] + ' …'}")
        print(f"  metrics: {', '.join(task.metrics)}")
        print(f"  ranking: {task.ranking_description[:300]}")
        for line in task.conventions:
            print(f"  convention: {line}")
    return 0


def cmd_rank(args: argparse.Namespace) -> int:
    task = get_task(args.task)
    entries = {}
    for item in args.submissions:
        name, sep, folder = item.partition("=")
        if not sep or not name or not folder:
            raise EvaluationInputError(f"submission {item!r}: expected NAME=DIR (a 'score' output)")
        metrics = read_metrics(folder)
        if metrics.get("task") != task.name:
            raise EvaluationInputError(
                f"{folder}/metrics.json: scored for task {metrics.get('task')!r}, not {task.name!r}"
            )
        entries[name] = metrics
    from evaluators.scoring import rank_submissions

    ranked = rank_submissions(task, entries)
    keys = [c.key for c in task.leaderboard_columns]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["rank", "name", "score", *keys])
    for entry in ranked:
        scores = entries[entry.name].get("ranking_scores", {})
        writer.writerow([entry.rank, spreadsheet_safe(entry.name), repr(entry.score),
                         *["" if scores.get(k) is None else repr(scores[k]) for k in keys]])
    print(f"ranking rule: {task.ranking_description[:300]}")
    print(f"{'rank':>4}  {'name':<24}{'score':>10}  " + "  ".join(k[:14] for k in keys[:4]))
    for entry in ranked:
        scores = entries[entry.name].get("ranking_scores", {})
        cells = "  ".join(f"{_fmt(scores.get(k)):>14}" for k in keys[:4])
        print(f"{entry.rank:>4}  {entry.name:<24}{entry.score:>10.4f}  {cells}")
    if args.out:
        _atomic_write(Path(args.out), buffer.getvalue())
    if args.json:
        _write_robustness(task, entries, args)
    return 0


def _write_robustness(task, entries: dict, args: argparse.Namespace) -> None:
    """``--json``: ranking, significance per column and bootstrap (evaluators.robustness)."""
    import json

    from evaluators.robustness import analyse

    result = analyse(task, entries, samples=args.bootstrap, seed=args.seed)
    text = json.dumps(result.to_json(), indent=1, allow_nan=False, ensure_ascii=False)
    _atomic_write(Path(args.json), text + "\n")
    tau = result.bootstrap["kendall_tau"]
    print(f"robustness ({args.bootstrap} bootstrap samples, seed {args.seed}): Kendall's tau "
          f"median {_fmt(tau['median'])} -> {args.json}")


def cmd_verify_board(args: argparse.Namespace) -> int:
    """Exit 0 when the snapshot's hash and Ed25519 signature verify, 1 when they do not."""
    from evaluators.signing import verify_file

    result = verify_file(args.snapshot, args.public_key)
    print(result.message)
    return 0 if result.ok else 1


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m evaluators",
        description="Arena evaluators: official-grade segmentation metrics for challenge tasks.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"arena-evaluators {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    score = sub.add_parser("score", help="score a prediction folder against references",
                           description="Score every reference case; writes OUT/cases.csv "
                           "(case,region,metric,value,note) and OUT/metrics.json.")
    score.add_argument("--task", required=True, choices=task_names(), metavar="TASK",
                       help=f"task name: {', '.join(task_names())}")
    score.add_argument("--pred", required=True, type=Path, help="folder of prediction files")
    score.add_argument("--ref", required=True, type=Path, help="folder of reference files")
    score.add_argument("--out", required=True, type=Path, help="output folder (created)")
    score.add_argument("--jobs", type=int, default=1,
                       help="cases scored in parallel processes (0 = all cores; default 1)")
    score.add_argument("--extra-metrics", default="",
                       help="comma-separated metrics beyond the task's official ones: dice, "
                       "hd95 (pooled, medpy), hd95_surfel (DeepMind), hd, assd, avd_sitk, "
                       "nsd@<mm> (e.g. hd95,hd95_surfel,nsd@2.0)")
    score.add_argument("--case-timeout", type=float, default=None, metavar="SECONDS",
                       help="stop with an error when one case's scoring runs over SECONDS "
                       "(each case then runs in its own process; default: no limit)")
    score.add_argument("--total-timeout", type=float, default=None, metavar="SECONDS",
                       help="stop with an error when scoring all cases runs over SECONDS")
    score.add_argument("--missing", choices=("score", "drop", "official"), default="score",
                       help="a reference case without prediction: 'score' it by the task's "
                       "missing rule and count it (Arena, the platform; default), 'drop' it "
                       "from the means, or the task's 'official' choice (kits21: drop)")
    score.add_argument("--quiet", action="store_true", help="no progress bar on stderr")
    score.add_argument("--strict", action="store_true",
                       help="a reference case without a prediction is an error (exit 2) "
                       "instead of a warning")
    score.set_defaults(func=cmd_score)

    tasks = sub.add_parser("tasks", help="list tasks with regions, metrics and ranking rule")
    tasks.set_defaults(func=cmd_tasks)

    rank = sub.add_parser("rank", help="rank scored submissions with the task's official rule")
    rank.add_argument("--task", required=True, metavar="TASK", help="task name")
    rank.add_argument("submissions", nargs="+", metavar="NAME=DIR",
                      help="a name and the output folder of 'score' for it")
    rank.add_argument("--out", type=Path, help="also write the table as CSV to this file")
    rank.add_argument("--json", type=Path, metavar="OUT.json",
                      help="also write ranking, pairwise significance per column (one-sided "
                      "paired Wilcoxon, Holm) and bootstrap rank statistics as JSON")
    rank.add_argument("--bootstrap", type=int, default=1000, metavar="N",
                      help="bootstrap samples over test cases for --json (default 1000)")
    rank.add_argument("--seed", type=int, default=0, metavar="S",
                      help="random seed of the bootstrap (same seed, same JSON; default 0)")
    rank.set_defaults(func=cmd_rank)

    verify = sub.add_parser(
        "verify-board", help="verify a frozen board's snapshot offline (SHA-256 + Ed25519)",
        description="Recompute the SHA-256 of the snapshot's canonical board JSON (sorted keys, "
        "no whitespace, UTF-8) and check its Ed25519 signature. Exit 0 = verified, 1 = tampered "
        "or signed by another key, 2 = unreadable input.")
    verify.add_argument("snapshot", type=Path, metavar="SNAPSHOT.json",
                        help="the snapshot document downloaded from the board page or the API")
    verify.add_argument("--public-key", required=True, metavar="KEY",
                        help="the site's public key (base64 of 32 raw bytes, or PEM), or a file "
                        "holding it; take it from the site's /about/keys/ page")
    verify.set_defaults(func=cmd_verify_board)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except EvaluationInputError as error:
        sys.stderr.write(f"\nerror: {error}\n")
        return 2
    except KeyboardInterrupt:
        sys.stderr.write("\ninterrupted\n")
        return 130
