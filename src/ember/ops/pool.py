"""Pooling (functional forms): max, average, adaptive max and average, global average and
spatial pyramid pooling.

Everything follows ``torch.nn.functional``: names, argument order, defaults, output sizes
(including the ``ceil_mode`` rule) and the index conventions of ``return_indices``.

Implementation: vectorised NumPy on the stride-phase layout of :mod:`._window` (the only
Python loop runs over the ``kH * kW`` kernel offsets). Each op is a
:class:`~ember.autograd.Function` whose gradient is another Function, and the other way
round, so pooling is differentiable to any order (``create_graph=True``):

* max pooling remembers which offset won in each window (a uint8 array); its gradient
  :class:`MaxScatter` sends ``g`` to the winners (one masked add per offset, windows may
  overlap), whose gradient is :class:`MaxGather` (read at the winners), whose gradient is
  :class:`MaxScatter` again. Disjoint windows (stride = kernel: LeNet, VGG) take a fast
  path that keeps the input's memory layout in the output and in the gradient.
* average pooling sums each window times ``1 / divisor``; its gradient
  :class:`AvgPoolTranspose` spreads ``g / divisor`` over the windows (the transpose of a
  linear map), whose gradient is :class:`AvgPool` again.
* adaptive pooling uses torch's bins ``[floor(i L / o), ceil((i + 1) L / o))``; adaptive
  average pooling sums each bin in row-major order and divides by its height, then by
  its width: torch's arithmetic, bit for bit (a 1 x 1 output is torch's mean,
  ``sum / (H W)``, whose summation order is NumPy's rather than torch's).

    >>> import ember
    >>> from ember.nn.functional import max_pool2d, adaptive_avg_pool2d
    >>> x = ember.arange(16.0).reshape(1, 1, 4, 4)
    >>> max_pool2d(x, 2).tolist()
    [[[[5.0, 7.0], [13.0, 15.0]]]]
    >>> adaptive_avg_pool2d(x, 1).tolist()
    [[[[7.5]]]]
"""
import numbers

import numpy as np

from ..autograd.function import Function
from ..autograd.grad_mode import state
from .shape import cat
from ._window import (Geometry, adaptive_bins, adaptive_max_forward, as_4d, flat_indices,
                      float_input, index_dtype, int_tuple, ints, max_forward, stride_or_kernel,
                      tiled_max_forward, tiled_max_scatter)

__all__ = [
    "max_pool1d", "max_pool2d", "avg_pool1d", "avg_pool2d",
    "adaptive_max_pool1d", "adaptive_max_pool2d", "adaptive_avg_pool1d", "adaptive_avg_pool2d",
    "global_avg_pool2d", "spatial_pyramid_pool",
]


def _pool1d_args(op, kernel_size, stride, padding, dilation=1):
    """A 1-D pooling's arguments as the (1, k) window of a 2-D one."""
    k = int_tuple(kernel_size, 1, "kernel_size", op, 1)
    s = stride_or_kernel(stride, k, 1, op)
    p = int_tuple(padding, 1, "padding", op, 0)
    d = int_tuple(dilation, 1, "dilation", op, 1)
    return (1,) + k, (1,) + s, (0,) + p, (1,) + d


def _unpool(res, back, return_indices):
    return (back(res[0]), back(res[1])) if return_indices else back(res)


# =========================================================================================
# max pooling
# =========================================================================================
class MaxPool(Function):
    """Window maxima over (N, C, H, W); the gradient goes to each window's first maximum
    (:class:`MaxScatter`). With ``return_indices`` a second, non-differentiable output
    holds the flat plane index ``h * W + w`` of each maximum."""

    @staticmethod
    def forward(ctx, x, geo, return_indices):
        xd, need = x.array, ctx.needs_input_grad[0]
        ctx.geo = geo
        if (geo.tiling and not return_indices and xd.size and geo.k[0] * geo.k[1] <= 256):
            out, kidx = tiled_max_forward(xd, geo.k, need)
            if not np.isnan(out).any():
                ctx.kidx, ctx.fast = kidx, True
                if need:
                    ctx.save_for_backward(x)        # for its memory layout
                return out
        out, kidx = max_forward(xd, geo, need or return_indices)
        ctx.kidx, ctx.fast = kidx, False
        if not return_indices:
            return out
        idx = flat_indices(kidx, geo)
        ctx.mark_non_differentiable(idx)
        ctx.set_materialize_grads(False)
        return out, idx

    @staticmethod
    def backward(ctx, g, _=None):
        geo, kidx = ctx.geo, ctx.kidx
        if ctx.fast:
            x, = ctx.saved_tensors
            if not state.enabled:       # plain backward: straight into x's layout
                return tiled_max_scatter(g.array, x.array, geo.k, kidx), None, None
            ext = np.zeros(geo.total, dtype=index_dtype(len(geo.offsets)))
            geo.to_out(ext)[...] = kidx             # the general layout of the same winners
            kidx = ext
        return MaxScatter.apply(g, geo, kidx), None, None


class MaxScatter(Function):
    """Input-shaped: ``g`` sent to the winning element of each window (added where windows
    overlap). The gradient of :class:`MaxPool`; its own gradient is :class:`MaxGather`."""

    @staticmethod
    def forward(ctx, g, geo, kidx):
        ctx.geo, ctx.kidx = geo, kidx
        gd = g.array
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
        return geo.crop(qg)

    @staticmethod
    def backward(ctx, h):
        return MaxGather.apply(h, ctx.geo, ctx.kidx), None, None


class MaxGather(Function):
    """Output-shaped: the element of ``x`` at each window's winning position. The gradient
    of :class:`MaxScatter`; its own gradient is :class:`MaxScatter`."""

    @staticmethod
    def forward(ctx, x, geo, kidx):
        ctx.geo, ctx.kidx = geo, kidx
        q = geo.pad(x.array, 0)
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
        return np.ascontiguousarray(geo.to_out(ext))

    @staticmethod
    def backward(ctx, h):
        return MaxScatter.apply(h, ctx.geo, ctx.kidx), None, None


def _max_pool(x4, op, kernel_size, stride, padding, dilation, ceil_mode, return_indices):
    geo = Geometry(op, ints(x4.shape), kernel_size, stride, padding, dilation, ceil_mode,
                   max_pad_rule=True)
    return MaxPool.apply(x4, geo, bool(return_indices))


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
    x4, back = as_4d(float_input(input, "max_pool2d"), "max_pool2d", one_d=False)
    res = _max_pool(x4, "max_pool2d", kernel_size, stride, padding, dilation, ceil_mode, return_indices)
    return _unpool(res, back, return_indices)


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    """1-D max pooling over (N, C, L) (or (C, L)): ``out[n, c, i] = max_a x_pad[n, c, i s + a d]``.
    Indices (``return_indices=True``) are positions along L.

        >>> import ember
        >>> max_pool1d(ember.tensor([[[1.0, 3.0, 2.0, 5.0, 4.0]]]), 2, ceil_mode=True).tolist()
        [[[3.0, 5.0, 4.0]]]
    """
    x4, back = as_4d(float_input(input, "max_pool1d"), "max_pool1d", one_d=True)
    k, s, p, d = _pool1d_args("max_pool1d", kernel_size, stride, padding, dilation)
    res = _max_pool(x4, "max_pool1d", k, s, p, d, ceil_mode, return_indices)
    return _unpool(res, back, return_indices)


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


class AvgPool(Function):
    """Window sums times ``inv`` (1 / divisor per output); the gradient is
    :class:`AvgPoolTranspose`."""

    @staticmethod
    def forward(ctx, x, geo, inv):
        ctx.geo, ctx.inv = geo, inv
        q = geo.pad(x.array, 0)
        ext = np.empty(geo.total, dtype=q.dtype)
        ext[geo.n:] = 0
        acc = ext[:geo.n]
        np.copyto(acc, geo.flat(q, 0))
        for o in range(1, len(geo.offsets)):
            acc += geo.flat(q, o)
        return geo.to_out(ext) * inv

    @staticmethod
    def backward(ctx, g):
        return AvgPoolTranspose.apply(g, ctx.geo, ctx.inv), None, None


class AvgPoolTranspose(Function):
    """Input-shaped: each window's ``g * inv`` spread over its elements (the transpose of
    :class:`AvgPool`, which is its gradient)."""

    @staticmethod
    def forward(ctx, g, geo, inv):
        ctx.geo, ctx.inv = geo, inv
        gd = g.array
        N, C = gd.shape[:2]
        ge = geo.to_ext(gd * inv)[:geo.n]
        qg = geo.buffer(N, C, gd.dtype, 0)
        for o in range(len(geo.offsets)):
            geo.flat(qg, o)[...] += ge
        return geo.crop(qg)

    @staticmethod
    def backward(ctx, h):
        return AvgPool.apply(h, ctx.geo, ctx.inv), None, None


def _avg_pool(x4, op, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override):
    if divisor_override is not None:
        if not isinstance(divisor_override, numbers.Integral) or isinstance(divisor_override, bool) \
                or divisor_override == 0:
            raise ValueError(f"{op}: divisor_override={divisor_override!r} must be a non-zero int or None")
    geo = Geometry(op, ints(x4.shape), kernel_size, stride, padding, 1, ceil_mode,
                   max_pad_rule=False)
    inv = _avg_divisor(geo, count_include_pad, divisor_override, x4.dtype)
    return AvgPool.apply(x4, geo, inv)


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
    x4, back = as_4d(float_input(input, "avg_pool2d"), "avg_pool2d", one_d=False)
    return back(_avg_pool(x4, "avg_pool2d", kernel_size, stride, padding, ceil_mode,
                          count_include_pad, divisor_override))


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):
    """1-D average pooling over (N, C, L) (or (C, L)); the rules of :func:`avg_pool2d`.

        >>> import ember
        >>> avg_pool1d(ember.tensor([[[1.0, 3.0, 2.0, 6.0]]]), 2).tolist()
        [[[2.0, 4.0]]]
    """
    x4, back = as_4d(float_input(input, "avg_pool1d"), "avg_pool1d", one_d=True)
    k, s, p, _ = _pool1d_args("avg_pool1d", kernel_size, stride, padding)
    return back(_avg_pool(x4, "avg_pool1d", k, s, p, ceil_mode, count_include_pad, None))


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


def _check_plane(x, op, one_d):
    if any(int(s) == 0 for s in x.shape[-(1 if one_d else 2):]):
        raise ValueError(f"{op}: input of shape {ints(x.shape)} has an empty spatial dimension")


class _Bins:
    """Adaptive bins of an (H, W) plane pooled to (oh, ow). Per axis: ``take[a]`` picks
    element ``a`` of every bin (a slice when the bins are equally long and evenly spaced,
    else positions clipped into range), ``valid[:, a]`` says which bins have one, ``size``
    holds the bins' lengths in the data type and ``member`` the 0/1 (o, L) membership."""

    def __init__(self, in_hw, out_hw, dtype):
        self.in_hw, self.out_hw = in_hw, out_hw
        self.take, self.valid, self.size, self.member = [], [], [], []
        for L, o in zip(in_hw, out_hw):
            start, end = adaptive_bins(L, o)
            lengths = end - start
            k = int(lengths.max())
            pos = start[:, None] + np.arange(k)[None, :]
            steps = np.diff(start)
            if (lengths == k).all() and (o == 1 or ((steps == steps[0]).all() and steps[0] > 0)):
                step = int(steps[0]) if o > 1 else 1
                self.take.append([slice(int(start[0]) + a, int(start[-1]) + a + 1, step) for a in range(k)])
            else:
                self.take.append([np.minimum(pos[:, a], L - 1) for a in range(k)])
            self.valid.append(pos < end[:, None])
            self.size.append(lengths.astype(dtype))
            at = np.arange(L)
            self.member.append(((at >= start[:, None]) & (at < end[:, None])).astype(dtype))


class AdaptiveAvgPool(Function):
    """Each bin's sum (row-major, one accumulator) divided by its height, then by its width:
    torch's arithmetic (a 1 x 1 output is ``sum / (H W)``, as torch's mean). A linear map;
    its gradient is :class:`AdaptiveAvgPoolTranspose`."""

    @staticmethod
    def forward(ctx, x, bins):
        ctx.bins = bins
        xd = x.array
        (oh, ow), (H, W) = bins.out_hw, bins.in_hw
        if oh == 1 and ow == 1:
            return xd.sum((2, 3), keepdims=True) / xd.dtype.type(H * W)
        (th, tw), (vh, vw) = bins.take, bins.valid
        full_h, full_w = vh.all(0), vw.all(0)       # element a is in every bin
        zero = xd.dtype.type(0)
        # an (H, W, N, C) copy: every pick (a slice, or positions) moves whole (N, C) blocks
        xt = np.ascontiguousarray(xd.transpose(2, 3, 0, 1))
        s = np.zeros((oh, ow) + xd.shape[:2], dtype=xd.dtype)
        for a in range(len(th)):            # one accumulator per output, from 0 as in torch,
            rows = xt[th[a]]                # adding in the bin's scan order (zeros past the
            for b in range(len(tw)):        # end of a shorter bin)
                v = rows[:, tw[b]]
                if not (full_h[a] and full_w[b]):
                    v = np.where((vh[:, a, None] & vw[None, :, b])[:, :, None, None], v, zero)
                s += v
        sh, sw = bins.size
        out = np.divide(s.transpose(2, 3, 0, 1), sh[:, None], order="C")
        out /= sw[None, :]
        return out

    @staticmethod
    def backward(ctx, g):
        return AdaptiveAvgPoolTranspose.apply(g, ctx.bins), None


class AdaptiveAvgPoolTranspose(Function):
    """Input-shaped: each bin's ``g / height / width`` added over the bin (the transpose of
    :class:`AdaptiveAvgPool`, which is its gradient)."""

    @staticmethod
    def forward(ctx, g, bins):
        ctx.bins = bins
        sh, sw = bins.size
        mh, mw = bins.member
        return mh.T @ (g.array / sh[:, None] / sw[None, :]) @ mw

    @staticmethod
    def backward(ctx, h):
        return AdaptiveAvgPool.apply(h, ctx.bins), None


def _adaptive_avg(x4, output_size, op):
    in_hw = ints(x4.shape)[2:]
    out_hw = _out_sizes(output_size, in_hw, op)
    if out_hw == in_hw:
        return x4
    return AdaptiveAvgPool.apply(x4, _Bins(in_hw, out_hw, x4.dtype))


def adaptive_avg_pool2d(input, output_size):
    """Average over torch's adaptive bins: output cell ``i`` along an axis of length ``L``
    averages ``x[floor(i L / o) : ceil((i + 1) L / o)]`` (bins may overlap). Computed as
    torch does, ``sum(bin) / height / width``. ``output_size`` may hold ``None`` to keep
    that input size.

        >>> import ember
        >>> adaptive_avg_pool2d(ember.arange(6.0).reshape(1, 1, 2, 3), (1, 2)).tolist()
        [[[[2.0, 3.0]]]]
    """
    x4, back = as_4d(float_input(input, "adaptive_avg_pool2d"), "adaptive_avg_pool2d", one_d=False)
    _check_plane(x4, "adaptive_avg_pool2d", False)
    return back(_adaptive_avg(x4, output_size, "adaptive_avg_pool2d"))


def adaptive_avg_pool1d(input, output_size):
    """1-D adaptive average pooling over (N, C, L) (or (C, L)), torch's bins.

        >>> import ember
        >>> adaptive_avg_pool1d(ember.tensor([[[1.0, 2.0, 3.0, 4.0, 5.0]]]), 2).tolist()
        [[[2.0, 4.0]]]
    """
    x = float_input(input, "adaptive_avg_pool1d")
    x4, back = as_4d(x, "adaptive_avg_pool1d", one_d=True)
    _check_plane(x, "adaptive_avg_pool1d", True)
    (o,) = _out_sizes(output_size, (int(x4.shape[3]),), "adaptive_avg_pool1d")
    return back(_adaptive_avg(x4, (1, o), "adaptive_avg_pool1d"))


class AdaptiveMaxPool(Function):
    """Bin maxima; the gradient goes to each bin's maximum (:class:`FlatScatter`). With
    ``return_indices`` a second, non-differentiable output holds their flat plane indices."""

    @staticmethod
    def forward(ctx, x, oh, ow, return_indices):
        N, C, H, W = x.array.shape
        out, flat = adaptive_max_forward(x.array, oh, ow)
        # bins that do not overlap hold each input element at most once
        ctx.flat, ctx.in_shape, ctx.unique = flat, (N, C, H, W), H % oh == 0 and W % ow == 0
        if not return_indices:
            return out
        ctx.mark_non_differentiable(flat)
        ctx.set_materialize_grads(False)
        return out, flat

    @staticmethod
    def backward(ctx, g, _=None):
        return FlatScatter.apply(g, ctx.flat, ctx.in_shape, ctx.unique), None, None, None


class FlatScatter(Function):
    """Zeros of ``in_shape`` (N, C, H, W) with ``g`` added at plane index ``flat`` (``unique``:
    no index repeats within a plane). Its gradient is :class:`FlatGather`."""

    @staticmethod
    def forward(ctx, g, flat, in_shape, unique):
        ctx.flat, ctx.in_shape = flat, in_shape
        gd = g.array
        N, C, H, W = in_shape
        rows = N * C
        if rows == 0:
            return np.zeros(in_shape, dtype=gd.dtype)
        g2 = gd.reshape(rows, -1)
        f2 = flat.reshape(rows, -1)
        if unique:
            out = np.zeros((rows, H * W), dtype=gd.dtype)
            np.put_along_axis(out, f2, g2, axis=1)
        else:
            lin = f2 + (np.arange(rows) * (H * W))[:, None]
            out = np.bincount(lin.ravel(), weights=g2.ravel(), minlength=rows * H * W).astype(gd.dtype)
        return out.reshape(in_shape)

    @staticmethod
    def backward(ctx, h):
        return FlatGather.apply(h, ctx.flat, ctx.in_shape), None, None, None


class FlatGather(Function):
    """``x`` read at plane index ``flat``; its gradient is :class:`FlatScatter`."""

    @staticmethod
    def forward(ctx, x, flat, in_shape):
        ctx.flat, ctx.in_shape = flat, in_shape
        xd = x.array
        N, C, H, W = in_shape
        rows = N * C
        if rows == 0:
            return np.zeros(flat.shape, dtype=xd.dtype)
        return np.take_along_axis(xd.reshape(rows, H * W), flat.reshape(rows, -1), axis=1).reshape(flat.shape)

    @staticmethod
    def backward(ctx, h):
        return FlatScatter.apply(h, ctx.flat, ctx.in_shape, False), None, None


def _adaptive_max(x4, oh, ow, return_indices):
    H, W = ints(x4.shape)[2:]
    if H % oh == 0 and W % ow == 0 and (H // oh) * (W // ow) <= 4:
        # equal, disjoint bins: exactly max pooling with kernel = stride = bin size
        k = (H // oh, W // ow)
        return _max_pool(x4, "adaptive_max_pool2d", k, k, 0, 1, False, return_indices)
    return AdaptiveMaxPool.apply(x4, oh, ow, bool(return_indices))


def adaptive_max_pool2d(input, output_size, return_indices=False):
    """Maximum over torch's adaptive bins ``[floor(i L / o), ceil((i + 1) L / o))`` along each
    axis; ``return_indices=True`` also returns the flat plane index ``h * W + w`` of each
    maximum (first on ties, NaN propagates).

        >>> import ember
        >>> adaptive_max_pool2d(ember.arange(6.0).reshape(1, 1, 2, 3), 1).tolist()
        [[[[5.0]]]]
    """
    x4, back = as_4d(float_input(input, "adaptive_max_pool2d"), "adaptive_max_pool2d", one_d=False)
    _check_plane(x4, "adaptive_max_pool2d", False)
    oh, ow = _out_sizes(output_size, ints(x4.shape)[2:], "adaptive_max_pool2d")
    return _unpool(_adaptive_max(x4, oh, ow, return_indices), back, return_indices)


def adaptive_max_pool1d(input, output_size, return_indices=False):
    """1-D adaptive max pooling over (N, C, L) (or (C, L)); indices are positions along L.

        >>> import ember
        >>> adaptive_max_pool1d(ember.tensor([[[1.0, 5.0, 3.0, 4.0, 2.0]]]), 2).tolist()
        [[[5.0, 4.0]]]
    """
    x4, back = as_4d(float_input(input, "adaptive_max_pool1d"), "adaptive_max_pool1d", one_d=True)
    _check_plane(x4, "adaptive_max_pool1d", True)
    (o,) = _out_sizes(output_size, (int(x4.shape[3]),), "adaptive_max_pool1d")
    return _unpool(_adaptive_max(x4, 1, o, return_indices), back, return_indices)


# =========================================================================================
# global average and spatial pyramid pooling (composites)
# =========================================================================================
def global_avg_pool2d(x):
    """Global average pooling (Network in Network; the notes' GAP): the mean of each
    channel's plane, (N, C, H, W) -> (N, C). Equals ``adaptive_avg_pool2d(x, 1).flatten(1)``.

        >>> import ember
        >>> global_avg_pool2d(ember.arange(8.0).reshape(1, 2, 2, 2)).tolist()
        [[1.5, 5.5]]
    """
    x = float_input(x, "global_avg_pool2d")
    if x.ndim != 4:
        raise ValueError(f"global_avg_pool2d: expected a 4-D (N, C, H, W) input, got shape "
                         f"{ints(x.shape)}")
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
        ember.Size([2, 63])
    """
    x = float_input(x, "spatial_pyramid_pool")
    if x.ndim != 4:
        raise ValueError(f"spatial_pyramid_pool: expected a 4-D (N, C, H, W) input, got shape "
                         f"{ints(x.shape)}")
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
