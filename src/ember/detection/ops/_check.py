"""Argument checks shared by the detection ops: every bad box set, score vector or RoI
tensor is refused with an error that names the argument, its value and what was expected."""
import numbers

import numpy as np

from ...autograd.tensor import Tensor, _wrap
from ...ops.shape import cat


def as_tensor(x, op, name):
    """``x`` (Tensor, array or nested list) as a Tensor; anything else is a TypeError."""
    if isinstance(x, Tensor):
        return x
    if isinstance(x, (np.ndarray, list, tuple)):
        return _wrap(np.asarray(x, dtype=np.float64 if np.asarray(x).dtype.kind in "iub" else None))
    raise TypeError(f"{op}: {name} must be a Tensor of shape [N, 4], got {type(x).__name__}")


def boxes(x, op, name="boxes", fmt="xyxy", check_order=True):
    """A float Tensor of shape [N, 4] with finite coordinates and, for (x1, y1, x2, y2)
    boxes, x2 >= x1 and y2 >= y1."""
    t = as_tensor(x, op, name)
    a = t.array
    if a.ndim != 2 or a.shape[1] != 4:
        raise ValueError(f"{op}: {name} must have shape [N, 4] (one box per row), got shape "
                         f"{tuple(a.shape)}")
    if a.dtype.kind != "f":
        raise TypeError(f"{op}: {name} must be a floating-point Tensor, got dtype {a.dtype}")
    finite = np.isfinite(a)
    if not finite.all():
        i = int(np.argwhere(~finite)[0, 0])
        raise ValueError(f"{op}: {name} has a NaN or infinite coordinate in row {i}: "
                         f"{a[i].tolist()}")
    if check_order and fmt == "xyxy":
        bad = (a[:, 2] < a[:, 0]) | (a[:, 3] < a[:, 1])
        if bad.any():
            i = int(np.argmax(bad))
            raise ValueError(f"{op}: {name} row {i} = {a[i].tolist()} has x2 < x1 or y2 < y1; "
                             f"boxes must be (x1, y1, x2, y2) with x1 <= x2 and y1 <= y2")
    return t


def scores(x, n, op, name="scores"):
    t = as_tensor(x, op, name)
    a = t.array
    if a.ndim != 1 or a.shape[0] != n:
        raise ValueError(f"{op}: {name} must have shape [{n}] (one per box), got shape "
                         f"{tuple(a.shape)}")
    if np.isnan(a).any():
        raise ValueError(f"{op}: {name} contains NaN at index {int(np.argmax(np.isnan(a)))}")
    return t


def number(x, op, name, low=None, integer=False):
    kind = numbers.Integral if integer else numbers.Real
    if isinstance(x, bool) or not isinstance(x, kind) or (low is not None and x < low) \
            or (not integer and not np.isfinite(x)):
        what = "an integer" if integer else "a finite number"
        raise ValueError(f"{op}: {name}={x!r} must be {what}" + (f" >= {low}" if low is not None else ""))
    return x


def pair(x, op, name):
    if isinstance(x, numbers.Integral) and not isinstance(x, bool):
        x = (x, x)
    if (not isinstance(x, (tuple, list)) or len(x) != 2
            or not all(isinstance(v, numbers.Integral) and not isinstance(v, bool) and v > 0 for v in x)):
        raise ValueError(f"{op}: {name}={x!r} must be a positive int or a pair of positive ints")
    return int(x[0]), int(x[1])


def rois(boxes_arg, input_shape, op):
    """torchvision's two forms of RoIs, a Tensor[K, 5] (batch index, x1, y1, x2, y2) or a
    list of per-image Tensor[L, 4], as (batch index array, coordinates Tensor[K, 4])."""
    n = input_shape[0]
    if isinstance(boxes_arg, (list, tuple)):
        if len(boxes_arg) > n:
            raise ValueError(f"{op}: boxes is a list of {len(boxes_arg)} per-image box sets but "
                             f"input has only {n} images")
        per = [boxes(b, op, f"boxes[{i}]", check_order=False) for i, b in enumerate(boxes_arg)]
        coords = cat(per, 0) if per else _wrap(np.zeros((0, 4)))
        idx = np.concatenate([np.full(len(p.array), i, dtype=np.int64) for i, p in enumerate(per)]
                             ) if per else np.zeros(0, np.int64)
        return idx, coords
    t = as_tensor(boxes_arg, op, "boxes")
    a = t.array
    if a.ndim != 2 or a.shape[1] != 5:
        raise ValueError(f"{op}: boxes must be a Tensor[K, 5] (batch index, x1, y1, x2, y2) or a "
                         f"list of Tensor[L, 4], got shape {tuple(a.shape)}")
    if not np.isfinite(a).all():
        i = int(np.argwhere(~np.isfinite(a))[0, 0])
        raise ValueError(f"{op}: boxes has a NaN or infinite value in row {i}: {a[i].tolist()}")
    b = a[:, 0]
    if ((b < 0) | (b >= n) | (b != np.round(b))).any():
        i = int(np.argmax((b < 0) | (b >= n) | (b != np.round(b))))
        raise ValueError(f"{op}: boxes row {i} has batch index {float(b[i])}, expected an integer in "
                         f"[0, {n - 1}] (input has {n} images)")
    return b.astype(np.int64), t[:, 1:]


def feature_map(x, op, name="input"):
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}: {name} must be an ember Tensor [N, C, H, W], got {type(x).__name__}")
    if x.ndim != 4:
        raise ValueError(f"{op}: {name} must have shape [N, C, H, W], got {tuple(x.shape)}")
    return x
