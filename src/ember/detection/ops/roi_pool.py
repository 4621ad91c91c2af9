"""RoI max pooling (Fast R-CNN), torchvision's ``roi_pool``: the box is rounded to whole
feature cells, split into bins with floor/ceil edges (the quantisation RoI Align
removes), and each bin keeps its maximum (0 for an empty bin). Finding the maxima over
ragged integer windows is a compiled loop (numba) that returns each bin's winner; the
output is then an ember gather of the winners, so the gradient goes to them (and the
gather is differentiable again)."""
import numba
import numpy as np

from ...autograd.tensor import _wrap
from . import _check

__all__ = ["roi_pool"]


def _round(v):
    """C's round: halves away from zero (NumPy's round goes to even)."""
    return np.sign(v) * np.floor(np.abs(v) + 0.5)


@numba.njit(cache=True)
def _argmax_kernel(x, bidx, x1, y1, x2, y2, ph, pw):
    N, C, H, W = x.shape
    K = bidx.shape[0]
    arg = np.full((K, C, ph, pw), -1, dtype=np.int64)
    for k in range(K):
        rh = max(y2[k] - y1[k] + 1, 1)
        rw = max(x2[k] - x1[k] + 1, 1)
        bh, bw = rh / ph, rw / pw
        base = bidx[k] * C * H * W
        for p in range(ph):
            hs = min(max(int(np.floor(p * bh)) + y1[k], 0), H)
            he = min(max(int(np.ceil((p + 1) * bh)) + y1[k], 0), H)
            for q in range(pw):
                ws = min(max(int(np.floor(q * bw)) + x1[k], 0), W)
                we = min(max(int(np.ceil((q + 1) * bw)) + x1[k], 0), W)
                if he <= hs or we <= ws:
                    continue
                for c in range(C):
                    best = -np.inf
                    bi = -1
                    for h in range(hs, he):
                        for w in range(ws, we):
                            v = x[bidx[k], c, h, w]
                            if v > best or bi < 0:
                                best = v
                                bi = base + (c * H + h) * W + w
                    arg[k, c, p, q] = bi
    return arg


def roi_pool(input, boxes, output_size, spatial_scale=1.0):
    """torchvision.ops.roi_pool: Tensor[K, C, PH, PW] of bin maxima; differentiable in
    ``input`` (the gradient goes to each bin's first maximum)."""
    op = "roi_pool"
    x = _check.feature_map(input, op)
    bidx, c = _check.rois(boxes, x.shape, op)
    ph, pw = _check.pair(output_size, op, "output_size")
    _check.number(spatial_scale, op, "spatial_scale")
    r = _round(c.array.astype(np.float64) * spatial_scale).astype(np.int64)
    arg = _argmax_kernel(np.ascontiguousarray(x.array), bidx, r[:, 0], r[:, 1], r[:, 2],
                         r[:, 3], ph, pw)
    empty = arg < 0
    out = x.reshape(-1)[_wrap(np.where(empty, 0, arg))]
    if empty.any():
        out = out * _wrap((~empty).astype(x.array.dtype))
    return out
