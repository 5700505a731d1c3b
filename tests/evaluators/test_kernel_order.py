"""The surfel order and the ball's first-hit rows against independent NumPy formulations."""

import numpy as np
import pytest

from evaluators.metrics.nearest import _first_hits_by_offset
from evaluators.metrics.surfels import _sorted, surfel_area_table


def _lexsorted(distances, areas):
    order = np.lexsort((areas, distances))
    return distances[order], areas[order]


@pytest.mark.parametrize("distinct", [5, 300, 20_000])
def test_surfel_order_equals_lexsort(distinct):
    """Counting sort (few distances) and complex sort (many) give lexsort's arrays, byte for
    byte, with areas ranked by sorting them or by the neighbour codes present."""
    rng = np.random.default_rng(distinct)
    table = surfel_area_table((0.7, 0.8, 5.0))
    distances = np.sqrt(rng.integers(0, distinct, 30_000).astype(np.float64))
    codes = rng.integers(1, 255, distances.size).astype(np.uint8)
    areas = table[codes]
    expected = _lexsorted(distances, areas)
    for got in (_sorted(distances, areas), _sorted(distances, areas, codes, table)):
        for mine, theirs in zip(got, expected, strict=True):
            assert mine.tobytes() == theirs.tobytes()


def test_surfel_order_edge_cases():
    cases = ((np.zeros(0), np.zeros(0)), (np.array([np.inf, 1.0, 1.0]), np.array([1.0, 2.0, 0.5])))
    for distances, areas in cases:
        got, expected = _sorted(distances, areas), _lexsorted(distances, areas)
        assert all(a.tobytes() == b.tobytes() for a, b in zip(got, expected, strict=True))


@pytest.mark.parametrize("width", [1, 2, 5, 16])
@pytest.mark.parametrize("density", [0.0, 0.05, 0.5, 1.0])
def test_first_hits_by_offset_are_each_rows_first_true(width, density):
    """One gather per offset from the shifted grid gives, for each point, the first offset
    whose look-up ``grid[key + shift]`` is True: argmax of the (points, offsets) look-ups."""
    rng = np.random.default_rng(width)
    grid = rng.random(5000) < density
    shifts = rng.permutation(200)[:width]  # any order: "first" is the position in shifts
    keys = np.sort(rng.integers(0, 4800, 3000))
    looked_up = grid[keys[:, None] + shifts[None, :]]
    rows, columns = _first_hits_by_offset(grid, keys, shifts)
    expected_rows = np.flatnonzero(looked_up.any(axis=1))
    np.testing.assert_array_equal(rows, expected_rows)
    np.testing.assert_array_equal(columns, looked_up[expected_rows].argmax(axis=1))
