"""Adversarial golden cases (noisy legal predictions whose surface is everywhere) against medpy
and DeepMind surface-distance, through every route of the nearest-point search: the default
choice, the KD-tree alone and the exact feature transform alone. Small sizes (the suite stays
fast); the KiTS-size versions are timed in tests/benchmarks/bench_evaluators.py."""

import json
import subprocess
from pathlib import Path

import numpy as np
import pytest
from adversarial_cases import KINDS, SPACING, adversarial_case

from evaluators.metrics import nearest
from evaluators.metrics.pairs import evaluate_pair, parse_metric

PEER = Path(__file__).parent / "peers" / "peer_metrics.py"
TOLERANCES = (0.8, 1.0, 2.0)
SHAPES = ((20, 40, 36), (25, 32, 33))
SPACINGS = (SPACING, (1.0, 1.0, 1.0))
#: (NEAR_RADIUS, far-point rule) of each route: as shipped, KD-tree only, feature transform only
ROUTES = {"default": (nearest.NEAR_RADIUS, nearest.use_transform),
          "tree": (0.0, lambda *_: False), "transform": (0.0, lambda *_: True)}


def _cases() -> list[tuple[str, np.ndarray, np.ndarray, tuple]]:
    cases = []
    for shape, spacing in zip(SHAPES, SPACINGS, strict=True):
        for kind in KINDS:
            pred, ref = adversarial_case(kind, shape)
            cases.append((f"{kind} {shape} {spacing}", pred, ref, spacing))
    return cases


@pytest.fixture(scope="module")
def adversarial_peers(tmp_path_factory, ref_python):
    cases = _cases()
    path = tmp_path_factory.mktemp("adversarial") / "cases.npz"
    arrays = {"n": np.array(len(cases))}
    for i, (_, pred, ref, spacing) in enumerate(cases):
        arrays[f"pred_{i}"], arrays[f"ref_{i}"] = pred, ref
        arrays[f"spacing_{i}"] = np.array(spacing)
    np.savez(path, **arrays)
    out = subprocess.run(
        [str(ref_python), str(PEER), str(path), ",".join(map(str, TOLERANCES))],
        check=True, capture_output=True, text=True,
    )
    return cases, json.loads(out.stdout)["cases"]


@pytest.mark.reference
@pytest.mark.parametrize("route", sorted(ROUTES))
def test_adversarial_cases_equal_medpy_and_deepmind(adversarial_peers, monkeypatch, route):
    radius, rule = ROUTES[route]
    monkeypatch.setattr(nearest, "NEAR_RADIUS", radius)
    monkeypatch.setattr(nearest, "use_transform", rule)
    cases, peers = adversarial_peers
    names = ["dice", "hd95", "hd", "assd", "hd95_surfel", *[f"nsd@{t}" for t in TOLERANCES]]
    specs = [parse_metric(n) for n in names]
    checked = 0
    for (label, pred, ref, spacing), expected in zip(cases, peers, strict=True):
        assert expected, label  # the peers computed every case (both masks non-empty)
        mine = evaluate_pair(pred, ref, spacing, specs).values
        for name in names:
            assert mine[name] == pytest.approx(expected[name], abs=1e-9, rel=1e-12), (
                label, name)
            checked += 1
    assert checked == len(cases) * len(names)


def test_each_route_is_taken_by_some_adversarial_case(monkeypatch):
    """The default choice really switches: the feature transform answers the far points of
    the salt holes and the checkerboard (at a size where the holes' interiors lie beyond the
    ball of stage 1), the KD-tree those of the far tiny reference."""
    taken = []
    original = nearest._transform_nearest

    def spy(query, *args):
        taken.append(len(query))
        return original(query, *args)

    monkeypatch.setattr(nearest, "_transform_nearest", spy)
    specs = [parse_metric("hd95")]
    for kind, expect_transform in (("salt_holes", True), ("checkerboard", True),
                                   ("far_tiny_reference", False), ("shell", False)):
        taken.clear()
        pred, ref = adversarial_case(kind, (60, 96, 96))
        evaluate_pair(pred, ref, SPACING, specs)
        assert bool(taken) == expect_transform, (kind, taken)
