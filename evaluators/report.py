"""Writing ``cases.csv`` and ``metrics.json`` atomically (temp file + rename: never half a file)."""

import csv
import io
import json
import math
import os
import tempfile
from pathlib import Path

CASES_COLUMNS = ("case", "region", "metric", "value", "note")


def _atomic_write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def _clean(value):
    """JSON-safe: NaN/inf never reach the file (they become null)."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    return value


_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(cell: object) -> object:
    """A CSV cell a spreadsheet will not run as a formula: text starting with ``=``, ``+``,
    ``-``, ``@`` (or a tab / carriage return) gets a leading apostrophe. Numbers (``int``,
    ``float``) and text that parses as a number (``-0.5``, ``+3``) are returned unchanged; other
    values are returned as they are."""
    if not isinstance(cell, str) or not cell.startswith(_FORMULA_PREFIXES):
        return cell
    try:
        float(cell)
    except ValueError:
        return "'" + cell
    return cell


def cases_csv_text(result) -> str:
    """The long-format per-case table: ``case,region,metric,value,note``; values in full
    precision (``repr``), empty when undefined."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CASES_COLUMNS)
    for row in result.rows:
        value = "" if row.value is None else repr(float(row.value))
        writer.writerow(
            [spreadsheet_safe(c) for c in (row.case, row.region, row.metric, value, row.note)]
        )
    return buffer.getvalue()


def write_report(result, out_dir: str | Path) -> tuple[Path, Path]:
    """Write ``out_dir/cases.csv`` and ``out_dir/metrics.json``; returns both paths."""
    out = Path(out_dir)
    cases_path, metrics_path = out / "cases.csv", out / "metrics.json"
    _atomic_write(cases_path, cases_csv_text(result))
    _atomic_write(metrics_path, json.dumps(_clean(result.metrics_json), indent=1) + "\n")
    return cases_path, metrics_path


def read_metrics(folder: str | Path) -> dict:
    """Load ``metrics.json`` of a ``score`` output folder (for offline ranking)."""
    from evaluators.errors import EvaluationInputError

    path = Path(folder) / "metrics.json"
    try:
        return json.loads(path.read_text())
    except FileNotFoundError:
        raise EvaluationInputError(f"{path}: not found (expected the output folder of 'score')")
    except ValueError as error:
        raise EvaluationInputError(f"{path}: not valid JSON ({error})")
