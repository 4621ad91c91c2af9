"""The array side of pooling (:mod:`.pool` holds the Functions): argument checks, torch's
output-size rule, the stride-phase layout that turns every window offset into one
contiguous 1-D slice, the max-pooling kernels and torch's adaptive bins. No Functions
here: the kernels take and return NumPy arrays (``as_4d`` only reshapes tensors).

Output size of a pooling window along one axis (torch's ``pooling_output_shape``)::

    out = floor((L + 2 p - d (k - 1) - 1 + (s - 1 if ceil_mode else 0)) / s) + 1
    if ceil_mode and (out - 1) s >= L + p:  out -= 1     # last window must start inside

The phase layout: the padded input is split once into stride phases (space-to-depth:
padded row ``a + s i`` goes to phase ``a``, row ``i``) and each phase plane is flattened;
then element ``(kh, kw)`` of every window, across the whole batch, is one contiguous 1-D
slice of one phase plane (an "extended" output grid whose surplus entries are ignored).
A kernel loops only over the ``kH * kW`` offsets, never over batch, channels or pixels.
"""
import numbers

import numpy as np

from ._util import require_tensor


def float_input(x, op):
    """``x`` if it is a floating ember Tensor, else a clear TypeError."""
    require_tensor(x, op)
    if x.dtype.kind != "f":
        raise TypeError(f"{op}: input must be a floating tensor, got dtype {x.dtype}")
    return x


def int_tuple(v, n, name, op, minimum):
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


def stride_or_kernel(stride, kernel, n, op):
    """``stride`` as an n-tuple; None (or an empty sequence) means the kernel size."""
    if stride is None or (not isinstance(stride, numbers.Integral) and len(stride) == 0):
        return kernel
    return int_tuple(stride, n, "stride", op, 1)


def ints(shape):
    return tuple(int(s) for s in shape)


def as_4d(x, op, one_d):
    """View a pooling input as (N, C, H, W); return the tensor and how to undo it."""
    if one_d:
        if x.ndim not in (2, 3):
            raise ValueError(f"{op}: expected a 2-D (C, L) or 3-D (N, C, L) input, got shape "
                             f"{ints(x.shape)}")
        if x.ndim == 2:
            return x.reshape(1, x.shape[0], 1, x.shape[1]), lambda y: y.reshape(y.shape[1], y.shape[3])
        return x.reshape(x.shape[0], x.shape[1], 1, x.shape[2]), \
            lambda y: y.reshape(y.shape[0], y.shape[1], y.shape[3])
    if x.ndim not in (3, 4):
        raise ValueError(f"{op}: expected a 3-D (C, H, W) or 4-D (N, C, H, W) input, got shape "
                         f"{ints(x.shape)}")
    if x.ndim == 3:
        return x.reshape((1,) + ints(x.shape)), lambda y: y.reshape(ints(y.shape)[1:])
    return x, lambda y: y


def out_len(L, k, s, p, d, ceil_mode):
    """Pooling output length along one axis (torch's rule, see the module docstring)."""
    num = L + 2 * p - d * (k - 1) - 1 + (s - 1 if ceil_mode else 0)
    out = num // s + 1
    if ceil_mode and out > 0 and (out - 1) * s >= L + p:
        out -= 1
    return out


class Geometry:
    """Window geometry of a 2-D pooling: kernel, stride, padding, dilation, sizes and the
    padded extent each offset view reads from."""

    def __init__(self, op, in_shape, kernel_size, stride, padding, dilation, ceil_mode,
                 max_pad_rule):
        self.op = op
        k = int_tuple(kernel_size, 2, "kernel_size", op, 1)
        s = stride_or_kernel(stride, k, 2, op)
        p = int_tuple(padding, 2, "padding", op, 0)
        d = int_tuple(dilation, 2, "dilation", op, 1)
        N, C, H, W = in_shape
        for a in range(2):
            limit = (d[a] * (k[a] - 1) + 1) // 2 if max_pad_rule else k[a] // 2
            if p[a] > limit:
                what = "effective kernel size" if max_pad_rule else "kernel size"
                raise ValueError(
                    f"{op}: padding={padding!r} should be at most half of the {what}, but got "
                    f"pad={p[a]}, kernel_size={k[a]} and dilation={d[a]}")
        out = (out_len(H, k[0], s[0], p[0], d[0], ceil_mode),
               out_len(W, k[1], s[1], p[1], d[1], ceil_mode))
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
        # disjoint windows that tile the input from its corner (stride = kernel, no padding
        # or dilation): LeNet's and VGG's pooling, which has a layout-preserving fast path
        self.tiling = (s == k and p == (0, 0) and d == (1, 1)
                       and out[0] * k[0] <= H and out[1] * k[1] <= W)

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


def tiles(a, k):
    """(N, C, oh, kh, ow, kw) view of the non-overlapping k-windows of a (N, C, H, W) array,
    in whatever memory layout ``a`` has."""
    N, C, H, W = a.shape
    sN, sC, sH, sW = a.strides
    return np.lib.stride_tricks.as_strided(a, (N, C, H // k[0], k[0], W // k[1], k[1]),
                                           (sN, sC, sH * k[0], sH, sW * k[1], sW), writeable=True)


def index_dtype(n):
    """The smallest unsigned type that numbers ``n`` window offsets."""
    return np.uint8 if n <= 256 else np.int32


def set_where(kidx, o, mask, tmp):
    """kidx = where(mask, o, kidx) with integer arithmetic (much faster than a masked
    ``copyto``); uint8 wrap-around cancels out."""
    np.subtract(kidx.dtype.type(o), kidx, out=tmp)
    np.multiply(tmp, mask, out=tmp)
    np.add(kidx, tmp, out=kidx)


# =========================================================================================
# max pooling kernels
# =========================================================================================
def first_valid_offsets(geo):
    """For each output position, the offset index of the first window element inside the
    input (torch's index when a window holds only -inf)."""
    firsts = []
    for a in range(2):
        start = np.arange(geo.out[a]) * geo.s[a] - geo.p[a]
        j = np.maximum(0, -(start // geo.d[a]))           # ceil(-start / d) for start < 0
        j = np.minimum(j, geo.k[a] - 1)
        firsts.append(j)
    return firsts[0][:, None] * geo.k[1] + firsts[1][None, :]


def max_forward(x, geo, need_index):
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
    kidx = np.zeros(geo.total, dtype=index_dtype(K))
    if K > 1:
        ke = kidx[:n]
        mask = np.empty(n, dtype=bool)
        tmp = np.empty(n, dtype=kidx.dtype)
        for o in range(K - 1, -1, -1):              # reversed: the first maximum wins
            np.equal(geo.flat(q, o), best, out=mask)
            set_where(ke, o, mask, tmp)
        if np.isnan(out).any():                     # torch: the last NaN in scan order
            for o in range(K):
                np.isnan(geo.flat(q, o), out=mask)
                set_where(ke, o, mask, tmp)
        if geo.needs_pad:
            neg = np.isneginf(out)
            if neg.any():                           # all -inf: first in-bounds element
                np.copyto(geo.to_out(kidx),
                          np.broadcast_to(first_valid_offsets(geo), out.shape).astype(kidx.dtype),
                          where=neg)
    return out, kidx


def flat_indices(kidx, geo):
    """Offset index of the winner -> flat index into each input plane (h * W + w)."""
    (sh, sw), (ph, pw), (dh, dw) = geo.s, geo.p, geo.d
    oh, ow = geo.out
    W = geo.in_shape[3]
    kh, kw = np.divmod(geo.to_out(kidx).astype(np.int64), geo.k[1])
    h = (np.arange(oh) * sh - ph)[:, None] + kh * dh
    w = (np.arange(ow) * sw - pw)[None, :] + kw * dw
    return h * W + w


def tiled_max_forward(x, k, need_index):
    """Disjoint windows: maxima and winning offsets (uint8, first maximum in scan order),
    both in the memory layout of x (each offset is a strided view of x). A NaN maximum is
    left to the general path, which follows torch's NaN index rule."""
    t = tiles(x, k)
    views = [t[:, :, :, i, :, j] for i in range(k[0]) for j in range(k[1])]
    out = np.empty_like(views[0])                      # order 'K': the layout of x
    np.copyto(out, views[0])
    for v in views[1:]:
        np.maximum(out, v, out=out)
    if not need_index:
        return out, None
    kidx = np.zeros_like(out, dtype=np.uint8)
    mask = np.empty_like(out, dtype=bool)
    tmp = np.empty_like(kidx)
    for o in range(len(views) - 1, -1, -1):            # reversed: the first maximum wins
        np.equal(views[o], out, out=mask)
        set_where(kidx, o, mask, tmp)
    return out, kidx


def tiled_max_scatter(gd, xd, k, kidx):
    """The gradient of the fast path, written straight into an array with x's layout (so
    the element-wise backward before it, ReLU's, sees matching layouts: 1.5 ms instead of
    8.4 ms on 64x32x32x32)."""
    dx = np.zeros_like(xd)                             # order 'K': the layout of x
    t = tiles(dx, k)
    if [st // gd.itemsize for st in gd.strides] != list(kidx.strides):   # one copy into kidx's layout
        g2 = np.empty_like(kidx, dtype=gd.dtype)
        np.copyto(g2, gd)
        gd = g2
    mask = np.empty_like(kidx, dtype=bool)
    for o in range(k[0] * k[1]):
        np.equal(kidx, o, out=mask)
        np.multiply(gd, mask, out=t[:, :, :, o // k[1], :, o % k[1]])
    return dx


# =========================================================================================
# adaptive bins
# =========================================================================================
def adaptive_bins(L, o):
    """torch's adaptive bins: [floor(i L / o), ceil((i + 1) L / o))."""
    i = np.arange(o)
    return (i * L) // o, -((-(i + 1) * L) // o)


def bin_max(x, axis, starts, ends):
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


def adaptive_max_forward(xd, oh, ow):
    """Bin maxima (N, C, oh, ow) and their flat plane indices (int64)."""
    N, C, H, W = xd.shape
    if oh == 1 and ow == 1:
        # global maximum: one argmax per plane (first maximum, NaN propagates)
        x3 = xd.reshape(N, C, H * W)
        idx = x3.argmax(-1)
        out = np.take_along_axis(x3, idx[..., None], axis=-1)
        nan = np.isnan(out[..., 0])
        if nan.any():                               # torch keeps the last NaN
            last = H * W - 1 - np.isnan(x3[..., ::-1]).argmax(-1)
            idx = np.where(nan, last, idx)
        return out.reshape(N, C, 1, 1), idx.reshape(N, C, 1, 1).astype(np.int64)
    # separable: the maximum over a rectangle is the maximum over its rows of each row's
    # maximum; first-maximum-in-row-major-order and last-NaN (torch's scan) survive this
    # (bins are taken along an outer axis, where each take copies whole contiguous rows)
    xt = np.ascontiguousarray(xd.transpose(0, 1, 3, 2))          # (N, C, W, H)
    vals, w_idx = bin_max(xt, 2, *adaptive_bins(W, ow))           # (N, C, ow, H)
    vals = np.ascontiguousarray(vals.transpose(0, 1, 3, 2))       # (N, C, H, ow)
    w_idx = w_idx.transpose(0, 1, 3, 2)
    out, h_idx = bin_max(vals, 2, *adaptive_bins(H, oh))          # (N, C, oh, ow)
    flat = h_idx.astype(np.int64) * W + np.take_along_axis(w_idx, h_idx.astype(np.intp), axis=2)
    return out, flat
