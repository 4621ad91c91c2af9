"""Pooling, channel-wise dropout, channel shuffle and interpolation (functional forms).

Everything follows ``torch.nn.functional``: names, argument order, defaults, output sizes
(including the ``ceil_mode`` rule) and the index conventions of ``return_indices``.

Implementation: vectorised NumPy. The padded input is split once into stride phases
(space-to-depth: padded row ``a + s i`` goes to phase ``a``, row ``i``), and each phase plane
is flattened; then element ``(kh, kw)`` of every window, across the whole batch, is one
contiguous 1-D slice of one phase plane (an "extended" output grid whose surplus entries
are ignored). The only Python loop runs over the ``kH * kW`` kernel offsets, never over the
batch, channels or output pixels, and each step is a single SIMD-friendly NumPy call. The
backward passes are fused nodes:

* max pooling remembers which offset won in each window (a uint8 array) and scatters the
  output gradient back with one masked add per offset (windows may overlap). That
  scatter is itself a node whose gradient is the matching gather, and the other way
  round, so max pooling is differentiable to any order (``create_graph=True``).
* average pooling's backward spreads ``g / divisor`` over each window: the transpose of
  a linear map, again a node pair (window-sum <-> window-spread).
* adaptive average pooling and bilinear interpolation are linear and separable:
  ``out = A_h @ x @ A_w^T`` with small constant matrices, written with ember's
  ``matmul`` so every derivative comes for free.

Output size of a pooling window along one axis (torch's ``pooling_output_shape``)::

    out = floor((L + 2 p - d (k - 1) - 1 + (s - 1 if ceil_mode else 0)) / s) + 1
    if ceil_mode and (out - 1) s >= L + p:  out -= 1     # last window must start inside

    >>> import ember
    >>> from ember.nn.functional import max_pool2d, adaptive_avg_pool2d
    >>> x = ember.arange(16.0).reshape(1, 1, 4, 4)
    >>> max_pool2d(x, 2).tolist()
    [[[[5.0, 7.0], [13.0, 15.0]]]]
    >>> adaptive_avg_pool2d(x, 1).tolist()
    [[[[7.5]]]]
"""
import math
import numbers

import numpy as np

from .linalg import matmul
from .shape import cat
from ..autograd.function import Node
from ..autograd.grad_mode import state
from ..autograd.tensor import Tensor, _wrap
from ..random import rng

__all__ = [
    "max_pool1d", "max_pool2d", "avg_pool1d", "avg_pool2d",
    "adaptive_max_pool1d", "adaptive_max_pool2d", "adaptive_avg_pool1d", "adaptive_avg_pool2d",
    "global_avg_pool2d", "spatial_pyramid_pool", "dropout2d", "channel_shuffle", "interpolate",
]


# =========================================================================================
# argument checking
# =========================================================================================
def _tensor(x, op):
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}: input must be an ember Tensor, got {type(x).__name__}")
    if x.dtype.kind != "f":
        raise TypeError(f"{op}: input must be a floating tensor, got dtype {x.dtype}")
    return x


def _tuple(v, n, name, op, minimum):
    """An int or a length-n sequence of ints, each >= minimum, as a tuple."""
    vals = (v,) * n if isinstance(v, numbers.Integral) and not isinstance(v, bool) else v
    try:
        vals = tuple(vals)
    except TypeError:
        raise TypeError(f"{op}: {name}={v!r} must be an int or a tuple of {n} ints") from None
    if len(vals) == 1 and n > 1:
        vals = vals * n
    if len(vals) != n or not all(isinstance(a, numbers.Integral) and not isinstance(a, bool)
                                 for a in vals):
        raise TypeError(f"{op}: {name}={v!r} must be an int or a tuple of {n} ints")
    vals = tuple(int(a) for a in vals)
    if any(a < minimum for a in vals):
        raise ValueError(f"{op}: {name}={v!r} must be >= {minimum}")
    return vals


def _shape(shape):
    return tuple(int(s) for s in shape)


def _as_4d(x, op, one_d):
    """View a pooling input as (N, C, H, W); return the tensor and how to undo it."""
    if one_d:
        if x.ndim not in (2, 3):
            raise ValueError(f"{op}: expected a 2-D (C, L) or 3-D (N, C, L) input, got shape "
                             f"{_shape(x.shape)}")
        if x.ndim == 2:
            return x.reshape(1, x.shape[0], 1, x.shape[1]), lambda y: y.reshape(y.shape[1], y.shape[3])
        return x.reshape(x.shape[0], x.shape[1], 1, x.shape[2]), \
            lambda y: y.reshape(y.shape[0], y.shape[1], y.shape[3])
    if x.ndim not in (3, 4):
        raise ValueError(f"{op}: expected a 3-D (C, H, W) or 4-D (N, C, H, W) input, got shape "
                         f"{_shape(x.shape)}")
    if x.ndim == 3:
        return x.reshape((1,) + _shape(x.shape)), lambda y: y.reshape(_shape(y.shape)[1:])
    return x, lambda y: y


def _out_len(L, k, s, p, d, ceil_mode):
    num = L + 2 * p - d * (k - 1) - 1 + (s - 1 if ceil_mode else 0)
    out = num // s + 1
    if ceil_mode and out > 0 and (out - 1) * s >= L + p:
        out -= 1
    return out


class _Geometry:
    """Window geometry of a 2-D pooling: kernel, stride, padding, dilation, sizes and the
    padded extent each offset view reads from."""

    def __init__(self, op, in_shape, kernel_size, stride, padding, dilation, ceil_mode,
                 max_pad_rule):
        self.op = op
        k = _tuple(kernel_size, 2, "kernel_size", op, 1)
        s = k if stride is None or (not isinstance(stride, numbers.Integral) and len(stride) == 0) \
            else _tuple(stride, 2, "stride", op, 1)
        p = _tuple(padding, 2, "padding", op, 0)
        d = _tuple(dilation, 2, "dilation", op, 1)
        N, C, H, W = in_shape
        for a in range(2):
            limit = (d[a] * (k[a] - 1) + 1) // 2 if max_pad_rule else k[a] // 2
            if p[a] > limit:
                what = "effective kernel size" if max_pad_rule else "kernel size"
                raise ValueError(
                    f"{op}: padding={padding!r} should be at most half of the {what}, but got "
                    f"pad={p[a]}, kernel_size={k[a]} and dilation={d[a]}")
        out = (_out_len(H, k[0], s[0], p[0], d[0], ceil_mode),
               _out_len(W, k[1], s[1], p[1], d[1], ceil_mode))
        if out[0] < 1 or out[1] < 1:
            raise ValueError(
                f"{op}: kernel_size={kernel_size!r} (dilation {d}, padding {p}) is larger than the "
                f"padded input: given input shape {tuple(in_shape)}, the calculated output size "
                f"{out} is too small")
        self.k, self.s, self.p, self.d = k, s, p, d
        self.in_shape, self.out = (N, C, H, W), out
        # padded extent: left p, right enough for every window (ceil_mode may read past p)
        need = [(out[a] - 1) * s[a] + d[a] * (k[a] - 1) + 1 for a in range(2)]
        self.rpad = tuple(max(0, need[a] - (H, W)[a] - p[a]) for a in range(2))
        self.padded = (H + p[0] + self.rpad[0], W + p[1] + self.rpad[1])
        self.needs_pad = any(p) or any(self.rpad)
        self.offsets = [(kh, kw) for kh in range(k[0]) for kw in range(k[1])]

        # phase (space-to-depth) layout: padded row hp = a + s * i lives in phase a at row i,
        # so every offset's view is a unit-stride slice of one phase plane
        self.phase_len = tuple(-(-self.padded[a] // s[a]) for a in range(2))
        self.trivial = s == (1, 1) and not self.needs_pad
        self._rows = [self._phase_rows(a) for a in range(2)]
        self.layout(N, C)

    def _phase_rows(self, axis):
        """For each phase: (first phase row, end phase row, first input row) of input rows."""
        s, p, L = self.s[axis], self.p[axis], self.in_shape[2 + axis]
        out = []
        for a in range(s):
            i0 = max(0, -((a - p) // s))
            i1 = -((a - p - L) // s)
            out.append((i0, i1, a + s * i0 - p))
        return out

    def buffer(self, N, C, dtype, fill=None):
        """A phase-layout array (sH, sW, N, C, Hq, Wq), filled with ``fill`` unless None."""
        shape = self.s + (N, C) + self.phase_len
        if fill is None:
            return np.empty(shape, dtype=dtype)
        return np.full(shape, fill, dtype=dtype) if fill != 0 else np.zeros(shape, dtype=dtype)

    def pad(self, x, value):
        """The input, padded with ``value`` and split into stride phases (one pass)."""
        if self.trivial:
            return np.ascontiguousarray(x)[None, None]
        N, C = x.shape[:2]
        sh, sw = self.s
        full = all(self.phase_len[a] * self.s[a] == self.in_shape[2 + a] for a in range(2)) \
            and not any(self.p)
        q = self.buffer(N, C, x.dtype, None if full else value)
        for a, (i0, i1, h0) in enumerate(self._rows[0]):
            if i1 <= i0:
                continue
            for b, (j0, j1, w0) in enumerate(self._rows[1]):
                if j1 <= j0:
                    continue
                q[a, b, :, :, i0:i1, j0:j1] = x[:, :, h0::sh, w0::sw]
        return q

    def crop(self, q):
        """Back from the phase layout to an input-shaped array (dropping the padding)."""
        if self.trivial:
            return q[0, 0]
        N, C = q.shape[2:4]
        sh, sw = self.s
        out = np.empty((N, C) + tuple(self.in_shape[2:]), dtype=q.dtype)
        for a, (i0, i1, h0) in enumerate(self._rows[0]):
            if i1 <= i0:
                continue
            for b, (j0, j1, w0) in enumerate(self._rows[1]):
                if j1 <= j0:
                    continue
                out[:, :, h0::sh, w0::sw] = q[a, b, :, :, i0:i1, j0:j1]
        return out

    # The kernels work on each phase plane flattened to 1-D: output (i, j) of plane n sits
    # at t = n Hq Wq + i Wq + j of an "extended" grid (Hq x Wq per plane, the rows and columns
    # beyond (oh, ow) are don't-care), and window element (kh, kw) of output t is element
    # t + shift of its phase plane. So every offset is ONE contiguous 1-D slice: fast,
    # SIMD-friendly NumPy loops instead of short strided rows.
    def layout(self, N, C):
        Hq, Wq = self.phase_len
        self.total = N * C * Hq * Wq
        self.shifts = []
        for kh, kw in self.offsets:
            qh, ah = divmod(kh * self.d[0], self.s[0])
            qw, aw = divmod(kw * self.d[1], self.s[1])
            self.shifts.append((ah, aw, qh * Wq + qw))
        self.n = max(0, self.total - max(sh for _, _, sh in self.shifts)) if self.total else 0
        self.NC = (N, C)

    def flat(self, q, o):
        """Window element ``o`` of every (extended) output, as a contiguous 1-D view."""
        a, b, sft = self.shifts[o]
        return q[a, b].reshape(-1)[sft:sft + self.n]

    def to_out(self, ext):
        """Extended 1-D grid -> (N, C, oh, ow) view of the real outputs."""
        Hq, Wq = self.phase_len
        return ext.reshape(self.NC + (Hq, Wq))[:, :, :self.out[0], :self.out[1]]

    def to_ext(self, y):
        """(N, C, oh, ow) -> extended 1-D grid (zeros at the don't-care places)."""
        ext = np.zeros(self.total, dtype=y.dtype)
        self.to_out(ext)[...] = y
        return ext


# =========================================================================================
# max pooling
# =========================================================================================
def _first_valid_offsets(geo):
    """For each output position, the offset index of the first window element inside the
    input (torch's index when a window holds only -inf)."""
    firsts = []
    for a in range(2):
        start = np.arange(geo.out[a]) * geo.s[a] - geo.p[a]
        j = np.maximum(0, -(start // geo.d[a]))           # ceil(-start / d) for start < 0
        j = np.minimum(j, geo.k[a] - 1)
        firsts.append(j)
    return firsts[0][:, None] * geo.k[1] + firsts[1][None, :]


def _index_dtype(n):
    return np.uint8 if n <= 256 else np.int32


def _set_where(kidx, o, mask, tmp):
    """kidx = where(mask, o, kidx) with integer arithmetic (much faster than a masked
    ``copyto``); uint8 wrap-around cancels out."""
    np.subtract(kidx.dtype.type(o), kidx, out=tmp)
    np.multiply(tmp, mask, out=tmp)
    np.add(kidx, tmp, out=kidx)


def _max_forward(x, geo, need_index):
    """Window maxima (N, C, oh, ow) and, if asked, the winning offset of each window
    (uint8/int32, extended layout)."""
    q = geo.pad(x, -np.inf)
    K, n = len(geo.offsets), geo.n
    ext = np.empty(geo.total, dtype=x.dtype)
    ext[n:] = 0
    best = ext[:n]
    np.copyto(best, geo.flat(q, 0))
    for o in range(1, K):
        np.maximum(best, geo.flat(q, o), out=best)
    out = np.ascontiguousarray(geo.to_out(ext))
    if not need_index:
        return out, None
    kidx = np.zeros(geo.total, dtype=_index_dtype(K))
    if K > 1:
        ke = kidx[:n]
        mask = np.empty(n, dtype=bool)
        tmp = np.empty(n, dtype=kidx.dtype)
        for o in range(K - 1, -1, -1):              # reversed: the first maximum wins
            np.equal(geo.flat(q, o), best, out=mask)
            _set_where(ke, o, mask, tmp)
        if np.isnan(out).any():                     # torch: the last NaN in scan order
            for o in range(K):
                np.isnan(geo.flat(q, o), out=mask)
                _set_where(ke, o, mask, tmp)
        if geo.needs_pad:
            neg = np.isneginf(out)
            if neg.any():                           # all -inf: first in-bounds element
                np.copyto(geo.to_out(kidx),
                          np.broadcast_to(_first_valid_offsets(geo), out.shape).astype(kidx.dtype),
                          where=neg)
    return out, kidx


def _flat_indices(kidx, geo):
    """Offset index of the winner -> flat index into each input plane (h * W + w)."""
    (sh, sw), (ph, pw), (dh, dw) = geo.s, geo.p, geo.d
    oh, ow = geo.out
    W = geo.in_shape[3]
    kh, kw = np.divmod(geo.to_out(kidx).astype(np.int64), geo.k[1])
    h = (np.arange(oh) * sh - ph)[:, None] + kh * dh
    w = (np.arange(ow) * sw - pw)[None, :] + kw * dw
    return h * W + w


class _MaxScatterBackward(Node):
    def backward(self, g):
        return (_max_gather(g, self.geo, self.kidx),)


class _MaxGatherBackward(Node):
    def backward(self, g):
        return (_max_scatter(g, self.geo, self.kidx),)


def _max_scatter(g, geo, kidx):
    """Input-shaped gradient: ``g`` sent to the winning element of each window (added where
    windows overlap)."""
    gd = g.data
    N, C = gd.shape[:2]
    ge = geo.to_ext(gd)[:geo.n]
    qg = geo.buffer(N, C, gd.dtype, 0)
    K = len(geo.offsets)
    if K == 1:
        geo.flat(qg, 0)[...] = ge
    else:
        ke = kidx[:geo.n]
        mask = np.empty(geo.n, dtype=bool)
        tmp = np.empty(geo.n, dtype=gd.dtype)
        for o in range(K):
            np.equal(ke, o, out=mask)
            np.multiply(ge, mask, out=tmp)
            geo.flat(qg, o)[...] += tmp
    out = geo.crop(qg)
    if state.enabled and g.requires_grad:
        node = _MaxScatterBackward(g)
        node.geo, node.kidx = geo, kidx
        return _wrap(out, node)
    return _wrap(out)


def _max_gather(x, geo, kidx):
    """Output-shaped: the element of ``x`` at each window's winning position."""
    q = geo.pad(x.data, 0)
    K, n = len(geo.offsets), geo.n
    ext = np.zeros(geo.total, dtype=q.dtype)
    acc = ext[:n]
    if K == 1:
        acc[...] = geo.flat(q, 0)
    else:
        ke = kidx[:n]
        mask = np.empty(n, dtype=bool)
        tmp = np.empty(n, dtype=q.dtype)
        for o in range(K):
            np.equal(ke, o, out=mask)
            np.multiply(geo.flat(q, o), mask, out=tmp)
            acc += tmp
    out = np.ascontiguousarray(geo.to_out(ext))
    if state.enabled and x.requires_grad:
        node = _MaxGatherBackward(x)
        node.geo, node.kidx = geo, kidx
        return _wrap(out, node)
    return _wrap(out)


class MaxPool2dBackward(Node):
    def backward(self, g):
        return (_max_scatter(g, self.geo, self.kidx),)


# -----------------------------------------------------------------------------------------
# fast path: non-overlapping windows (stride = kernel, no padding, no dilation), the
# pooling of LeNet, VGG and most CNNs. Each kernel offset is a strided view of the input
# in whatever memory layout it has (NCHW, or the channels-last views that convolutions
# return), and output and input gradient keep that layout: no transposing copy, and the
# element-wise ops before and after (ReLU and its backward) see matching layouts
# (measured: ReLU's backward on 64x32x32x32 is 1.5 ms with matching layouts, 8.4 ms mixed).
# -----------------------------------------------------------------------------------------
def _tiles(a, k):
    """(N, C, oh, kh, ow, kw) view of the non-overlapping k-windows of a (N, C, H, W)."""
    N, C, H, W = a.shape
    sN, sC, sH, sW = a.strides
    return np.lib.stride_tricks.as_strided(a, (N, C, H // k[0], k[0], W // k[1], k[1]),
                                           (sN, sC, sH * k[0], sH, sW * k[1], sW), writeable=True)


def _fast_max_forward(x, k):
    """Window maxima and winning offsets (uint8, first maximum in scan order), both in the
    memory layout of x. (A NaN maximum is left to the general path, which follows torch's
    NaN index rule.)"""
    t = _tiles(x, k)
    views = [t[:, :, :, i, :, j] for i in range(k[0]) for j in range(k[1])]
    out = np.empty_like(views[0])                      # order 'K': the layout of x
    np.copyto(out, views[0])
    for v in views[1:]:
        np.maximum(out, v, out=out)
    kidx = np.zeros_like(out, dtype=np.uint8)
    mask = np.empty_like(out, dtype=bool)
    tmp = np.empty_like(kidx)
    for o in range(len(views) - 1, -1, -1):            # reversed: the first maximum wins
        np.equal(views[o], out, out=mask)
        _set_where(kidx, o, mask, tmp)
    return out, kidx


class _FastMaxPoolBackward(Node):
    def backward(self, g):
        x, = self.unpack()
        if state.enabled:                   # create_graph: the general, differentiable scatter
            geo = self.geo
            _, kidx = _max_forward(x.data, geo, True)
            return (_max_scatter(g, geo, kidx),)
        k, kidx = self.geo.k, self.kidx
        xd = x.data
        dx = np.zeros_like(xd)                             # order 'K': the layout of x
        t = _tiles(dx, k)
        gd = g.data
        if [st // gd.itemsize for st in gd.strides] != list(kidx.strides):   # one copy into kidx's layout
            g2 = np.empty_like(kidx, dtype=gd.dtype)
            np.copyto(g2, gd)
            gd = g2
        mask = np.empty_like(kidx, dtype=bool)
        for o in range(k[0] * k[1]):
            np.equal(kidx, o, out=mask)
            np.multiply(gd, mask, out=t[:, :, :, o // k[1], :, o % k[1]])
        return (_wrap(dx),)


def _max_pool(x4, op, kernel_size, stride, padding, dilation, ceil_mode, return_indices):
    geo = _Geometry(op, _shape(x4.shape), kernel_size, stride, padding, dilation, ceil_mode,
                    max_pad_rule=True)
    needs_grad = state.enabled and x4.requires_grad
    if (not return_indices and geo.s == geo.k and geo.p == (0, 0) and geo.d == (1, 1)
            and geo.out[0] * geo.k[0] <= geo.in_shape[2] and geo.out[1] * geo.k[1] <= geo.in_shape[3]
            and x4.data.size and geo.k[0] * geo.k[1] <= 256):
        out, kidx = _fast_max_forward(x4.data, geo.k)
        if not np.isnan(out).any():
            if needs_grad:
                node = _FastMaxPoolBackward(x4)
                node.save(x4)
                node.geo, node.kidx = geo, kidx
                return _wrap(out, node)
            return _wrap(out)
    out, kidx = _max_forward(x4.data, geo, needs_grad or return_indices)
    if needs_grad:
        node = MaxPool2dBackward(x4)
        node.geo, node.kidx = geo, kidx
        y = _wrap(out, node)
    else:
        y = _wrap(out)
    if return_indices:
        return y, _wrap(_flat_indices(kidx, geo))
    return y


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    """2-D max pooling over (N, C, H, W) (or unbatched (C, H, W)) input.

    ``out[n, c, i, j] = max_{a < kH, b < kW} x_pad[n, c, i sH + a dH, j sW + b dW]`` where
    ``x_pad`` is ``x`` padded with -inf by ``padding``; ``stride`` defaults to
    ``kernel_size``. With ``return_indices=True`` also returns, for each output, the flat
    index ``h * W + w`` of the maximum in its input plane (the first one on ties; NaN
    propagates, as in torch). The gradient flows only to that element.

        >>> import ember
        >>> x = ember.tensor([[[[1.0, 2.0], [4.0, 3.0]]]])
        >>> y, idx = max_pool2d(x, 2, return_indices=True)
        >>> y.item(), idx.item()
        (4.0, 2)
    """
    x = _tensor(input, "max_pool2d")
    x4, back = _as_4d(x, "max_pool2d", one_d=False)
    res = _max_pool(x4, "max_pool2d", kernel_size, stride, padding, dilation, ceil_mode, return_indices)
    if return_indices:
        return back(res[0]), back(res[1])
    return back(res)


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    """1-D max pooling over (N, C, L) (or (C, L)): ``out[n, c, i] = max_a x_pad[n, c, i s + a d]``.
    Indices (``return_indices=True``) are positions along L.

        >>> import ember
        >>> max_pool1d(ember.tensor([[[1.0, 3.0, 2.0, 5.0, 4.0]]]), 2, ceil_mode=True).tolist()
        [[[3.0, 5.0, 4.0]]]
    """
    x = _tensor(input, "max_pool1d")
    x4, back = _as_4d(x, "max_pool1d", one_d=True)
    k = _tuple(kernel_size, 1, "kernel_size", "max_pool1d", 1)[0]
    s = k if stride is None or (not isinstance(stride, numbers.Integral) and len(stride) == 0) \
        else _tuple(stride, 1, "stride", "max_pool1d", 1)[0]
    p = _tuple(padding, 1, "padding", "max_pool1d", 0)[0]
    d = _tuple(dilation, 1, "dilation", "max_pool1d", 1)[0]
    res = _max_pool(x4, "max_pool1d", (1, k), (1, s), (0, p), (1, d), ceil_mode, return_indices)
    if return_indices:
        return back(res[0]), back(res[1])
    return back(res)


# =========================================================================================
# average pooling
# =========================================================================================
def _avg_divisor(geo, count_include_pad, divisor_override, dtype):
    """1 / divisor for every output position (torch's rule), shape (oh, ow) or a scalar."""
    if divisor_override is not None:
        return dtype.type(1.0 / divisor_override)
    sizes = []
    for a in range(2):
        L, k, s, p = geo.in_shape[2 + a], geo.k[a], geo.s[a], geo.p[a]
        start = np.arange(geo.out[a]) * s - p
        end = np.minimum(start + k, L + p)
        if count_include_pad:
            sizes.append(end - start)
        else:
            sizes.append(np.minimum(end, L) - np.maximum(start, 0))
    div = sizes[0][:, None] * sizes[1][None, :]
    return (1.0 / div).astype(dtype)


class _AvgScatterBackward(Node):
    def backward(self, g):
        return (_avg_gather(g, self.geo, self.inv),)


class _AvgGatherBackward(Node):
    def backward(self, g):
        return (_avg_scatter(g, self.geo, self.inv),)


def _avg_gather(x, geo, inv):
    """Window sums times 1/divisor (the forward of average pooling)."""
    q = geo.pad(x.data, 0)
    ext = np.empty(geo.total, dtype=q.dtype)
    ext[geo.n:] = 0
    acc = ext[:geo.n]
    np.copyto(acc, geo.flat(q, 0))
    for o in range(1, len(geo.offsets)):
        acc += geo.flat(q, o)
    out = geo.to_out(ext) * inv
    if state.enabled and x.requires_grad:
        node = _AvgGatherBackward(x)
        node.geo, node.inv = geo, inv
        return _wrap(out, node)
    return _wrap(out)


def _avg_scatter(g, geo, inv):
    """The transpose: each window's ``g / divisor`` spread over its elements."""
    gd = g.data
    N, C = gd.shape[:2]
    ge = geo.to_ext(gd * inv)[:geo.n]
    qg = geo.buffer(N, C, gd.dtype, 0)
    for o in range(len(geo.offsets)):
        geo.flat(qg, o)[...] += ge
    out = geo.crop(qg)
    if state.enabled and g.requires_grad:
        node = _AvgScatterBackward(g)
        node.geo, node.inv = geo, inv
        return _wrap(out, node)
    return _wrap(out)


def _avg_pool(x4, op, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override):
    if divisor_override is not None:
        if not isinstance(divisor_override, numbers.Integral) or isinstance(divisor_override, bool) \
                or divisor_override == 0:
            raise ValueError(f"{op}: divisor_override={divisor_override!r} must be a non-zero int or None")
    geo = _Geometry(op, _shape(x4.shape), kernel_size, stride, padding, 1, ceil_mode,
                    max_pad_rule=False)
    inv = _avg_divisor(geo, count_include_pad, divisor_override, x4.dtype)
    return _avg_gather(x4, geo, inv)


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
               divisor_override=None):
    """2-D average pooling: ``out[n, c, i, j] = sum_{window} x_pad / divisor``.

    The window is ``kernel_size`` at stride ``stride`` (default ``kernel_size``) over ``x``
    zero-padded by ``padding``. The divisor is ``divisor_override`` if given, else the
    window's size clipped to the padded input (``count_include_pad=True``, torch's
    default) or the number of real input elements in it (``False``). Its gradient spreads
    ``g / divisor`` uniformly over each window.

        >>> import ember
        >>> avg_pool2d(ember.ones(1, 1, 3, 3), 2, padding=1, count_include_pad=False).tolist()
        [[[[1.0, 1.0], [1.0, 1.0]]]]
    """
    x = _tensor(input, "avg_pool2d")
    x4, back = _as_4d(x, "avg_pool2d", one_d=False)
    return back(_avg_pool(x4, "avg_pool2d", kernel_size, stride, padding, ceil_mode,
                          count_include_pad, divisor_override))


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):
    """1-D average pooling over (N, C, L) (or (C, L)); the rules of :func:`avg_pool2d`.

        >>> import ember
        >>> avg_pool1d(ember.tensor([[[1.0, 3.0, 2.0, 6.0]]]), 2).tolist()
        [[[2.0, 4.0]]]
    """
    x = _tensor(input, "avg_pool1d")
    x4, back = _as_4d(x, "avg_pool1d", one_d=True)
    k = _tuple(kernel_size, 1, "kernel_size", "avg_pool1d", 1)[0]
    s = k if stride is None or (not isinstance(stride, numbers.Integral) and len(stride) == 0) \
        else _tuple(stride, 1, "stride", "avg_pool1d", 1)[0]
    p = _tuple(padding, 1, "padding", "avg_pool1d", 0)[0]
    return back(_avg_pool(x4, "avg_pool1d", (1, k), (1, s), (0, p), ceil_mode, count_include_pad, None))


# =========================================================================================
# adaptive pooling
# =========================================================================================
def _out_sizes(output_size, in_sizes, op):
    n = len(in_sizes)
    vals = (output_size,) * n if output_size is None or isinstance(output_size, numbers.Integral) \
        else tuple(output_size)
    if len(vals) == 1 and n > 1:
        vals = vals * n
    if len(vals) != n:
        raise ValueError(f"{op}: output_size={output_size!r} must be an int or a tuple of {n} ints")
    out = []
    for v, L in zip(vals, in_sizes):
        if v is None:
            v = L
        if not isinstance(v, numbers.Integral) or isinstance(v, bool) or v < 1:
            raise ValueError(f"{op}: output_size={output_size!r} must hold positive ints (or None "
                             f"to keep the input size)")
        out.append(int(v))
    return tuple(out)


def _bins(L, o):
    """torch's adaptive bins: [floor(i L / o), ceil((i + 1) L / o))."""
    i = np.arange(o)
    return (i * L) // o, -((-(i + 1) * L) // o)


def _avg_matrix(L, o, dtype):
    start, end = _bins(L, o)
    pos = np.arange(L)
    inside = (pos[None, :] >= start[:, None]) & (pos[None, :] < end[:, None])
    return (inside / (end - start)[:, None]).astype(dtype)


def _check_plane(x, op, one_d):
    if any(int(s) == 0 for s in x.shape[-(1 if one_d else 2):]):
        raise ValueError(f"{op}: input of shape {_shape(x.shape)} has an empty spatial dimension")


def adaptive_avg_pool2d(input, output_size):
    """Average over torch's adaptive bins: output cell ``i`` along an axis of length ``L``
    averages ``x[floor(i L / o) : ceil((i + 1) L / o)]``. Separable and linear, so it is
    computed as ``A_h @ x @ A_w^T`` with (o, L) averaging matrices. ``output_size`` may
    hold ``None`` to keep that input size.

        >>> import ember
        >>> adaptive_avg_pool2d(ember.arange(6.0).reshape(1, 1, 2, 3), (1, 2)).tolist()
        [[[[2.0, 3.0]]]]
    """
    x = _tensor(input, "adaptive_avg_pool2d")
    x4, back = _as_4d(x, "adaptive_avg_pool2d", one_d=False)
    _check_plane(x4, "adaptive_avg_pool2d", False)
    H, W = _shape(x4.shape)[2:]
    oh, ow = _out_sizes(output_size, (H, W), "adaptive_avg_pool2d")
    y = x4
    if ow != W:
        y = matmul(y, _wrap(np.ascontiguousarray(_avg_matrix(W, ow, x.dtype).T)))
    if oh != H:
        y = matmul(_wrap(_avg_matrix(H, oh, x.dtype)), y)
    return back(y)


def adaptive_avg_pool1d(input, output_size):
    """1-D adaptive average pooling over (N, C, L) (or (C, L)), torch's bins.

        >>> import ember
        >>> adaptive_avg_pool1d(ember.tensor([[[1.0, 2.0, 3.0, 4.0, 5.0]]]), 2).tolist()
        [[[2.0, 4.0]]]
    """
    x = _tensor(input, "adaptive_avg_pool1d")
    if x.ndim not in (2, 3):
        raise ValueError(f"adaptive_avg_pool1d: expected a 2-D (C, L) or 3-D (N, C, L) input, got "
                         f"shape {_shape(x.shape)}")
    _check_plane(x, "adaptive_avg_pool1d", True)
    L = int(x.shape[-1])
    (o,) = _out_sizes(output_size, (L,), "adaptive_avg_pool1d")
    if o == L:
        return x
    return matmul(x, _wrap(np.ascontiguousarray(_avg_matrix(L, o, x.dtype).T)))


class _FlatScatterBackward(Node):
    def backward(self, g):
        return (_flat_gather(g, self.flat, self.in_shape),)


class _FlatGatherBackward(Node):
    def backward(self, g):
        return (_flat_scatter(g, self.flat, self.in_shape, self.unique),)


def _flat_scatter(g, flat, in_shape, unique):
    """Zeros of ``in_shape`` (N, C, H, W) with ``g`` added at plane index ``flat``."""
    gd = g.data
    N, C, H, W = in_shape
    rows = N * C
    if rows == 0:
        out = np.zeros(in_shape, dtype=gd.dtype)
        return _wrap(out)
    g2 = gd.reshape(rows, -1)
    f2 = flat.reshape(rows, -1)
    if unique:
        out = np.zeros((rows, H * W), dtype=gd.dtype)
        np.put_along_axis(out, f2, g2, axis=1)
    else:
        lin = f2 + (np.arange(rows) * (H * W))[:, None]
        out = np.bincount(lin.ravel(), weights=g2.ravel(), minlength=rows * H * W).astype(gd.dtype)
    out = out.reshape(in_shape)
    if state.enabled and g.requires_grad:
        node = _FlatScatterBackward(g)
        node.flat, node.in_shape = flat, in_shape
        return _wrap(out, node)
    return _wrap(out)


def _flat_gather(x, flat, in_shape):
    xd = x.data
    N, C, H, W = in_shape
    rows = N * C
    if rows == 0:
        return _wrap(np.zeros(flat.shape, dtype=xd.dtype))
    out = np.take_along_axis(xd.reshape(rows, H * W), flat.reshape(rows, -1), axis=1).reshape(flat.shape)
    if state.enabled and x.requires_grad:
        node = _FlatGatherBackward(x)
        node.flat, node.in_shape = flat, in_shape
        node.unique = False
        return _wrap(out, node)
    return _wrap(out)


class AdaptiveMaxPoolBackward(Node):
    def backward(self, g):
        return (_flat_scatter(g, self.flat, self.in_shape, self.unique),)


def _bin_max(x, axis, starts, ends):
    """Maximum of x over bins [starts[i], ends[i]) along ``axis`` and its position: the first
    maximum, or the last NaN (torch's scan rule)."""
    k = int((ends - starts).max())
    itype = np.int16 if x.shape[axis] < 2 ** 15 else np.int64
    best = idx = None
    for b in range(k):
        pos = np.minimum(starts + b, ends - 1)       # clipped: repeats a bin's last element
        v = x.take(pos, axis=axis)
        shape = [1] * v.ndim
        shape[axis] = -1
        p = pos.reshape(shape).astype(itype)
        if best is None:
            best, idx = v, np.broadcast_to(p, v.shape).copy()
            mask = np.empty(v.shape, dtype=bool)
            nan = np.empty(v.shape, dtype=bool)
            tmp = np.empty(v.shape, dtype=itype)
            continue
        np.greater(v, best, out=mask)
        np.isnan(v, out=nan)
        mask |= nan
        np.maximum(best, v, out=best)                # NaN propagates, as in torch
        np.subtract(p, idx, out=tmp)                 # idx = where(mask, p, idx)
        np.multiply(tmp, mask, out=tmp)
        idx += tmp
    return best, idx


def _adaptive_max(x4, oh, ow, return_indices):
    xd = x4.data
    N, C, H, W = xd.shape
    if H % oh == 0 and W % ow == 0 and (H // oh) * (W // ow) <= 4:
        # equal, disjoint bins: exactly max pooling with kernel = stride = bin size
        k = (H // oh, W // ow)
        return _max_pool(x4, "adaptive_max_pool2d", k, k, 0, 1, False, return_indices)
    if oh == 1 and ow == 1:
        # global maximum: one argmax per plane (first maximum, NaN propagates)
        x3 = xd.reshape(N, C, H * W)
        idx = x3.argmax(-1)
        out = np.take_along_axis(x3, idx[..., None], axis=-1)
        nan = np.isnan(out[..., 0])
        if nan.any():                               # torch keeps the last NaN
            last = H * W - 1 - np.isnan(x3[..., ::-1]).argmax(-1)
            idx = np.where(nan, last, idx)
        out, flat = out.reshape(N, C, 1, 1), idx.reshape(N, C, 1, 1).astype(np.int64)
        if state.enabled and x4.requires_grad:
            node = AdaptiveMaxPoolBackward(x4)
            node.flat, node.in_shape, node.unique = flat, (N, C, H, W), True
            y = _wrap(out, node)
        else:
            y = _wrap(out)
        return (y, _wrap(flat)) if return_indices else y
    # separable: the maximum over a rectangle is the maximum over its rows of each row's
    # maximum; first-maximum-in-row-major-order and last-NaN (torch's scan) survive this
    # (bins are taken along an outer axis, where each take copies whole contiguous rows)
    xt = np.ascontiguousarray(xd.transpose(0, 1, 3, 2))          # (N, C, W, H)
    vals, w_idx = _bin_max(xt, 2, *_bins(W, ow))                  # (N, C, ow, H)
    vals = np.ascontiguousarray(vals.transpose(0, 1, 3, 2))       # (N, C, H, ow)
    w_idx = w_idx.transpose(0, 1, 3, 2)
    out, h_idx = _bin_max(vals, 2, *_bins(H, oh))                 # (N, C, oh, ow)
    flat = h_idx.astype(np.int64) * W + np.take_along_axis(w_idx, h_idx.astype(np.intp), axis=2)
    unique = H % oh == 0 and W % ow == 0
    if state.enabled and x4.requires_grad:
        node = AdaptiveMaxPoolBackward(x4)
        node.flat, node.in_shape, node.unique = flat, (N, C, H, W), unique
        y = _wrap(out, node)
    else:
        y = _wrap(out)
    if return_indices:
        return y, _wrap(flat)
    return y


def adaptive_max_pool2d(input, output_size, return_indices=False):
    """Maximum over torch's adaptive bins ``[floor(i L / o), ceil((i + 1) L / o))`` along each
    axis; ``return_indices=True`` also returns the flat plane index ``h * W + w`` of each
    maximum (first on ties, NaN propagates).

        >>> import ember
        >>> adaptive_max_pool2d(ember.arange(6.0).reshape(1, 1, 2, 3), 1).tolist()
        [[[[5.0]]]]
    """
    x = _tensor(input, "adaptive_max_pool2d")
    x4, back = _as_4d(x, "adaptive_max_pool2d", one_d=False)
    _check_plane(x4, "adaptive_max_pool2d", False)
    oh, ow = _out_sizes(output_size, _shape(x4.shape)[2:], "adaptive_max_pool2d")
    res = _adaptive_max(x4, oh, ow, return_indices)
    if return_indices:
        return back(res[0]), back(res[1])
    return back(res)


def adaptive_max_pool1d(input, output_size, return_indices=False):
    """1-D adaptive max pooling over (N, C, L) (or (C, L)); indices are positions along L.

        >>> import ember
        >>> adaptive_max_pool1d(ember.tensor([[[1.0, 5.0, 3.0, 4.0, 2.0]]]), 2).tolist()
        [[[5.0, 4.0]]]
    """
    x = _tensor(input, "adaptive_max_pool1d")
    x4, back = _as_4d(x, "adaptive_max_pool1d", one_d=True)
    _check_plane(x4, "adaptive_max_pool1d", True)
    (o,) = _out_sizes(output_size, (int(x4.shape[3]),), "adaptive_max_pool1d")
    res = _adaptive_max(x4, 1, o, return_indices)
    if return_indices:
        return back(res[0]), back(res[1])
    return back(res)


def global_avg_pool2d(x):
    """Global average pooling (Network in Network; the notes' GAP): the mean of each
    channel's plane, (N, C, H, W) -> (N, C). Equals ``adaptive_avg_pool2d(x, 1).flatten(1)``.

        >>> import ember
        >>> global_avg_pool2d(ember.arange(8.0).reshape(1, 2, 2, 2)).tolist()
        [[1.5, 5.5]]
    """
    x = _tensor(x, "global_avg_pool2d")
    if x.ndim != 4:
        raise ValueError(f"global_avg_pool2d: expected a 4-D (N, C, H, W) input, got shape "
                         f"{_shape(x.shape)}")
    _check_plane(x, "global_avg_pool2d", False)
    return x.mean((2, 3))


def spatial_pyramid_pool(x, levels=(1, 2, 4), mode="max"):
    """Spatial pyramid pooling (He et al., SPP-net): for each level ``l`` pool the feature
    map adaptively into an ``l x l`` grid, flatten, and concatenate the levels along
    dim 1. The output is ``(N, C * sum(l * l))`` whatever the input's H and W, so a fully
    connected layer can follow a convolutional trunk fed with images of any size. Each
    level's block is laid out channel-major (``C`` groups of ``l * l`` cells).

        >>> import ember
        >>> spatial_pyramid_pool(ember.randn(2, 3, 13, 9)).shape
        (2, 63)
    """
    x = _tensor(x, "spatial_pyramid_pool")
    if x.ndim != 4:
        raise ValueError(f"spatial_pyramid_pool: expected a 4-D (N, C, H, W) input, got shape "
                         f"{_shape(x.shape)}")
    if mode not in ("max", "avg"):
        raise ValueError(f"spatial_pyramid_pool: mode={mode!r} must be 'max' or 'avg'")
    levels = tuple(levels)
    if not levels or not all(isinstance(l, numbers.Integral) and not isinstance(l, bool) and l >= 1
                             for l in levels):
        raise ValueError(f"spatial_pyramid_pool: levels={levels!r} must be a non-empty sequence of "
                         f"positive ints")
    pool = adaptive_max_pool2d if mode == "max" else adaptive_avg_pool2d
    N = int(x.shape[0])
    C = int(x.shape[1])
    parts = [pool(x, int(l)).reshape(N, C * int(l) * int(l)) for l in levels]
    return parts[0] if len(parts) == 1 else cat(parts, 1)


# =========================================================================================
# channel-wise dropout and channel shuffle
# =========================================================================================
class _ChannelMaskBackward(Node):
    def backward(self, g):
        return (g * _wrap(self.mask),)


def _check_p(p, op):
    if not isinstance(p, numbers.Real) or isinstance(p, bool) or p != p or not 0 <= p < 1:
        raise ValueError(f"{op}: p={p!r} must be a probability in [0, 1)")


def dropout2d(input, p=0.5, training=True, inplace=False, generator=None):
    """Spatial (channel-wise) dropout: in training each whole channel ``x[n, c]`` is zeroed
    with probability ``p`` and the kept channels are scaled by ``1 / (1 - p)`` (inverted
    dropout, so evaluation is the identity). Neighbouring activations of a feature map are
    strongly correlated, so dropping single pixels regularises little; dropping channels
    does (Tompson et al., 2015). A 3-D input is read as (N, C, L), as torch does.
    ``inplace`` is accepted for torch compatibility; the result is always a new tensor.

        >>> import ember
        >>> y = dropout2d(ember.ones(1, 4, 2, 2), 0.5, generator=ember.Generator().manual_seed(0))
        >>> sorted(set(y.flatten().tolist())) in ([0.0, 2.0], [2.0], [0.0])
        True
    """
    x = _tensor(input, "dropout2d")
    _check_p(p, "dropout2d")
    if x.ndim not in (3, 4):
        raise ValueError(f"dropout2d: expected a 3-D (N, C, L) or 4-D (N, C, H, W) input, got shape "
                         f"{_shape(x.shape)}")
    if not training or p == 0:
        return x
    mshape = _shape(x.shape)[:2] + (1,) * (x.ndim - 2)
    mask = (rng(generator).random(mshape) >= p).astype(x.dtype)
    mask *= x.dtype.type(1.0 / (1.0 - p))
    out = x.data * mask
    if state.enabled and x.requires_grad:
        node = _ChannelMaskBackward(x)
        node.mask = mask
        return _wrap(out, node)
    return _wrap(out)


def channel_shuffle(input, groups):
    """ShuffleNet's channel shuffle: view the C channels as a (groups, C / groups) grid,
    transpose it and flatten back, so output channel ``j * groups + g`` is input channel
    ``g * (C / groups) + j``. Lets information cross groups between grouped convolutions.
    Input: (N, C, *) with at least one dimension after C (torch's rule).

        >>> import ember
        >>> channel_shuffle(ember.arange(6.0).reshape(1, 6, 1), 2).flatten().tolist()
        [0.0, 3.0, 1.0, 4.0, 2.0, 5.0]
    """
    if not isinstance(input, Tensor):
        raise TypeError(f"channel_shuffle: input must be an ember Tensor, got {type(input).__name__}")
    x = input
    if not isinstance(groups, numbers.Integral) or isinstance(groups, bool) or groups < 1:
        raise ValueError(f"channel_shuffle: groups={groups!r} must be a positive int")
    if x.ndim < 3:
        raise ValueError(f"channel_shuffle: expected an input with more than 2 dims (N, C, *), got "
                         f"shape {_shape(x.shape)}")
    shape = _shape(x.shape)
    C = shape[1]
    if C % groups:
        raise ValueError(f"channel_shuffle: groups={groups} must divide the number of channels "
                         f"C={C} of the input of shape {shape}")
    g = int(groups)
    return x.reshape(shape[0], g, C // g, *shape[2:]).transpose(1, 2).reshape(shape)


# =========================================================================================
# interpolation
# =========================================================================================
_MODES = ("nearest", "nearest-exact", "linear", "bilinear")


def _src_nearest(in_size, out_size, scale, exact):
    """torch's nearest_idx / nearest_exact_idx (float32 arithmetic, as in ATen)."""
    dst = np.arange(out_size)
    if out_size == in_size:
        return dst
    if not exact and out_size == 2 * in_size:
        return dst >> 1
    s = np.float32(1.0 / scale) if scale is not None and scale > 0 else np.float32(in_size) / np.float32(out_size)
    d = dst.astype(np.float32)
    if exact:
        d = d + np.float32(0.5)
    src = np.floor(d * s).astype(np.int64)
    return np.minimum(src, in_size - 1)


def _linear_matrix(in_size, out_size, scale, align_corners, dtype):
    """(out, in) matrix of torch's linear interpolation weights along one axis."""
    t = dtype.type
    dst = np.arange(out_size).astype(dtype)
    if align_corners:
        s = t(in_size - 1) / t(out_size - 1) if out_size > 1 else t(0)
        src = s * dst
    else:
        s = t(1.0 / scale) if scale is not None and scale > 0 else t(in_size) / t(out_size)
        src = s * (dst + t(0.5)) - t(0.5)
        src = np.maximum(src, t(0))
    i0 = np.minimum(np.floor(src).astype(np.int64), in_size - 1)
    lam = np.clip(src - i0.astype(dtype), t(0), t(1)).astype(dtype)
    i1 = i0 + (i0 < in_size - 1)
    m = np.zeros((out_size, in_size), dtype=dtype)
    r = np.arange(out_size)
    np.add.at(m, (r, i0), t(1) - lam)
    np.add.at(m, (r, i1), lam)
    return m


class _NearestBackward(Node):
    def backward(self, g):
        y = g
        if self.mw is not None:
            y = matmul(y, _wrap(self.mw))
        if self.mh_t is not None:
            y = matmul(_wrap(self.mh_t), y)
        return (y,)


def _one_hot_rows(idx, in_size, dtype):
    m = np.zeros((idx.size, in_size), dtype=dtype)
    m[np.arange(idx.size), idx] = 1
    return m


def interpolate(input, size=None, scale_factor=None, mode="nearest", align_corners=None,
                recompute_scale_factor=None, antialias=False):
    """Resize (N, C, L) or (N, C, H, W) input with torch's exact index rules.

    ``size`` (the output's spatial size) or ``scale_factor`` (output size
    ``floor(in * scale_factor)``) must be given, not both. With ``scale_factor`` the kernel
    maps coordinates with ``1 / scale_factor`` (unless ``recompute_scale_factor=True``,
    which uses ``in / out`` like ``size`` does).

    * ``"nearest"``: ``src = min(floor(dst * scale), in - 1)`` (float32 arithmetic;
      same size copies, twice the size repeats each element) -- torch's legacy nearest.
    * ``"nearest-exact"``: ``src = min(floor((dst + 0.5) * scale), in - 1)``.
    * ``"linear"`` (3-D) / ``"bilinear"`` (4-D): with ``align_corners=True`` the corner
      pixels' centres align, ``src = dst * (in - 1) / (out - 1)``; with ``False`` (default)
      pixel areas align, ``src = max(0, (dst + 0.5) * scale - 0.5)``. The value is
      ``(1 - l) x[i0] + l x[i1]`` with ``i0 = floor(src)``, ``l = src - i0``, per axis.

    Linear modes are computed as ``A_h @ x @ A_w^T`` with sparse weight matrices (so every
    derivative is exact); nearest modes gather, and their backward adds each output
    gradient into its source pixel.

        >>> import ember
        >>> x = ember.tensor([[[[1.0, 2.0], [3.0, 4.0]]]])
        >>> interpolate(x, scale_factor=2).tolist()[0][0][0]
        [1.0, 1.0, 2.0, 2.0]
        >>> interpolate(x, size=(3, 3), mode="bilinear", align_corners=True).tolist()[0][0][1]
        [2.0, 2.5, 3.0]
    """
    x = _tensor(input, "interpolate")
    if mode not in _MODES:
        raise ValueError(f"interpolate: mode={mode!r} must be one of {_MODES}")
    if antialias:
        raise NotImplementedError("interpolate: antialias=True is not supported")
    if x.ndim not in (3, 4):
        raise ValueError(f"interpolate: expected a 3-D (N, C, L) or 4-D (N, C, H, W) input, got "
                         f"shape {_shape(x.shape)}")
    if mode == "linear" and x.ndim != 3:
        raise ValueError(f"interpolate: mode='linear' needs a 3-D input, got shape {_shape(x.shape)}")
    if mode == "bilinear" and x.ndim != 4:
        raise ValueError(f"interpolate: mode='bilinear' needs a 4-D input, got shape {_shape(x.shape)}")
    linear = mode in ("linear", "bilinear")
    if align_corners is not None and not linear:
        raise ValueError(f"interpolate: align_corners={align_corners!r} can only be set with the "
                         f"interpolating modes 'linear' and 'bilinear', not mode={mode!r}")
    align_corners = bool(align_corners) if align_corners is not None else False
    nd = x.ndim - 2
    in_sizes = _shape(x.shape)[2:]
    if (size is None) == (scale_factor is None):
        raise ValueError("interpolate: exactly one of size and scale_factor must be given, got "
                         f"size={size!r} and scale_factor={scale_factor!r}")
    if size is not None:
        sizes = (size,) * nd if isinstance(size, numbers.Integral) else tuple(size)
        if len(sizes) != nd or not all(isinstance(v, numbers.Integral) and not isinstance(v, bool) and v > 0
                                       for v in sizes):
            raise ValueError(f"interpolate: size={size!r} must be a positive int or {nd} positive ints "
                             f"for an input of shape {_shape(x.shape)}")
        out_sizes = tuple(int(v) for v in sizes)
        scales = (None,) * nd
    else:
        sf = (scale_factor,) * nd if isinstance(scale_factor, numbers.Real) else tuple(scale_factor)
        if len(sf) != nd or not all(isinstance(v, numbers.Real) and math.isfinite(v) and v > 0 for v in sf):
            raise ValueError(f"interpolate: scale_factor={scale_factor!r} must be a positive number or "
                             f"{nd} positive numbers for an input of shape {_shape(x.shape)}")
        out_sizes = tuple(int(math.floor(float(L) * float(f))) for L, f in zip(in_sizes, sf))
        if any(o < 1 for o in out_sizes):
            raise ValueError(f"interpolate: scale_factor={scale_factor!r} gives an empty output "
                             f"{out_sizes} for input spatial size {in_sizes}")
        scales = (None,) * nd if recompute_scale_factor else tuple(float(v) for v in sf)
    dtype = x.dtype
    if linear:
        y = x
        mats = [_linear_matrix(L, o, s, align_corners, dtype) for L, o, s in zip(in_sizes, out_sizes, scales)]
        y = matmul(y, _wrap(np.ascontiguousarray(mats[-1].T)))
        if nd == 2:
            y = matmul(_wrap(mats[0]), y)
        return y
    exact = mode == "nearest-exact"
    idx = [_src_nearest(L, o, s, exact) for L, o, s in zip(in_sizes, out_sizes, scales)]
    out = x.data.take(idx[-1], axis=-1)
    if nd == 2:
        out = out.take(idx[0], axis=2)
    if state.enabled and x.requires_grad:
        node = _NearestBackward(x)
        node.mw = _one_hot_rows(idx[-1], in_sizes[-1], dtype)
        node.mh_t = np.ascontiguousarray(_one_hot_rows(idx[0], in_sizes[0], dtype).T) if nd == 2 else None
        return _wrap(out, node)
    return _wrap(out)
