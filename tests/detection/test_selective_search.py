"""Selective search: the over-segmentation separates flat regions, and the ranked
proposals recall the objects of synthetic images at IoU 0.5."""
import numpy as np
import pytest

import ember
from ember.detection.ops import box_iou
from ember.detection.selective_search import felzenszwalb, selective_search
from ember.detection.shapes import make_shapes


def test_felzenszwalb_separates_two_flat_regions():
    img = np.zeros((20, 30, 3))
    img[:, 12:] = [200, 30, 30]
    labels = felzenszwalb(img, scale=50, sigma=0.0, min_size=5)
    assert len(np.unique(labels)) == 2
    assert (labels[:, :12] == labels[0, 0]).all() and (labels[:, 12:] == labels[0, 29]).all()


def test_fast_mode_recalls_the_shapes():
    images, boxes, _ = make_shapes(3, seed=5)
    found, counts = [], []
    for img, b in zip(images, boxes):
        p = selective_search(img, "fast")
        assert p.shape[1] == 4 and len({tuple(r) for r in p.numpy().tolist()}) == len(p)
        counts.append(len(p))
        found.append(box_iou(ember.tensor(b.astype(np.float64)), p.double()).numpy().max(1) >= 0.5)
    recall = np.concatenate(found).mean()
    assert recall >= 0.9, (recall, counts)
    assert min(counts) >= 10          # a hierarchy: many more proposals than objects


def test_bad_mode_and_shape():
    with pytest.raises(ValueError, match="mode='slow' must be 'fast' or 'quality'"):
        selective_search(np.zeros((8, 8, 3)), "slow")
    with pytest.raises(ValueError, match=r"image must be \[H, W, 3\]"):
        selective_search(np.zeros((8, 8)))


def test_quality_mode_diversifies_more_than_fast():
    images, boxes, _ = make_shapes(1, image_size=32, seed=2)
    fast, quality = (selective_search(images[0], m) for m in ("fast", "quality"))
    assert len(quality) > len(fast)
    gt = ember.tensor(boxes[0].astype(np.float64))
    best = [box_iou(gt, p.double()).numpy().max(1) for p in (fast, quality)]
    assert (best[1] >= best[0] - 1e-12).all()          # quality's strategies include fast's
