"""Box geometry with torchvision.ops' names and semantics: areas, IoU and its generalised,
distance and complete forms, format conversion, clipping and small-box removal.

Boxes are Tensor[N, 4] in (x1, y1, x2, y2) unless a format says otherwise. Everything is
written with ember ops, so the IoU family is differentiable (GIoU, DIoU and CIoU are used
as box-regression losses), broadcast over [N, M] pairs.

    >>> import ember
    >>> from ember.detection.ops import box_iou
    >>> a = ember.tensor([[0.0, 0.0, 2.0, 2.0]]); b = ember.tensor([[1.0, 1.0, 3.0, 3.0]])
    >>> round(box_iou(a, b).item(), 4)         # 1 / (4 + 4 - 1)
    0.1429
"""
import math

import numpy as np

from ...autograd.grad_mode import is_grad_enabled
from ...autograd.tensor import _wrap
from ...ops.math import maximum, minimum
from ...ops.special import atan
from ...ops.shape import stack
from . import _check

__all__ = ["box_area", "box_iou", "generalized_box_iou", "distance_box_iou", "complete_box_iou",
           "box_convert", "clip_boxes_to_image", "remove_small_boxes"]


def box_area(boxes):
    """Areas of (x1, y1, x2, y2) boxes: Tensor[N]."""
    b = _check.boxes(boxes, "box_area")
    return (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])


def _inter_union(b1, b2):
    a1 = (b1[:, 2] - b1[:, 0]) * (b1[:, 3] - b1[:, 1])
    a2 = (b2[:, 2] - b2[:, 0]) * (b2[:, 3] - b2[:, 1])
    lt = maximum(b1[:, None, :2], b2[None, :, :2])
    rb = minimum(b1[:, None, 2:], b2[None, :, 2:])
    wh = (rb - lt).clamp(min=0)
    inter = wh[..., 0] * wh[..., 1]
    return inter, a1[:, None] + a2[None, :] - inter


def _pair(boxes1, boxes2, op):
    return _check.boxes(boxes1, op, "boxes1"), _check.boxes(boxes2, op, "boxes2")


def _iou_arrays(a, b):
    """IoU of every pair on arrays, in place where possible (the no-gradient fast path)."""
    iw = np.minimum(a[:, None, 2], b[None, :, 2])
    iw -= np.maximum(a[:, None, 0], b[None, :, 0])
    np.maximum(iw, 0, out=iw)
    ih = np.minimum(a[:, None, 3], b[None, :, 3])
    ih -= np.maximum(a[:, None, 1], b[None, :, 1])
    np.maximum(ih, 0, out=ih)
    iw *= ih                                                    # intersection
    union = ih
    np.add(((a[:, 2] - a[:, 0]) * (a[:, 3] - a[:, 1]))[:, None],
           (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1]), out=union)
    union -= iw
    iw /= union
    return iw


def box_iou(boxes1, boxes2):
    """Intersection over union of every pair: Tensor[N, M] (differentiable)."""
    b1, b2 = _pair(boxes1, boxes2, "box_iou")
    if is_grad_enabled() and (b1.requires_grad or b2.requires_grad):
        inter, union = _inter_union(b1, b2)
        return inter / union
    return _wrap(_iou_arrays(b1.array, b2.array))


def _enclosing(b1, b2):
    lti = minimum(b1[:, None, :2], b2[None, :, :2])
    rbi = maximum(b1[:, None, 2:], b2[None, :, 2:])
    return (rbi - lti).clamp(min=0)


def generalized_box_iou(boxes1, boxes2):
    """GIoU = IoU - (|C| - |A u B|) / |C|, C the smallest box enclosing both: [N, M]."""
    b1, b2 = _pair(boxes1, boxes2, "generalized_box_iou")
    inter, union = _inter_union(b1, b2)
    whi = _enclosing(b1, b2)
    area_c = whi[..., 0] * whi[..., 1]
    return inter / union - (area_c - union) / area_c


def _diou(b1, b2, eps):
    inter, union = _inter_union(b1, b2)
    iou = inter / union
    whi = _enclosing(b1, b2)
    diag = whi[..., 0] ** 2 + whi[..., 1] ** 2 + eps
    cx1, cy1 = (b1[:, 0] + b1[:, 2]) / 2, (b1[:, 1] + b1[:, 3]) / 2
    cx2, cy2 = (b2[:, 0] + b2[:, 2]) / 2, (b2[:, 1] + b2[:, 3]) / 2
    dist = (cx1[:, None] - cx2[None, :]) ** 2 + (cy1[:, None] - cy2[None, :]) ** 2
    return iou - dist / diag, iou


def distance_box_iou(boxes1, boxes2, eps=1e-7):
    """DIoU = IoU - d^2 / c^2 (d the distance of the centres, c the diagonal of the
    enclosing box): [N, M]."""
    b1, b2 = _pair(boxes1, boxes2, "distance_box_iou")
    return _diou(b1, b2, eps)[0]


def complete_box_iou(boxes1, boxes2, eps=1e-7):
    """CIoU = DIoU - alpha v, v = 4/pi^2 (atan(w2/h2) - atan(w1/h1))^2 the aspect-ratio
    mismatch and alpha = v / (1 - IoU + v + eps), a constant for the gradient: [N, M]."""
    b1, b2 = _pair(boxes1, boxes2, "complete_box_iou")
    diou, iou = _diou(b1, b2, eps)
    a1 = atan((b1[:, 2] - b1[:, 0]) / (b1[:, 3] - b1[:, 1]))
    a2 = atan((b2[:, 2] - b2[:, 0]) / (b2[:, 3] - b2[:, 1]))
    v = (4 / math.pi ** 2) * (a2[None, :] - a1[:, None]) ** 2
    alpha = (v / (1 - iou + v + eps)).detach()
    return diou - alpha * v


_FORMATS = ("xyxy", "xywh", "cxcywh")


def box_convert(boxes, in_fmt, out_fmt):
    """Convert between 'xyxy' (corners), 'xywh' (corner, size) and 'cxcywh' (centre, size)."""
    for name, f in (("in_fmt", in_fmt), ("out_fmt", out_fmt)):
        if f not in _FORMATS:
            raise ValueError(f"box_convert: {name}={f!r} must be one of {_FORMATS}")
    b = _check.boxes(boxes, "box_convert", fmt=in_fmt)
    if in_fmt == out_fmt:
        return b.clone()
    c0, c1, c2, c3 = b[:, 0], b[:, 1], b[:, 2], b[:, 3]
    if in_fmt == "xywh":
        x1, y1, x2, y2 = c0, c1, c0 + c2, c1 + c3
    elif in_fmt == "cxcywh":
        x1, y1, x2, y2 = c0 - 0.5 * c2, c1 - 0.5 * c3, c0 + 0.5 * c2, c1 + 0.5 * c3
    else:
        x1, y1, x2, y2 = c0, c1, c2, c3
    if out_fmt == "xywh":
        out = (x1, y1, x2 - x1, y2 - y1)
    elif out_fmt == "cxcywh":
        out = ((x1 + x2) / 2, (y1 + y2) / 2, x2 - x1, y2 - y1)
    else:
        out = (x1, y1, x2, y2)
    return stack(out, dim=-1)


def clip_boxes_to_image(boxes, size):
    """Clip (x1, y1, x2, y2) boxes to an image of ``size`` = (height, width)."""
    b = _check.boxes(boxes, "clip_boxes_to_image", check_order=False)
    if (not isinstance(size, (tuple, list)) or len(size) != 2
            or not all(isinstance(s, (int, np.integer)) and s >= 0 for s in size)):
        raise ValueError(f"clip_boxes_to_image: size={size!r} must be (height, width), two "
                         f"non-negative ints")
    h, w = size
    x = b[:, 0::2].clamp(min=0, max=w)
    y = b[:, 1::2].clamp(min=0, max=h)
    return stack((x[:, 0], y[:, 0], x[:, 1], y[:, 1]), dim=-1)


def remove_small_boxes(boxes, min_size):
    """Indices (int64) of the boxes whose width and height are both >= ``min_size``."""
    b = _check.boxes(boxes, "remove_small_boxes", check_order=False)
    _check.number(min_size, "remove_small_boxes", "min_size")
    a = b.array
    keep = ((a[:, 2] - a[:, 0]) >= min_size) & ((a[:, 3] - a[:, 1]) >= min_size)
    return _wrap(np.flatnonzero(keep).astype(np.int64))
