"""Peer values for the golden tests, run with .venv-ref/bin/python (NumPy < 2).

Reads an .npz of cases (pred_i, ref_i, spacing_i) and prints JSON: per case the values of
medpy (dc, hd95, hd, asd both ways), DeepMind surface-distance (surface dice at the requested
tolerances, robust Hausdorff 95) and SimpleITK's average Hausdorff distance on contours.
Also prints DeepMind's surfel-area table for the requested spacings.
"""

import json
import sys

import numpy as np
import SimpleITK as sitk
from medpy.metric import binary as medpy_binary
from surface_distance import lookup_tables, metrics


def sitk_avd(pred, ref, spacing):
    images = []
    for mask in (ref, pred):
        image = sitk.GetImageFromArray(mask.astype(np.uint8))
        image.SetSpacing(tuple(float(s) for s in reversed(spacing)))
        contour = sitk.SimpleContourExtractorImageFilter().Execute(image)
        images.append(contour)
    f = sitk.HausdorffDistanceImageFilter()
    f.Execute(images[0], images[1])
    return f.GetAverageHausdorffDistance()


def main() -> None:
    data = np.load(sys.argv[1])
    tolerances = [float(t) for t in sys.argv[2].split(",")]
    out = {"cases": [], "tables": {}}
    n = int(data["n"])
    for i in range(n):
        pred, ref = data[f"pred_{i}"].astype(bool), data[f"ref_{i}"].astype(bool)
        spacing = tuple(float(s) for s in data[f"spacing_{i}"])
        row = {}
        if pred.any() and ref.any():
            row["dice"] = float(medpy_binary.dc(pred, ref))
            row["hd95"] = float(medpy_binary.hd95(pred, ref, voxelspacing=spacing))
            row["hd"] = float(medpy_binary.hd(pred, ref, voxelspacing=spacing))
            row["assd"] = float((medpy_binary.asd(pred, ref, voxelspacing=spacing)
                                 + medpy_binary.asd(ref, pred, voxelspacing=spacing)) / 2)
            sd = metrics.compute_surface_distances(ref, pred, spacing)
            for tol in tolerances:
                row[f"nsd@{tol}"] = float(metrics.compute_surface_dice_at_tolerance(sd, tol))
            row["hd95_surfel"] = float(metrics.compute_robust_hausdorff(sd, 95))
            row["avd_sitk"] = float(sitk_avd(pred, ref, spacing))
        out["cases"].append(row)
    for spec in sys.argv[3:]:
        spacing = tuple(float(s) for s in spec.split(","))
        table = lookup_tables.create_table_neighbour_code_to_surface_area(spacing)
        out["tables"][spec] = [float(v) for v in table]
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
