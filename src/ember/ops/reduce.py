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
from .math import abs as _abs, cast, exp, maximum, minimum, sign, sqrt, where
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
    if x.array.dtype.kind not in "fc":
        raise TypeError(f"var: input dtype {x.array.dtype} is not floating; convert it with .float()")
    if unbiased is not None:
        correction = 1 if unbiased else 0
    dims = norm_dims(dim, x.array.ndim, "var")
    n = int(np.prod([x.array.shape[d] for d in dims]))
    centred = x - mean(x, dims, keepdim=True)
    return sum(centred * centred, dims, keepdim=keepdim) / builtins.max(n - correction, 0)


class _SqrtZeroGrad(Function):
    """sqrt whose gradient is 0 (not inf or NaN) where the output is 0: torch's derivative of
    ``std`` and ``norm`` at a constant (zero) input, where sqrt's own 1/(2 sqrt) is infinite."""

    @staticmethod
    def forward(ctx, x):
        y = np.sqrt(x.array)
        ctx.save_for_backward(x)
        ctx.zero = y == 0
        return y

    @staticmethod
    def backward(ctx, g):
        x, = ctx.saved_tensors
        return _masked_div(g, sqrt(x) * 2, ctx.zero)


def _masked_div(num, den, zero):
    """num / den, and 0 where ``zero`` (den is replaced by 1 there first, so neither the value
    nor a second derivative sees 0/0)."""
    if not zero.any():
        return num / den
    z = _wrap(zero)
    return where(z, 0.0, num / where(z, 1.0, den))


def std(input, dim=None, *, correction=1, keepdim=False, unbiased=None):
    """Standard deviation, the square root of :func:`var`; its gradient is 0 where it is 0
    (a constant input), as torch's."""
    return _SqrtZeroGrad.apply(var(input, dim, correction=correction, keepdim=keepdim, unbiased=unbiased))


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
        dims = norm_dims(dim, data.ndim, name)
        _check_nonempty(data, dims, name)
        return Amax.apply(x, dims, keepdim, reducer)
    op.__name__ = op.__qualname__ = name
    op.__doc__ = (f"The {'largest' if name == 'amax' else 'smallest'} value over ``dim``; the "
                  f"gradient is split evenly between ties.")
    return op


def _check_nonempty(data, dims, name):
    """max/min/argmax have no identity: torch refuses to reduce a dimension of size 0; complex
    numbers have no order."""
    if data.dtype.kind == "c":
        raise TypeError(f"{name}: complex tensors have no order, got dtype {data.dtype}")
    empty = [d for d in (dims if data.ndim else ()) if data.shape[d] == 0]
    if empty or (data.size == 0 and not data.ndim):
        raise IndexError(f"{name}: cannot reduce dim {empty[0] if empty else None} of size 0 "
                         f"(input shape {tuple(data.shape)}); the extreme of no values is undefined")


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
        _check_nonempty(x.array, (d,), name)
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
        _check_nonempty(x.array, tuple(range(x.array.ndim)) if dim is None else
                        (_check_dim(dim, x.array.ndim, name),), name)
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


def _shifted_log_sum(data, dims):
    """(m, log sum exp(x - m)) with m the finite maximum over ``dims`` (0 when there is none,
    e.g. over an empty dimension, where the sum is 0 and its log -inf, as torch gives)."""
    m = np.max(data, axis=dims, keepdims=True, initial=-np.inf)
    m = np.where(np.isfinite(m), m, 0).astype(data.dtype, copy=False)
    with np.errstate(divide="ignore"):
        return m, np.log(np.sum(np.exp(data - m), axis=dims, keepdims=True))


def _stable_lse(data, dims):
    m, log_sum = _shifted_log_sum(data, dims)
    return log_sum + m


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
    """log(sum(exp(x))) computed stably (the maximum is subtracted first); its gradient is softmax.
    Integer input is computed in the default float dtype."""
    x = _tensor(input, "logsumexp")
    if x.array.dtype.kind != "f":
        x = cast(x, get_default_dtype())
    return Logsumexp.apply(x, norm_dims(dim, x.array.ndim, "logsumexp"), keepdim)


def _softmax_array(data, d):
    e = np.exp(data - np.max(data, axis=d, keepdims=True, initial=-np.inf))
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
    d = _check_dim(dim, x.array.ndim, "softmax")
    return Softmax.apply(x, d if x.array.ndim else None)


class LogSoftmax(Function):
    """x - logsumexp(x) along ``dim``; backward: g - softmax * sum(g)."""

    @staticmethod
    def forward(ctx, x, dim):
        data = x.array if x.array.dtype.kind == "f" else x.array.astype(get_default_dtype())
        m, log_sum = _shifted_log_sum(data, dim)
        y = (data - m) - log_sum        # not data - (m + log_sum): that rounds m + log_sum first
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
    d = _check_dim(dim, x.array.ndim, "log_softmax")
    return LogSoftmax.apply(x, d if x.array.ndim else None)


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


class Norm(Function):
    """The vector p-norm (sum |x|^p)^(1/p) over ``dims`` for p > 0 finite, computed on x
    scaled by max |x| (so tiny or huge float32 values neither underflow nor overflow).
    Gradient sign(x) |x|^(p-1) / norm^(p-1), and 0 where the norm is 0 (torch's)."""

    @staticmethod
    def forward(ctx, x, p, dims, keepdim):
        a = np.abs(x.array)
        m = np.max(a, axis=dims, keepdims=True, initial=0)
        safe = np.where((m == 0) | ~np.isfinite(m), 1, m).astype(a.dtype)
        s = a / safe
        out = (np.sqrt(np.sum(s * s, axis=dims, keepdims=True)) if p == 2
               else np.sum(s ** p, axis=dims, keepdims=True) ** (1.0 / p)) * safe
        out = np.where(np.isinf(m), np.inf, out).astype(a.dtype, copy=False)
        res = out if keepdim else out.reshape([n for i, n in enumerate(x.array.shape) if i not in dims])
        ctx.save_for_backward(x, res)
        ctx.p, ctx.dims, ctx.keepdim, ctx.zero = p, dims, keepdim, out == 0
        return res

    @staticmethod
    def backward(ctx, g):
        x, res = ctx.saved_tensors
        p, shape = ctx.p, x.array.shape
        out = _expand_back(res, shape, ctx.dims, ctx.keepdim)
        gk = _expand_back(g, shape, ctx.dims, ctx.keepdim)
        zero = np.broadcast_to(ctx.zero, shape)
        if p == 2:
            return x * _masked_div(gk, out, zero), None, None, None
        return sign(x) * _abs(x) ** (p - 1) * _masked_div(gk, out ** (p - 1), zero), None, None, None


def norm(input, p=2, dim=None, keepdim=False):
    """Vector p-norm over ``dim`` (all elements by default): (sum |x|^p)^(1/p); p=inf is max |x|.
    The gradient is 0 where the norm is 0 (torch's), not NaN."""
    x = _tensor(input, "norm")
    if x.array.dtype.kind == "c":
        raise TypeError("norm: complex tensors are not supported")
    if p == 1:
        return sum(_abs(x), dim, keepdim=keepdim)
    if p == float("inf"):
        return amax(_abs(x), dim, keepdim=keepdim)
    if p == 0:
        return sum((x != 0).to(x.dtype), dim, keepdim=keepdim)
    if not isinstance(p, (int, float)) or not p > 0 or p == float("inf"):
        raise ValueError(f"norm: p={p!r} must be a positive number, 0 or inf")
    if x.array.dtype.kind != "f":
        raise TypeError(f"norm: input dtype {x.array.dtype} is not floating; convert it with .float()")
    return Norm.apply(x, p, norm_dims(dim, x.array.ndim, "norm"), keepdim)
