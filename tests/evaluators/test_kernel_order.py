"""The surfel order and the ball's first-hit rows against independent NumPy formulations."""

import numpy as np
import pytest

from evaluators.metrics.nearest import _first_hits
from evaluators.metrics.surfels import _sorted, surfel_area_table


def _lexsorted(distances, areas):
    order = np.lexsort((areas, distances))
    return distances[order], areas[order]


@pytest.mark.parametrize("distinct", [5, 300, 20_000])
def test_surfel_order_equals_lexsort(distinct):
    """Counting sort (few distances) and complex sort (many) give lexsort's arrays, byte for
    byte."""
    rng = np.random.default_rng(distinct)
    table = surfel_area_table((0.7, 0.8, 5.0))
    distances = np.sqrt(rng.integers(0, distinct, 30_000).astype(np.float64))
    areas = table[rng.integers(1, 255, distances.size)]
    got, expected = _sorted(distances, areas), _lexsorted(distances, areas)
    for mine, theirs in zip(got, expected, strict=True):
        assert mine.tobytes() == theirs.tobytes()


def test_surfel_order_edge_cases():
    cases = ((np.zeros(0), np.zeros(0)), (np.array([np.inf, 1.0, 1.0]), np.array([1.0, 2.0, 0.5])))
    for distances, areas in cases:
        got, expected = _sorted(distances, areas), _lexsorted(distances, areas)
        assert all(a.tobytes() == b.tobytes() for a, b in zip(got, expected, strict=True))


@pytest.mark.parametrize("width", [2, 4, 8])
@pytest.mark.parametrize("density", [0.0, 0.05, 0.5, 1.0])
def test_first_hits_are_each_rows_first_true(width, density):
    hits = np.random.default_rng(width).random((4000, width)) < density
    rows, columns = _first_hits(hits, width)
    expected_rows = np.flatnonzero(hits.any(axis=1))
    np.testing.assert_array_equal(rows, expected_rows)
    np.testing.assert_array_equal(columns, hits[expected_rows].argmax(axis=1))
