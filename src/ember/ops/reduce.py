"""Reductions (sum, mean, var, std, prod, max/min, amax/amin, argmax/argmin, logsumexp),
softmax and log-softmax (numerically stable), and cumsum. ``dim`` takes an int, a tuple
or None (all dimensions); ``keepdim`` keeps reduced dimensions with size 1.
"""
import builtins
from collections import namedtuple

import numpy as np

from ..autograd.function import Node
from ._util import Tensor, _wrap, state, as_tensor_arg, norm_dims, _check_dim, get_default_dtype


def _tensor(x, op):
    return x if x.__class__ is Tensor else as_tensor_arg(x, "input", op)


def _expand_back(g, in_shape, dims, keepdim):
    """Reshape a reduced gradient so it broadcasts against the input, then expand it."""
    from .shape import reshape, broadcast_to
    if not keepdim:
        kshape = tuple(1 if i in dims else s for i, s in enumerate(in_shape))
        g = reshape(g, kshape)
    return broadcast_to(g, in_shape)


class SumBackward(Node):
    def backward(self, g):
        return (_expand_back(g, self.in_shape, self.dims, self.keepdim),)


def sum(input, dim=None, keepdim=False, dtype=None):
    """Sum over ``dim``; the gradient broadcasts back over the summed dimensions."""
    x = _tensor(input, "sum")
    data = x.data
    dims = norm_dims(dim, data.ndim, "sum")
    if dtype is None and data.dtype.kind in "bi" and data.dtype != np.int64:
        dtype = np.int64
    out = data.sum(axis=dims, keepdims=keepdim, dtype=dtype)
    if state.enabled and x.requires_grad:
        node = SumBackward(x)
        node.in_shape, node.dims, node.keepdim = data.shape, dims, keepdim
        return _wrap(out, node)
    return _wrap(out)


class MeanBackward(Node):
    def backward(self, g):
        return (_expand_back(g, self.in_shape, self.dims, self.keepdim) * (1.0 / self.count),)


def mean(input, dim=None, keepdim=False, dtype=None):
    """Arithmetic mean over ``dim``."""
    x = _tensor(input, "mean")
    data = x.data
    if data.dtype.kind not in "fc" and dtype is None:
        raise TypeError(f"mean: input dtype {data.dtype} is not floating; pass dtype= or convert with .float()")
    dims = norm_dims(dim, data.ndim, "mean")
    out = data.mean(axis=dims, keepdims=keepdim, dtype=dtype)
    if state.enabled and x.requires_grad:
        node = MeanBackward(x)
        node.in_shape, node.dims, node.keepdim = data.shape, dims, keepdim
        node.count = builtins.max(int(np.prod([data.shape[d] for d in dims])), 1)
        return _wrap(out, node)
    return _wrap(out)


def var(input, dim=None, *, correction=1, keepdim=False, unbiased=None):
    """Variance sum((x - mean)^2) / (N - correction); ``correction=1`` is Bessel's (torch's default)."""
    x = _tensor(input, "var")
    if unbiased is not None:
        correction = 1 if unbiased else 0
    dims = norm_dims(dim, x.data.ndim, "var")
    n = int(np.prod([x.data.shape[d] for d in dims]))
    centred = x - mean(x, dims, keepdim=True)
    return sum(centred * centred, dims, keepdim=keepdim) / builtins.max(n - correction, 0)


def std(input, dim=None, *, correction=1, keepdim=False, unbiased=None):
    """Standard deviation, the square root of :func:`var`."""
    from .math import sqrt
    return sqrt(var(input, dim, correction=correction, keepdim=keepdim, unbiased=unbiased))


def var_mean(input, dim=None, *, correction=1, keepdim=False):
    return var(input, dim, correction=correction, keepdim=keepdim), mean(input, dim, keepdim=keepdim)


class ProdBackward(Node):
    def backward(self, g):
        (x,) = self.unpack()
        ge = _expand_back(g, x.data.shape, self.dims, self.keepdim)
        if not np.any(x.data == 0):
            out = _expand_back(self.output(), x.data.shape, self.dims, self.keepdim)
            return (ge * out / x,)
        # with zeros, d prod / d x_i is the product of the others: exclusive cumulative
        # products from both sides (first derivatives only at zeros)
        others = _prod_of_others(x.data, self.dims)
        return (ge * _wrap(others),)


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
    dims = norm_dims(dim, x.data.ndim, "prod")
    out = x.data.prod(axis=dims, keepdims=keepdim, dtype=dtype)
    if state.enabled and x.requires_grad:
        node = ProdBackward(x)
        node.save(x)
        node.dims, node.keepdim = dims, keepdim
        res = _wrap(out, node)
        node.save_output(res)
        return res
    return _wrap(out)


class AmaxBackward(Node):
    def backward(self, g):
        return (_expand_back(g, self.in_shape, self.dims, self.keepdim) * _wrap(self.weight),)


def _amax(name, reducer):
    def op(input, dim=None, keepdim=False):
        x = _tensor(input, name)
        data = x.data
        if data.size == 0:
            raise RuntimeError(f"{name}: cannot reduce an empty tensor of shape {tuple(data.shape)}")
        dims = norm_dims(dim, data.ndim, name)
        out_k = reducer(data, axis=dims, keepdims=True)
        out = out_k if keepdim else out_k.reshape([s for i, s in enumerate(data.shape) if i not in dims])
        if state.enabled and x.requires_grad:
            node = AmaxBackward(x)
            mask = (data == out_k).astype(data.dtype)
            # the gradient is shared evenly between tied extreme values (torch's rule)
            node.weight = mask / mask.sum(axis=dims, keepdims=True)
            node.in_shape, node.dims, node.keepdim = data.shape, dims, keepdim
            return _wrap(out, node)
        return _wrap(out)
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
            from .math import maximum, minimum
            return (maximum if name == "max" else minimum)(input, dim)
        x = _tensor(input, name)
        if dim is None:
            return amaxf(x)
        d = _check_dim(dim, x.data.ndim, name)
        idx = argf(x, d, keepdim=True)
        from .index import gather
        from .shape import squeeze
        values = gather(x, d, idx) if x.data.ndim else x
        if not keepdim and x.data.ndim:
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
            out = np.asarray(func(x.data.reshape(-1)))
            if keepdim:
                out = out.reshape((1,) * x.data.ndim)
            return _wrap(out.astype(np.int64))
        d = _check_dim(dim, x.data.ndim, name)
        if x.data.ndim == 0:
            return _wrap(np.asarray(0, dtype=np.int64))
        out = func(x.data, axis=d)
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


class LogsumexpBackward(Node):
    def backward(self, g):
        from .math import exp
        (x,) = self.unpack()
        out = _expand_back(self.output(), x.data.shape, self.dims, self.keepdim)
        return (_expand_back(g, x.data.shape, self.dims, self.keepdim) * exp(x - out),)


def logsumexp(input, dim, keepdim=False):
    """log(sum(exp(x))) computed stably (the maximum is subtracted first); its gradient is softmax."""
    x = _tensor(input, "logsumexp")
    dims = norm_dims(dim, x.data.ndim, "logsumexp")
    out = _stable_lse(x.data, dims)
    if not keepdim:
        out = out.reshape([s for i, s in enumerate(x.data.shape) if i not in dims])
    if state.enabled and x.requires_grad:
        node = LogsumexpBackward(x)
        node.save(x)
        node.dims, node.keepdim = dims, keepdim
        res = _wrap(out, node)
        node.save_output(res)
        return res
    return _wrap(out)


def _softmax_array(data, d):
    e = np.exp(data - np.max(data, axis=d, keepdims=True))
    e /= np.sum(e, axis=d, keepdims=True)
    return e


class SoftmaxBackward(Node):
    def backward(self, g):
        y = self.output()
        return (y * (g - sum(g * y, self.dim, keepdim=True)),)


def softmax(input, dim, dtype=None):
    """softmax(x)_i = exp(x_i - max x) / sum_j exp(x_j - max x) along ``dim`` (stable for
    large logits). Backward: y * (g - sum(g * y))."""
    x = _tensor(input, "softmax")
    if dtype is not None:
        from .math import cast
        x = cast(x, dtype)
    d = _check_dim(dim, x.data.ndim, "softmax")
    data = x.data if x.data.dtype.kind == "f" else x.data.astype(get_default_dtype())
    out = _softmax_array(data, d)
    if state.enabled and x.requires_grad:
        node = SoftmaxBackward(x)
        node.dim = d
        res = _wrap(out, node)
        node.save_output(res)
        return res
    return _wrap(out)


class LogSoftmaxBackward(Node):
    def backward(self, g):
        from .math import exp
        y = self.output()
        return (g - exp(y) * sum(g, self.dim, keepdim=True),)


def log_softmax(input, dim, dtype=None):
    """log(softmax(x)) = x - logsumexp(x), computed stably. Backward: g - softmax * sum(g)."""
    x = _tensor(input, "log_softmax")
    if dtype is not None:
        from .math import cast
        x = cast(x, dtype)
    d = _check_dim(dim, x.data.ndim, "log_softmax")
    data = x.data if x.data.dtype.kind == "f" else x.data.astype(get_default_dtype())
    out = data - _stable_lse(data, (d,))
    if state.enabled and x.requires_grad:
        node = LogSoftmaxBackward(x)
        node.dim = d
        res = _wrap(out, node)
        node.save_output(res)
        return res
    return _wrap(out)


class CumsumBackward(Node):
    def backward(self, g):
        from .shape import flip
        return (flip(cumsum(flip(g, (self.dim,)), self.dim), (self.dim,)),)


def cumsum(input, dim, dtype=None):
    """Cumulative sum along ``dim``; the gradient is the reversed cumulative sum."""
    x = _tensor(input, "cumsum")
    d = _check_dim(dim, x.data.ndim, "cumsum")
    out = np.cumsum(x.data, axis=d, dtype=dtype) if x.data.ndim else x.data.copy()
    if state.enabled and x.requires_grad:
        node = CumsumBackward(x)
        node.dim = d
        return _wrap(out, node)
    return _wrap(out)


def any(input, dim=None, keepdim=False):
    x = _tensor(input, "any")
    return _wrap(np.any(x.data, axis=norm_dims(dim, x.data.ndim, "any"), keepdims=keepdim))


def all(input, dim=None, keepdim=False):
    x = _tensor(input, "all")
    return _wrap(np.all(x.data, axis=norm_dims(dim, x.data.ndim, "all"), keepdims=keepdim))


def norm(input, p=2, dim=None, keepdim=False):
    """Vector p-norm over ``dim`` (all elements by default): (sum |x|^p)^(1/p); p=inf is max |x|."""
    from .math import abs as _abs, sqrt
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
