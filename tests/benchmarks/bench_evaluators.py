"""Evaluator speed and memory against the peer libraries, in one run (ratios, not timed tests).

Cases: the largest public KiTS21 case of ../shared/data/kits21 (degraded prediction: eroded
kidney + far false-positive blob) and a synthetic 512×512×200 case with a far-away false
positive. For each: (a) reading the pair with SimpleITK, (b) Arena's whole case (read + kits21
dice and surface dice + hd95), (b') Arena's kernels alone on the read arrays for the same work
as each peer, (c) medpy dc + hd95, (d) DeepMind surface-distance surface Dice, (e) MONAI when
installed in .venv-ref. Arena's whole case runs in a fresh process, twice: the first call (what one CLI
invocation pays, including the page faults of fresh memory) and the second (a folder's later
cases). Peak memory of the first call (ru_maxrss growth over the post-import baseline) is
compared with the two decoded volumes.

Then every real KiTS21 case of ../shared/data/kits21 (``--kits-cases N``: the first N; the
``--kits-predictions`` set, default degraded): the SimpleITK read of its two files and Arena's
whole case (read + the official metrics), alternated three times in one warm process (best of
each), Arena's kernels for each peer's work, DeepMind and medpy; medians of whole case / read
and of the speedups.

Run: ``make bench-evaluators`` (writes tests/benchmarks/results/evaluators.json and
kits21_cases.json). Adversarial cases: tests/benchmarks/bench_adversarial.py.
"""

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import SimpleITK as sitk

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
SHARED = ROOT.parent / "shared" / "data" / "kits21"
REF_PY = ROOT / ".venv-ref" / "bin" / "python"
PEER = Path(__file__).with_name("peer_timing.py")


def synthetic_case(folder: Path) -> tuple[Path, Path]:
    """512×512×200 CT-like label maps: kidney with tumour, prediction shifted and eroded, plus a
    false-positive blob far away (like a stray detection at the other end of the scan)."""
    shape = (200, 512, 512)
    zz, yy, xx = np.ogrid[: shape[0], : shape[1], : shape[2]]
    ref = np.zeros(shape, np.uint8)
    kidney = ((zz - 100) / 40.0) ** 2 + ((yy - 260) / 60.0) ** 2 + ((xx - 330) / 45.0) ** 2 < 1
    tumor = ((zz - 110) / 15.0) ** 2 + ((yy - 240) / 20.0) ** 2 + ((xx - 350) / 18.0) ** 2 < 1
    ref[kidney] = 1
    ref[tumor] = 2
    pred = np.roll(ref, 2, axis=2)
    pred[(zz - 185) ** 2 + (yy - 30) ** 2 + (xx - 40) ** 2 < 36] = 2
    paths = []
    for name, array in (("pred", pred), ("ref", ref)):
        image = sitk.GetImageFromArray(array)
        image.SetSpacing((0.78, 0.78, 2.5))
        path = folder / f"{name}.nii.gz"
        sitk.WriteImage(image, str(path), useCompression=True)
        paths.append(path)
    return paths[0], paths[1]


def time_read(pred: Path, ref: Path) -> float:
    start = time.perf_counter()
    for path in (pred, ref):
        sitk.GetArrayViewFromImage(sitk.ReadImage(str(path)))
    return time.perf_counter() - start


ARENA_CHILD = r"""
import json, sys, time
sys.path.insert(0, sys.argv[3])
from pathlib import Path
import evaluators
from evaluators.metrics.surfels import surfel_area_table
from evaluators.tasks import get_task

def status(key):
    for line in open("/proc/self/status"):
        if line.startswith(key):
            return int(line.split()[1]) / 1024  # MiB

task = get_task("kits21")
surfel_area_table((1.0, 1.0, 1.0))  # imports scikit-image once, as a long-lived worker has
open("/proc/self/clear_refs", "w").write("5")  # reset the peak-RSS mark (VmHWM)
base = status("VmRSS")
start = time.perf_counter()
scores = task.score_case("bench", Path(sys.argv[1]), Path(sys.argv[2]), ("hd95",))
seconds = time.perf_counter() - start
peak = status("VmHWM") - base
start = time.perf_counter()  # again in the same process: a folder's later cases
task.score_case("bench", Path(sys.argv[1]), Path(sys.argv[2]), ("hd95",))
warm = time.perf_counter() - start
print(json.dumps({"seconds": seconds, "warm_seconds": warm, "peak_growth_mb": peak,
                  "values": scores.values}))
"""


def arena_whole_case(pred: Path, ref: Path) -> dict:
    out = subprocess.run([sys.executable, "-c", ARENA_CHILD, str(pred), str(ref), str(ROOT)],
                         check=True, capture_output=True, text=True)
    return json.loads(out.stdout)


def arena_kernels(pred: Path, ref: Path, kinds: tuple[str, ...]) -> float:
    """Arena's kernels alone on the read label maps, as the kits21 task runs them (foreground
    blocks found once, region masks per block), each region computed on its own."""
    from evaluators.metrics.blocks import BlockedMask, foreground_blocks
    from evaluators.metrics.pairs import evaluate_pair, parse_metric
    from evaluators.tasks.kits21 import TOLERANCES_MM, Kits21
    from evaluators.tasks.labelmap import region_mask

    pred_img = sitk.ReadImage(str(pred))
    p_all = sitk.GetArrayFromImage(pred_img)
    r_all = sitk.GetArrayFromImage(sitk.ReadImage(str(ref)))
    spacing = tuple(reversed(pred_img.GetSpacing()))
    start = time.perf_counter()
    blocks = foreground_blocks(p_all, r_all)
    allowed = Kits21().allowed_labels()
    for region, labels in Kits21.region_labels.items():
        specs = [parse_metric(k if k != "nsd" else f"nsd@{TOLERANCES_MM[region]}") for k in kinds]
        pm = BlockedMask(p_all.shape, [(b, region_mask(p_all[b], labels, allowed)) for b in blocks])
        rm = BlockedMask(r_all.shape, [(b, region_mask(r_all[b], labels, allowed)) for b in blocks])
        evaluate_pair(pm, rm, spacing, specs)
    return time.perf_counter() - start


def peer(pred: Path, ref: Path, engine: str) -> dict | None:
    python = REF_PY
    if engine == "monai":
        python = ROOT / ".venv-monai" / "bin" / "python"  # torch + MONAI, made by bench_monai_env
        if not python.exists():
            return {"error": "MONAI not installed (make bench-monai-env)"}
    run = subprocess.run([str(python), str(PEER), str(pred), str(ref), engine],
                         capture_output=True, text=True)
    if run.returncode != 0:
        return {"error": run.stderr.strip().splitlines()[-1] if run.stderr.strip() else "failed"}
    return json.loads(run.stdout)


def bench(label: str, pred: Path, ref: Path) -> dict:
    shape = sitk.ReadImage(str(ref)).GetSize()
    decoded_mb = 2 * int(np.prod(shape)) / 2**20  # two uint8 label maps
    row = {"case": label, "shape_xyz": list(shape), "decoded_two_volumes_mb": decoded_mb}
    row["read_s"] = min(time_read(pred, ref) for _ in range(2))
    whole = arena_whole_case(pred, ref)
    row["arena_whole_case_s"] = whole["seconds"]  # first case of a fresh process
    row["arena_whole_case_warm_s"] = whole["warm_seconds"]  # the same case again
    row["arena_peak_growth_mb"] = whole["peak_growth_mb"]
    row["arena_dice_hd95_s"] = arena_kernels(pred, ref, ("dice", "hd95"))
    row["arena_nsd_s"] = arena_kernels(pred, ref, ("nsd",))
    for engine in ("medpy", "deepmind", "monai"):
        row[engine] = peer(pred, ref, engine)
    if "seconds" in (row["medpy"] or {}):
        row["speedup_vs_medpy"] = row["medpy"]["seconds"] / row["arena_dice_hd95_s"]
    if "seconds" in (row["deepmind"] or {}):
        row["speedup_vs_deepmind"] = row["deepmind"]["seconds"] / row["arena_nsd_s"]
    row["whole_case_over_read"] = row["arena_whole_case_s"] / row["read_s"]
    row["warm_whole_case_over_read"] = row["arena_whole_case_warm_s"] / row["read_s"]
    row["peak_over_decoded"] = row["arena_peak_growth_mb"] / decoded_mb
    return row


KITS_CHILD = r"""
import json, sys, time
sys.path.insert(0, sys.argv[1])
from pathlib import Path
import SimpleITK as sitk
from evaluators.metrics.surfels import surfel_area_table
from evaluators.tasks import get_task

task = get_task("kits21")
surfel_area_table((1.0, 1.0, 1.0))
out = {}
for pair in sys.argv[2:]:
    pred, ref = pair.split("::")
    reads, wholes = [], []
    for _ in range(3):  # alternate, so that both see the same machine load; best of three
        start = time.perf_counter()
        for path in (pred, ref):
            sitk.GetArrayViewFromImage(sitk.ReadImage(path))
        reads.append(time.perf_counter() - start)
        start = time.perf_counter()
        task.score_case("bench", Path(pred), Path(ref))
        wholes.append(time.perf_counter() - start)
    out[ref] = [min(reads), min(wholes)]
print(json.dumps(out))
"""


def kits_cases(count: int | None, predictions: str) -> dict:
    """Whole case / read and peer speedups on every real KiTS21 case (see module docstring)."""
    refs = sorted((SHARED / "references").glob("*.nii.gz"))[:count]
    pairs = [(SHARED / "predictions" / predictions / r.name, r) for r in refs]
    pairs = [(p, r) for p, r in pairs if p.exists()]
    whole = json.loads(subprocess.run(
        [sys.executable, "-c", KITS_CHILD, str(ROOT), *[f"{p}::{r}" for p, r in pairs]],
        check=True, capture_output=True, text=True).stdout)
    rows = []
    for pred, ref in pairs:
        row = {"case": ref.name[:-7]}
        row["read_s"], row["whole_case_s"] = whole[str(ref)]
        row["whole_case_over_read"] = row["whole_case_s"] / row["read_s"]
        row["arena_nsd_s"] = arena_kernels(pred, ref, ("nsd",))
        row["arena_dice_hd95_s"] = arena_kernels(pred, ref, ("dice", "hd95"))
        for engine in ("deepmind", "medpy"):
            row[engine] = peer(pred, ref, engine)
        if "seconds" in row["deepmind"]:
            row["speedup_vs_deepmind"] = row["deepmind"]["seconds"] / row["arena_nsd_s"]
        if "seconds" in row["medpy"]:
            row["speedup_vs_medpy"] = row["medpy"]["seconds"] / row["arena_dice_hd95_s"]
        rows.append(row)
        print(f"  {row['case']}  read {row['read_s']:.3f}s  whole {row['whole_case_s']:.3f}s  "
              f"whole/read {row['whole_case_over_read']:.2f}  "
              f"vs DeepMind {row.get('speedup_vs_deepmind', float('nan')):.1f}x  "
              f"vs medpy {row.get('speedup_vs_medpy', float('nan')):.0f}x", flush=True)
    summary = {key: statistics.median([r[key] for r in rows if key in r] or [float("nan")])
               for key in ("whole_case_over_read", "speedup_vs_deepmind", "speedup_vs_medpy")}
    return {"predictions": predictions, "cases": rows, "median": summary}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kits-cases", type=int, default=None, help="first N cases only")
    parser.add_argument("--kits-predictions", default="degraded",
                        choices=("degraded", "annotator", "kits19"))
    parser.add_argument("--only-kits", action="store_true", help="skip the two detailed cases")
    args = parser.parse_args()
    subprocess.run(["bash", str(ROOT / "scripts" / "ref_venv.sh")], check=True)
    out = ROOT / "tests" / "benchmarks" / "results"
    out.mkdir(parents=True, exist_ok=True)
    load = Path("/proc/loadavg").read_text().split()[:3]
    print(f"== real KiTS21 cases ({args.kits_predictions}); load average {' '.join(load)}")
    table = kits_cases(args.kits_cases, args.kits_predictions)
    table["load_before"] = load
    (out / "kits21_cases.json").write_text(json.dumps(table, indent=1))
    print("  median: " + "  ".join(f"{k} {v:.2f}" for k, v in table["median"].items()))
    if args.only_kits:
        return
    rows = []
    largest = max((SHARED / "references").glob("*.nii.gz"), key=lambda p: p.stat().st_size)
    rows.append(bench(f"kits21 {largest.name[:-7]} (degraded)",
                      SHARED / "predictions" / "degraded" / largest.name, largest))
    with tempfile.TemporaryDirectory() as tmp:
        pred, ref = synthetic_case(Path(tmp))
        rows.append(bench("synthetic 512x512x200 + far FP", pred, ref))
    (out / "evaluators.json").write_text(json.dumps(rows, indent=1))
    for row in rows:
        print(f"\n== {row['case']}  {row['shape_xyz']}")
        for key in ("read_s", "arena_whole_case_s", "arena_whole_case_warm_s", "arena_dice_hd95_s",
                    "arena_nsd_s", "speedup_vs_medpy", "speedup_vs_deepmind",
                    "whole_case_over_read", "warm_whole_case_over_read",
                    "arena_peak_growth_mb", "decoded_two_volumes_mb", "peak_over_decoded"):
            value = row.get(key)
            print(f"  {key:<24} {value:.3f}" if isinstance(value, float) else f"  {key:<24} {value}")
        for engine in ("medpy", "deepmind", "monai"):
            print(f"  {engine:<24} {row[engine]}")


if __name__ == "__main__":
    main()
