"""Convolution: ``conv1d``, ``conv2d``, ``conv_transpose1d``, ``conv_transpose2d``.

Three Functions are closed under differentiation, so any order of derivative works:

* ``Conv(x, W)``   -> y;  dx = ConvT(g, W),  dW = ConvW(x, g)
* ``ConvT(g, W)``  (conv's input gradient, the transposed convolution, "multiply by C^T")
                   -> z;  dg = Conv(h, W),   dW = ConvW(h, g)
* ``ConvW(x, g)``  (conv's weight gradient)
                   -> V;  dx = ConvT(g, H),  dg = Conv(x, H)

Each gradient formula is written once, with these Functions, so the backward is itself
differentiable when recorded (``create_graph=True``). Their forwards are the NumPy kernels
of :mod:`ember.ops._im2col` (im2col and one matmul; the layouts and timings are there).
Two things keep the plain backward as fast and as lean as the kernels allow: ``Conv``
keeps its ``cols`` (the im2col matrix) for the weight gradient and drops them before the
input gradient allocates its own, and the input gradient comes back in the input's memory
layout.

    >>> import ember
    >>> from ember.nn.functional import conv2d
    >>> conv2d(ember.ones(1, 1, 3, 3), ember.ones(1, 1, 2, 2)).tolist()
    [[[[4.0, 4.0], [4.0, 4.0]]]]
"""
import numbers

import numpy as np

from ..autograd.function import Function
from ._im2col import _Geom, _conv_fwd, _conv_input_grad, _conv_weight_grad, _like
from ._util import require_tensor
from .linalg import Einsum


# ---------------------------------------------------------------------------------------
# geometry
# ---------------------------------------------------------------------------------------
def _pair(v, name, op, n=2):
    if isinstance(v, numbers.Integral):
        return (int(v),) * n
    v = tuple(int(a) for a in v)
    if len(v) != n:
        raise ValueError(f"{op}: {name}={v} must be an int or a tuple of {n} ints")
    return v


def _geom(op, x_shape, w_shape, stride, padding, dilation, groups):
    stride = _pair(stride, "stride", op)
    dilation = _pair(dilation, "dilation", op)
    if min(stride) < 1 or min(dilation) < 1:
        raise ValueError(f"{op}: stride={stride} and dilation={dilation} must be positive")
    k = w_shape[2:]
    if isinstance(padding, str):
        if padding == "valid":
            pads = ((0, 0), (0, 0))
        elif padding == "same":
            if stride != (1, 1):
                raise ValueError(f"{op}: padding='same' needs stride 1, got stride={stride}")
            tot = [d * (kk - 1) for d, kk in zip(dilation, k)]
            pads = tuple((t // 2, t - t // 2) for t in tot)      # extra on the bottom/right, like torch
        else:
            raise ValueError(f"{op}: padding={padding!r} must be an int, a tuple, 'same' or 'valid'")
    else:
        p = _pair(padding, "padding", op)
        if min(p) < 0:
            raise ValueError(f"{op}: padding={p} must be non-negative")
        pads = tuple((a, a) for a in p)
    return _Geom(stride, dilation, pads, groups)


def _check_input(op, x, w, groups, transposed=False):
    if x.ndim != 4:
        raise ValueError(f"{op}: expected a 4-D input (N, C, H, W), got shape {tuple(x.shape)}")
    if w.ndim != 4:
        raise ValueError(f"{op}: expected a 4-D weight, got shape {tuple(w.shape)}")
    if not isinstance(groups, numbers.Integral) or groups < 1:
        raise ValueError(f"{op}: groups={groups!r} must be a positive int")
    C = x.shape[1]
    if transposed:
        if w.shape[0] != C:
            raise ValueError(f"{op}: input has {C} channels but weight of shape {tuple(w.shape)} expects "
                             f"{w.shape[0]} (weight is (in_channels, out_channels / groups, kH, kW))")
        if C % groups:
            raise ValueError(f"{op}: groups={groups} does not divide the {C} input channels")
    else:
        if w.shape[0] % groups:
            raise ValueError(f"{op}: groups={groups} does not divide the {w.shape[0]} output channels")
        if C != w.shape[1] * groups:
            raise ValueError(f"{op}: input has {C} channels but weight of shape {tuple(w.shape)} with "
                             f"groups={groups} expects {w.shape[1] * groups}")


# ---------------------------------------------------------------------------------------
# the three differentiable primitives
# ---------------------------------------------------------------------------------------
class Conv(Function):
    """y = conv(x, W) + b (cross-correlation, groups, strides, dilations, paddings in
    ``geom``); ``out_hw`` (at most the natural size) keeps only the first output rows and
    columns, which ConvT's gradient needs when output_padding reaches past the last full
    stride. dx = ConvT(g, W), dW = ConvW(x, g), db = sum of g over (N, H, W)."""

    @staticmethod
    def forward(ctx, x, w, b, geom, out_hw=None):
        xd, wd = x.array, w.array
        if xd.dtype != wd.dtype:
            raise TypeError(f"conv2d: input dtype {xd.dtype} and weight dtype {wd.dtype} differ")
        out, cols = _conv_fwd(xd, wd, geom, out_hw=out_hw)
        if b is not None:
            bd = b.array.reshape(1, -1, 1, 1)
            if bd.dtype == out.dtype:
                np.add(out, bd, out=out)          # out is a fresh array (or a view of one): no copy
            else:
                out = out + bd
        ctx.save_for_backward(x, w)
        ctx.geom = geom
        # kept for the weight gradient (None where the kernel rebuilds them chunk by chunk)
        ctx.cols = cols if ctx.needs_input_grad[1] else None
        return out

    @staticmethod
    def backward(ctx, g):
        x, w = ctx.saved_tensors
        need_x, need_w, need_b = ctx.needs_input_grad[:3]
        geom = ctx.geom
        # einsum: fast in any layout (a channels-last g.sum((0, 2, 3)) is 3x slower)
        gb = Einsum.apply(["nchw"], "c", g) if need_b else None
        # the weight gradient first, from the forward's cols; they are dropped before the
        # input gradient allocates its own (VGG-small's 32x32x32 layer: 75 MiB less at the
        # peak); a second backward (retain_graph=True) recomputes them
        gw = ConvW.apply(x, g, w.array.shape, geom, ctx.cols) if need_w else None
        ctx.cols = None
        gx = ConvT.apply(g, w, x.array.shape, geom, x.array) if need_x else None
        return gx, gw, gb, None, None

    def release(self):
        super().release()
        self.cols = None


class ConvT(Function):
    """z = conv_T(g, W): the transposed convolution of g (N, O, OH, OW) by W (O, Cg, kh, kw)
    onto ``x_shape`` (conv's input gradient); optionally in the memory layout of the array
    ``like``. dg = Conv(h, W), dW = ConvW(h, g)."""

    @staticmethod
    def forward(ctx, g, w, x_shape, geom, like=None):
        ctx.save_for_backward(g, w)
        ctx.geom = geom
        out = _conv_input_grad(g.array, w.array, tuple(x_shape), geom)
        return out if like is None else _like(out, like)

    @staticmethod
    def backward(ctx, h):
        g, w = ctx.saved_tensors
        need_g, need_w = ctx.needs_input_grad[:2]
        geom = ctx.geom
        return (Conv.apply(h, w, None, geom, g.array.shape[2:]) if need_g else None,
                ConvW.apply(h, g, w.array.shape, geom) if need_w else None, None, None, None)


class ConvW(Function):
    """V = conv_W(x, g): conv's weight gradient, of shape ``w_shape``, the sum over images
    and output pixels of g (x) receptive field; ``cols`` are the forward's im2col of x when
    kept. dx = ConvT(g, H), dg = Conv(x, H)."""

    @staticmethod
    def forward(ctx, x, g, w_shape, geom, cols=None):
        ctx.save_for_backward(x, g)
        ctx.geom = geom
        return _conv_weight_grad(x.array, g.array, tuple(w_shape), geom, cols)

    @staticmethod
    def backward(ctx, H):
        x, g = ctx.saved_tensors
        need_x, need_g = ctx.needs_input_grad[:2]
        geom = ctx.geom
        return (ConvT.apply(g, H, x.array.shape, geom) if need_x else None,
                Conv.apply(x, H, None, geom, g.array.shape[2:]) if need_g else None, None, None, None)


# ---------------------------------------------------------------------------------------
# public functional API (torch's signatures)
# ---------------------------------------------------------------------------------------
def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """2-D convolution (cross-correlation, like torch) of (N, C, H, W) input with weight
    (O, C / groups, kH, kW): out[n, o] = b[o] + sum_{c, i, j} W[o, c, i, j] x[n, c, s*y + d*i, s*x + d*j].
    ``padding`` is an int, a pair, 'same' or 'valid'; ``groups`` splits channels into
    independent groups (groups = C gives a depthwise convolution)."""
    x, w = require_tensor(input, "conv2d", "input"), require_tensor(weight, "conv2d", "weight")
    _check_input("conv2d", x, w, groups)
    geom = _geom("conv2d", x.shape, w.shape, stride, padding, dilation, groups)
    if bias is not None and tuple(bias.shape) != (w.shape[0],):
        raise ValueError(f"conv2d: bias shape {tuple(bias.shape)} must be ({w.shape[0]},)")
    k = w.shape[2:]
    padded = tuple(n + p0 + p1 for n, (p0, p1) in zip(x.shape[2:], geom.pads))
    eff = tuple(d * (kk - 1) + 1 for d, kk in zip(geom.dilation, k))
    if any(e > p for e, p in zip(eff, padded)):
        raise ValueError(f"conv2d: kernel size {tuple(k)} (dilated to {eff}) is larger than the padded "
                         f"input {padded} (input shape {tuple(x.shape)})")
    return Conv.apply(x, w, bias, geom)


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """1-D convolution of (N, C, L) input with weight (O, C / groups, k) (e.g. n-gram filters
    over a sequence of embeddings), computed as a 2-D convolution of height 1."""
    x, w = require_tensor(input, "conv1d", "input"), require_tensor(weight, "conv1d", "weight")
    if x.ndim != 3:
        raise ValueError(f"conv1d: expected a 3-D input (N, C, L), got shape {tuple(x.shape)}")
    if w.ndim != 3:
        raise ValueError(f"conv1d: expected a 3-D weight (O, C / groups, k), got shape {tuple(w.shape)}")
    pad = padding if isinstance(padding, str) else (0, _pair(padding, "padding", "conv1d", 1)[0])
    out = conv2d(x.unsqueeze(2), w.unsqueeze(2), bias, (1, _pair(stride, "stride", "conv1d", 1)[0]), pad,
                 (1, _pair(dilation, "dilation", "conv1d", 1)[0]), groups)
    return out.squeeze(2)


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    """Transposed convolution: multiplication by C^T, where C is the matrix of the
    convolution with the same weight, stride, padding and dilation. It is exactly the
    gradient of ``conv2d`` with respect to its input, so it maps a conv's output size back
    to its input size: H_out = (H_in - 1) * stride - 2 * padding + dilation * (kH - 1) +
    output_padding + 1. Weight shape: (C_in, C_out / groups, kH, kW)."""
    x, w = require_tensor(input, "conv_transpose2d", "input"), require_tensor(weight, "conv_transpose2d", "weight")
    _check_input("conv_transpose2d", x, w, groups, transposed=True)
    stride_t = _pair(stride, "stride", "conv_transpose2d")
    pad_t = _pair(padding, "padding", "conv_transpose2d")
    dil_t = _pair(dilation, "dilation", "conv_transpose2d")
    op_t = _pair(output_padding, "output_padding", "conv_transpose2d")
    for o, s, d in zip(op_t, stride_t, dil_t):
        if not 0 <= o < max(s, d):
            raise ValueError(f"conv_transpose2d: output_padding={op_t} must be smaller than stride or dilation "
                             f"({stride_t}, {dil_t})")
    geom = _geom("conv_transpose2d", None, w.shape, stride_t, pad_t, dil_t, groups)
    k = w.shape[2:]
    out_hw = tuple((n - 1) * s - 2 * p + d * (kk - 1) + o + 1
                   for n, s, p, d, kk, o in zip(x.shape[2:], stride_t, pad_t, dil_t, k, op_t))
    if min(out_hw) < 1:
        raise ValueError(f"conv_transpose2d: output size {out_hw} is not positive for input {tuple(x.shape)}")
    C_out = w.shape[1] * groups
    # conv_T with w seen as a conv weight (O = C_in, Cg = C_out / groups)
    out = ConvT.apply(x, w, (x.shape[0], C_out) + out_hw, geom)
    if bias is not None:
        if tuple(bias.shape) != (C_out,):
            raise ValueError(f"conv_transpose2d: bias shape {tuple(bias.shape)} must be ({C_out},)")
        out = out + bias.reshape(1, -1, 1, 1)
    return out


def conv_transpose1d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    x, w = require_tensor(input, "conv_transpose1d", "input"), require_tensor(weight, "conv_transpose1d", "weight")
    if x.ndim != 3 or w.ndim != 3:
        raise ValueError(f"conv_transpose1d: expected 3-D input and weight, got {tuple(x.shape)} and {tuple(w.shape)}")
    one = lambda v, n: (0 if n == "p" else 1, _pair(v, n, "conv_transpose1d", 1)[0])  # noqa: E731
    out = conv_transpose2d(x.unsqueeze(2), w.unsqueeze(2), bias, one(stride, "s"), one(padding, "p"),
                           (0, _pair(output_padding, "output_padding", "conv_transpose1d", 1)[0]), groups,
                           one(dilation, "d"))
    return out.squeeze(2)
