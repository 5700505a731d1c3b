"""Adversarial predictions at KiTS size: Arena's whole process against DeepMind surface-distance
and medpy on the same files, in one run (ratios; values must agree to 1e-6).

Cases (tests/evaluators/adversarial_cases.py): salt holes, salt islands, checkerboard, one-voxel
shell, a prediction far from a tiny reference; binary masks written as .nii.gz. Each engine runs
in its own fresh process: read both files, then its metrics — DeepMind: surface Dice at τ and
robust HD95; medpy: dc and hd95; Arena: the same work as each peer (``arena_deepmind_work``:
nsd@τ + hd95_surfel; ``arena_medpy_work``: dice + hd95) and all four at once (``arena_all``).
Timed from after the imports to the end (the interpreter start is the same for all);
``arena_over_deepmind`` < 1 means Arena is faster.

Run: ``.venv/bin/python tests/benchmarks/bench_adversarial.py 240x256x256 [600x512x512 …]``
(``--skip-medpy`` where medpy would take too long); writes
tests/benchmarks/results/adversarial.json.
"""

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import SimpleITK as sitk

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "evaluators"))
from adversarial_cases import KINDS, SPACING, adversarial_case  # noqa: E402

REF_PY = ROOT / ".venv-ref" / "bin" / "python"
PEER = Path(__file__).with_name("peer_binary.py")
TOLERANCE = 1.0

ARENA_CHILD = r"""
import json, sys, time
sys.path.insert(0, sys.argv[3])
from pathlib import Path
from evaluators.io import read_volumes
from evaluators.metrics.pairs import evaluate_pair, parse_metric
from evaluators.metrics.surfels import surfel_area_table
surfel_area_table((1.0, 1.0, 1.0))  # imports scikit-image, as the peers import their library
start = time.perf_counter()
pred, ref = read_volumes(Path(sys.argv[1]), Path(sys.argv[2]))
specs = [parse_metric(m) for m in sys.argv[5].split(",")]
values = evaluate_pair(pred.array != 0, ref.array != 0, pred.spacing, specs).values
values = {k.partition("@")[0]: v for k, v in values.items()}
print(json.dumps({"seconds": time.perf_counter() - start, "values": values}))
"""


def _write(array: np.ndarray, path: Path) -> None:
    image = sitk.GetImageFromArray(array.astype(np.uint8))
    image.SetSpacing(tuple(reversed(SPACING)))
    sitk.WriteImage(image, str(path), useCompression=True)


def _run(command: list[str], timeout: float) -> dict:
    start = time.perf_counter()
    try:
        run = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"error": f"over {timeout:g} s"}
    if run.returncode != 0:
        return {"error": (run.stderr.strip().splitlines() or ["failed"])[-1]}
    result = json.loads(run.stdout)
    result["process_s"] = time.perf_counter() - start
    return result


def bench_case(kind: str, shape: tuple[int, int, int], folder: Path, skip_medpy: bool,
               timeout: float) -> dict:
    pred, ref = adversarial_case(kind, shape)
    pred_path, ref_path = folder / f"{kind}_pred.nii.gz", folder / f"{kind}_ref.nii.gz"
    _write(pred, pred_path)
    _write(ref, ref_path)
    del pred, ref
    files = [str(pred_path), str(ref_path)]
    row = {"case": kind, "shape": list(shape)}
    work = {"arena_deepmind_work": f"nsd@{TOLERANCE},hd95_surfel",
            "arena_medpy_work": "dice,hd95",
            "arena_all": f"dice,nsd@{TOLERANCE},hd95_surfel,hd95"}
    for key, metrics in work.items():
        if key == "arena_medpy_work" and skip_medpy:
            continue
        row[key] = _run([sys.executable, "-c", ARENA_CHILD, *files, str(ROOT), str(TOLERANCE),
                         metrics], timeout)
    row["deepmind"] = _run([str(REF_PY), str(PEER), *files, "deepmind", str(TOLERANCE)], timeout)
    row["medpy"] = ({"error": "skipped"} if skip_medpy else
                    _run([str(REF_PY), str(PEER), *files, "medpy", str(TOLERANCE)], timeout))
    for engine in ("deepmind", "medpy"):
        theirs, mine = row[engine].get("values"), row.get(f"arena_{engine}_work", {})
        if theirs and "seconds" in mine:
            row[f"arena_over_{engine}"] = mine["seconds"] / row[engine]["seconds"]
            row[f"{engine}_max_abs_diff"] = max(abs(mine["values"][k] - v)
                                                for k, v in theirs.items())
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="+", help="ZxYxX, e.g. 240x256x256")
    parser.add_argument("--kinds", default=",".join(KINDS))
    parser.add_argument("--skip-medpy", action="store_true")
    parser.add_argument("--timeout", type=float, default=900.0, help="per engine and case")
    args = parser.parse_args()
    subprocess.run(["bash", str(ROOT / "scripts" / "ref_venv.sh")], check=True)
    rows = []
    load = Path("/proc/loadavg").read_text().split()[:3]
    for size in args.sizes:
        shape = tuple(int(n) for n in size.split("x"))
        for kind in args.kinds.split(","):
            with tempfile.TemporaryDirectory() as tmp:
                row = bench_case(kind, shape, Path(tmp), args.skip_medpy, args.timeout)
            rows.append(row)
            engines = ("arena_deepmind_work", "deepmind", "arena_medpy_work", "medpy",
                       "arena_all")
            cells = [f"{e} {row[e]['seconds']:.2f}s" if "seconds" in row.get(e, {})
                     else f"{e} {row.get(e, {}).get('error', '-')}" for e in engines]
            ratios = [f"{k} {row[k]:.3f}" for k in row if k.startswith(("arena_over", "deepmind_max",
                                                                         "medpy_max"))]
            print(f"{size} {kind:<20} " + "  ".join(cells + ratios), flush=True)
    out = ROOT / "tests" / "benchmarks" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "adversarial.json").write_text(json.dumps({"load_before": load, "rows": rows},
                                                      indent=1))
    print(f"load average before: {' '.join(load)}; after: "
          f"{' '.join(Path('/proc/loadavg').read_text().split()[:3])}")


if __name__ == "__main__":
    main()
