"""Resampling: ``interpolate`` (torch.nn.functional's nearest, nearest-exact, linear and
bilinear modes, with torch's exact index rules).

Linear modes are separable linear maps, ``out = A_h @ x @ A_w^T`` with small constant
weight matrices, written with ember's ``matmul`` so every derivative comes for free.
Nearest modes gather (:class:`NearestResize`); the gradient adds each output gradient into
its source pixel, again as products with constant one-hot matrices.

    >>> import ember
    >>> x = ember.tensor([[[[1.0, 2.0], [3.0, 4.0]]]])
    >>> interpolate(x, scale_factor=2).tolist()[0][0][0]
    [1.0, 1.0, 2.0, 2.0]
"""
import math
import numbers

import numpy as np

from ..autograd.function import Function
from ._util import _wrap
from ._window import float_input, ints
from .linalg import matmul

__all__ = ["interpolate", "MODES"]

MODES = ("nearest", "nearest-exact", "linear", "bilinear")


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


def _one_hot_rows(idx, in_size, dtype):
    m = np.zeros((idx.size, in_size), dtype=dtype)
    m[np.arange(idx.size), idx] = 1
    return m


class NearestResize(Function):
    """``x`` read at source indices ``idx`` (one array per spatial axis, the last one last).
    The gradient sums the output gradient into the source pixels: ``g @ M_w`` (and
    ``M_h^T @ .`` for 2-D) with one-hot (out, in) matrices, written with ``matmul`` so it
    is differentiable again."""

    @staticmethod
    def forward(ctx, x, idx):
        xd = x.array
        out = xd.take(idx[-1], axis=-1)
        if len(idx) == 2:
            out = out.take(idx[0], axis=2)
        if ctx.needs_input_grad[0]:
            in_sizes = xd.shape[2:]
            ctx.mw = _wrap(_one_hot_rows(idx[-1], in_sizes[-1], xd.dtype))
            ctx.mh_t = _wrap(np.ascontiguousarray(_one_hot_rows(idx[0], in_sizes[0], xd.dtype).T)) \
                if len(idx) == 2 else None
        return out

    @staticmethod
    def backward(ctx, g):
        y = matmul(g, ctx.mw)
        if ctx.mh_t is not None:
            y = matmul(ctx.mh_t, y)
        return y, None


def _output_sizes(x, size, scale_factor, recompute_scale_factor):
    """The output's spatial sizes and the per-axis scales the index rules use (None: in/out)."""
    nd = x.ndim - 2
    in_sizes = ints(x.shape)[2:]
    if (size is None) == (scale_factor is None):
        raise ValueError("interpolate: exactly one of size and scale_factor must be given, got "
                         f"size={size!r} and scale_factor={scale_factor!r}")
    if size is not None:
        sizes = (size,) * nd if isinstance(size, numbers.Integral) else tuple(size)
        if len(sizes) != nd or not all(isinstance(v, numbers.Integral) and not isinstance(v, bool) and v > 0
                                       for v in sizes):
            raise ValueError(f"interpolate: size={size!r} must be a positive int or {nd} positive ints "
                             f"for an input of shape {ints(x.shape)}")
        return tuple(int(v) for v in sizes), (None,) * nd
    sf = (scale_factor,) * nd if isinstance(scale_factor, numbers.Real) else tuple(scale_factor)
    if len(sf) != nd or not all(isinstance(v, numbers.Real) and math.isfinite(v) and v > 0 for v in sf):
        raise ValueError(f"interpolate: scale_factor={scale_factor!r} must be a positive number or "
                         f"{nd} positive numbers for an input of shape {ints(x.shape)}")
    out_sizes = tuple(int(math.floor(float(L) * float(f))) for L, f in zip(in_sizes, sf))
    if any(o < 1 for o in out_sizes):
        raise ValueError(f"interpolate: scale_factor={scale_factor!r} gives an empty output "
                         f"{out_sizes} for input spatial size {in_sizes}")
    return out_sizes, (None,) * nd if recompute_scale_factor else tuple(float(v) for v in sf)


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
    x = float_input(input, "interpolate")
    if mode not in MODES:
        raise ValueError(f"interpolate: mode={mode!r} must be one of {MODES}")
    if antialias:
        raise NotImplementedError("interpolate: antialias=True is not supported")
    if x.ndim not in (3, 4):
        raise ValueError(f"interpolate: expected a 3-D (N, C, L) or 4-D (N, C, H, W) input, got "
                         f"shape {ints(x.shape)}")
    if mode == "linear" and x.ndim != 3:
        raise ValueError(f"interpolate: mode='linear' needs a 3-D input, got shape {ints(x.shape)}")
    if mode == "bilinear" and x.ndim != 4:
        raise ValueError(f"interpolate: mode='bilinear' needs a 4-D input, got shape {ints(x.shape)}")
    linear = mode in ("linear", "bilinear")
    if align_corners is not None and not linear:
        raise ValueError(f"interpolate: align_corners={align_corners!r} can only be set with the "
                         f"interpolating modes 'linear' and 'bilinear', not mode={mode!r}")
    align_corners = bool(align_corners) if align_corners is not None else False
    in_sizes = ints(x.shape)[2:]
    out_sizes, scales = _output_sizes(x, size, scale_factor, recompute_scale_factor)
    if linear:
        mats = [_linear_matrix(L, o, s, align_corners, x.dtype) for L, o, s in zip(in_sizes, out_sizes, scales)]
        y = matmul(x, _wrap(np.ascontiguousarray(mats[-1].T)))
        if len(mats) == 2:
            y = matmul(_wrap(mats[0]), y)
        return y
    exact = mode == "nearest-exact"
    idx = tuple(_src_nearest(L, o, s, exact) for L, o, s in zip(in_sizes, out_sizes, scales))
    return NearestResize.apply(x, idx)
