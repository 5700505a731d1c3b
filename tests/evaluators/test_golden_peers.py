"""Golden tests of every kernel against the peer libraries (medpy, DeepMind surface-distance,
SimpleITK) on small synthetic cases: tolerance ties, anisotropic spacing, objects touching the
border. The peers run in .venv-ref (NumPy < 2) through tests/evaluators/peers/peer_metrics.py."""

import json
import subprocess
from pathlib import Path

import numpy as np
import pytest
from scipy import ndimage

from evaluators.metrics.pairs import evaluate_pair, parse_metric
from evaluators.metrics.surfels import surfel_area_table

PEER = Path(__file__).parent / "peers" / "peer_metrics.py"
TOLERANCES = (0.5, 1.0, 2.0, 2.5)
SPACINGS = ("1,1,1", "0.7,0.8,2.5", "3.0,0.5,0.77", "2.5,0.703125,0.703125")


def _cases() -> list[tuple[np.ndarray, np.ndarray, tuple]]:
    rng = np.random.default_rng(42)
    cases = []
    # random blobs, anisotropic spacing
    for _ in range(12):
        shape = tuple(int(s) for s in rng.integers(10, 28, 3))
        spacing = tuple(float(s) for s in rng.choice([0.5, 0.7, 1.0, 2.5, 3.0], 3))
        a = ndimage.binary_dilation(rng.random(shape) > 0.97, iterations=int(rng.integers(1, 3)))
        b = ndimage.binary_dilation(rng.random(shape) > 0.97, iterations=int(rng.integers(1, 3)))
        cases.append((a, b, spacing))
    # tolerance ties: two cubes one voxel apart with spacing making distances exactly 1.0/2.0
    a = np.zeros((12, 12, 12), bool)
    b = np.zeros((12, 12, 12), bool)
    a[3:8, 3:8, 3:8] = True
    b[4:9, 3:8, 3:8] = True
    cases.append((a, b, (1.0, 1.0, 1.0)))
    cases.append((a, b, (2.0, 0.5, 0.5)))
    cases.append((a, b, (2.5, 1.0, 1.0)))
    # objects touching every border of the image
    full = np.zeros((8, 9, 10), bool)
    full[:, :, :6] = True
    other = np.zeros((8, 9, 10), bool)
    other[:, 2:, 3:] = True
    cases.append((full, other, (1.5, 0.8, 0.8)))
    # far-away false positive
    c = np.zeros((20, 40, 40), bool)
    c[5:10, 5:12, 5:12] = True
    d = c.copy()
    d[17:19, 35:38, 35:38] = True
    cases.append((d, c, (3.0, 0.7, 0.7)))
    return cases


@pytest.fixture(scope="module")
def peer_values(tmp_path_factory, ref_python):
    cases = _cases()
    path = tmp_path_factory.mktemp("peer") / "cases.npz"
    arrays = {"n": np.array(len(cases))}
    for i, (pred, ref, spacing) in enumerate(cases):
        arrays[f"pred_{i}"], arrays[f"ref_{i}"] = pred, ref
        arrays[f"spacing_{i}"] = np.array(spacing)
    np.savez(path, **arrays)
    out = subprocess.run(
        [str(ref_python), str(PEER), str(path), ",".join(map(str, TOLERANCES)), *SPACINGS],
        check=True, capture_output=True, text=True,
    )
    return cases, json.loads(out.stdout)


def test_every_kernel_equals_its_peer(peer_values):
    cases, peers = peer_values
    names = ["dice", "hd95", "hd", "assd", "hd95_surfel", "avd_sitk",
             *[f"nsd@{t}" for t in TOLERANCES]]
    specs = [parse_metric(n) for n in names]
    checked = 0
    for (pred, ref, spacing), expected in zip(cases, peers["cases"], strict=True):
        mine = evaluate_pair(pred, ref, spacing, specs).values
        for name, value in expected.items():
            assert mine[name] == pytest.approx(value, abs=1e-9, rel=1e-12), (name, spacing)
            checked += 1
    assert checked > 150


def test_surfel_area_table_equals_deepmind(peer_values):
    _, peers = peer_values
    for spec, table in peers["tables"].items():
        spacing = tuple(float(s) for s in spec.split(","))
        np.testing.assert_allclose(surfel_area_table(spacing), table, rtol=1e-13, atol=1e-15)
