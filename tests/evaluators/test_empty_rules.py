"""Every empty/missing combination, per the spec's platform default and each task's rules."""

import numpy as np
import pytest

from evaluators.metrics.extent import image_diagonal_mm
from evaluators.metrics.pairs import EmptyPolicy, evaluate_pair, parse_metric

NAMES = ["dice", "nsd@1.0", "hd95", "hd95_surfel", "hd", "assd", "avd_sitk"]
SPACING = (2.0, 0.5, 0.5)


def _pair(pred_any: bool, ref_any: bool):
    pred = np.zeros((6, 10, 10), bool)
    ref = np.zeros((6, 10, 10), bool)
    if pred_any:
        pred[2:4, 2:5, 2:5] = True
    if ref_any:
        ref[2:4, 3:6, 3:6] = True
    return pred, ref


def test_both_empty_is_perfect_by_default():
    result = evaluate_pair(*_pair(False, False), SPACING, [parse_metric(n) for n in NAMES])
    assert result.note == "both_empty"
    assert result.values == {"dice": 1.0, "nsd@1.0": 1.0, "hd95": 0.0, "hd95_surfel": 0.0,
                             "hd": 0.0, "assd": 0.0, "avd_sitk": 0.0}


@pytest.mark.parametrize("pred_any,ref_any,note", [(True, False, "ref_empty"),
                                                   (False, True, "pred_empty")])
def test_one_empty_gets_zero_overlap_and_max_distance_penalty(pred_any, ref_any, note):
    result = evaluate_pair(*_pair(pred_any, ref_any), SPACING, [parse_metric(n) for n in NAMES])
    # physical extent 6*2.0 x 10*0.5 x 10*0.5 mm = 12 x 5 x 5: diagonal sqrt(144 + 25 + 25)
    diagonal = 194 ** 0.5
    assert image_diagonal_mm((6, 10, 10), SPACING) == pytest.approx(diagonal)
    assert result.note == note
    assert result.values["dice"] == 0.0 and result.values["nsd@1.0"] == 0.0
    for name in ("hd95", "hd95_surfel", "hd", "assd", "avd_sitk"):
        assert result.values[name] == pytest.approx(diagonal)
    assert not any(v is not None and np.isnan(v) for v in result.values.values())


def test_skip_policy_leaves_both_empty_undefined():
    result = evaluate_pair(*_pair(False, False), SPACING, [parse_metric("dice")],
                           policy=EmptyPolicy(both_empty="skip"))
    assert result.values == {"dice": None}


def test_bad_metric_names_are_clear():
    from evaluators import EvaluationInputError

    with pytest.raises(EvaluationInputError, match="unknown metric 'hd96'"):
        parse_metric("hd96")
    with pytest.raises(EvaluationInputError, match="tolerance 'x' is not a number"):
        parse_metric("nsd@x")
