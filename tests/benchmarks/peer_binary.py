"""Peer values and timings for bench_adversarial.py, run with .venv-ref/bin/python (NumPy < 2).

argv: pred.nii.gz ref.nii.gz engine(deepmind|medpy) tolerance_mm; prints JSON
{seconds, values}: the whole process's work after imports (read both files, the metrics).
DeepMind: surface Dice at the tolerance and robust Hausdorff 95; medpy: dc and hd95.
"""

import json
import sys
import time

import numpy as np
import SimpleITK as sitk


def main() -> None:
    pred_path, ref_path, engine, tolerance = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
    if engine == "deepmind":
        from surface_distance import metrics
    else:
        from medpy.metric import binary
    start = time.perf_counter()
    image = sitk.ReadImage(pred_path)
    pred = sitk.GetArrayFromImage(image).astype(bool)
    ref = sitk.GetArrayFromImage(sitk.ReadImage(ref_path)).astype(bool)
    spacing = tuple(reversed(image.GetSpacing()))
    if engine == "deepmind":
        sd = metrics.compute_surface_distances(ref, pred, spacing)
        values = {"nsd": float(metrics.compute_surface_dice_at_tolerance(sd, tolerance)),
                  "hd95_surfel": float(metrics.compute_robust_hausdorff(sd, 95))}
    else:
        values = {"dice": float(binary.dc(pred, ref)),
                  "hd95": float(binary.hd95(pred, ref, voxelspacing=spacing))}
    seconds = time.perf_counter() - start
    print(json.dumps({"seconds": seconds, "values": values, "voxels": int(np.prod(pred.shape))}))


if __name__ == "__main__":
    main()
