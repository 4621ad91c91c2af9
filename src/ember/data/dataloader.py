"""``DataLoader``: batches of samples from a dataset, with PyTorch's samplers and
``default_collate``.

A loader draws indices from a *sampler* (``SequentialSampler``, or ``RandomSampler`` when
``shuffle=True``), groups them into batches of ``batch_size`` (``BatchSampler``; the last,
short batch is dropped when ``drop_last=True``), fetches the samples and merges them with
``collate_fn``. The number of batches is ``ceil(N / B)``, or ``floor(N / B)`` with
``drop_last``.

Fast path: when ``collate_fn`` is the default and the dataset can fetch a whole batch at
once (``TensorDataset``, a ``Subset`` of one, ``MNIST``; see
:mod:`ember.data.dataset`), a batch is one fancy index per tensor instead of a Python loop
over its samples; the result is identical to the per-sample path.

Randomness: shuffling uses ``generator`` (an ``ember.Generator``) or, when ``None``, the
default generator, so ``ember.manual_seed(s)`` or a seeded generator reproduces the order.
Every ``iter(loader)`` draws a fresh permutation from that stream. There are no worker
processes: ``num_workers`` is accepted for compatibility and loading runs in the caller.

    >>> import ember
    >>> from ember.data import DataLoader, TensorDataset
    >>> ds = TensorDataset(ember.arange(10.0).reshape(5, 2), ember.arange(5))
    >>> loader = DataLoader(ds, batch_size=2)
    >>> len(loader)
    3
    >>> [y.tolist() for _, y in loader]
    [[0, 1], [2, 3], [4]]
"""
import collections.abc as cabc
import numbers

import numpy as np

from ..autograd.tensor import Tensor, _wrap
from ..random import rng
from .dataset import IterableDataset


# ---- samplers ------------------------------------------------------------------------------
class Sampler:
    """Base class: ``__iter__`` yields dataset indices; ``__len__`` their number."""

    def __init__(self, data_source=None):
        pass

    def __iter__(self):
        raise NotImplementedError

    def _indices(self):
        """All indices of one pass as an int64 array, or ``None`` (then ``__iter__`` is used)."""
        return None


class SequentialSampler(Sampler):
    """Indices ``0, 1, ..., len(data_source) - 1`` in order."""

    def __init__(self, data_source):
        self.data_source = data_source

    def _indices(self):
        return np.arange(len(self.data_source), dtype=np.int64)

    def __iter__(self):
        return iter(range(len(self.data_source)))

    def __len__(self):
        return len(self.data_source)


class RandomSampler(Sampler):
    """A random permutation of the indices (or ``num_samples`` draws with replacement).

    Args:
        data_source: the dataset (only its length is used).
        replacement: draw with replacement (then ``num_samples`` may exceed the length).
        num_samples: number of indices per pass (default ``len(data_source)``); without
            replacement a larger value repeats whole permutations, as in PyTorch.
        generator: ``ember.Generator`` for reproducible orders (default generator if None).
    """

    def __init__(self, data_source, replacement=False, num_samples=None, generator=None):
        if not isinstance(replacement, bool):
            raise TypeError(f"RandomSampler: replacement should be a bool, got {replacement!r}")
        self.data_source = data_source
        self.replacement = replacement
        self._num_samples = num_samples
        self.generator = generator
        if num_samples is not None and (isinstance(num_samples, bool) or
                                        not isinstance(num_samples, numbers.Integral)
                                        or num_samples <= 0):
            raise ValueError(f"RandomSampler: num_samples={num_samples!r} must be a positive int")

    @property
    def num_samples(self):
        return len(self.data_source) if self._num_samples is None else int(self._num_samples)

    def _indices(self):
        n, m = len(self.data_source), self.num_samples
        g = rng(self.generator)
        if n == 0:
            return np.zeros(0, dtype=np.int64)
        if self.replacement:
            return g.integers(0, n, size=m, dtype=np.int64)
        reps = -(-m // n)
        return np.concatenate([g.permutation(n) for _ in range(reps)])[:m].astype(np.int64)

    def __iter__(self):
        return iter(self._indices().tolist())

    def __len__(self):
        return self.num_samples


class SubsetRandomSampler(Sampler):
    """The given ``indices`` in a random order (fresh each pass)."""

    def __init__(self, indices, generator=None):
        self.indices = np.asarray(indices.array if isinstance(indices, Tensor) else indices,
                                  dtype=np.int64).reshape(-1)
        self.generator = generator

    def _indices(self):
        return self.indices[rng(self.generator).permutation(len(self.indices))]

    def __iter__(self):
        return iter(self._indices().tolist())

    def __len__(self):
        return len(self.indices)


class WeightedRandomSampler(Sampler):
    """``num_samples`` indices drawn with probability proportional to ``weights``."""

    def __init__(self, weights, num_samples, replacement=True, generator=None):
        w = np.asarray(weights.array if isinstance(weights, Tensor) else weights, dtype=np.float64)
        if w.ndim != 1 or not np.all(np.isfinite(w)) or np.any(w < 0) or w.sum() <= 0:
            raise ValueError("WeightedRandomSampler: weights must be a 1-D sequence of finite, "
                             "non-negative numbers with a positive sum")
        if isinstance(num_samples, bool) or not isinstance(num_samples, numbers.Integral) \
                or num_samples <= 0:
            raise ValueError(f"WeightedRandomSampler: num_samples={num_samples!r} must be a "
                             f"positive int")
        if not replacement and num_samples > np.count_nonzero(w):
            raise ValueError(f"WeightedRandomSampler: num_samples={num_samples} exceeds the "
                             f"{np.count_nonzero(w)} indices with non-zero weight "
                             f"(replacement=False)")
        self.weights, self.num_samples = w, int(num_samples)
        self.replacement, self.generator = replacement, generator

    def _indices(self):
        p = self.weights / self.weights.sum()
        return rng(self.generator).choice(len(p), size=self.num_samples,
                                          replace=self.replacement, p=p).astype(np.int64)

    def __iter__(self):
        return iter(self._indices().tolist())

    def __len__(self):
        return self.num_samples


class BatchSampler(Sampler):
    """Groups the indices of ``sampler`` into lists of ``batch_size``.

        >>> list(BatchSampler(SequentialSampler(range(5)), 2, drop_last=False))
        [[0, 1], [2, 3], [4]]
    """

    def __init__(self, sampler, batch_size, drop_last):
        if isinstance(batch_size, bool) or not isinstance(batch_size, numbers.Integral) \
                or batch_size <= 0:
            raise ValueError(f"BatchSampler: batch_size={batch_size!r} must be a positive int")
        if not isinstance(drop_last, bool):
            raise ValueError(f"BatchSampler: drop_last={drop_last!r} must be a bool")
        self.sampler, self.batch_size, self.drop_last = sampler, int(batch_size), drop_last

    def _index_batches(self):
        """Batches as int64 arrays (sliced from one index array when the sampler has one)."""
        idx = self.sampler._indices() if isinstance(self.sampler, Sampler) else None
        B = self.batch_size
        if idx is not None:
            n = len(idx)
            stop = n - n % B if self.drop_last else n
            for s in range(0, stop, B):
                yield idx[s:s + B]
            return
        buf = []
        for i in self.sampler:
            buf.append(int(i))
            if len(buf) == B:
                yield np.asarray(buf, dtype=np.int64)
                buf = []
        if buf and not self.drop_last:
            yield np.asarray(buf, dtype=np.int64)

    def __iter__(self):
        for b in self._index_batches():
            yield b.tolist()

    def __len__(self):
        n = len(self.sampler)
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)


# ---- collate -------------------------------------------------------------------------------
_COLLATE_ERR = ("default_collate: batch must contain tensors, numpy arrays, numbers, dicts "
                "or lists; found {}")


def _stack_arrays(arrays, what):
    shape = arrays[0].shape
    for k, a in enumerate(arrays):
        if a.shape != shape:
            raise RuntimeError(f"default_collate: stack expects each {what} to be equal size, "
                               f"but got {list(shape)} at entry 0 and {list(a.shape)} at entry {k}")
    return np.stack(arrays)


def default_collate(batch):
    """Merge a list of samples into a batch, like ``torch.utils.data.default_collate``.

    * ember Tensors -> one Tensor stacked along a new dimension 0 (``(B, *shape)``);
    * NumPy arrays and NumPy scalars -> a Tensor of the same dtype;
    * Python ``int`` -> int64 Tensor, ``float`` -> float64 Tensor (as in PyTorch),
      ``bool`` -> bool Tensor; ``str``/``bytes`` -> the batch unchanged;
    * dicts -> a dict with each key collated; namedtuples -> the same namedtuple;
      tuples and lists -> a *list* with each position collated (PyTorch's rule), all
      samples must have the same length.

        >>> import ember
        >>> out = default_collate([(ember.zeros(2), 1), (ember.ones(2), 0)])
        >>> out[0].shape, out[1].dtype
        (ember.Size([2, 2]), dtype('int64'))
    """
    if not isinstance(batch, (list, tuple)) or len(batch) == 0:
        raise ValueError(f"default_collate: batch must be a non-empty list of samples, "
                         f"got {type(batch).__name__} of length "
                         f"{len(batch) if hasattr(batch, '__len__') else '?'}")
    elem = batch[0]
    if isinstance(elem, Tensor):
        if any(b.requires_grad for b in batch if isinstance(b, Tensor)):
            from ..ops import stack
            return stack(list(batch))
        return _wrap(_stack_arrays([b.array if isinstance(b, Tensor) else np.asarray(b)
                                    for b in batch], "tensor"))
    if isinstance(elem, np.ndarray):
        if elem.dtype.kind in "SaUO":
            raise TypeError(_COLLATE_ERR.format(elem.dtype))
        return _wrap(_stack_arrays([np.asarray(b) for b in batch], "array"))
    if isinstance(elem, (str, bytes)):
        return batch
    if isinstance(elem, np.generic):
        if elem.dtype.kind in "SaUO":
            raise TypeError(_COLLATE_ERR.format(elem.dtype))
        return _wrap(np.array(batch))
    if isinstance(elem, bool):
        return _wrap(np.array(batch, dtype=np.bool_))
    if isinstance(elem, numbers.Integral):
        return _wrap(np.array(batch, dtype=np.int64))
    if isinstance(elem, numbers.Real):
        return _wrap(np.array(batch, dtype=np.float64))
    if isinstance(elem, cabc.Mapping):
        out = {}
        for key in elem:
            try:
                out[key] = default_collate([d[key] for d in batch])
            except KeyError:
                raise KeyError(f"default_collate: key {key!r} is missing from some samples") from None
        try:
            return type(elem)(out)
        except TypeError:
            return out
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):  # namedtuple
        return type(elem)(*(default_collate(s) for s in zip(*batch)))
    if isinstance(elem, cabc.Sequence):
        size = len(elem)
        if any(len(b) != size for b in batch):
            raise RuntimeError("each element in list of batch should be of equal size")
        columns = [default_collate(s) for s in zip(*batch)]
        if isinstance(elem, tuple):
            return columns
        try:
            return type(elem)(columns)
        except TypeError:
            return columns
    raise TypeError(_COLLATE_ERR.format(type(elem)))


def default_convert(data):
    """Turn NumPy arrays (also inside dicts/lists/tuples) into Tensors, leaving other values
    alone; the collate function used when ``batch_size=None``."""
    if isinstance(data, Tensor):
        return data
    if isinstance(data, np.ndarray):
        return data if data.dtype.kind in "SaUO" else _wrap(data)
    if isinstance(data, np.generic):
        return data if data.dtype.kind in "SaUO" else _wrap(np.asarray(data))
    if isinstance(data, (str, bytes)):
        return data
    if isinstance(data, cabc.Mapping):
        out = {k: default_convert(v) for k, v in data.items()}
        try:
            return type(data)(out)
        except TypeError:
            return out
    if isinstance(data, tuple) and hasattr(data, "_fields"):
        return type(data)(*(default_convert(d) for d in data))
    if isinstance(data, tuple):
        return [default_convert(d) for d in data]
    if isinstance(data, cabc.Sequence):
        try:
            return type(data)([default_convert(d) for d in data])
        except TypeError:
            return [default_convert(d) for d in data]
    return data


# ---- loader --------------------------------------------------------------------------------
class DataLoader:
    """Iterate over ``dataset`` in batches.

    Args (PyTorch's order and defaults):
        dataset: a map-style ``Dataset`` (``__getitem__``/``__len__``) or an ``IterableDataset``.
        batch_size: samples per batch (default 1); ``None`` disables batching and yields
            single samples passed through ``default_convert``.
        shuffle: draw a new random order every epoch (mutually exclusive with ``sampler``).
        sampler: a ``Sampler`` or any iterable of indices.
        batch_sampler: an iterable of index lists; exclusive with batch_size, shuffle,
            sampler and drop_last.
        num_workers: accepted for compatibility; loading always runs in this process.
        collate_fn: merges a list of samples into a batch (default ``default_collate``).
        drop_last: drop the last batch when it is shorter than ``batch_size``.
        generator: ``ember.Generator`` used by the ``RandomSampler`` that ``shuffle`` creates.

    ``len(loader)`` is the number of batches: ``ceil(len(sampler) / batch_size)``
    (``floor`` with ``drop_last``).

        >>> import ember
        >>> from ember.data import TensorDataset
        >>> ds = TensorDataset(ember.randn(10, 3), ember.arange(10))
        >>> g = ember.Generator().manual_seed(0)
        >>> xb, yb = next(iter(DataLoader(ds, batch_size=4, shuffle=True, generator=g)))
        >>> xb.shape, yb.shape
        (ember.Size([4, 3]), ember.Size([4]))
    """

    def __init__(self, dataset, batch_size=1, shuffle=False, sampler=None, batch_sampler=None,
                 num_workers=0, collate_fn=None, pin_memory=False, drop_last=False, timeout=0,
                 worker_init_fn=None, multiprocessing_context=None, generator=None, *,
                 prefetch_factor=None, persistent_workers=False):
        if batch_size is not None and (isinstance(batch_size, bool) or
                                       not isinstance(batch_size, numbers.Integral)
                                       or batch_size <= 0):
            raise ValueError(f"DataLoader: batch_size={batch_size!r} must be a positive int "
                             f"or None")
        if shuffle is None:
            shuffle = False
        if not isinstance(shuffle, bool):
            raise TypeError(f"DataLoader: shuffle={shuffle!r} must be a bool")
        if not isinstance(drop_last, bool):
            raise TypeError(f"DataLoader: drop_last={drop_last!r} must be a bool")
        if isinstance(num_workers, bool) or not isinstance(num_workers, numbers.Integral) \
                or num_workers < 0:
            raise ValueError(f"DataLoader: num_workers={num_workers!r} must be a non-negative int")
        if collate_fn is not None and not callable(collate_fn):
            raise TypeError(f"DataLoader: collate_fn={collate_fn!r} is not callable")
        self.dataset = dataset
        self.num_workers = int(num_workers)
        self.pin_memory, self.timeout = pin_memory, timeout
        self.worker_init_fn = worker_init_fn
        self.generator = generator
        self.batch_size, self.drop_last = batch_size, drop_last
        self._iterable = isinstance(dataset, IterableDataset)

        if self._iterable:
            if shuffle or sampler is not None or batch_sampler is not None:
                raise ValueError("DataLoader with IterableDataset: shuffle, sampler and "
                                 "batch_sampler are not supported (got "
                                 f"shuffle={shuffle}, sampler={sampler!r}, "
                                 f"batch_sampler={batch_sampler!r})")
        else:
            if not hasattr(dataset, "__getitem__") or not hasattr(dataset, "__len__"):
                raise TypeError(f"DataLoader: dataset must define __getitem__ and __len__ "
                                f"(or be an IterableDataset), got {type(dataset).__name__}")
            if sampler is not None and shuffle:
                raise ValueError("DataLoader: sampler option is mutually exclusive with shuffle")
            if batch_sampler is not None:
                if batch_size != 1 or shuffle or sampler is not None or drop_last:
                    raise ValueError("DataLoader: batch_sampler option is mutually exclusive "
                                     "with batch_size, shuffle, sampler, and drop_last")
                batch_size = None
                self.batch_size, self.drop_last = None, False
            elif batch_size is None and drop_last:
                raise ValueError("DataLoader: batch_size=None option disables auto-batching "
                                 "and is mutually exclusive with drop_last")
            if sampler is None:
                sampler = (RandomSampler(dataset, generator=generator) if shuffle
                           else SequentialSampler(dataset))
            if batch_size is not None and batch_sampler is None:
                batch_sampler = BatchSampler(sampler, batch_size, drop_last)
        self.sampler, self.batch_sampler = sampler, batch_sampler
        self._auto_collate = batch_sampler is not None or (self._iterable and batch_size is not None)
        if collate_fn is None:
            collate_fn = default_collate if self._auto_collate else default_convert
        self.collate_fn = collate_fn

    # ---- iteration -------------------------------------------------------------------------
    def _fast_fetch(self):
        if self.collate_fn is not default_collate or self._iterable:
            return None
        return getattr(self.dataset, "_fetch_batch", None)

    def _index_batches(self):
        bs = self.batch_sampler
        if isinstance(bs, BatchSampler):
            yield from bs._index_batches()
        else:
            for b in bs:
                yield np.asarray([int(i) for i in b], dtype=np.int64)

    def _fetch(self, idx):
        ds = self.dataset
        getitems = getattr(ds, "__getitems__", None)
        if getitems is not None:
            return getitems(idx.tolist())
        return [ds[i] for i in idx.tolist()]

    def __iter__(self):
        if self._iterable:
            return self._iter_stream()
        if self.batch_sampler is None:
            return (self.collate_fn(self.dataset[i]) for i in self.sampler)
        return self._iter_batches()

    def _iter_batches(self):
        fetch = self._fast_fetch()
        for idx in self._index_batches():
            if fetch is not None:
                out = fetch(idx)
                if out is not None:
                    yield out
                    continue
            yield self.collate_fn(self._fetch(idx))

    def _iter_stream(self):
        if self.batch_size is None:
            for sample in self.dataset:
                yield self.collate_fn(sample)
            return
        buf = []
        for sample in self.dataset:
            buf.append(sample)
            if len(buf) == self.batch_size:
                yield self.collate_fn(buf)
                buf = []
        if buf and not self.drop_last:
            yield self.collate_fn(buf)

    def __len__(self):
        if self._iterable:
            if not hasattr(self.dataset, "__len__"):
                raise TypeError(f"DataLoader: {type(self.dataset).__name__} is an "
                                f"IterableDataset without __len__, so the loader has no length")
            n = len(self.dataset)
            if self.batch_size is None:
                return n
            return n // self.batch_size if self.drop_last else -(-n // self.batch_size)
        if self.batch_sampler is not None:
            return len(self.batch_sampler)
        return len(self.sampler)

    def __repr__(self):
        return (f"DataLoader({type(self.dataset).__name__}, batch_size={self.batch_size}, "
                f"sampler={type(self.sampler).__name__}, drop_last={self.drop_last})")

