"""RoI Align, position-sensitive RoI Align and precise RoI pooling, on one kernel.

All three read a RoI's bin as a weighted sum of the feature map whose weights factor
into a row part and a column part: a bilinear sample at (y, x) is
``sum_hw k(y - h) k(x - w) f[h, w]`` (k the hat function), a bin's average of samples on
a regular grid is ``sum_hw Ay[p, h] Ax[q, w] f[h, w]`` with Ay summing the row weights of
the bin's sample rows (torchvision's boundary rules are per axis, so they factor too), and
PrRoI's exact integral of the bilinear surface over a bin is the same sum with
``Ay[p, h] = (1 / bin_h) * integral of k(y - h) over the bin``. So every op is the
contraction ``out[k, c, p, q] = sum_hw Ay[k, p, h] f[b_k, c, h, w] Ax[k, q, w]``: two
matrix products per image (:class:`RoISample`), vectorised over RoIs, channels and bins,
exact (no sampling loop), with gradients for the features and for Ay and Ax. RoI Align's
weights are constants of the box (torchvision gives no box gradient); PrRoI's are ember
ops of the box, so its output is differentiable in the box coordinates (IoU-Net).
"""
import numpy as np

from ...autograd.function import Function
from ...autograd.grad_mode import state
from ...autograd.tensor import _wrap
from ...ops._util import composite_grads
from ...ops.linalg import einsum
from ...ops.math import where
from . import _check

__all__ = ["roi_align", "ps_roi_align", "prroi_pool", "RoISample"]


def _reference(x, ay, ax, bidx, ps):
    """The contraction in plain ember ops (used to differentiate the backward again)."""
    xs = x[_wrap(bidx)]
    if ps:
        k, p, q = ay.shape[0], ay.shape[1], ax.shape[1]
        xs = xs.reshape(k, -1, p, q, x.shape[2], x.shape[3])
        return einsum("kph,kcpqhw,kqw->kcpq", ay, xs, ax)
    return einsum("kph,kchw,kqw->kcpq", ay, xs, ax)


def _columns(x, b):
    """U[k, h, (c, q)] = sum_w x[c, h, w] B[k, q, w]: one matrix product for all RoIs of an
    image (x [C, H, W], B [K, Q, W])."""
    C, H, W = x.shape
    K, Q = b.shape[:2]
    u = x.reshape(C * H, W) @ b.reshape(K * Q, W).T                   # (c h, k q)
    return u.reshape(C, H, K, Q).transpose(2, 1, 0, 3).reshape(K, H, C * Q)


def _images(bidx):
    for n in np.unique(bidx):
        yield n, np.flatnonzero(bidx == n)


class RoISample(Function):
    """out[k, c, p, q] = sum_hw Ay[k, p, h] x[b_k, c, h, w] Ax[k, q, w]; with ``ps`` the
    channel read for bin (p, q) of output channel c is c * P * Q + p * Q + q
    (position-sensitive). Differentiable in x, Ay and Ax."""

    @staticmethod
    def forward(ctx, x, ay, ax, bidx, ps):
        xa, A, B = x.array, ay.array, ax.array
        ctx.save_for_backward(x, ay, ax)
        ctx.bidx, ctx.ps = bidx, ps
        K, P, H = A.shape
        Q, W = B.shape[1], B.shape[2]
        C = xa.shape[1] // (P * Q) if ps else xa.shape[1]
        out = np.zeros((K, C, P, Q), dtype=np.result_type(xa, A))
        for n, sel in _images(bidx):
            a, b = A[sel], B[sel]
            if ps:
                xr = xa[n].reshape(C, P, Q, H, W)
                u = np.einsum("kph,cpqhw->kcpqw", a, xr, optimize=True)
                out[sel] = np.einsum("kcpqw,kqw->kcpq", u, b, optimize=True)
            else:
                out[sel] = (a @ _columns(xa[n], b)).reshape(len(sel), P, C, Q).transpose(0, 2, 1, 3)
        return out

    @staticmethod
    def backward(ctx, g):
        x, ay, ax = ctx.saved_tensors
        bidx, ps = ctx.bidx, ctx.ps
        if state.enabled:                   # create_graph: differentiate the ember-ops twin
            return composite_grads(lambda a, b, c: _reference(a, b, c, bidx, ps),
                                   (x, ay, ax), g)[:3] + (None, None)
        need = ctx.needs_input_grad
        xa, A, B, G = x.array, ay.array, ax.array, g.array
        K, P, H = A.shape
        Q, W = B.shape[1], B.shape[2]
        gx = np.zeros_like(xa) if need[0] else None
        gA = np.zeros_like(A) if need[1] else None
        gB = np.zeros_like(B) if need[2] else None
        for n, sel in _images(bidx):
            a, b, gs, kn = A[sel], B[sel], G[sel], len(sel)
            if ps:
                xr = xa[n].reshape(-1, P, Q, H, W)
                if gx is not None:
                    gx[n] += np.einsum("kph,kcpq,kqw->cpqhw", a, gs, b, optimize=True).reshape(xa[n].shape)
                if gA is not None:
                    gA[sel] = np.einsum("kcpq,cpqhw,kqw->kph", gs, xr, b, optimize=True)
                if gB is not None:
                    gB[sel] = np.einsum("kcpq,kph,cpqhw->kqw", gs, a, xr, optimize=True)
                continue
            C = xa.shape[1]
            gt = gs.transpose(0, 2, 1, 3).reshape(kn, P, C * Q)               # (k, p, c q)
            if gA is not None:
                gA[sel] = gt @ _columns(xa[n], b).transpose(0, 2, 1)
            if gx is not None or gB is not None:
                v = (a.transpose(0, 2, 1) @ gt).reshape(kn, H, C, Q)          # sum_p A g
                v = v.transpose(2, 1, 0, 3).reshape(C * H, kn * Q)
                if gx is not None:
                    gx[n] += (v @ b.reshape(kn * Q, W)).reshape(C, H, W)
                if gB is not None:
                    gB[sel] = (v.T @ xa[n].reshape(C * H, W)).reshape(kn, Q, W)
        return gx, gA, gB, None, None


# ---- RoI Align: torchvision's sampling grid, factored per axis --------------------------
def _grid_weights(start, size, bins, grid, length, dtype):
    """Ay[k, p, h]: (1 / grid_k) * the bilinear row weights of the grid_k sample rows of bin
    p, with torchvision's rules (a sample outside [-1, length] is zero; one at or beyond the
    last row reads the last row)."""
    K = start.shape[0]
    G = max(int(grid.max()) if K else 1, 1)
    binsz = size / bins
    ig = np.arange(G)
    gsafe = np.maximum(grid, 1)[:, None, None]
    pos = (start[:, None, None] + np.arange(bins)[None, :, None] * binsz[:, None, None]
           + (ig[None, None, :] + 0.5) * binsz[:, None, None] / gsafe)
    live = (ig[None, None, :] < grid[:, None, None]) & (pos >= -1.0) & (pos <= length)
    p = np.maximum(pos, 0.0)
    low = np.floor(p).astype(np.int64)
    top = low >= length - 1
    low = np.where(top, length - 1, low)
    high = np.where(top, length - 1, low + 1)
    p = np.where(top, low, p)
    frac = p - low
    scale = live / gsafe
    rows = (np.arange(K)[:, None, None] * bins + np.arange(bins)[None, :, None]) * length
    idx = np.concatenate([(rows + low).ravel(), (rows + high).ravel()])
    wts = np.concatenate([((1 - frac) * scale).ravel(), (frac * scale).ravel()])
    ok = live.ravel()
    ok = np.concatenate([ok, ok])
    w = np.bincount(idx[ok], weights=wts[ok], minlength=K * bins * length)
    return w.reshape(K, bins, length).astype(dtype, copy=False)


def _setup(input, boxes, output_size, spatial_scale, op):
    x = _check.feature_map(input, op)
    bidx, coords = _check.rois(boxes, x.shape, op)
    ph, pw = _check.pair(output_size, op, "output_size")
    _check.number(spatial_scale, op, "spatial_scale")
    return x, bidx, coords, ph, pw


def _align(x, bidx, c, ph, pw, spatial_scale, sampling_ratio, aligned, ps):
    c = c.array.astype(np.float64)
    off = 0.5 if aligned else 0.0
    x1, y1 = c[:, 0] * spatial_scale - off, c[:, 1] * spatial_scale - off
    w, h = c[:, 2] * spatial_scale - off - x1, c[:, 3] * spatial_scale - off - y1
    if not aligned:
        w, h = np.maximum(w, 1.0), np.maximum(h, 1.0)
    if sampling_ratio > 0:
        gh = gw = np.full(len(c), sampling_ratio, dtype=np.int64)
    else:
        gh = np.maximum(np.ceil(h / ph), 0).astype(np.int64)
        gw = np.maximum(np.ceil(w / pw), 0).astype(np.int64)
    H, W = x.shape[2], x.shape[3]
    ay = _grid_weights(y1, h, ph, gh, H, x.dtype)
    ax = _grid_weights(x1, w, pw, gw, W, x.dtype)
    return RoISample.apply(x, _wrap(ay), _wrap(ax), bidx, ps)


def roi_align(input, boxes, output_size, spatial_scale=1.0, sampling_ratio=-1, aligned=False):
    """torchvision.ops.roi_align: each RoI (Tensor[K, 5] with batch index, or a list of
    per-image Tensor[L, 4]) pooled to ``output_size`` bins, each the average of a grid of
    bilinear samples (``sampling_ratio`` per axis, or ceil(roi size / bins) when -1);
    ``aligned=True`` shifts the box by -0.5 pixel so that pixel centres line up. Returns
    Tensor[K, C, PH, PW]; differentiable in ``input``."""
    op = "roi_align"
    x, bidx, c, ph, pw = _setup(input, boxes, output_size, spatial_scale, op)
    _check.number(sampling_ratio, op, "sampling_ratio", integer=True)
    return _align(x, bidx, c, ph, pw, spatial_scale, int(sampling_ratio), bool(aligned), False)


def ps_roi_align(input, boxes, output_size, spatial_scale=1.0, sampling_ratio=-1):
    """torchvision.ops.ps_roi_align (R-FCN): bin (p, q) of output channel c averages
    bilinear samples of input channel c * PH * PW + p * PW + q. Input channels must be a
    multiple of PH * PW; returns Tensor[K, C / (PH PW), PH, PW]."""
    op = "ps_roi_align"
    x, bidx, c, ph, pw = _setup(input, boxes, output_size, spatial_scale, op)
    _check.number(sampling_ratio, op, "sampling_ratio", integer=True)
    if x.shape[1] % (ph * pw):
        raise ValueError(f"{op}: input has {x.shape[1]} channels, expected a multiple of "
                         f"output_size[0] * output_size[1] = {ph * pw}")
    return _align(x, bidx, c, ph, pw, spatial_scale, int(sampling_ratio), True, True)


# ---- Precise RoI pooling: the exact integral of the bilinear surface ---------------------
def _hat_integral(t):
    """The antiderivative of the hat function k(t) = max(0, 1 - |t|), 0 at -inf: with
    u = clamp(t, -1, 1), K(t) = 1/2 + u - u |u| / 2."""
    u = t.clamp(min=-1.0, max=1.0)
    return 0.5 + u - u * u.abs() / 2


def _integral_weights(start, end, bins, length, dtype):
    """Ay[k, p, h] = (1 / bin) * integral over bin p of k(y - h) dy, as ember ops of the box."""
    size = (end - start).clamp(min=0.0)
    binsz = size / bins
    steps = _wrap(np.arange(bins + 1, dtype=dtype))
    edges = start[:, None] + steps[None, :] * binsz[:, None]            # (K, bins + 1)
    grid = _wrap(np.arange(length, dtype=dtype))
    F = _hat_integral(edges[:, :, None] - grid[None, None, :])          # (K, bins + 1, L)
    mass = F[:, 1:] - F[:, :-1]
    positive = binsz.array > 0
    safe = where(_wrap(positive), binsz, _wrap(np.ones_like(binsz.array)))
    return where(_wrap(positive[:, None, None]), mass / safe[:, None, None],
                 _wrap(np.zeros((1, 1, 1), dtype)))


def prroi_pool(input, boxes, output_size, spatial_scale=1.0):
    """Precise RoI pooling (IoU-Net): each bin is the exact average of the bilinearly
    interpolated feature surface over the bin (zero outside the map), no sampling and no
    quantisation. Differentiable in ``input`` and in the box coordinates."""
    op = "prroi_pool"
    x, bidx, c, ph, pw = _setup(input, boxes, output_size, spatial_scale, op)
    if c.array.dtype != x.array.dtype:
        c = c.to(x.array.dtype)
    s = float(spatial_scale)
    ay = _integral_weights(c[:, 1] * s, c[:, 3] * s, ph, x.shape[2], x.array.dtype)
    ax = _integral_weights(c[:, 0] * s, c[:, 2] * s, pw, x.shape[3], x.array.dtype)
    return RoISample.apply(x, ay, ax, bidx, False)
