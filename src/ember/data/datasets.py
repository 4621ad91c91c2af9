"""Ready-made data: scikit-learn's bundled 8x8 digits (ember's default dataset, no
download needed) and synthetic 2-D classification sets.

Return types:

* ``load_digits`` returns a ``TensorDataset(X, y)`` (or ``(X, y)`` with
  ``return_X_y=True``, scikit-learn's flag);
* ``make_xor``, ``make_spirals``, ``make_moons`` and ``make_circles`` return ``(X, y)``
  like scikit-learn's generators; wrap them with ``TensorDataset(*make_moons(...))``.

Features are float32 ember Tensors, labels int64 ember Tensors. All randomness comes from
``generator`` (an ``ember.Generator``; the default generator when ``None``).

    >>> import ember
    >>> from ember.data.datasets import load_digits, make_moons
    >>> train = load_digits(split="train")
    >>> len(train), train.tensors[0].shape[1]
    (1347, 64)
    >>> X, y = make_moons(100, noise=0.1, generator=ember.Generator().manual_seed(0))
    >>> X.dtype, y.dtype
    (dtype('float32'), dtype('int64'))
"""
import math
import numbers

import numpy as np

from ..autograd.tensor import _wrap
from ..random import rng
from .dataset import TensorDataset


def _check_n(n, name, minimum=1):
    if isinstance(n, bool) or not isinstance(n, numbers.Integral) or n < minimum:
        raise ValueError(f"{name}: n_samples={n!r} must be an int >= {minimum}")
    return int(n)


def _check_noise(noise, name):
    if noise is None:
        return 0.0
    if isinstance(noise, bool) or not isinstance(noise, numbers.Real) or not math.isfinite(noise) \
            or noise < 0:
        raise ValueError(f"{name}: noise={noise!r} must be a finite number >= 0")
    return float(noise)


def _finish(X, y, shuffle, g):
    if shuffle:
        perm = g.permutation(len(y))
        X, y = X[perm], y[perm]
    return _wrap(np.ascontiguousarray(X, dtype=np.float32)), _wrap(y.astype(np.int64))


def _split_counts(n, k):
    """n samples as evenly as possible over k classes (the first classes get the extras)."""
    return [n // k + (1 if c < n % k else 0) for c in range(k)]


def load_digits(split=None, test_size=0.25, random_state=0, normalize=True, as_images=False,
                return_X_y=False):
    """scikit-learn's bundled handwritten digits: 1,797 grey 8x8 images, 10 classes.

    Args:
        split: ``None`` (all 1,797 samples in the bundled order), ``"train"`` or ``"test"``:
            a stratified split (``sklearn.model_selection.train_test_split`` with
            ``stratify=y``) that is the same for the same ``test_size`` and
            ``random_state``, so the two calls give disjoint, complementary parts.
        test_size: fraction (or count) of samples in the test split (default 0.25, giving
            1,347 train / 450 test).
        random_state: seed of the split.
        normalize: scale pixels from 0..16 to [0, 1] (``x / 16``); else raw 0..16 values.
        as_images: features of shape ``(N, 1, 8, 8)`` for CNNs instead of ``(N, 64)``.
        return_X_y: return ``(X, y)`` instead of a ``TensorDataset``.

    Returns:
        ``TensorDataset(X, y)`` (or ``(X, y)``): X float32, y int64 in 0..9.
    """
    from sklearn.datasets import load_digits as _load
    if split not in (None, "train", "test"):
        raise ValueError(f"load_digits: split={split!r} must be None, 'train' or 'test'")
    bunch = _load()
    X = bunch.data.astype(np.float32)
    y = bunch.target.astype(np.int64)
    if split is not None:
        from sklearn.model_selection import train_test_split
        idx = np.arange(len(y))
        tr, te = train_test_split(idx, test_size=test_size, random_state=random_state,
                                  stratify=y)
        keep = tr if split == "train" else te
        X, y = X[keep], y[keep]
    if normalize:
        X = X / np.float32(16.0)
    if as_images:
        X = X.reshape(-1, 1, 8, 8)
    X, y = _wrap(np.ascontiguousarray(X)), _wrap(np.ascontiguousarray(y))
    return (X, y) if return_X_y else TensorDataset(X, y)


def make_xor(n_samples=200, noise=0.1, shuffle=True, generator=None):
    """The XOR problem: Gaussian blobs around the four corners ``(+-1, +-1)``; the label is
    1 where the two coordinates have different signs (corners ``(-1, 1)`` and ``(1, -1)``),
    i.e. ``y = [c0 > 0] xor [c1 > 0]`` for the corner ``c``. No line separates the classes.

    Samples are spread evenly over the corners; each point is ``corner + noise * N(0, I)``
    (``noise=0`` gives the four exact points).

        >>> X, y = make_xor(4, noise=0, shuffle=False)
        >>> X.tolist(), y.tolist()
        ([[-1.0, -1.0], [-1.0, 1.0], [1.0, -1.0], [1.0, 1.0]], [0, 1, 1, 0])
    """
    n = _check_n(n_samples, "make_xor")
    noise = _check_noise(noise, "make_xor")
    g = rng(generator)
    corners = np.array([[-1, -1], [-1, 1], [1, -1], [1, 1]], dtype=np.float64)
    labels = np.array([0, 1, 1, 0])
    which = np.repeat(np.arange(4), _split_counts(n, 4))
    X = corners[which] + (noise * g.standard_normal((n, 2)) if noise else 0.0)
    return _finish(X, labels[which], shuffle, g)


def make_spirals(n_samples=300, n_classes=2, noise=0.2, turns=1.0, shuffle=True,
                 generator=None):
    """Interleaved spiral arms, one per class (the classic non-linear toy problem).

    For class ``k`` and radius ``r`` evenly spaced in ``[0, 1]`` the angle is
    ``theta = 2 pi k / n_classes + 2 pi turns r + noise * N(0, 1)`` and the point is
    ``r (sin theta, cos theta)``. Samples are spread evenly over the classes.

        >>> import ember
        >>> X, y = make_spirals(90, n_classes=3, generator=ember.Generator().manual_seed(0))
        >>> X.shape, sorted(set(y.tolist()))
        (ember.Size([90, 2]), [0, 1, 2])
    """
    n = _check_n(n_samples, "make_spirals")
    if isinstance(n_classes, bool) or not isinstance(n_classes, numbers.Integral) or n_classes < 2:
        raise ValueError(f"make_spirals: n_classes={n_classes!r} must be an int >= 2")
    noise = _check_noise(noise, "make_spirals")
    if not isinstance(turns, numbers.Real) or not math.isfinite(turns) or turns <= 0:
        raise ValueError(f"make_spirals: turns={turns!r} must be a finite number > 0")
    g = rng(generator)
    Xs, ys = [], []
    for k, m in enumerate(_split_counts(n, n_classes)):
        r = np.linspace(0.0, 1.0, m) if m > 1 else np.full(m, 0.5)
        theta = 2 * np.pi * k / n_classes + 2 * np.pi * turns * r
        if noise:
            theta = theta + noise * g.standard_normal(m)
        Xs.append(np.stack([r * np.sin(theta), r * np.cos(theta)], axis=1))
        ys.append(np.full(m, k))
    return _finish(np.concatenate(Xs), np.concatenate(ys), shuffle, g)


def make_moons(n_samples=100, shuffle=True, noise=None, generator=None):
    """Two interleaving half circles (scikit-learn's ``make_moons``, same formula).

    Outer moon (label 0): ``(cos t, sin t)`` for ``t`` in ``linspace(0, pi, n_out)``; inner
    moon (label 1): ``(1 - cos t, 1 - sin t - 0.5)`` with ``n_out = n // 2`` and
    ``n_in = n - n_out``; then Gaussian noise of standard deviation ``noise``.
    """
    n = _check_n(n_samples, "make_moons")
    noise = _check_noise(noise, "make_moons")
    g = rng(generator)
    n_out = n // 2
    n_in = n - n_out
    t_out = np.linspace(0, np.pi, n_out)
    t_in = np.linspace(0, np.pi, n_in)
    X = np.vstack([np.stack([np.cos(t_out), np.sin(t_out)], 1),
                   np.stack([1 - np.cos(t_in), 1 - np.sin(t_in) - 0.5], 1)])
    y = np.concatenate([np.zeros(n_out, dtype=np.int64), np.ones(n_in, dtype=np.int64)])
    if noise:
        X = X + noise * g.standard_normal(X.shape)
    return _finish(X, y, shuffle, g)


def make_circles(n_samples=100, shuffle=True, noise=None, factor=0.8, generator=None):
    """A large circle (label 0) containing a smaller one of radius ``factor`` (label 1),
    scikit-learn's ``make_circles`` formula: ``n_out = n // 2`` points at angles
    ``linspace(0, 2 pi, n_out, endpoint=False)`` on the unit circle, ``n - n_out`` on the
    inner circle, plus Gaussian noise of standard deviation ``noise``.
    """
    n = _check_n(n_samples, "make_circles")
    noise = _check_noise(noise, "make_circles")
    if not isinstance(factor, numbers.Real) or not 0 <= factor < 1:
        raise ValueError(f"make_circles: factor={factor!r} must be in [0, 1)")
    g = rng(generator)
    n_out = n // 2
    n_in = n - n_out
    t_out = np.linspace(0, 2 * np.pi, n_out, endpoint=False)
    t_in = np.linspace(0, 2 * np.pi, n_in, endpoint=False)
    X = np.vstack([np.stack([np.cos(t_out), np.sin(t_out)], 1),
                   factor * np.stack([np.cos(t_in), np.sin(t_in)], 1)])
    y = np.concatenate([np.zeros(n_out, dtype=np.int64), np.ones(n_in, dtype=np.int64)])
    if noise:
        X = X + noise * g.standard_normal(X.shape)
    return _finish(X, y, shuffle, g)
