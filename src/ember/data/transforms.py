"""Transforms: callables applied to samples or whole arrays, composed with ``Compose``.

Every transform maps ``x -> x'`` and keeps the container type: an ember Tensor in gives a
Tensor out (computed with ember ops, so gradients flow if ``x`` requires them), a NumPy
array in gives an array out.

* ``Transform`` is the base class (``__call__`` + ``__repr__``); fitted transforms add
  ``fit(data)`` returning ``self``; random transforms (augmentation) subclass
  ``RandomTransform``, which draws from ``generator`` (an ``ember.Generator``, default
  generator when ``None``) so that a seed reproduces them.
* ``Standardize``: ``(x - mean) / std``, statistics fitted on training data.
* ``MinMaxScale`` (alias ``Scale01``): ``(x - min) / (max - min) * (b - a) + a``.
* ``ToTensor``, ``Lambda``, ``Compose``.

Statistics are reduced over ``axis`` (default 0, the sample axis: per-feature); use
``axis=(0, 2, 3)`` for per-channel statistics of ``(N, C, H, W)`` images. The fitted
statistics have the sample axis removed, so they broadcast against a single sample as well
as against a batch.

    >>> import numpy as np
    >>> X = np.array([[0.0, 10.0], [2.0, 30.0]])
    >>> s = Standardize().fit(X)
    >>> s(X).tolist()
    [[-1.0, -1.0], [1.0, 1.0]]
    >>> MinMaxScale().fit(X)(np.array([1.0, 20.0])).tolist()
    [0.5, 0.5]
"""
import numbers

import numpy as np

from ..autograd.tensor import Tensor, _wrap, get_default_dtype
from ..random import rng


def _array(x):
    if isinstance(x, Tensor):
        return x.array
    return np.asarray(x)


def _axes(axis, ndim, name):
    axes = (axis,) if isinstance(axis, numbers.Integral) else tuple(axis)
    out = []
    for a in axes:
        if not isinstance(a, numbers.Integral) or not -ndim <= a < ndim:
            raise ValueError(f"{name}: axis={axis!r} is out of range for data with {ndim} dims")
        out.append(int(a) % ndim)
    if 0 not in out:
        raise ValueError(f"{name}: axis={axis!r} must include 0, the sample axis")
    return tuple(sorted(set(out)))


def _float_dtype(dtype):
    return dtype if dtype.kind == "f" else get_default_dtype()


class Transform:
    """Base class. Subclasses implement ``__call__(x)``; ``__repr__`` lists ``_repr_fields``."""

    _repr_fields = ()

    def __call__(self, x):
        raise NotImplementedError

    def __repr__(self):
        args = ", ".join(f"{k}={getattr(self, k)!r}" for k in self._repr_fields)
        return f"{type(self).__name__}({args})"


class RandomTransform(Transform):
    """Base for random augmentations: ``self.rng`` is the NumPy generator behind
    ``generator`` (the default ember generator when ``None``)."""

    def __init__(self, generator=None):
        self.generator = generator

    @property
    def rng(self):
        return rng(self.generator)


class Compose(Transform):
    """Apply transforms in order: ``Compose([f, g])(x) == g(f(x))``."""

    def __init__(self, transforms):
        self.transforms = list(transforms)
        for t in self.transforms:
            if not callable(t):
                raise TypeError(f"Compose: {t!r} is not callable")

    def __call__(self, x):
        for t in self.transforms:
            x = t(x)
        return x

    def __repr__(self):
        inner = "".join(f"\n    {t!r}," for t in self.transforms)
        return f"Compose([{inner}\n])"


class Lambda(Transform):
    """Wrap any function as a transform."""

    def __init__(self, fn):
        if not callable(fn):
            raise TypeError(f"Lambda: fn={fn!r} is not callable")
        self.fn = fn

    def __call__(self, x):
        return self.fn(x)


class ToTensor(Transform):
    """Convert an array, number or nested list into a float ember Tensor.

    uint8 data is scaled by ``1/255`` into [0, 1] (as torchvision's ``ToTensor``); an
    ``(H, W)`` uint8 image becomes ``(1, H, W)`` and an ``(H, W, C)`` uint8 image becomes
    ``(C, H, W)`` (channel first). Other data keeps its shape and is cast to ``dtype``
    (default: the default float dtype, float32).
    """

    _repr_fields = ("dtype",)

    def __init__(self, dtype=None):
        self.dtype = None if dtype is None else np.dtype(dtype)

    def __call__(self, x):
        arr = _array(x)
        dtype = self.dtype or get_default_dtype()
        if arr.dtype == np.uint8:
            if arr.ndim == 2:
                arr = arr[None]
            elif arr.ndim == 3:
                arr = arr.transpose(2, 0, 1)
            return _wrap(np.ascontiguousarray(arr, dtype=dtype) / dtype.type(255))
        return _wrap(np.array(arr, dtype=dtype))


class _Fitted(Transform):
    """Shared plumbing for transforms with statistics fitted on data."""

    _stats = ()

    def _check_fitted(self):
        if any(getattr(self, s) is None for s in self._stats):
            raise RuntimeError(f"{type(self).__name__}: call fit(data) first (or pass the "
                               f"statistics to the constructor)")

    def _apply(self, x, fn):
        """Evaluate ``fn(x, *stats)`` with stats cast to x's float dtype; keep x's type."""
        self._check_fitted()
        if isinstance(x, Tensor):
            if x.dtype.kind != "f":
                x = x.to(get_default_dtype())
            stats = [_wrap(np.asarray(getattr(self, s), dtype=x.dtype)) for s in self._stats]
            return fn(x, *stats)
        arr = np.asarray(x)
        arr = arr.astype(_float_dtype(arr.dtype), copy=False)
        stats = [np.asarray(getattr(self, s), dtype=arr.dtype) for s in self._stats]
        return fn(arr, *stats)

    def fit_transform(self, data):
        return self.fit(data)(data)


class Standardize(_Fitted):
    """Standardize features: ``x' = (x - mean) / std``.

    ``fit(X)`` computes the mean and the population standard deviation (ddof=0, as
    scikit-learn's ``StandardScaler``) over ``axis`` (default 0: one statistic per
    feature); a feature with ``std < eps`` gets ``std = 1`` so constants map to 0 instead of
    NaN. Apply the fitted transform to any split, or to single samples.

    Args:
        mean, std: statistics to use instead of fitting (broadcastable to a sample).
        axis: the axes reduced by ``fit``; must include 0.
        eps: threshold under which a standard deviation is treated as zero.

        >>> import ember
        >>> s = Standardize().fit(ember.tensor([[1.0], [3.0]]))
        >>> s.mean.tolist(), s.std.tolist()
        ([2.0], [1.0])
        >>> s.inverse(s(ember.tensor([5.0]))).tolist()
        [5.0]
    """

    _stats = ("mean", "std")
    _repr_fields = ("axis",)

    def __init__(self, mean=None, std=None, axis=0, eps=1e-12):
        if (mean is None) != (std is None):
            raise ValueError("Standardize: pass both mean and std, or neither (then call fit)")
        self.axis, self.eps = axis, float(eps)
        self.mean = None if mean is None else np.asarray(_array(mean), dtype=np.float64)
        self.std = None if std is None else np.asarray(_array(std), dtype=np.float64)
        if self.std is not None and (not np.all(np.isfinite(self.std)) or np.any(self.std <= 0)):
            raise ValueError(f"Standardize: std={self.std!r} must be finite and > 0")

    def fit(self, data):
        arr = np.asarray(_array(data), dtype=np.float64)
        if arr.ndim == 0 or arr.shape[0] == 0:
            raise ValueError(f"Standardize.fit: data of shape {arr.shape} has no samples")
        if not np.all(np.isfinite(arr)):
            raise ValueError("Standardize.fit: data contains NaN or infinity")
        axes = _axes(self.axis, arr.ndim, "Standardize")
        mean = arr.mean(axis=axes, keepdims=True)
        std = arr.std(axis=axes, keepdims=True)
        std = np.where(std < self.eps, 1.0, std)
        self.mean, self.std = mean[0], std[0]
        return self

    def __call__(self, x):
        return self._apply(x, lambda v, m, s: (v - m) / s)

    def inverse(self, x):
        """Undo the transform: ``x * std + mean``."""
        return self._apply(x, lambda v, m, s: v * s + m)


class MinMaxScale(_Fitted):
    """Scale features to ``feature_range = (a, b)`` (default [0, 1]):
    ``x' = (x - min) / (max - min) * (b - a) + a`` with min and max fitted over ``axis``.

    A constant feature (``max == min``) uses a range of 1 (it maps to ``a``), as
    scikit-learn's ``MinMaxScaler`` does. Values outside the fitted range map outside
    ``feature_range`` unless ``clip=True``.

        >>> import numpy as np
        >>> MinMaxScale().fit(np.array([[0.0], [4.0]]))(np.array([[1.0]])).tolist()
        [[0.25]]
    """

    _stats = ("min", "scale")
    _repr_fields = ("feature_range", "axis", "clip")

    def __init__(self, feature_range=(0.0, 1.0), axis=0, clip=False, min=None, max=None):
        a, b = feature_range
        if not (np.isfinite(a) and np.isfinite(b) and a < b):
            raise ValueError(f"MinMaxScale: feature_range={feature_range!r} must be finite with "
                             f"min < max")
        self.feature_range = (float(a), float(b))
        self.axis, self.clip = axis, bool(clip)
        self.min = self.scale = self.data_min = self.data_max = None
        if (min is None) != (max is None):
            raise ValueError("MinMaxScale: pass both min and max, or neither (then call fit)")
        if min is not None:
            self._set(np.asarray(_array(min), dtype=np.float64),
                      np.asarray(_array(max), dtype=np.float64))

    def _set(self, lo, hi):
        if np.any(hi < lo):
            raise ValueError("MinMaxScale: max must be >= min")
        rng_ = hi - lo
        rng_ = np.where(rng_ == 0, 1.0, rng_)
        a, b = self.feature_range
        self.data_min, self.data_max = lo, hi
        self.scale = (b - a) / rng_
        self.min = a - lo * self.scale   # x' = x * scale + min (scikit-learn's parametrisation)

    def fit(self, data):
        arr = np.asarray(_array(data), dtype=np.float64)
        if arr.ndim == 0 or arr.shape[0] == 0:
            raise ValueError(f"MinMaxScale.fit: data of shape {arr.shape} has no samples")
        if not np.all(np.isfinite(arr)):
            raise ValueError("MinMaxScale.fit: data contains NaN or infinity")
        axes = _axes(self.axis, arr.ndim, "MinMaxScale")
        self._set(arr.min(axis=axes, keepdims=True)[0], arr.max(axis=axes, keepdims=True)[0])
        return self

    def __call__(self, x):
        a, b = self.feature_range

        def fn(v, lo, sc):
            out = v * sc + lo
            if self.clip:
                out = out.clamp(a, b) if isinstance(out, Tensor) else np.clip(out, a, b)
            return out
        return self._apply(x, fn)

    def inverse(self, x):
        """Undo the scaling: ``(x - min_) / scale``."""
        return self._apply(x, lambda v, lo, sc: (v - lo) / sc)


Scale01 = MinMaxScale


# image augmentation lives in ember.data.vision; exported here with the other transforms
from .vision import Normalize, RandomCrop, RandomHorizontalFlip, RandomAffine, RandomErasing  # noqa: E402,F401
