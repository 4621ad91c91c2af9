"""What a ``Tensor`` can do: the ops bound onto the class as methods and Python operators
(torch's names), the in-place methods and the dtype/device conversions. ``Tensor`` itself
(:mod:`ember.autograd.tensor`) knows nothing of the ops: this module is imported by
``ember.ops`` and calls :func:`bind` once, so imports run one way (DeZero's
``setup_variable`` does the same).
"""
import numbers
import weakref

import numpy as np

from .. import backend
from ..autograd.grad_mode import state
from ..autograd.tensor import Tensor, _wrap
from ..random import rng
from . import index, linalg, math, reduce, shape, sorting, special

_OPS = {}
for _module in (math, linalg, reduce, shape, index, sorting, special):
    _OPS.update((k, v) for k, v in vars(_module).items() if callable(v) and not k.startswith("_"))

_METHODS = [
    "neg", "abs", "exp", "log", "log1p", "sqrt", "rsqrt", "sin", "cos", "tanh", "sigmoid",
    "relu", "erf", "sign", "square", "add", "sub", "mul", "div", "subtract", "multiply", "divide",
    "pow", "maximum", "minimum", "clamp", "clip", "clamp_min", "clamp_max", "eq", "ne", "lt",
    "le", "gt", "ge", "greater", "less", "logical_and", "logical_or", "logical_not", "isnan",
    "isinf", "isfinite", "equal", "allclose", "clone", "matmul", "mm", "bmm", "dot", "outer",
    "sum", "mean", "var", "std", "prod", "amax", "amin", "max", "min", "argmax", "argmin",
    "logsumexp", "softmax", "log_softmax", "cumsum", "any", "all", "norm", "reshape", "view",
    "flatten", "squeeze", "unsqueeze", "permute", "transpose", "swapaxes", "t", "movedim",
    "broadcast_to", "expand", "expand_as", "narrow", "split", "chunk", "unbind", "flip",
    "roll", "repeat", "tile", "gather", "scatter_add", "index_select", "masked_fill",
    "masked_select", "take_along_dim", "floor", "ceil", "trunc", "round", "isclose", "tril", "triu",
    "nonzero", "sort", "argsort", "msort", "topk", "kthvalue", "erf", "remainder", "floor_divide",
    "frac", "reciprocal", "log2", "log10", "exp2", "expm1", "asin", "acos", "atan", "arcsin", "arccos",
    "arctan", "sinh", "cosh", "atan2", "lerp", "nan_to_num",
]
# in place: ``x.exp_()`` is ``x = exp(x)`` written into x's array (rebased in the graph if it has one)
_INPLACE_UNARY = ["abs", "neg", "exp", "log", "sqrt", "sin", "cos", "tanh", "sigmoid", "relu", "floor",
                  "ceil", "trunc", "round", "reciprocal", "pow", "clip"]


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
        o = other.array if isinstance(other, Tensor) else other
        if self.array.dtype.kind not in "biu":
            raise TypeError(f"{name} is only defined for bool and integer tensors, got {self.dtype}")
        return _wrap(ufunc(self.array, o))
    return op


def _flat_size(size):
    return tuple(size[0]) if len(size) == 1 and isinstance(size[0], (tuple, list)) else tuple(size)


# ---- conversions -------------------------------------------------------------------------
def to(self, *args, dtype=None, device=None, copy=False, non_blocking=False):
    """A tensor with the given dtype and/or device (``self`` if nothing changes and not
    ``copy``): ``x.to("cpu")``, ``x.to(ember.device(...))``, ``x.to(ember.float64)``,
    ``x.to(other)`` (other's dtype and device)."""
    for a in args:
        if isinstance(a, Tensor):
            dtype, device = a.dtype, a.device
        elif isinstance(a, (str, backend.device)) or a is None:
            device = a
        else:
            dtype = a
    out = self
    if device is not None and backend.device_of(out.array).type != backend.device(device).type:
        out = shape.to_device(out, device)
    if dtype is not None and np.dtype(dtype) != out.array.dtype:
        out = math.cast(out, dtype)
    if copy and out is self:
        out = math.clone(self)
    return out


_CONVERSIONS = {
    "cpu": "cpu", "cuda": "cuda", "float": np.float32, "double": np.float64, "half": np.float16,
    "long": np.int64, "int": np.int32, "bool": np.bool_, "short": np.int16, "char": np.int8, "byte": np.uint8,
}


_TYPE_NAMES = {np.dtype(k): v for k, v in (
    (np.float32, "FloatTensor"), (np.float64, "DoubleTensor"), (np.float16, "HalfTensor"),
    (np.int64, "LongTensor"), (np.int32, "IntTensor"), (np.int16, "ShortTensor"), (np.int8, "CharTensor"),
    (np.uint8, "ByteTensor"), (np.bool_, "BoolTensor"))}


def type_(self, dtype=None, non_blocking=False):
    """torch's ``x.type()``: with no argument the type's name (``'ember.FloatTensor'``);
    with a dtype or a name (``'torch.LongTensor'`` works too) the converted tensor."""
    if dtype is None:
        return "ember." + _TYPE_NAMES.get(self.array.dtype, str(self.array.dtype))
    if isinstance(dtype, str) and dtype.rpartition(".")[2] in _TYPE_NAMES.values():
        dtype = next(k for k, v in _TYPE_NAMES.items() if v == dtype.rpartition(".")[2])
    return self.to(dtype)


def format_(self, spec):
    """``f"{t:.2f}"``: a one-element tensor formats as its number (as in torch)."""
    if self.array.ndim == 0:
        return format(self.item(), spec)
    if spec:
        raise TypeError(f"unsupported format string passed to Tensor.__format__: a format spec ({spec!r}) "
                        f"needs a 0-d tensor, this one has shape {tuple(self.array.shape)}; format t.item() "
                        f"or t.tolist() instead")
    return repr(self)


def _converter(target):
    def convert(self):
        return self.to(target)
    return convert


# ---- in-place ops ------------------------------------------------------------------------
def _inplace(self, operand, result_fn, array_fn):
    """Run an in-place op: on the array when no graph is involved; otherwise compute the
    out-of-place ``result_fn(old)`` from an alias of the current value and make this tensor
    that result (the graph is rebased; the old array is left intact, so nodes that saved the
    old value still see it)."""
    if state.enabled and (self.requires_grad or (isinstance(operand, Tensor) and operand.requires_grad)):
        if self.grad_fn is None and self.requires_grad:
            raise RuntimeError(
                "a leaf tensor that requires grad is being used in an in-place operation; "
                "do it under `with ember.no_grad():` or on a .clone()")
        old = _wrap(self.array, self.grad_fn)
        old.requires_grad = self.requires_grad
        out = result_fn(old)
        view = _VIEWS.get(id(self))
        if view is not None and view[0]() is self:
            # a slice of another tensor: write the result into the base (whose graph is rebased
            # by index_put, as torch's CopySlices does) and stay a view of it
            _, base, key = view
            setitem(base, key, out)
            self.array = base.array[_index_key(key)]
        else:
            self.array = out.array.astype(self.array.dtype, copy=False)
        self.grad_fn = out.grad_fn
        self.requires_grad = out.requires_grad
    else:
        array_fn()
    self._vc[0] += 1
    return self


def _raw(x):
    return x.array if isinstance(x, Tensor) else x


def _inplace_binary(op, ufunc):
    def method(self, other, alpha=1):
        if alpha != 1:
            other = other * alpha
        return _inplace(self, other, lambda old: op(old, other),
                        lambda: ufunc(self.array, _raw(other), out=self.array, casting="unsafe"))
    method.__name__ = op.__name__ + "_"
    method.__doc__ = f"In place: self = {op.__name__}(self, other)."
    return method


def _inplace_op(op):
    def method(self, *args, **kwargs):
        return _inplace(self, args[0] if args else None, lambda old: op(old, *args, **kwargs),
                        lambda: self.array.__setitem__(Ellipsis, op(_wrap(self.array), *args, **kwargs).array))
    method.__name__ = op.__name__ + "_"
    method.__doc__ = f"In place: self = {op.__name__}(self, ...)."
    return method


def masked_fill_(self, mask, value):
    m = mask.array if isinstance(mask, Tensor) else np.asarray(mask)
    return _inplace(self, value, lambda old: index.masked_fill(old, mask, value),
                    lambda: np.copyto(self.array, _raw(value), where=np.broadcast_to(m, self.array.shape),
                                      casting="unsafe"))


def unflatten(self, dim, sizes):
    """Split dimension ``dim`` into ``sizes`` (one may be -1)."""
    d = dim % max(self.ndim, 1)
    return shape.reshape(self, tuple(self.shape[:d]) + tuple(sizes) + tuple(self.shape[d + 1:]))


def clamp_(self, min=None, max=None):
    return _inplace(self, None, lambda old: math.clamp(old, min, max),
                    lambda: np.clip(self.array, min, max, out=self.array))


def copy_(self, src):
    """Copy ``src`` (broadcast to this shape) into this tensor; differentiable w.r.t. src."""
    src_t = src if isinstance(src, Tensor) else _wrap(np.asarray(src, dtype=self.array.dtype))
    return _inplace(
        self, src_t, lambda old: math.clone(shape.broadcast_to(math.cast(src_t, self.dtype), self.shape)),
        lambda: self.array.__setitem__(Ellipsis, backend.to_device(src_t.array, self.device)))


def _random_(name, draw):
    def method(self, *args, generator=None):
        if self.array.dtype.kind != "f":
            raise TypeError(f"{name}: expected a floating tensor, got dtype {self.array.dtype}")
        with_grad = state.enabled and self.requires_grad and self.grad_fn is None
        if with_grad:
            raise RuntimeError(f"{name}: a leaf tensor that requires grad is being used in an in-place "
                               f"operation; do it under `with ember.no_grad():` or on .data")
        self.array[...] = draw(rng(generator), self.array.shape, *args)
        self._vc[0] += 1
        return self
    method.__name__ = name
    return method


normal_ = _random_("normal_", lambda g, shape, mean=0.0, std=1.0: g.normal(mean, std, shape))
uniform_ = _random_("uniform_", lambda g, shape, low=0.0, high=1.0: g.uniform(low, high, shape))


def fill_(self, value):
    return copy_(self, value)


def zero_(self):
    return copy_(self, 0)


def _index_key(key):
    if isinstance(key, Tensor):
        return key.array
    if isinstance(key, tuple):
        return tuple(k.array if isinstance(k, Tensor) else k for k in key)
    if isinstance(key, list) and any(isinstance(k, Tensor) for k in key):
        return [k.array if isinstance(k, Tensor) else k for k in key]
    return key


# views made by basic indexing of a tensor in the graph: id(view) -> (weakref to the view,
# base, key). An in-place op on such a view changes the base (see _inplace).
_VIEWS = {}


def getitem(self, key):
    out = index.getitem(self, key)
    if out.requires_grad and out.array.base is not None and np.may_share_memory(out.array, self.array):
        i = id(out)
        _VIEWS[i] = (weakref.ref(out, lambda _, i=i: _VIEWS.pop(i, None)), self, key)
        out._vc = self._vc
    return out


def setitem(self, key, value):
    _inplace(self, value, lambda old: index.index_put(old, key, value),
             lambda: self.array.__setitem__(_index_key(key), _raw(value)))


def bind():
    T = Tensor
    for name in _METHODS:
        setattr(T, name, _OPS[name])
    T.__add__, T.__radd__ = math.add, _reflect(math.add)
    T.__sub__, T.__rsub__ = math.sub, _reflect(math.sub)
    T.__mul__, T.__rmul__ = math.mul, _reflect(math.mul)
    T.__truediv__, T.__rtruediv__ = math.div, _reflect(math.div)
    T.__pow__, T.__rpow__ = math.pow, _reflect(math.pow)
    T.__matmul__, T.__rmatmul__ = linalg.matmul, _reflect(linalg.matmul)
    T.__floordiv__, T.__rfloordiv__ = math.floor_divide, _reflect(math.floor_divide)
    T.__mod__, T.__rmod__ = math.remainder, _reflect(math.remainder)
    T.__neg__, T.__abs__ = math.neg, math.abs
    T.__pos__ = lambda self: self
    T.__eq__, T.__ne__ = _cmp(math.eq), _cmp(math.ne)
    T.__lt__, T.__le__, T.__gt__, T.__ge__ = _cmp(math.lt), _cmp(math.le), _cmp(math.gt), _cmp(math.ge)
    T.__hash__ = object.__hash__
    T.__getitem__ = getitem
    T.__setitem__ = setitem
    T.__and__ = T.__rand__ = _bool_op(np.bitwise_and, "&")
    T.__or__ = T.__ror__ = _bool_op(np.bitwise_or, "|")
    T.__xor__ = T.__rxor__ = _bool_op(np.bitwise_xor, "^")
    T.__invert__ = lambda self: _wrap(np.invert(self.array))  # logical not for bool tensors
    T.where = lambda self, condition, other: math.where(condition, self, other)
    T.T = property(lambda self: shape.permute(self, tuple(range(self.ndim - 1, -1, -1))))
    T.mT = property(lambda self: shape.transpose(self, -2, -1))
    T.new_tensor = lambda self, data, dtype=None: Tensor(data, dtype=dtype or self.dtype)
    T.new_zeros = lambda self, *size, dtype=None: _wrap(np.zeros(_flat_size(size), dtype=dtype or self.dtype))
    T.new_ones = lambda self, *size, dtype=None: _wrap(np.ones(_flat_size(size), dtype=dtype or self.dtype))
    T.new_full = lambda self, size, value, dtype=None: _wrap(np.full(tuple(size), value, dtype=dtype or self.dtype))
    # conversions
    T.to = to
    for name, target in _CONVERSIONS.items():
        setattr(T, name, _converter(target))
    T.type_as = lambda self, other: self.to(other.dtype)
    T.type = type_
    T.__format__ = format_
    T.view_as = lambda self, other: shape.view(self, tuple(other.array.shape))
    T.normal_, T.uniform_ = normal_, uniform_
    for name in _INPLACE_UNARY:
        setattr(T, name + "_", _inplace_op(_OPS[name]))
    T.masked_fill_, T.unflatten = masked_fill_, unflatten
    T.nelement = T.numel
    T.element_size = lambda self: self.array.itemsize
    T.stride = lambda self, dim=None: (tuple(s // self.array.itemsize for s in self.array.strides) if dim is None
                                       else self.array.strides[dim] // self.array.itemsize)
    T.is_contiguous = lambda self, memory_format=None: bool(self.array.flags.c_contiguous)
    T.data_ptr = lambda self: self.array.__array_interface__["data"][0]
    T.new_empty = lambda self, *size, dtype=None: _wrap(np.empty(_flat_size(size), dtype=dtype or self.dtype))
    T.contiguous = lambda self: self
    # in-place
    T.add_ = T.__iadd__ = _inplace_binary(math.add, np.add)
    T.sub_ = T.__isub__ = _inplace_binary(math.sub, np.subtract)
    T.mul_ = _inplace_binary(math.mul, np.multiply)
    T.div_ = _inplace_binary(math.div, np.divide)
    T.__imul__, T.__itruediv__ = T.mul_, T.div_
    T.clamp_, T.copy_, T.fill_, T.zero_ = clamp_, copy_, fill_, zero_
