"""Non-maximum suppression, torchvision's ``nms`` and ``batched_nms``.

Greedy NMS is sequential (whether box i survives depends on the boxes kept before it),
so its loop is compiled with numba: boxes are visited in decreasing score order (a
stable sort: among equal scores the earlier box comes first) and each kept box
suppresses the later ones whose IoU with it exceeds the threshold. ``batched_nms`` runs
one NMS over all classes at once by shifting each class's boxes to its own region of
the plane, so boxes of different classes never overlap.
"""
import numba
import numpy as np

from ...autograd.tensor import _wrap
from . import _check

__all__ = ["nms", "batched_nms"]


@numba.njit(cache=True)
def _nms_kernel(b, order, thr):
    n = order.shape[0]
    x1, y1, x2, y2 = b[:, 0], b[:, 1], b[:, 2], b[:, 3]
    area = (x2 - x1) * (y2 - y1)
    removed = np.zeros(b.shape[0], dtype=np.bool_)
    keep = np.empty(n, dtype=np.int64)
    k = 0
    for ii in range(n):
        i = order[ii]
        if removed[i]:
            continue
        keep[k] = i
        k += 1
        ix1, iy1, ix2, iy2, ia = x1[i], y1[i], x2[i], y2[i], area[i]
        for jj in range(ii + 1, n):
            j = order[jj]
            if removed[j]:
                continue
            w = min(ix2, x2[j]) - max(ix1, x1[j])
            h = min(iy2, y2[j]) - max(iy1, y1[j])
            if w <= 0 or h <= 0:
                continue
            inter = w * h
            if inter / (ia + area[j] - inter) > thr:
                removed[j] = True
    return keep[:k]


def _order(s):
    return np.argsort(-s, kind="stable")


def nms(boxes, scores, iou_threshold):
    """Indices (int64) of the boxes kept by greedy NMS, in decreasing order of score.
    A box is dropped when its IoU with a higher-scoring kept box is > ``iou_threshold``."""
    b = _check.boxes(boxes, "nms")
    s = _check.scores(scores, b.shape[0], "nms")
    _check.number(iou_threshold, "nms", "iou_threshold")
    a = b.array
    if a.shape[0] == 0:
        return _wrap(np.zeros(0, np.int64))
    return _wrap(_nms_kernel(np.ascontiguousarray(a), _order(s.array), float(iou_threshold)))


def batched_nms(boxes, scores, idxs, iou_threshold):
    """NMS done independently per category ``idxs`` (Tensor[N] of ints); returns the
    indices kept, in decreasing order of score."""
    b = _check.boxes(boxes, "batched_nms")
    n = b.shape[0]
    s = _check.scores(scores, n, "batched_nms")
    c = np.asarray(idxs.array if hasattr(idxs, "array") else idxs)
    if c.shape != (n,):
        raise ValueError(f"batched_nms: idxs must have shape [{n}] (one category per box), got "
                         f"shape {c.shape}")
    _check.number(iou_threshold, "batched_nms", "iou_threshold")
    if n == 0:
        return _wrap(np.zeros(0, np.int64))
    a = b.array
    shifted = a + (c.astype(a.dtype) * (a.max() + 1))[:, None]
    return _wrap(_nms_kernel(np.ascontiguousarray(shifted), _order(s.array), float(iou_threshold)))
