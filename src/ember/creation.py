"""Tensor creation: from data (``tensor``, ``as_tensor``, ``from_numpy``), filled
(``zeros``, ``ones``, ``full``, ``empty``, ``eye``, ``arange``, ``linspace``), random
(``rand``, ``randn``, ``randint``, ``randperm``, ``normal``, ``bernoulli``) and ``*_like``.
float32 unless ``dtype`` says otherwise; every random function takes ``generator=``.
"""
import numbers

import numpy as np

from . import backend
from .autograd.tensor import Tensor, _wrap, _to_array, get_default_dtype
from .random import rng


def _finish(arr, requires_grad, device=None):
    if device is None:
        device = backend._default_device[0]
    if str(device) != "cpu":
        arr = backend.to_device(arr, device)
    t = _wrap(arr)
    if requires_grad:
        t.requires_grad_(True)
    return t


def _size(size, op):
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    for s in size:
        if not isinstance(s, numbers.Integral) or s < 0:
            raise ValueError(f"{op}: size must be non-negative ints, got {size!r}")
    return tuple(int(s) for s in size)


def _dtype(dtype, default=None):
    if dtype is None:
        return np.dtype(default) if default is not None else get_default_dtype()
    try:
        dt = np.dtype(dtype)
    except TypeError:
        raise TypeError(f"dtype={dtype!r} is not a dtype (e.g. ember.float32, ember.int64)") from None
    if dt.kind not in "biuf":
        raise TypeError(f"dtype={dt} is not supported (bool, integer and floating dtypes are)")
    return dt


def tensor(data, dtype=None, device=None, requires_grad=False):
    """A new tensor holding a copy of ``data`` (Python numbers, nested lists, arrays).
    Python floats become float32, ints int64, bools bool."""
    arr = _to_array(data.array if isinstance(data, Tensor) else data,
                    None if dtype is None else _dtype(dtype))
    return _finish(arr, requires_grad, device)


def as_tensor(data, dtype=None, device=None):
    """Like ``tensor`` but shares memory with a NumPy array (or returns a tensor unchanged)
    when no conversion is needed."""
    if isinstance(data, Tensor):
        return data if dtype is None or np.dtype(dtype) == data.dtype else data.to(dtype)
    if isinstance(data, np.ndarray):
        arr = data if dtype is None else data.astype(dtype, copy=False)
        return _finish(arr, False, device)
    return tensor(data, dtype=dtype, device=device)


def from_numpy(ndarray):
    """A tensor sharing memory with a NumPy array."""
    if not isinstance(ndarray, np.ndarray):
        raise TypeError(f"from_numpy: expected a numpy.ndarray, got {type(ndarray).__name__}")
    return _wrap(ndarray)


def zeros(*size, dtype=None, device=None, requires_grad=False):
    return _finish(np.zeros(_size(size, "zeros"), dtype=_dtype(dtype)), requires_grad, device)


def ones(*size, dtype=None, device=None, requires_grad=False):
    return _finish(np.ones(_size(size, "ones"), dtype=_dtype(dtype)), requires_grad, device)


def empty(*size, dtype=None, device=None, requires_grad=False):
    return _finish(np.empty(_size(size, "empty"), dtype=_dtype(dtype)), requires_grad, device)


def full(size, fill_value, dtype=None, device=None, requires_grad=False):
    if dtype is None:
        dtype = (np.bool_ if isinstance(fill_value, bool) else
                 np.int64 if isinstance(fill_value, numbers.Integral) else get_default_dtype())
    return _finish(np.full(_size((size,), "full"), fill_value, dtype=_dtype(dtype)), requires_grad, device)


def eye(n, m=None, dtype=None, device=None, requires_grad=False):
    _size((n,) if m is None else (n, m), "eye")
    return _finish(np.eye(n, m, dtype=_dtype(dtype)), requires_grad, device)


def arange(start, end=None, step=1, dtype=None, device=None, requires_grad=False):
    """Values from ``start`` to ``end`` (exclusive) by ``step``; int64 if all are ints."""
    if end is None:
        start, end = 0, start
    for name, v in (("start", start), ("end", end), ("step", step)):
        if not isinstance(v, numbers.Real) or isinstance(v, bool) or not np.isfinite(v):
            raise TypeError(f"arange: {name}={v!r} must be a finite number")
    if step == 0:
        raise ValueError("arange: step must be non-zero")
    ints = all(isinstance(v, numbers.Integral) for v in (start, end, step))
    dt = _dtype(dtype, np.int64 if ints else None)
    return _finish(np.arange(start, end, step).astype(dt), requires_grad, device)


def linspace(start, end, steps, dtype=None, device=None, requires_grad=False):
    if steps < 0:
        raise ValueError(f"linspace: steps={steps} must be non-negative")
    return _finish(np.linspace(start, end, steps).astype(_dtype(dtype)), requires_grad, device)


def _like(input, dtype):
    x = input if isinstance(input, Tensor) else tensor(input)
    return x.shape, (dtype if dtype is not None else x.dtype), x.device


def zeros_like(input, dtype=None, requires_grad=False):
    shape, dt, dev = _like(input, dtype)
    return zeros(shape, dtype=dt, device=dev, requires_grad=requires_grad)


def ones_like(input, dtype=None, requires_grad=False):
    shape, dt, dev = _like(input, dtype)
    return ones(shape, dtype=dt, device=dev, requires_grad=requires_grad)


def empty_like(input, dtype=None, requires_grad=False):
    shape, dt, dev = _like(input, dtype)
    return empty(shape, dtype=dt, device=dev, requires_grad=requires_grad)


def full_like(input, fill_value, dtype=None, requires_grad=False):
    shape, dt, dev = _like(input, dtype)
    return full(shape, fill_value, dtype=dt, device=dev, requires_grad=requires_grad)


# ---- random -----------------------------------------------------------------------------
def _float_dtype(dtype, op):
    dt = _dtype(dtype)
    if dt.kind != "f":
        raise TypeError(f"{op}: dtype must be floating, got {dt}")
    return dt


def rand(*size, generator=None, dtype=None, device=None, requires_grad=False):
    """Uniform samples on [0, 1)."""
    dt = _float_dtype(dtype, "rand")
    arr = rng(generator).random(_size(size, "rand"), dtype=dt if dt in (np.float32, np.float64) else np.float64)
    return _finish(arr.astype(dt, copy=False), requires_grad, device)


def randn(*size, generator=None, dtype=None, device=None, requires_grad=False):
    """Standard normal samples."""
    dt = _float_dtype(dtype, "randn")
    arr = rng(generator).standard_normal(_size(size, "randn"),
                                         dtype=dt if dt in (np.float32, np.float64) else np.float64)
    return _finish(arr.astype(dt, copy=False), requires_grad, device)


def randint(low=0, high=None, size=(), generator=None, dtype=None, device=None):
    """Integers uniform on [low, high); ``randint(high, size)`` also works."""
    if high is None:
        low, high = 0, low
    if isinstance(size, numbers.Integral):
        size = (size,)
    if high <= low:
        raise ValueError(f"randint: high={high} must be greater than low={low}")
    arr = rng(generator).integers(low, high, size=_size((tuple(size),), "randint"))
    return _finish(arr.astype(_dtype(dtype, np.int64)), False, device)


def randperm(n, generator=None, dtype=None, device=None):
    """A random permutation of 0..n-1."""
    if not isinstance(n, (int, np.integer)) or isinstance(n, bool) or n < 0:
        raise ValueError(f"randperm: n={n!r} must be a non-negative int")
    return _finish(rng(generator).permutation(int(n)).astype(_dtype(dtype, np.int64)), False, device)


def normal(mean=0.0, std=1.0, size=None, generator=None, dtype=None):
    """Normal samples with the given mean and std (numbers or tensors, broadcasting)."""
    m = mean.array if isinstance(mean, Tensor) else mean
    s = std.array if isinstance(std, Tensor) else std
    if np.any(np.asarray(s) < 0):
        raise ValueError("normal: std must be non-negative")
    shape = size if size is not None else np.broadcast_shapes(np.shape(m), np.shape(s))
    arr = rng(generator).normal(m, s, size=shape)
    dt = dtype or (mean.dtype if isinstance(mean, Tensor) else get_default_dtype())
    return _wrap(np.asarray(arr, dtype=dt))


def bernoulli(input, p=None, generator=None):
    """1 with probability ``input`` (or ``p``) element-wise, else 0; same dtype as input."""
    x = input if isinstance(input, Tensor) else tensor(input)
    prob = x.array if p is None else p
    if np.any((np.asarray(prob) < 0) | (np.asarray(prob) > 1)):
        raise ValueError("bernoulli: probabilities must be in [0, 1]")
    return _wrap((rng(generator).random(x.shape) < prob).astype(x.dtype))


def rand_like(input, generator=None, dtype=None, requires_grad=False):
    shape, dt, dev = _like(input, dtype)
    return rand(shape, generator=generator, dtype=dt, device=dev, requires_grad=requires_grad)


def randn_like(input, generator=None, dtype=None, requires_grad=False):
    shape, dt, dev = _like(input, dtype)
    return randn(shape, generator=generator, dtype=dt, device=dev, requires_grad=requires_grad)


def randint_like(input, low=0, high=None, generator=None, dtype=None):
    shape, dt, dev = _like(input, dtype)
    return randint(low, high, shape, generator=generator, dtype=dt, device=dev)
