"""The CLI's significance JSON against R itself: ``wilcox.test(x, y, paired = TRUE,
alternative, exact = FALSE, correct = TRUE)`` and ``p.adjust(p, "holm")`` computed by
``Rscript`` on the per-case values the JSON reports. p-values agree to 1e-9, decisions exactly.

Needs Debian's ``r-base-core`` (scripts/ensure_r.sh, run by scripts/test.sh); without
``Rscript`` the tier FAILS with that reason.
"""

import csv
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from robustness_testutil import synthetic_entries, write_entries

from evaluators.tasks import get_task

ROOT = Path(__file__).resolve().parents[2]

R_SCRIPT = r"""
args <- commandArgs(trailingOnly = TRUE)
values <- read.csv(args[1], stringsAsFactors = FALSE, na.strings = "NA")
columns <- read.csv(args[2], stringsAsFactors = FALSE)
rows <- list()
for (k in seq_len(nrow(columns))) {
  col <- columns$column[k]
  alt <- if (columns$higher_is_better[k] == "true") "greater" else "less"
  v <- values[values$column == col, ]
  names <- unique(v$name)
  a_names <- c(); b_names <- c(); p <- c()
  for (a in names) for (b in names) if (a != b) {
    va <- v[v$name == a, ]; vb <- v[v$name == b, ]
    m <- merge(va[, c("case", "value")], vb[, c("case", "value")], by = "case")
    m <- m[!is.na(m$value.x) & !is.na(m$value.y), ]
    test <- wilcox.test(m$value.x, m$value.y, paired = TRUE, alternative = alt,
                        exact = FALSE, correct = TRUE)
    a_names <- c(a_names, a); b_names <- c(b_names, b); p <- c(p, test$p.value)
  }
  rows[[k]] <- data.frame(column = col, a = a_names, b = b_names, p = p,
                          p_holm = p.adjust(p, "holm"))
}
out <- do.call(rbind, rows)
write.csv(out, args[3], row.names = FALSE)
"""


def rscript() -> str:
    path = shutil.which("Rscript")
    if path is None:
        pytest.fail("Rscript not found: install Debian's r-base-core (scripts/ensure_r.sh; "
                    "scripts/test.sh runs it)")
    return path


@pytest.mark.parametrize("name,undefined", [
    ("kits21", 0.0), ("myops2020", 0.08), ("amos22", 0.05), ("cosmos2022", 0.0),
    ("segrap2023_task2", 0.0), ("kipa22", 0.05), ("segrap2023_task1", 0.0),
])
def test_cli_significance_matches_r(tmp_path, name, undefined):
    r = rscript()
    task = get_task(name)
    entries = synthetic_entries(task, 5, 14, seed=21, decimals=1, undefined=undefined)
    # one entry identical to another: every difference zero (R and Arena: p = 1)
    first = next(iter(entries))
    entries["copy"] = json.loads(json.dumps(entries[first]))
    args = write_entries(entries, tmp_path / "entries")
    out = tmp_path / "robustness.json"
    run = subprocess.run([sys.executable, "-m", "evaluators", "rank", "--task", name, *args,
                          "--bootstrap", "50", "--json", str(out)],
                         cwd=ROOT, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    significance = json.loads(out.read_text())["significance"]

    with open(tmp_path / "values.csv", "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["column", "name", "case", "value"])
        for key, column in significance.items():
            for entry, per_case in column["values"].items():
                for case, value in per_case.items():
                    writer.writerow([key, entry, case, "NA" if value is None else repr(value)])
    with open(tmp_path / "columns.csv", "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["column", "higher_is_better"])
        for key, column in significance.items():
            writer.writerow([key, "true" if column["higher_is_better"] else "false"])
    (tmp_path / "tests.R").write_text(R_SCRIPT)
    subprocess.run([r, "--vanilla", str(tmp_path / "tests.R"), str(tmp_path / "values.csv"),
                    str(tmp_path / "columns.csv"), str(tmp_path / "r.csv")],
                   check=True, capture_output=True, text=True)
    expected = {(row["column"], row["a"], row["b"]): row
                for row in csv.DictReader(open(tmp_path / "r.csv"))}

    compared = decisions = 0
    for key, column in significance.items():
        assert len(column["pairs"]) == 6 * 5
        for pair in column["pairs"]:
            r_row = expected[(key, pair["a"], pair["b"])]
            assert abs(pair["p"] - float(r_row["p"])) <= 1e-9, (key, pair)
            assert abs(pair["p_holm"] - float(r_row["p_holm"])) <= 1e-9, (key, pair)
            assert pair["a_better"] == (float(r_row["p_holm"]) < 0.05), (key, pair)
            compared += 1
            decisions += pair["a_better"]
        copy_pairs = [p for p in column["pairs"] if {p["a"], p["b"]} == {first, "copy"}]
        assert all(p["p"] == 1.0 for p in copy_pairs)
    assert compared == 30 * len(task.leaderboard_columns)
    assert 0 < decisions < compared  # the inputs exercise both decisions
