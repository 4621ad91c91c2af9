"""Binds the ops to ``Tensor`` as methods and Python operators (torch's method names)."""
import numbers

import numpy as np

from .. import ops
from .tensor import Tensor, _wrap


def _reflect(fn):
    def r(self, other):
        return fn(other, self)
    return r


def _cmp(fn):
    def c(self, other):
        if other is None or not isinstance(other, (Tensor, numbers.Number, np.ndarray, list, tuple)):
            return NotImplemented
        return fn(self, other)
    return c


def _bool_op(ufunc, name):
    def op(self, other):
        o = other.data if isinstance(other, Tensor) else other
        if self.data.dtype.kind not in "biu":
            raise TypeError(f"{name} is only defined for bool and integer tensors, got {self.dtype}")
        return _wrap(ufunc(self.data, o))
    return op


_METHODS = [
    "neg", "abs", "exp", "log", "log1p", "sqrt", "rsqrt", "sin", "cos", "tanh", "sigmoid",
    "relu", "sign", "square", "add", "sub", "mul", "div", "subtract", "multiply", "divide",
    "pow", "maximum", "minimum", "clamp", "clip", "clamp_min", "clamp_max", "eq", "ne", "lt",
    "le", "gt", "ge", "greater", "less", "logical_and", "logical_or", "logical_not", "isnan",
    "isinf", "isfinite", "equal", "allclose", "clone", "matmul", "mm", "bmm", "dot", "outer",
    "sum", "mean", "var", "std", "prod", "amax", "amin", "max", "min", "argmax", "argmin",
    "logsumexp", "softmax", "log_softmax", "cumsum", "any", "all", "norm", "reshape", "view",
    "flatten", "squeeze", "unsqueeze", "permute", "transpose", "swapaxes", "t", "movedim",
    "broadcast_to", "expand", "expand_as", "narrow", "split", "chunk", "unbind", "flip",
    "roll", "repeat", "tile", "gather", "scatter_add", "index_select", "masked_fill",
    "masked_select", "take_along_dim",
]


def bind():
    for name in _METHODS:
        setattr(Tensor, name, getattr(ops, name))
    T = Tensor
    T.__add__, T.__radd__ = ops.add, _reflect(ops.add)
    T.__sub__, T.__rsub__ = ops.sub, _reflect(ops.sub)
    T.__mul__, T.__rmul__ = ops.mul, _reflect(ops.mul)
    T.__truediv__, T.__rtruediv__ = ops.div, _reflect(ops.div)
    T.__pow__, T.__rpow__ = ops.pow, _reflect(ops.pow)
    T.__matmul__, T.__rmatmul__ = ops.matmul, _reflect(ops.matmul)
    T.__floordiv__, T.__rfloordiv__ = ops.floor_divide, _reflect(ops.floor_divide)
    T.__mod__, T.__rmod__ = ops.remainder, _reflect(ops.remainder)
    T.__neg__, T.__abs__ = ops.neg, ops.abs
    T.__pos__ = lambda self: self
    T.__eq__, T.__ne__ = _cmp(ops.eq), _cmp(ops.ne)
    T.__lt__, T.__le__, T.__gt__, T.__ge__ = _cmp(ops.lt), _cmp(ops.le), _cmp(ops.gt), _cmp(ops.ge)
    T.__hash__ = object.__hash__
    T.__getitem__ = ops.getitem
    T.__and__ = T.__rand__ = _bool_op(np.bitwise_and, "&")
    T.__or__ = T.__ror__ = _bool_op(np.bitwise_or, "|")
    T.__xor__ = T.__rxor__ = _bool_op(np.bitwise_xor, "^")
    T.__invert__ = lambda self: _wrap(np.invert(self.data))  # logical not for bool tensors
    T.where = lambda self, condition, other: ops.where(condition, self, other)
    T.T = property(lambda self: ops.permute(self, tuple(range(self.ndim - 1, -1, -1))))
    T.mT = property(lambda self: ops.transpose(self, -2, -1))
    T.new_tensor = lambda self, data, dtype=None: Tensor(data, dtype=dtype or self.dtype)
    T.new_zeros = lambda self, *size, dtype=None: _wrap(np.zeros(_flat_size(size), dtype=dtype or self.dtype))
    T.new_ones = lambda self, *size, dtype=None: _wrap(np.ones(_flat_size(size), dtype=dtype or self.dtype))
    T.new_full = lambda self, size, value, dtype=None: _wrap(np.full(tuple(size), value, dtype=dtype or self.dtype))


def _flat_size(size):
    return tuple(size[0]) if len(size) == 1 and isinstance(size[0], (tuple, list)) else tuple(size)
