"""MeanAveragePrecision on hand-made cases whose answers follow from COCO's definition
(101-point interpolated precision, IoU thresholds 0.50:0.05:0.95, area ranges)."""
import numpy as np
import pytest

import ember
from ember.detection import MeanAveragePrecision


def T(x, dtype=None):
    return ember.tensor(np.asarray(x, dtype=dtype))


def pred(boxes, scores, labels):
    return {"boxes": T(boxes, np.float32).reshape(-1, 4), "scores": T(scores, np.float32),
            "labels": T(labels, np.int64)}


def gt(boxes, labels):
    return {"boxes": T(boxes, np.float32).reshape(-1, 4), "labels": T(labels, np.int64)}


def run(preds, targets, **kw):
    m = MeanAveragePrecision(**kw)
    m.update(preds, targets)
    return {k: v.numpy() for k, v in m.compute().items()}


BIG = [0, 0, 100, 100]          # area 10^4: large
MED = [0, 0, 40, 40]            # 1600: medium
SMALL = [0, 0, 20, 20]          # 400: small


def test_perfect_detections_score_one():
    r = run([pred([BIG, [200, 200, 230, 240]], [0.9, 0.8], [1, 2])],
            [gt([BIG, [200, 200, 230, 240]], [1, 2])])
    for k in ("map", "map_50", "map_75", "mar_1", "mar_10", "mar_100"):
        assert r[k] == pytest.approx(1.0), k
    assert r["map_large"] == pytest.approx(1.0) and r["map_small"] == -1


def test_a_higher_scored_false_positive_halves_ap():
    # FP (IoU 0 with the gt) outranks the TP: precision at recall 1 is 1/2 -> AP 0.5
    r = run([pred([[300, 300, 400, 400], BIG], [0.9, 0.8], [1, 1])], [gt([BIG], [1])])
    assert r["map_50"] == pytest.approx(0.5) and r["map"] == pytest.approx(0.5)
    assert r["mar_1"] == pytest.approx(0.0) and r["mar_10"] == pytest.approx(1.0)
    # a lower-scored FP costs nothing: precision 1 until recall 1
    r = run([pred([BIG, [300, 300, 400, 400]], [0.9, 0.8], [1, 1])], [gt([BIG], [1])])
    assert r["map"] == pytest.approx(1.0)


def test_half_recall_gives_51_of_101_points():
    r = run([pred([BIG], [0.9], [1])], [gt([BIG, [300, 300, 400, 400]], [1, 1])])
    assert r["map_50"] == pytest.approx(51 / 101) and r["mar_100"] == pytest.approx(0.5)


def test_iou_thresholds_decide_map():
    # IoU = 0.7: a hit at 0.50, 0.55, 0.60, 0.65, 0.70; a miss at 0.75 ... 0.95
    box = [0, 0, 100, 70]                      # inside BIG: IoU = 7000 / 10000
    r = run([pred([box], [0.9], [1])], [gt([BIG], [1])])
    assert r["map_50"] == pytest.approx(1.0) and r["map_75"] == pytest.approx(0.0)
    assert r["map"] == pytest.approx(0.5) and r["mar_100"] == pytest.approx(0.5)


def test_area_ranges_and_per_class_values():
    preds = [pred([SMALL, [100, 100, 140, 140]], [0.9, 0.9], [1, 2])]
    targets = [gt([SMALL, [100, 100, 140, 140], [300, 300, 340, 340]], [1, 2, 2])]
    r = run(preds, targets, class_metrics=True)
    assert r["map_small"] == pytest.approx(1.0)
    assert r["map_medium"] == pytest.approx(51 / 101)           # class 2: one of two found
    np.testing.assert_allclose(r["map_per_class"], [1.0, 51 / 101], rtol=1e-6)
    np.testing.assert_allclose(r["mar_100_per_class"], [1.0, 0.5], rtol=1e-6)
    np.testing.assert_array_equal(r["classes"], [1, 2])
    assert r["map"] == pytest.approx((1 + 51 / 101) / 2)


def test_ranking_across_images_and_max_detections():
    # image 1: TP 0.9; image 2: FP 0.95 then TP 0.5 -> ranks FP, TP, TP
    # precision at recall 0.5 and 1: max(1/2, 2/3) = 2/3 for every recall point
    preds = [pred([BIG], [0.9], [1]), pred([[500, 500, 600, 600], BIG], [0.95, 0.5], [1, 1])]
    targets = [gt([BIG], [1]), gt([BIG], [1])]
    r = run(preds, targets)
    assert r["map_50"] == pytest.approx(2 / 3, rel=1e-6)
    assert r["mar_1"] == pytest.approx(0.5)              # image 2 keeps only its FP


def test_missing_class_in_predictions_scores_zero_and_bad_input():
    r = run([pred(np.zeros((0, 4)), [], [])], [gt([BIG], [3])])
    assert r["map"] == pytest.approx(0.0)
    m = MeanAveragePrecision()
    with pytest.raises(ValueError, match=r"preds\[0\] has 1 boxes, 2 scores"):
        m.update([pred([BIG], [0.9, 0.8], [1])], [gt([BIG], [1])])
    with pytest.raises(ValueError, match=r"target\[0\]\['boxes'\] has a NaN or a box with x2 < x1"):
        m.update([pred([BIG], [0.9], [1])], [gt([[10, 0, 5, 5]], [1])])
    with pytest.raises(ValueError, match="preds has 2 images but target has 1"):
        m.update([pred([BIG], [0.9], [1])] * 2, [gt([BIG], [1])])
