"""Sorting and selection: ``sort``, ``argsort``, ``topk``, ``kthvalue``, ``msort``.

The order is found on the array (no gradient flows through an order); the values are then
gathered from the input with that order, so their gradient is the output's gradient
scattered back to where each value came from (``gather``'s backward), and second
derivatives come with it.

    >>> import ember
    >>> ember.topk(ember.tensor([1.0, 5.0, 3.0, 4.0]), 2)
    topk(values=tensor([5., 4.]), indices=tensor([1, 3]))
"""
from collections import namedtuple

import numpy as np

from ._util import _wrap, _check_dim
from ._util import to_tensor as _tensor
from .index import gather

SortResult = namedtuple("sort", ["values", "indices"])
TopkResult = namedtuple("topk", ["values", "indices"])
KthvalueResult = namedtuple("kthvalue", ["values", "indices"])

__all__ = ["sort", "argsort", "msort", "topk", "kthvalue"]


def _order(a, dim, descending, stable):
    """Indices that sort ``a`` along ``dim``; NaN sorts as the largest value (as torch)."""
    if descending:        # a stable descending order: sort keys that reverse the order
        keys = -a if a.dtype.kind == "f" else ~a      # (~ on ints and bools: no overflow)
        idx = np.argsort(keys, axis=dim, kind="stable")
        if a.dtype.kind == "f":      # NaNs (last after negation) belong first when descending
            nan = np.isnan(np.take_along_axis(a, idx, dim))
            idx = np.take_along_axis(idx, np.argsort(~nan, axis=dim, kind="stable"), dim)
        return idx
    return np.argsort(a, axis=dim, kind="stable" if stable else "quicksort")


def argsort(input, dim=-1, descending=False, *, stable=False):
    """Indices that sort ``input`` along ``dim`` (int64; no gradient)."""
    x = _tensor(input, "argsort")
    dim = _check_dim(dim, x.ndim, "argsort")
    if x.ndim == 0:
        return _wrap(np.zeros((), dtype=np.int64))
    return _wrap(_order(x.array, dim, descending, stable).astype(np.int64))


def sort(input, dim=-1, descending=False, *, stable=False):
    """``(values, indices)`` of ``input`` sorted along ``dim``; values are differentiable."""
    x = _tensor(input, "sort")
    if x.ndim == 0:
        return SortResult(x, _wrap(np.zeros((), dtype=np.int64)))
    idx = argsort(x, dim, descending, stable=stable)
    return SortResult(gather(x, dim, idx), idx)


def msort(input):
    return sort(input, dim=0).values


def topk(input, k, dim=-1, largest=True, sorted=True):
    """The ``k`` largest (or smallest) elements along ``dim`` as ``(values, indices)``."""
    x = _tensor(input, "topk")
    dim = _check_dim(dim, x.ndim, "topk")
    n = x.array.shape[dim] if x.ndim else 1
    if not isinstance(k, (int, np.integer)) or isinstance(k, bool) or not 0 <= k <= n:
        raise ValueError(f"topk: k={k!r} is out of range for dimension {dim} of size {n} "
                         f"(expected 0 <= k <= {n})")
    if x.ndim == 0:
        return TopkResult(x, _wrap(np.zeros((), dtype=np.int64)))
    idx = _order(x.array, dim, descending=largest, stable=True)
    idx = np.take(idx, np.arange(k), axis=dim).astype(np.int64)
    return TopkResult(gather(x, dim, _wrap(idx)), _wrap(idx))


def kthvalue(input, k, dim=-1, keepdim=False):
    """The ``k``-th smallest element along ``dim`` (1-based, as torch) and its index."""
    x = _tensor(input, "kthvalue")
    dim = _check_dim(dim, x.ndim, "kthvalue")
    n = x.array.shape[dim] if x.ndim else 1
    if not isinstance(k, (int, np.integer)) or not 1 <= k <= n:
        raise ValueError(f"kthvalue: k={k!r} is out of range for dimension {dim} of size {n} (expected 1 <= k <= {n})")
    if x.ndim == 0:
        return KthvalueResult(x, _wrap(np.zeros((), dtype=np.int64)))
    idx = np.take(_order(x.array, dim, False, True), [k - 1], axis=dim).astype(np.int64)
    values = gather(x, dim, _wrap(idx))
    if not keepdim:
        values, idx = values.squeeze(dim), idx.squeeze(dim)
    return KthvalueResult(values, _wrap(idx))
