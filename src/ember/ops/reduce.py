"""Reductions (sum, mean, var, std, prod, max/min, amax/amin, argmax/argmin, logsumexp),
softmax and log-softmax (numerically stable), and cumsum. ``dim`` takes an int, a tuple
or None (all dimensions); ``keepdim`` keeps reduced dimensions with size 1.
"""
import builtins
from collections import namedtuple

import numpy as np

from ..autograd.function import Function
from ._util import Tensor, _wrap, norm_dims, _check_dim, get_default_dtype
from ._util import to_tensor as _tensor
from .math import abs as _abs, cast, exp, maximum, minimum, sqrt
from .shape import broadcast_to, flip, reshape, squeeze
from .index import gather



def _expand_back(g, in_shape, dims, keepdim):
    """Reshape a reduced gradient so it broadcasts against the input, then expand it."""
    if not keepdim:
        g = reshape(g, tuple(1 if i in dims else s for i, s in enumerate(in_shape)))
    return broadcast_to(g, in_shape)


class Sum(Function):
    """Sum over ``dims``; the gradient broadcasts back over the summed dimensions."""

    @staticmethod
    def forward(ctx, x, dims, keepdim, dtype):
        ctx.in_shape, ctx.dims, ctx.keepdim = x.array.shape, dims, keepdim
        return x.array.sum(axis=dims, keepdims=keepdim, dtype=dtype)

    @staticmethod
    def backward(ctx, g):
        return _expand_back(g, ctx.in_shape, ctx.dims, ctx.keepdim), None, None, None


def sum(input, dim=None, keepdim=False, dtype=None):
    """Sum over ``dim``; the gradient broadcasts back over the summed dimensions."""
    x = _tensor(input, "sum")
    data = x.array
    if dtype is None and data.dtype.kind in "bi" and data.dtype != np.int64:
        dtype = np.int64
    return Sum.apply(x, norm_dims(dim, data.ndim, "sum"), keepdim, dtype)


class Mean(Function):
    """Arithmetic mean over ``dims``; the gradient is spread evenly over them."""

    @staticmethod
    def forward(ctx, x, dims, keepdim, dtype):
        data = x.array
        ctx.in_shape, ctx.dims, ctx.keepdim = data.shape, dims, keepdim
        ctx.count = builtins.max(int(np.prod([data.shape[d] for d in dims])), 1)
        return data.mean(axis=dims, keepdims=keepdim, dtype=dtype)

    @staticmethod
    def backward(ctx, g):
        return _expand_back(g, ctx.in_shape, ctx.dims, ctx.keepdim) * (1.0 / ctx.count), None, None, None


def mean(input, dim=None, keepdim=False, dtype=None):
    """Arithmetic mean over ``dim``."""
    x = _tensor(input, "mean")
    if x.array.dtype.kind not in "fc" and dtype is None:
        raise TypeError(f"mean: input dtype {x.array.dtype} is not floating; pass dtype= or convert with .float()")
    return Mean.apply(x, norm_dims(dim, x.array.ndim, "mean"), keepdim, dtype)


def var(input, dim=None, *, correction=1, keepdim=False, unbiased=None):
    """Variance sum((x - mean)^2) / (N - correction); ``correction=1`` is Bessel's (torch's default)."""
    x = _tensor(input, "var")
    if unbiased is not None:
        correction = 1 if unbiased else 0
    dims = norm_dims(dim, x.array.ndim, "var")
    n = int(np.prod([x.array.shape[d] for d in dims]))
    centred = x - mean(x, dims, keepdim=True)
    return sum(centred * centred, dims, keepdim=keepdim) / builtins.max(n - correction, 0)


def std(input, dim=None, *, correction=1, keepdim=False, unbiased=None):
    """Standard deviation, the square root of :func:`var`."""
    return sqrt(var(input, dim, correction=correction, keepdim=keepdim, unbiased=unbiased))


def var_mean(input, dim=None, *, correction=1, keepdim=False):
    return var(input, dim, correction=correction, keepdim=keepdim), mean(input, dim, keepdim=keepdim)


class Prod(Function):
    """Product over ``dims``; d prod / d x_i = prod / x_i, or the product of the others where
    x has zeros (first derivatives only there)."""

    @staticmethod
    def forward(ctx, x, dims, keepdim, dtype):
        out = x.array.prod(axis=dims, keepdims=keepdim, dtype=dtype)
        ctx.save_for_backward(x, out)
        ctx.dims, ctx.keepdim = dims, keepdim
        return out

    @staticmethod
    def backward(ctx, g):
        x, out = ctx.saved_tensors
        ge = _expand_back(g, x.array.shape, ctx.dims, ctx.keepdim)
        if not np.any(x.array == 0):
            return ge * _expand_back(out, x.array.shape, ctx.dims, ctx.keepdim) / x, None, None, None
        # with zeros, d prod / d x_i is the product of the others: exclusive cumulative
        # products from both sides
        return ge * _wrap(_prod_of_others(x.array, ctx.dims)), None, None, None


def _prod_of_others(a, dims):
    moved = np.moveaxis(a, dims, tuple(range(a.ndim - len(dims), a.ndim)))
    lead = moved.shape[: a.ndim - len(dims)]
    flat = moved.reshape(lead + (-1,))
    ones = np.ones(lead + (1,), dtype=a.dtype)
    left = np.cumprod(np.concatenate([ones, flat[..., :-1]], axis=-1), axis=-1)
    right = np.flip(np.cumprod(np.flip(np.concatenate([flat[..., 1:], ones], axis=-1), -1), axis=-1), -1)
    res = (left * right).reshape(moved.shape)
    return np.moveaxis(res, tuple(range(a.ndim - len(dims), a.ndim)), dims)


def prod(input, dim=None, keepdim=False, dtype=None):
    """Product over ``dim`` (a single dim or all)."""
    x = _tensor(input, "prod")
    return Prod.apply(x, norm_dims(dim, x.array.ndim, "prod"), keepdim, dtype)


class Amax(Function):
    """The extreme value over ``dims`` (``reducer`` np.max or np.min); the gradient is split
    evenly between tied extremes (torch's rule)."""

    @staticmethod
    def forward(ctx, x, dims, keepdim, reducer):
        data = x.array
        out_k = reducer(data, axis=dims, keepdims=True)
        if ctx.needs_input_grad[0]:
            mask = (data == out_k).astype(data.dtype)
            ctx.weight = mask / mask.sum(axis=dims, keepdims=True)
            ctx.in_shape, ctx.dims, ctx.keepdim = data.shape, dims, keepdim
        return out_k if keepdim else out_k.reshape([s for i, s in enumerate(data.shape) if i not in dims])

    @staticmethod
    def backward(ctx, g):
        return _expand_back(g, ctx.in_shape, ctx.dims, ctx.keepdim) * _wrap(ctx.weight), None, None, None


def _amax(name, reducer):
    def op(input, dim=None, keepdim=False):
        x = _tensor(input, name)
        data = x.array
        if data.size == 0:
            raise RuntimeError(f"{name}: cannot reduce an empty tensor of shape {tuple(data.shape)}")
        return Amax.apply(x, norm_dims(dim, data.ndim, name), keepdim, reducer)
    op.__name__ = op.__qualname__ = name
    op.__doc__ = (f"The {'largest' if name == 'amax' else 'smallest'} value over ``dim``; the "
                  f"gradient is split evenly between ties.")
    return op


amax = _amax("amax", np.max)
amin = _amax("amin", np.min)

MaxResult = namedtuple("max", ["values", "indices"])
MinResult = namedtuple("min", ["values", "indices"])


def _max_min(name, amaxf, argf, result):
    def op(input, dim=None, keepdim=False, *, other=None):
        if isinstance(dim, Tensor):      # torch.max(a, b): element-wise
            return (maximum if name == "max" else minimum)(input, dim)
        x = _tensor(input, name)
        if dim is None:
            return amaxf(x)
        d = _check_dim(dim, x.array.ndim, name)
        idx = argf(x, d, keepdim=True)
        values = gather(x, d, idx) if x.array.ndim else x
        if not keepdim and x.array.ndim:
            values, idx = squeeze(values, d), squeeze(idx, d)
        return result(values, idx)
    op.__name__ = op.__qualname__ = name
    op.__doc__ = (f"``{name}(x)``: the {name}imum element; ``{name}(x, dim)``: (values, indices) "
                  f"along ``dim``, the gradient going to the selected index; ``{name}(a, b)``: element-wise.")
    return op


def _arg(name, func):
    def op(input, dim=None, keepdim=False):
        x = _tensor(input, name)
        if dim is None:
            out = np.asarray(func(x.array.reshape(-1)))
            if keepdim:
                out = out.reshape((1,) * x.array.ndim)
            return _wrap(out.astype(np.int64))
        d = _check_dim(dim, x.array.ndim, name)
        if x.array.ndim == 0:
            return _wrap(np.asarray(0, dtype=np.int64))
        out = func(x.array, axis=d)
        if keepdim:
            out = np.expand_dims(out, d)
        return _wrap(out.astype(np.int64))
    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"Index of the {name[3:]}imum (first one at ties), over all elements or along ``dim``."
    return op


argmax = _arg("argmax", np.argmax)
argmin = _arg("argmin", np.argmin)
max = _max_min("max", amax, argmax, MaxResult)
min = _max_min("min", amin, argmin, MinResult)


def _stable_lse(data, dims):
    m = np.max(data, axis=dims, keepdims=True)
    m = np.where(np.isfinite(m), m, 0)
    return np.log(np.sum(np.exp(data - m), axis=dims, keepdims=True)) + m


class Logsumexp(Function):
    """log(sum(exp(x))) over ``dims``; its gradient is softmax: exp(x - lse)."""

    @staticmethod
    def forward(ctx, x, dims, keepdim):
        out = _stable_lse(x.array, dims)
        if not keepdim:
            out = out.reshape([s for i, s in enumerate(x.array.shape) if i not in dims])
        ctx.save_for_backward(x, out)
        ctx.dims, ctx.keepdim = dims, keepdim
        return out

    @staticmethod
    def backward(ctx, g):
        x, out = ctx.saved_tensors
        shape = x.array.shape
        lse = _expand_back(out, shape, ctx.dims, ctx.keepdim)
        return _expand_back(g, shape, ctx.dims, ctx.keepdim) * exp(x - lse), None, None


def logsumexp(input, dim, keepdim=False):
    """log(sum(exp(x))) computed stably (the maximum is subtracted first); its gradient is softmax."""
    x = _tensor(input, "logsumexp")
    return Logsumexp.apply(x, norm_dims(dim, x.array.ndim, "logsumexp"), keepdim)


def _softmax_array(data, d):
    e = np.exp(data - np.max(data, axis=d, keepdims=True))
    e /= np.sum(e, axis=d, keepdims=True)
    return e


class Softmax(Function):
    """softmax along ``dim``; backward: y * (g - sum(g * y))."""

    @staticmethod
    def forward(ctx, x, dim):
        data = x.array if x.array.dtype.kind == "f" else x.array.astype(get_default_dtype())
        y = _softmax_array(data, dim)
        ctx.save_for_backward(y)
        ctx.dim = dim
        return y

    @staticmethod
    def backward(ctx, g):
        y, = ctx.saved_tensors
        return y * (g - sum(g * y, ctx.dim, keepdim=True)), None


def softmax(input, dim, dtype=None):
    """softmax(x)_i = exp(x_i - max x) / sum_j exp(x_j - max x) along ``dim`` (stable for
    large logits). Backward: y * (g - sum(g * y))."""
    x = _tensor(input, "softmax")
    if dtype is not None:
        x = cast(x, dtype)
    return Softmax.apply(x, _check_dim(dim, x.array.ndim, "softmax"))


class LogSoftmax(Function):
    """x - logsumexp(x) along ``dim``; backward: g - softmax * sum(g)."""

    @staticmethod
    def forward(ctx, x, dim):
        data = x.array if x.array.dtype.kind == "f" else x.array.astype(get_default_dtype())
        y = data - _stable_lse(data, (dim,))
        ctx.save_for_backward(y)
        ctx.dim = dim
        return y

    @staticmethod
    def backward(ctx, g):
        y, = ctx.saved_tensors
        return g - exp(y) * sum(g, ctx.dim, keepdim=True), None


def log_softmax(input, dim, dtype=None):
    """log(softmax(x)) = x - logsumexp(x), computed stably. Backward: g - softmax * sum(g)."""
    x = _tensor(input, "log_softmax")
    if dtype is not None:
        x = cast(x, dtype)
    return LogSoftmax.apply(x, _check_dim(dim, x.array.ndim, "log_softmax"))


class Cumsum(Function):
    """Cumulative sum along ``dim``; the gradient is the reversed cumulative sum."""

    @staticmethod
    def forward(ctx, x, dim, dtype):
        ctx.dim = dim
        return np.cumsum(x.array, axis=dim, dtype=dtype) if x.array.ndim else x.array.copy()

    @staticmethod
    def backward(ctx, g):
        return flip(cumsum(flip(g, (ctx.dim,)), ctx.dim), (ctx.dim,)), None, None


def cumsum(input, dim, dtype=None):
    """Cumulative sum along ``dim``; the gradient is the reversed cumulative sum."""
    x = _tensor(input, "cumsum")
    return Cumsum.apply(x, _check_dim(dim, x.array.ndim, "cumsum"), dtype)


def any(input, dim=None, keepdim=False):
    x = _tensor(input, "any")
    return _wrap(np.any(x.array, axis=norm_dims(dim, x.array.ndim, "any"), keepdims=keepdim))


def all(input, dim=None, keepdim=False):
    x = _tensor(input, "all")
    return _wrap(np.all(x.array, axis=norm_dims(dim, x.array.ndim, "all"), keepdims=keepdim))


def norm(input, p=2, dim=None, keepdim=False):
    """Vector p-norm over ``dim`` (all elements by default): (sum |x|^p)^(1/p); p=inf is max |x|."""
    x = _tensor(input, "norm")
    if p == 2:
        return sqrt(sum(x * x, dim, keepdim=keepdim))
    if p == 1:
        return sum(_abs(x), dim, keepdim=keepdim)
    if p == float("inf"):
        return amax(_abs(x), dim, keepdim=keepdim)
    if p == 0:
        return sum((x != 0).to(x.dtype), dim, keepdim=keepdim)
    return sum(_abs(x) ** p, dim, keepdim=keepdim) ** (1.0 / p)
