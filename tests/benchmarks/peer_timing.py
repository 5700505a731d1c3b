"""Peer timings for bench_evaluators.py, run with .venv-ref/bin/python (NumPy < 2).

argv: pred.nii.gz ref.nii.gz engine(medpy|deepmind) ; prints JSON {seconds, values}.
Both engines get the arrays already read; the regions are KiTS21's.
"""

import json
import sys
import time

import numpy as np
import SimpleITK as sitk

REGIONS = {"kidney_and_mass": (1, 2, 3), "mass": (2, 3), "tumor": (2,)}
TOL = {"kidney_and_mass": 1.0330772532390826, "mass": 1.1328796488598762,
       "tumor": 1.1498198361434828}


def main() -> None:
    pred_path, ref_path, engine = sys.argv[1:4]
    pred_img = sitk.ReadImage(pred_path)
    pred = sitk.GetArrayFromImage(pred_img)
    ref = sitk.GetArrayFromImage(sitk.ReadImage(ref_path))
    spacing = tuple(reversed(pred_img.GetSpacing()))
    values = {}
    start = time.perf_counter()
    for region, labels in REGIONS.items():
        p, r = np.isin(pred, labels), np.isin(ref, labels)
        if engine == "medpy":
            from medpy.metric import binary

            # medpy raises on an empty mask (Arena applies its empty rule there instead)
            hd95 = binary.hd95(p, r, voxelspacing=spacing) if p.any() and r.any() else None
            values[region] = [binary.dc(p, r), hd95]
        elif engine == "monai":
            import torch
            from monai.metrics import compute_hausdorff_distance, compute_surface_dice

            pt = torch.from_numpy(np.stack([~p, p])[None].astype(np.float32))
            rt = torch.from_numpy(np.stack([~r, r])[None].astype(np.float32))
            sd = compute_surface_dice(pt, rt, [TOL[region]], spacing=spacing,
                                      use_subvoxels=True)
            hd = compute_hausdorff_distance(pt, rt, percentile=95, spacing=spacing)
            values[region] = [float(sd.item()), float(hd.item())]
        else:
            from surface_distance import metrics

            sd = metrics.compute_surface_distances(r, p, spacing)
            values[region] = [metrics.compute_surface_dice_at_tolerance(sd, TOL[region])]
    print(json.dumps({"seconds": time.perf_counter() - start, "values": values}))


if __name__ == "__main__":
    main()
