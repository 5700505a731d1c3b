"""Arena example algorithm: threshold channel 0000 into a label map.

Container contract v1: read `/input/cases.json` and `/input/<case>_<CCCC>.nii.gz`, write
`/output/<case>.nii.gz` with the input's geometry (size, spacing, origin, direction). Labels are
0 (background), 1 where intensity >= LOW, 2 where intensity >= HIGH; LOW/HIGH come from the
environment variables ARENA_EXAMPLE_LOW/ARENA_EXAMPLE_HIGH (defaults 100 and 250);
ARENA_EXAMPLE_DELAY_S seconds are slept first (0 by default).
"""

import json
import os
import sys
import time
from pathlib import Path

import numpy as np
import SimpleITK as sitk

INPUT = Path(os.environ.get("ARENA_INPUT", "/input"))
OUTPUT = Path(os.environ.get("ARENA_OUTPUT", "/output"))


def segment(image: sitk.Image, low: float, high: float) -> sitk.Image:
    """Return a UInt8 label map (0/1/2) with the geometry of `image`."""
    values = sitk.GetArrayViewFromImage(image)
    labels = np.zeros(values.shape, dtype=np.uint8)
    labels[values >= low] = 1
    labels[values >= high] = 2
    out = sitk.GetImageFromArray(labels)
    out.CopyInformation(image)
    return out


def main() -> int:
    low = float(os.environ.get("ARENA_EXAMPLE_LOW", "100"))
    high = float(os.environ.get("ARENA_EXAMPLE_HIGH", "250"))
    time.sleep(float(os.environ.get("ARENA_EXAMPLE_DELAY_S", "0")))
    spec = json.loads((INPUT / "cases.json").read_text())
    for case in spec["cases"]:
        image = sitk.ReadImage(str(INPUT / case["files"]["0000"]))
        sitk.WriteImage(segment(image, low, high), str(OUTPUT / f"{case['id']}.nii.gz"), True)
        print(f"{case['id']}: done", flush=True)
    print(f"{len(spec['cases'])} cases written", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
