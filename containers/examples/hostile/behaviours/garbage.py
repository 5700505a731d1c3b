"""Hostile example: writes random bytes named <case>.nii.gz instead of NIfTI volumes."""

import json
import os

spec = json.loads(open("/input/cases.json").read())
for case in spec["cases"]:
    with open(f"/output/{case['id']}.nii.gz", "wb") as fh:
        fh.write(os.urandom(4096))
print(f"wrote {len(spec['cases'])} garbage files", flush=True)
