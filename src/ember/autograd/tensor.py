"""``Tensor``: an array, whether it requires a gradient, its ``.grad`` and the node that
made it.

This module defines what a tensor *is*; what it can *do* is bound onto the class by the
layers above, so imports run one way: :mod:`ember.ops` binds the Python operators and
the methods (``x.exp()`` and ``ember.exp(x)`` are the same call, as are the in-place
methods and ``.to()``), and :mod:`ember.autograd.engine` binds ``backward``.
"""
import numbers
import weakref

import numpy as np

from .. import backend

_default_dtype = [np.dtype(np.float32)]


def get_default_dtype():
    """The floating dtype used for Python floats and random tensors (float32 unless changed)."""
    return _default_dtype[0]


def set_default_dtype(dtype):
    dtype = np.dtype(dtype)
    if dtype.kind != "f":
        raise TypeError(f"set_default_dtype: dtype={dtype} is not a floating dtype")
    _default_dtype[0] = dtype


def _is_float(dtype):
    # complex tensors are not differentiable in ember (torch's Wirtinger calculus is not
    # implemented): they must not pass for floating ones
    return dtype.kind == "f"


class Size(tuple):
    """A tensor's shape, as ``torch.Size``: a tuple of ints (``x.shape``, ``x.size()``)."""
    __slots__ = ()

    def numel(self):
        n = 1
        for d in self:
            n *= d
        return n

    def __getitem__(self, key):
        out = tuple.__getitem__(self, key)
        return Size(out) if isinstance(key, slice) else out

    def __repr__(self):
        return f"ember.Size({list(self)})"


class Tensor:
    """A multi-dimensional array that records the operations applied to it.

        >>> import ember
        >>> x = ember.tensor([1.0, 2.0, 3.0], requires_grad=True)
        >>> y = (x * x).sum()
        >>> y.backward()
        >>> x.grad
        tensor([2., 4., 6.])
    """

    __slots__ = ("array", "requires_grad", "grad", "grad_fn", "_vc", "_hooks", "__weakref__")
    __array_priority__ = 1000  # numpy defers `ndarray + Tensor` to Tensor.__radd__

    def __init__(self, data, requires_grad=False, dtype=None):
        if isinstance(data, Tensor):
            data = data.array
        arr = _to_array(data, dtype)
        self.array = arr
        self.grad = None
        self.grad_fn = None
        self._vc = [0]
        self._hooks = None
        self.requires_grad = False
        if requires_grad:
            self.requires_grad_(True)

    # ---- basic properties ------------------------------------------------------------------
    # ``array`` is the NumPy (or CuPy) array behind the tensor, the name Chainer gives it:
    # what a Function's forward computes on.
    @property
    def data(self):
        """torch's ``.data``: a tensor sharing this one's array, outside the graph, with a
        version counter of its own (so, as in torch, autograd does not see changes made
        through it: ``p.data.add_(...)`` is how optimizers wrote updates before no_grad).
        For the NumPy array use ``.numpy()`` (or ``.array``)."""
        return _wrap(self.array)

    @data.setter
    def data(self, value):
        if not isinstance(value, Tensor):
            raise TypeError(f"data: expected a Tensor to assign to .data, got {type(value).__name__}; "
                            f"wrap arrays with ember.as_tensor(...)")
        if value.array.shape != self.array.shape and self.grad_fn is not None:
            raise RuntimeError(f"data: cannot give a tensor of shape {tuple(self.array.shape)} that was made by an "
                               f"op data of shape {tuple(value.array.shape)}")
        self.array = value.array

    @property
    def shape(self):
        return Size(self.array.shape)

    def size(self, dim=None):
        if dim is None:
            return Size(self.array.shape)
        return self.array.shape[_check_dim(dim, self.array.ndim, "size")]

    @property
    def ndim(self):
        return self.array.ndim

    def dim(self):
        return self.array.ndim

    def numel(self):
        return int(self.array.size)

    @property
    def dtype(self):
        return self.array.dtype

    @property
    def device(self):
        return backend.device_of(self.array)

    @property
    def is_cuda(self):
        return self.device.type == "cuda"

    @property
    def is_leaf(self):
        return self.grad_fn is None

    def is_floating_point(self):
        return self.array.dtype.kind == "f"

    def __len__(self):
        if self.array.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self.array.shape[0]

    def __iter__(self):
        if self.array.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(self.array.shape[0]))

    __hash__ = object.__hash__

    # ---- conversion ------------------------------------------------------------------------
    def item(self):
        if self.array.size != 1:
            raise ValueError(
                f"item(): only a tensor with one element can be converted to a Python scalar, "
                f"got shape {tuple(self.shape)}")
        return self.array.reshape(-1)[0].item()

    def tolist(self):
        return backend.to_numpy(self.array).tolist()

    def numpy(self, force=False):
        """The NumPy array behind this tensor (shared memory), like torch's ``numpy()``."""
        if self.requires_grad and not force:
            raise RuntimeError(
                "Can't call numpy() on a tensor that requires grad. "
                "Use tensor.detach().numpy() instead.")
        return backend.to_numpy(self.array)

    def __array__(self, dtype=None, copy=None):
        arr = backend.to_numpy(self.array)
        return arr if dtype is None else arr.astype(dtype, copy=False)

    def __float__(self):
        return float(self.item())

    def __int__(self):
        return int(self.item())

    def __index__(self):
        if self.array.dtype.kind not in "iub" or self.array.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(self.item())

    def __bool__(self):
        if self.array.size != 1:
            raise RuntimeError(
                f"Boolean value of a tensor with {self.array.size} elements is ambiguous; "
                f"use .any() or .all()")
        return bool(self.array.reshape(-1)[0])

    def detach(self):
        """A tensor sharing this one's data (and version counter) but outside the graph."""
        t = _wrap(self.array)
        t._vc = self._vc
        return t

    def detach_(self):
        self.grad_fn = None
        self.requires_grad = False
        return self

    def requires_grad_(self, requires_grad=True):
        if requires_grad and not _is_float(self.array.dtype):
            raise RuntimeError(
                f"only tensors of floating point dtype can require gradients; "
                f"this tensor has dtype {self.array.dtype}. Convert it first, e.g. x.float().")
        if not requires_grad and self.grad_fn is not None:
            raise RuntimeError(
                "you can only change requires_grad flags of leaf tensors; "
                "use .detach() to get a tensor outside the graph")
        self.requires_grad = bool(requires_grad)
        return self

    def retain_grad(self):
        """Keep ``.grad`` for this non-leaf tensor after backward."""
        if self.grad_fn is None:
            return
        ref = weakref.ref(self)

        def _store(grad):
            t = ref()
            if t is not None:
                t.grad = grad if t.grad is None else _wrap(t.grad.array + grad.array)
        self.grad_fn.register_hook(_store)

    def register_hook(self, hook):
        """Call ``hook(grad)`` when this tensor's gradient is computed; a returned tensor
        replaces the gradient. Returns a handle with ``remove()``."""
        if not self.requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self.grad_fn is not None:
            return self.grad_fn.register_hook(hook)
        if self._hooks is None:
            self._hooks = []
        self._hooks.append(hook)
        return _RemovableHandle(self._hooks, hook)

    def __deepcopy__(self, memo):
        """A copy of a leaf tensor (data, requires_grad and .grad); like torch, tensors made by
        an op (non-leaves) refuse to be deep-copied. Subclasses (``Parameter``) keep their type."""
        if self.grad_fn is not None:
            raise RuntimeError("only tensors created explicitly by the user (graph leaves) support "
                               "the deepcopy protocol; use .detach().clone() first")
        new = object.__new__(self.__class__)
        new.array = self.array.copy()
        new.requires_grad = self.requires_grad
        new.grad = None if self.grad is None else self.grad.__deepcopy__(memo)
        new.grad_fn = None
        new._vc = [0]
        new._hooks = None
        memo[id(self)] = new
        return new

    def __reduce_ex__(self, protocol):
        # pickling (process pools): the array, requires_grad and .grad; the graph is not kept,
        # so a non-leaf comes back as a leaf (as in torch)
        return (_rebuild, (self.__class__, self.array, self.requires_grad, self.grad))

    # ---- printing --------------------------------------------------------------------------
    def __repr__(self):
        arr = backend.to_numpy(self.array)
        body = _format_array(arr)
        extras = []
        if arr.dtype not in (get_default_dtype(), np.int64, np.bool_):
            extras.append(f"dtype=ember.{arr.dtype}")
        if self.device != "cpu":
            extras.append(f"device='{self.device}'")
        if self.grad_fn is not None:
            extras.append(f"grad_fn=<{self.grad_fn.name()}>")
        elif self.requires_grad:
            extras.append("requires_grad=True")
        inner = ", ".join([body] + extras)
        return f"tensor({inner})"

    __str__ = __repr__


def _format_array(arr):
    """torch-like text: integral floats as '1.', otherwise 4 decimals (or scientific),
    right-aligned to a common width."""
    if arr.dtype.kind != "f":
        return np.array2string(arr, separator=", ", prefix="tensor(", threshold=1000)
    finite = arr[np.isfinite(arr)]
    if finite.size and np.all(finite == np.round(finite)) and np.abs(finite).max() < 1e8:
        fmt = lambda v: f"{v:.0f}." if np.isfinite(v) else str(v)  # noqa: E731
    elif finite.size and (np.abs(finite).max() >= 1e8 or np.abs(finite[finite != 0]).min(initial=1) < 1e-4):
        fmt = lambda v: f"{v:.4e}"  # noqa: E731
    else:
        fmt = lambda v: f"{v:.4f}"  # noqa: E731
    sample = arr.reshape(-1) if arr.size <= 1000 else np.concatenate([arr.reshape(-1)[:500], arr.reshape(-1)[-500:]])
    width = max((len(fmt(v)) for v in sample), default=0)
    return np.array2string(arr, separator=", ", formatter={"float_kind": lambda v: fmt(v).rjust(width)},
                           prefix="tensor(", threshold=1000)


def _to_array(data, dtype=None, copy=True):
    """An array from Python data with torch's dtype rules: Python floats -> default float
    dtype, ints -> int64, bools -> bool; NumPy arrays keep their dtype."""
    mod = backend.get_array_module(data)
    if mod is not np:
        arr = data.astype(dtype) if dtype is not None else (data.copy() if copy else data)
        return arr
    if isinstance(data, np.ndarray):
        arr = np.array(data, dtype=dtype, copy=True) if copy else np.asarray(data, dtype=dtype)
    elif isinstance(data, np.generic):
        arr = np.array(data, dtype=dtype)
    else:
        if isinstance(data, (str, bytes)):
            raise TypeError(f"tensor(): data must be a number, a (nested) sequence of numbers or an "
                            f"array, got {type(data).__name__} {data!r:.40}")
        if isinstance(data, (list, tuple)) and any(isinstance(d, Tensor) for d in _flat(data)):
            data = _untensor(data)
        try:
            arr = np.array(data, dtype=dtype)
        except (ValueError, OverflowError, TypeError) as e:
            raise ValueError(f"tensor(): cannot convert data {str(data)[:60]} to a tensor"
                             f"{'' if dtype is None else f' of dtype {dtype}'}: {e}") from None
        if dtype is None and arr.dtype.kind == "u" and arr.size and arr.max() > np.iinfo(np.int64).max:
            raise ValueError(f"tensor(): value {int(arr.max())} does not fit in int64 "
                             f"(the dtype of Python ints); pass dtype= or use floats")
        if dtype is None and arr.dtype == np.float64:
            arr = arr.astype(get_default_dtype())
        elif dtype is None and arr.dtype.kind in "iu":
            arr = arr.astype(np.int64)
    if arr.dtype == object or arr.dtype.kind in "USV":
        raise TypeError(f"tensor(): cannot make a tensor from data of type {type(data).__name__} "
                        f"holding {arr.dtype} values ({str(data)[:60]}); expected numbers")
    return arr


def _flat(data):
    for d in data:
        if isinstance(d, (list, tuple)):
            yield from _flat(d)
        else:
            yield d


def _untensor(data):
    if isinstance(data, Tensor):
        return backend.to_numpy(data.array)
    if isinstance(data, (list, tuple)):
        return [_untensor(d) for d in data]
    return data


def _rebuild(cls, data, requires_grad, grad):
    t = object.__new__(cls)
    t.array, t.requires_grad, t.grad, t.grad_fn, t._vc, t._hooks = data, requires_grad, grad, None, [0], None
    return t


class _RemovableHandle:
    """What ``register_hook`` returns: ``remove()`` takes the hook off again."""

    def __init__(self, hooks, hook):
        self._hooks, self._hook = hooks, hook

    def remove(self):
        if self._hook in self._hooks:
            self._hooks.remove(self._hook)


def _wrap(data, node=None):
    """Fast constructor: a tensor around an array (and the node that made it, if any)."""
    t = object.__new__(Tensor)
    if type(data) is not np.ndarray:
        data = backend.as_array(data)
    t.array = data
    t.grad = None
    t.grad_fn = node
    t.requires_grad = node is not None
    t._vc = [0]
    t._hooks = None
    return t


def _check_dim(dim, ndim, op):
    if not isinstance(dim, numbers.Integral):
        raise TypeError(f"{op}: dim must be an int, got {dim!r}")
    n = max(ndim, 1)
    if not -n <= dim < n:
        raise IndexError(f"{op}: dim={dim} is out of range for a tensor with {ndim} dimensions "
                         f"(expected {-n} <= dim < {n})")
    return dim % n

