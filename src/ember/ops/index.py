"""Indexing (basic slices, integer arrays, boolean masks) with gradient scatter, and the
gather / scatter_add / index_select / masked_fill family.

The gradient of ``x[key]`` scatters the output gradient back into a zero tensor shaped
like ``x``, adding at repeated indices; that scatter's own gradient is ``g[key]`` again,
so indexing is differentiable to any order.
"""
import numbers

import numpy as np

from .. import backend
from ..autograd.function import Function
from ._util import Tensor, _wrap, _check_dim, shape_str
from ._util import to_tensor as _tensor
from .math import cast, where
from .shape import broadcast_to, pad



def _norm_key(key):
    """Turn tensors inside an index into arrays; report whether it is advanced indexing."""
    def conv(k):
        if isinstance(k, Tensor):
            return k.array
        if isinstance(k, list):
            return np.asarray([conv(v) if isinstance(v, Tensor) else v for v in k])
        return k
    if isinstance(key, tuple):
        key = tuple(conv(k) for k in key)
        parts = key
    else:
        key = conv(key)
        parts = (key,)
    advanced = any(not isinstance(k, (slice, type(None), type(Ellipsis), numbers.Integral))
                   for k in parts)
    for k in parts:
        if hasattr(k, "dtype") and k.dtype.kind == "f":
            raise IndexError("index: tensors used as indices must be integer or bool, got a floating tensor")
    return key, advanced


def _scatter_into_zeros(g_data, key, advanced, shape, dtype):
    xp = backend.get_array_module(g_data)
    if not advanced:
        z = xp.zeros(shape, dtype=dtype)
        z[key] = g_data
        return z
    size = int(np.prod(shape))
    lin = xp.arange(size).reshape(shape)[key]
    flat = xp.zeros(size, dtype=dtype)
    xp.add.at(flat, lin.reshape(-1), xp.broadcast_to(g_data, lin.shape).reshape(-1))
    return flat.reshape(shape)


class Getitem(Function):
    """``x[key]``; the gradient is scattered back into zeros shaped like x (added at
    repeated indices)."""

    @staticmethod
    def forward(ctx, x, k, advanced, key):
        ctx.key, ctx.advanced, ctx.in_shape = k, advanced, x.array.shape
        try:
            return x.array[k]
        except IndexError as e:
            raise IndexError(f"index {key!r} is invalid for a tensor of shape "
                             f"{shape_str(x.array.shape)}: {e}") from None

    @staticmethod
    def backward(ctx, g):
        return IndexScatter.apply(g, ctx.key, ctx.advanced, ctx.in_shape), None, None, None


def getitem(input, key):
    """``input[key]`` with NumPy/PyTorch indexing semantics."""
    k, advanced = _norm_key(key)
    return Getitem.apply(_tensor(input, "getitem"), k, advanced, key)


class IndexScatter(Function):
    """Zeros of ``shape`` with ``g`` added at ``key`` (the backward of indexing); its own
    gradient is indexing again."""

    @staticmethod
    def forward(ctx, g, key, advanced, shape):
        ctx.key, ctx.advanced = key, advanced
        return _scatter_into_zeros(g.array, key, advanced, shape, g.array.dtype)

    @staticmethod
    def backward(ctx, h):
        return Getitem.apply(h, ctx.key, ctx.advanced, ctx.key), None, None, None


class IndexPut(Function):
    """Out-of-place ``x[key] = v``: x's gradient is the output's with zeros at ``key``, v's
    is the output's gradient at ``key`` (summed back to v's shape)."""

    @staticmethod
    def forward(ctx, x, k, advanced, v, key):
        out = x.array.copy()
        try:
            out[k] = v.array
        except (IndexError, ValueError) as e:
            raise ValueError(f"index_put: cannot assign a value of shape {shape_str(v.array.shape)} to "
                             f"index {key!r} of a tensor of shape {shape_str(x.array.shape)}: {e}") from None
        if ctx.needs_input_grad[0]:
            keep = np.ones(x.array.shape, dtype=x.array.dtype)
            keep[k] = 0
            ctx.keep = keep
        ctx.key, ctx.advanced, ctx.v_ndim = k, advanced, v.array.ndim
        return out

    @staticmethod
    def backward(ctx, g):
        need_x, _, _, need_v, _ = ctx.needs_input_grad
        gv = None
        if need_v:
            gv = Getitem.apply(g, ctx.key, ctx.advanced, ctx.key)
            if gv.ndim < ctx.v_ndim:        # v had leading 1s that the assignment dropped
                gv = gv.reshape((1,) * (ctx.v_ndim - gv.ndim) + gv.shape)
        return g * _wrap(ctx.keep) if need_x else None, None, None, gv, None


def index_put(input, key, value):
    """Out-of-place ``input[key] = value`` (what ``x[key] = v`` records in the graph)."""
    x = _tensor(input, "index_put")
    k, advanced = _norm_key(key)
    v = value if isinstance(value, Tensor) else _wrap(np.asarray(value, dtype=x.array.dtype))
    return IndexPut.apply(x, k, advanced, v, key)


def _check_index(index, op):
    idx = index.array if isinstance(index, Tensor) else np.asarray(index)
    if idx.dtype.kind not in "iu":
        raise TypeError(f"{op}: index must be an integer tensor, got dtype {idx.dtype}")
    return idx


def _along_dim_index(idx, dim):
    """A full index tuple that addresses element (i0, .., idx[i], .., in) for every position."""
    parts = []
    for d in range(idx.ndim):
        if d == dim:
            parts.append(idx)
        else:
            shp = [1] * idx.ndim
            shp[d] = idx.shape[d]
            parts.append(np.arange(idx.shape[d]).reshape(shp))
    return tuple(parts)


class Gather(Function):
    """Pick along ``dim`` by ``index``; the gradient is scatter-added back."""

    @staticmethod
    def forward(ctx, x, dim, idx):
        ctx.in_shape, ctx.dim, ctx.index = x.array.shape, dim, idx
        return x.array[_along_dim_index(idx, dim)]

    @staticmethod
    def backward(ctx, g):
        zeros = _wrap(np.zeros(ctx.in_shape, dtype=g.array.dtype))
        return scatter_add(zeros, ctx.dim, ctx.index, g), None, None


def gather(input, dim, index):
    """out[i][j] = input[index[i][j]][j] for dim=0 (and so on): pick along ``dim`` by ``index``.
    ``index`` has the same number of dimensions; other sizes may be smaller than input's."""
    x = _tensor(input, "gather")
    idx = _check_index(index, "gather")
    d = _check_dim(dim, x.array.ndim, "gather")
    if idx.ndim != x.array.ndim:
        raise ValueError(f"gather: index has {idx.ndim} dimensions but input has {x.array.ndim} "
                         f"(shapes {shape_str(idx.shape)} and {shape_str(x.array.shape)})")
    for i, (a, b) in enumerate(zip(idx.shape, x.array.shape)):
        if i != d and a > b:
            raise ValueError(f"gather: index shape {shape_str(idx.shape)} is larger than input shape "
                             f"{shape_str(x.array.shape)} in dimension {i}")
    n = x.array.shape[d]
    if idx.size and (idx.min() < -n or idx.max() >= n):
        raise IndexError(f"gather: index values must be in [{-n}, {n}) for dim {dim} of size {n}")
    return Gather.apply(x, d, idx)


class ScatterAdd(Function):
    """out = x.clone(); out[index[i][j]][j] += src[i][j] (dim=0); x's gradient is the
    output's, src's is gathered back (zero outside index's extent)."""

    @staticmethod
    def forward(ctx, x, dim, idx, s):
        out = x.array.astype(np.result_type(x.array.dtype, s.array.dtype), copy=True)
        src_part = s.array[tuple(slice(0, n) for n in idx.shape)]
        backend.get_array_module(out).add.at(out, _along_dim_index(idx, dim), src_part)
        ctx.dim, ctx.index, ctx.src_shape = dim, idx, s.array.shape
        return out

    @staticmethod
    def backward(ctx, g):
        gs = None
        if ctx.needs_input_grad[3]:
            gs = gather(g, ctx.dim, ctx.index)
            if tuple(gs.array.shape) != ctx.src_shape:
                pads = []
                for a, b in zip(reversed(gs.array.shape), reversed(ctx.src_shape)):
                    pads += [0, b - a]
                gs = pad(gs, pads)
        return g, None, None, gs


def scatter_add(input, dim, index, src):
    """out = input.clone(); out[index[i][j]][j] += src[i][j] (dim=0), adding at repeats."""
    x = _tensor(input, "scatter_add")
    s = _tensor(src, "scatter_add", "src")
    idx = _check_index(index, "scatter_add")
    d = _check_dim(dim, x.array.ndim, "scatter_add")
    if idx.ndim != x.array.ndim or s.array.ndim != x.array.ndim:
        raise ValueError(f"scatter_add: input, index and src must have the same number of dimensions, "
                         f"got shapes {shape_str(x.array.shape)}, {shape_str(idx.shape)}, {shape_str(s.array.shape)}")
    for i, (a, b, c) in enumerate(zip(idx.shape, s.array.shape, x.array.shape)):
        if a > b or (i != d and a > c):
            raise ValueError(f"scatter_add: index shape {shape_str(idx.shape)} must not exceed src "
                             f"shape {shape_str(s.array.shape)} (or input's outside dim {dim})")
    return ScatterAdd.apply(x, d, idx, s)


def index_select(input, dim, index):
    """Select whole slices along ``dim`` by a 1-D integer ``index``."""
    x = _tensor(input, "index_select")
    idx = _check_index(index, "index_select")
    if idx.ndim > 1:
        raise ValueError(f"index_select: index must be 1-D, got shape {shape_str(idx.shape)}")
    d = _check_dim(dim, x.array.ndim, "index_select")
    return getitem(x, (slice(None),) * d + (idx.reshape(-1),))


def masked_fill(input, mask, value):
    """``value`` where ``mask`` is true, ``input`` elsewhere (mask broadcasts)."""
    x = _tensor(input, "masked_fill")
    m = mask.array if isinstance(mask, Tensor) else np.asarray(mask)
    if m.dtype != np.bool_:
        raise TypeError(f"masked_fill: mask must be a bool tensor, got dtype {m.dtype}")
    if isinstance(value, Tensor):
        value = cast(value, x.dtype)
    return where(_wrap(m), value, x)


def masked_select(input, mask):
    x = _tensor(input, "masked_select")
    m = mask.array if isinstance(mask, Tensor) else np.asarray(mask)
    shape = np.broadcast_shapes(x.array.shape, m.shape)
    return getitem(broadcast_to(x, shape), np.broadcast_to(m, shape))


def take_along_dim(input, indices, dim):
    return gather(input, dim, indices)


class _Triangle(Function):
    """The lower (``tril``) or upper (``triu``) triangle of the last two dimensions; the
    gradient is the output's gradient on the same triangle."""
    array_backward = True

    @staticmethod
    def forward(ctx, x, diagonal, upper):
        keep = np.triu if upper else np.tril
        ctx.mask = keep(np.ones(x.array.shape[-2:], dtype=bool), diagonal)
        return np.where(ctx.mask, x.array, np.zeros((), dtype=x.array.dtype))

    @staticmethod
    def backward(ctx, g):
        return g * ctx.mask, None, None


def _triangle(name, upper):
    def op(input, diagonal=0):
        x = _tensor(input, name)
        if x.ndim < 2:
            raise ValueError(f"{name}: input must have at least 2 dimensions, got shape {shape_str(x.shape)}")
        if not isinstance(diagonal, numbers.Integral):
            raise TypeError(f"{name}: diagonal must be an int, got {diagonal!r}")
        return _Triangle.apply(x, int(diagonal), upper)
    op.__name__ = op.__qualname__ = name
    op.__doc__ = (f"The {'upper' if upper else 'lower'} triangle of the last two dimensions, from the "
                  f"``diagonal``-th diagonal {'up' if upper else 'down'} (the rest zero).")
    return op


tril = _triangle("tril", upper=False)
triu = _triangle("triu", upper=True)


def nonzero(input, *, as_tuple=False):
    """Indices of the non-zero elements: an int64 ``(n, ndim)`` tensor, or with ``as_tuple``
    one index tensor per dimension."""
    x = _tensor(input, "nonzero")
    idx = np.nonzero(np.atleast_1d(x.array))
    if as_tuple:
        return tuple(_wrap(i.astype(np.int64)) for i in idx)
    return _wrap(np.stack(idx, axis=1).astype(np.int64) if x.ndim else np.zeros((int(bool(x.array)), 0), np.int64))
