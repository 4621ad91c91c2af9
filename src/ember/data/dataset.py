"""Datasets: the map-style ``Dataset`` protocol (``__getitem__`` + ``__len__``),
``IterableDataset``, ``TensorDataset``, ``Subset``, ``ConcatDataset`` and ``random_split``,
with PyTorch's names and semantics (``torch.utils.data``).

    >>> import ember
    >>> from ember.data import TensorDataset, random_split
    >>> ds = TensorDataset(ember.arange(10.0).reshape(5, 2), ember.arange(5))
    >>> x, y = ds[1]
    >>> x.tolist(), y.item()
    ([2.0, 3.0], 1)
    >>> train, val = random_split(ds, [0.8, 0.2], generator=ember.Generator().manual_seed(0))
    >>> len(train), len(val)
    (4, 1)

Batched fetching. A dataset may define ``_fetch_batch(indices)`` taking a 1-D int64 NumPy
array of indices and returning the *already collated* batch (what ``default_collate`` would
return for ``[ds[i] for i in indices]``), or ``None`` when it cannot. ``DataLoader`` uses it
when ``collate_fn`` is the default, so a ``TensorDataset`` batch costs one fancy index per
tensor instead of a Python loop over samples. ``Subset`` composes its indices with its
parent's fast path.
"""
import bisect
import math
import numbers
import warnings

import numpy as np

from ..autograd.tensor import Tensor, _wrap
from ..random import rng


class Dataset:
    """An abstract map-style dataset: subclasses implement ``__getitem__(index)`` returning
    one sample and ``__len__()`` returning the number of samples.

        >>> class Squares(Dataset):
        ...     def __len__(self): return 4
        ...     def __getitem__(self, i): return i, i * i
        >>> Squares()[3]
        (3, 9)
    """

    def __getitem__(self, index):
        raise NotImplementedError(f"{type(self).__name__} must implement __getitem__")

    # No default __len__ (as in PyTorch): ``len()`` of a dataset without one is a TypeError.

    def __add__(self, other):
        return ConcatDataset([self, other])


class IterableDataset(Dataset):
    """A dataset that is a stream: subclasses implement ``__iter__``. ``DataLoader`` batches
    it in order; samplers and shuffling do not apply (as in PyTorch)."""

    def __iter__(self):
        raise NotImplementedError(f"{type(self).__name__} must implement __iter__")

    def __getitem__(self, index):
        raise TypeError(f"{type(self).__name__} is an IterableDataset and cannot be indexed")

    def __add__(self, other):
        raise TypeError("ConcatDataset does not support IterableDataset; chain the iterators")


def _as_tensor(x, name):
    if isinstance(x, Tensor):
        return x
    if isinstance(x, np.ndarray):
        return _wrap(x)
    raise TypeError(f"{name}: expected ember Tensors (or NumPy arrays), got {type(x).__name__}")


def _check_index(index, n, name):
    """A Python int in [0, n) from a (possibly negative) integer index."""
    if isinstance(index, Tensor):
        index = index.item() if index.array.size == 1 else index
    if not isinstance(index, (numbers.Integral, np.integer)) or isinstance(index, bool):
        raise TypeError(f"{name}: index must be an int, got {type(index).__name__}")
    i = int(index)
    if i < -n or i >= n:
        raise IndexError(f"{name}: index {i} is out of range for a dataset of length {n}")
    return i + n if i < 0 else i


class TensorDataset(Dataset):
    """A dataset of tensors sharing their first dimension: sample ``i`` is
    ``tuple(t[i] for t in tensors)``.

    Args:
        *tensors: ember Tensors (NumPy arrays are wrapped without copying) with the same
            size ``N`` in dimension 0.

        >>> import ember
        >>> ds = TensorDataset(ember.zeros(3, 2), ember.tensor([0, 1, 2]))
        >>> len(ds), ds[2][1].item()
        (3, 2)
    """

    def __init__(self, *tensors):
        if not tensors:
            raise ValueError("TensorDataset: at least one tensor is required")
        ts = tuple(_as_tensor(t, "TensorDataset") for t in tensors)
        for k, t in enumerate(ts):
            if t.ndim == 0:
                raise ValueError(f"TensorDataset: tensor {k} is 0-d; every tensor needs a "
                                 f"first (sample) dimension")
        sizes = [t.shape[0] for t in ts]
        if any(s != sizes[0] for s in sizes):
            raise ValueError(
                f"TensorDataset: size mismatch between tensors: first dimensions are {sizes}, "
                f"expected all equal")
        self.tensors = ts

    def __getitem__(self, index):
        if isinstance(index, (list, np.ndarray, slice)) or (
                isinstance(index, Tensor) and index.array.size != 1):
            return tuple(t[index] for t in self.tensors)
        i = _check_index(index, len(self), "TensorDataset")
        return tuple(t[i] for t in self.tensors)

    def __len__(self):
        return self.tensors[0].shape[0]

    def _fetch_batch(self, indices):
        out = []
        for t in self.tensors:
            if t.requires_grad:  # keep the graph: index through autograd
                out.append(t[_wrap(indices)])
            else:
                out.append(_wrap(t.array[indices]))
        return out

    def __repr__(self):
        shapes = ", ".join(str(tuple(t.shape)) for t in self.tensors)
        return f"TensorDataset({shapes})"


class Subset(Dataset):
    """The samples of ``dataset`` at ``indices`` (in that order).

        >>> import ember
        >>> ds = TensorDataset(ember.arange(5))
        >>> Subset(ds, [4, 0])[0][0].item()
        4
    """

    def __init__(self, dataset, indices):
        self.dataset = dataset
        if isinstance(indices, Tensor):
            indices = indices.array
        self.indices = [int(i) for i in indices] if not isinstance(indices, range) else indices

    def __getitem__(self, idx):
        if isinstance(idx, (list, np.ndarray)):
            return [self.dataset[self.indices[int(i)]] for i in idx]
        return self.dataset[self.indices[_check_index(idx, len(self), "Subset")]]

    def __getitems__(self, indices):
        return [self.dataset[self.indices[int(i)]] for i in indices]

    def __len__(self):
        return len(self.indices)

    def _fetch_batch(self, indices):
        fetch = getattr(self.dataset, "_fetch_batch", None)
        if fetch is None:
            return None
        arr = getattr(self, "_index_array", None)
        if arr is None or len(arr) != len(self.indices):
            arr = self._index_array = np.asarray(self.indices, dtype=np.int64)
        return fetch(arr[indices])

    def __repr__(self):
        return f"Subset({type(self.dataset).__name__}, {len(self)} indices)"


class ConcatDataset(Dataset):
    """The concatenation of several map-style datasets (``ds1 + ds2`` builds one)."""

    def __init__(self, datasets):
        self.datasets = list(datasets)
        if not self.datasets:
            raise ValueError("ConcatDataset: datasets should not be an empty iterable")
        for d in self.datasets:
            if isinstance(d, IterableDataset):
                raise TypeError("ConcatDataset does not support IterableDataset")
        self.cumulative_sizes = list(np.cumsum([len(d) for d in self.datasets]).tolist())

    def __len__(self):
        return self.cumulative_sizes[-1]

    def __getitem__(self, idx):
        i = _check_index(idx, len(self), "ConcatDataset")
        k = bisect.bisect_right(self.cumulative_sizes, i)
        start = 0 if k == 0 else self.cumulative_sizes[k - 1]
        return self.datasets[k][i - start]


def random_split(dataset, lengths, generator=None):
    """Split ``dataset`` into non-overlapping random ``Subset``s of the given lengths.

    ``lengths`` are either ints summing to ``len(dataset)`` or fractions summing to 1; with
    fractions, each length is ``floor(frac * len(dataset))`` and the remaining samples are
    handed out one at a time, round-robin, starting from the first split (PyTorch's rule).
    The permutation is drawn from ``generator`` (an ``ember.Generator``; the default one
    when ``None``), so a seeded generator gives the same split every time.

        >>> import ember
        >>> ds = TensorDataset(ember.arange(10))
        >>> a, b, c = random_split(ds, [0.5, 0.3, 0.2], generator=ember.Generator().manual_seed(1))
        >>> len(a), len(b), len(c)
        (5, 3, 2)
    """
    n = len(dataset)
    lengths = list(lengths)
    if not lengths:
        raise ValueError("random_split: lengths must not be empty")
    for L in lengths:
        if isinstance(L, bool) or not isinstance(L, numbers.Real) or not math.isfinite(L) or L < 0:
            raise ValueError(f"random_split: lengths={lengths!r} must be non-negative ints or "
                             f"fractions in [0, 1]")
    total = sum(lengths)
    if math.isclose(total, 1) and total <= 1:
        # fractions (PyTorch reads lengths summing to 1 as fractions, ints included)
        sizes = [int(math.floor(n * f)) for f in lengths]
        remainder = n - sum(sizes)
        for i in range(remainder):
            sizes[i % len(sizes)] += 1
        for i, s in enumerate(sizes):
            if s == 0:
                warnings.warn(f"random_split: length of split at index {i} is 0; "
                              f"this split will be empty", stacklevel=2)
        lengths = sizes
    elif not all(isinstance(L, numbers.Integral) for L in lengths):
        raise ValueError(f"random_split: fractional lengths={lengths!r} must sum to 1 "
                         f"(they sum to {total})")
    lengths = [int(L) for L in lengths]
    if sum(lengths) != n:
        raise ValueError(f"random_split: sum of lengths {lengths} is {sum(lengths)}, which does "
                         f"not equal the length of the dataset ({n})")
    perm = rng(generator).permutation(n)
    out, offset = [], 0
    for L in lengths:
        out.append(Subset(dataset, perm[offset:offset + L].tolist()))
        offset += L
    return out
