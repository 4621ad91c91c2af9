"""The kernels of ``SVC`` and the rows of ``K(X, X)`` that the SMO solver reads.

``Kernel`` binds a kernel to its parameters and gives, besides ``K(A, B)``, the diagonal
``K(a, a)`` in closed form and single rows ``K(X, x_i)`` without input validation.
``KernelRows`` holds the rows of ``K(X, X)``: one float32 matrix when it fits in the cache
(libsvm's ``Qfloat``), otherwise rows computed on demand and kept in an LRU cache.
"""
from collections import OrderedDict

import numpy as np

from .._threads import blas_threads
from ..kernels import linear_kernel, polynomial_kernel, rbf_kernel, sigmoid_kernel

KERNELS = ("linear", "poly", "rbf", "sigmoid", "precomputed")


class Kernel:
    """``K(A, B)`` for ``kernel`` in ("linear", "poly", "rbf", "sigmoid") or a callable
    ``kernel(A, B)``, with the parameters ``gamma``, ``degree`` and ``coef0``:

    * linear  ``a . b``
    * poly    ``(gamma a . b + coef0)^degree``
    * rbf     ``exp(-gamma ||a - b||^2)``
    * sigmoid ``tanh(gamma a . b + coef0)``
    """

    def __init__(self, kernel, gamma, degree, coef0):
        self.kernel = kernel
        self.gamma = gamma
        self.degree = degree
        self.coef0 = coef0

    def __call__(self, A, B):
        k = self.kernel
        if callable(k):
            return np.asarray(k(A, B), dtype=np.float64)
        if k == "linear":
            return linear_kernel(A, B)
        if k == "rbf":
            return rbf_kernel(A, B, gamma=self.gamma)
        if k == "poly":
            return polynomial_kernel(A, B, degree=self.degree, gamma=self.gamma, coef0=self.coef0)
        if k == "sigmoid":
            return sigmoid_kernel(A, B, gamma=self.gamma, coef0=self.coef0)
        raise ValueError(f"kernel={k!r} cannot be evaluated on feature vectors")

    def diag(self, A):
        """``K(a, a)`` for every row of ``A`` without forming the matrix."""
        k = self.kernel
        if k == "rbf":
            return np.ones(A.shape[0])
        sq = np.einsum("ij,ij->i", A, A)
        if k == "linear":
            return sq
        if k == "poly":
            return (self.gamma * sq + self.coef0) ** self.degree
        if k == "sigmoid":
            return np.tanh(self.gamma * sq + self.coef0)
        return np.array([self(A[i:i + 1], A[i:i + 1])[0, 0] for i in range(A.shape[0])])

    def row_fn(self, Xs):
        """A function giving row ``i`` of ``K(Xs, Xs)`` without input validation (same
        operation order as the block computation, so lazy and full kernels agree)."""
        k = self.kernel
        if callable(k) or k not in ("linear", "poly", "rbf", "sigmoid"):
            return lambda i: self(Xs[i:i + 1], Xs)[0]
        sq = np.einsum("ij,ij->i", Xs, Xs)
        g, c0, deg = self.gamma, self.coef0, self.degree

        def row(i):
            r = Xs @ Xs[i]
            if k == "linear":
                return r
            if k == "rbf":
                r *= -2.0
                r += sq
                r += sq[i]
                np.maximum(r, 0.0, out=r)
                r *= -g
                return np.exp(r, out=r)
            r *= g
            r += c0
            if k == "poly":
                r **= deg
                return r
            return np.tanh(r, out=r)
        return row


def _kernel_matrix_f32(kernel, X, block_bytes=4 * 2 ** 20):
    """``K(X, X)`` computed in float64 by row blocks (cache sized, one BLAS thread each) and
    stored as float32, as libsvm stores its kernel cache (``Qfloat``).  Only the blocks on
    and above the diagonal are evaluated; the lower triangle is their mirror image (exactly
    symmetric)."""
    n = X.shape[0]
    K = np.empty((n, n), dtype=np.float32)
    step = max(1, block_bytes // (8 * max(n, 1)))
    with blas_threads(1):
        for start in range(0, n, step):
            stop = min(n, start + step)
            B = kernel(X[start:stop], X[start:])
            K[start:stop, start:] = B
            K[stop:, start:stop] = K[start:stop, stop:].T
    return K


class KernelRows:
    """Rows of the kernel matrix of ``X`` with itself (``kernel`` a ``Kernel``), or of a
    ``precomputed`` float32 matrix: all at once when they fit in ``cache_mb``, else computed
    on demand and cached (least recently used first out).  ``diag`` is the diagonal in
    float64 (rounded to float32 first, as the rows are)."""

    def __init__(self, kernel, X, cache_mb, precomputed=None):
        n = X.shape[0] if precomputed is None else precomputed.shape[0]
        self.n = n
        if precomputed is not None:
            self.full = precomputed
        elif n * n * 4 <= cache_mb * 2 ** 20:
            self.full = _kernel_matrix_f32(kernel, X)
        else:
            self.full = None
            self.cache = OrderedDict()
            self.max_rows = max(2, int(cache_mb * 2 ** 20 // (4 * n)))
            self._row_fn = kernel.row_fn(X)
        if self.full is not None:
            self.diag = np.ascontiguousarray(np.diag(self.full)).astype(np.float64)
        else:
            self.diag = kernel.diag(X).astype(np.float32).astype(np.float64)

    def row(self, i):
        if self.full is not None:
            return self.full[i]
        cache = self.cache
        r = cache.get(i)
        if r is not None:
            cache.move_to_end(i)
            return r
        r = self._row_fn(i).astype(np.float32)
        cache[i] = r
        if len(cache) > self.max_rows:
            cache.popitem(last=False)
        return r
