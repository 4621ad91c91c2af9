"""k-nearest-neighbours classification by brute force.

For a query ``x`` the ``k`` training points with the smallest distance

    d_p(x, z) = (sum_j |x_j - z_j|^p)^(1/p)       (Minkowski; p = 2 Euclidean, p = 1 Manhattan)

vote for their class: ``P(c | x) = sum_{i in N_k(x), y_i = c} w_i / sum_{i in N_k(x)} w_i`` with
``w_i = 1`` (``weights="uniform"``) or ``w_i = 1 / d(x, x_i)`` (``"distance"``; a neighbour at
distance 0 takes all the weight), and ``predict`` returns the most probable class (ties -> the
lowest class label, as scikit-learn).  Distances are computed for blocks of queries so that
memory stays bounded (Euclidean via ``||x||^2 - 2 x.z + ||z||^2`` and one matrix product per
block).  When several training points tie at the k-th distance, the ones kept are those of
scikit-learn's heap (fed in training-index order, as its brute-force ``predict`` /
``predict_proba`` do), so neighbour sets and votes match scikit-learn's.  (scikit-learn's
``kneighbors`` on fewer than ``4 * 256 * n_threads`` queries merges per-thread heaps instead, so
there the choice among such ties can differ.)

    >>> from ember.ml.neighbors import KNeighborsClassifier
    >>> X = [[0.0], [1.0], [2.0], [3.0]]
    >>> knn = KNeighborsClassifier(n_neighbors=3).fit(X, [0, 0, 1, 1])
    >>> knn.predict([[1.1]]).tolist(), knn.predict_proba([[0.9]]).round(3).tolist()
    ([0], [[0.667, 0.333]])
"""
import numbers

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils import check_array
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from ._threads import blas_threads

__all__ = ["KNeighborsClassifier", "pairwise_distances"]

_METRICS = ("minkowski", "euclidean", "manhattan", "cityblock", "l1", "l2", "chebyshev")


def pairwise_distances(X, Y, metric="minkowski", p=2, block_elems=1 << 22):
    """Distance matrix ``(len(X), len(Y))`` for the metrics supported by the classifier."""
    X = check_array(X, dtype=np.float64)
    Y = check_array(Y, dtype=np.float64)
    if X.shape[1] != Y.shape[1]:
        raise ValueError(f"X has {X.shape[1]} features but Y has {Y.shape[1]}")
    metric, p = _normalise_metric(metric, p)
    return np.vstack([D for _, D in _distance_blocks(X, Y, metric, p, block_elems)]) \
        if len(X) else np.zeros((0, len(Y)))


def _normalise_metric(metric, p):
    if callable(metric):
        return metric, p
    if metric in ("euclidean", "l2"):
        return "minkowski", 2
    if metric in ("manhattan", "cityblock", "l1"):
        return "minkowski", 1
    if metric == "chebyshev":
        return "minkowski", np.inf
    return metric, p


def _distance_blocks(X, Y, metric, p, block_elems, Y_sq=None):
    """Yield ``(slice, D_block)`` over blocks of rows of ``X``."""
    n, m = X.shape[0], Y.shape[0]
    if callable(metric):
        step = max(1, block_elems // max(m, 1))
        for s in range(0, n, step):
            Xb = X[s:s + step]
            yield slice(s, s + Xb.shape[0]), np.array(
                [[metric(a, b) for b in Y] for a in Xb], dtype=np.float64).reshape(Xb.shape[0], m)
        return
    if p == 2:
        if Y_sq is None:
            Y_sq = np.einsum("ij,ij->i", Y, Y)
        step = max(1, block_elems // max(m, 1))
        for s in range(0, n, step):
            Xb = X[s:s + step]
            D = Xb @ Y.T
            D *= -2.0
            D += np.einsum("ij,ij->i", Xb, Xb)[:, None]
            D += Y_sq[None, :]
            np.maximum(D, 0.0, out=D)
            np.sqrt(D, out=D)
            yield slice(s, s + Xb.shape[0]), D
        return
    d = X.shape[1]
    step = max(1, block_elems // max(m * d, 1))
    for s in range(0, n, step):
        diff = np.abs(X[s:s + step, None, :] - Y[None, :, :])
        if p == 1:
            D = diff.sum(axis=2)
        elif np.isinf(p):
            D = diff.max(axis=2) if d else np.zeros(diff.shape[:2])
        else:
            D = (diff ** p).sum(axis=2) ** (1.0 / p)
        yield slice(s, s + diff.shape[0]), D


def _heap_k_smallest(d, k):
    """The ``k`` smallest of ``d`` as scikit-learn's pairwise-distance reduction keeps them: a
    fixed-size max-heap fed in index order (``sklearn.utils._heap.heap_push``).  It differs
    from "lowest index first" only in which of the points tied at the k-th distance stay."""
    inf = float("inf")
    vals = [inf] * k
    inds = [-1] * k
    for j, val in enumerate(d.tolist()):
        if val >= vals[0]:
            continue
        cur = 0
        while True:
            left = 2 * cur + 1
            right = left + 1
            if left >= k:
                break
            if right >= k:
                if vals[left] > val:
                    sw = left
                else:
                    break
            elif vals[left] >= vals[right]:
                if val < vals[left]:
                    sw = left
                else:
                    break
            elif val < vals[right]:
                sw = right
            else:
                break
            vals[cur] = vals[sw]
            inds[cur] = inds[sw]
            cur = sw
        vals[cur] = val
        inds[cur] = j
    return np.asarray(inds, dtype=np.intp)


def _k_smallest(D, k):
    """Indices of the ``k`` smallest entries per row, sorted by (distance, index).

    Small ``k`` takes ``k`` successive row-wise ``argmin`` passes (much faster than a
    partition of the whole row), larger ``k`` an ``argpartition``.  Rows where points tie at
    the k-th distance (so the choice among them is arbitrary) are redone with scikit-learn's
    heap rule, so the neighbour *sets* match scikit-learn's brute-force search.  ``D`` is
    overwritten."""
    n, m = D.shape
    if k >= m:
        idx = np.argsort(D, axis=1, kind="stable")[:, :k]
        return np.take_along_axis(D, idx, axis=1), idx
    rows = np.arange(n)
    if k <= 16:
        idx = np.empty((n, k), dtype=np.intp)
        val = np.empty((n, k), dtype=D.dtype)
        for j in range(k):
            a = D.argmin(axis=1)
            idx[:, j] = a
            val[:, j] = D[rows, a]
            D[rows, a] = np.inf
        tied = np.flatnonzero((D <= val[:, -1:]).any(axis=1))
        for r in tied:
            D[r, idx[r]] = val[r]
    else:
        idx = np.argpartition(D, k - 1, axis=1)[:, :k]
        val = np.take_along_axis(D, idx, axis=1)
        kth = val.max(axis=1)
        tied = np.flatnonzero((D <= kth[:, None]).sum(axis=1) > k)
    for r in tied:
        idx[r] = _heap_k_smallest(D[r], k)
        val[r] = D[r, idx[r]]
    # sort each row by distance, then index: argsort by index, then a stable argsort by distance
    o1 = np.argsort(idx, axis=1)
    idx = np.take_along_axis(idx, o1, axis=1)
    val = np.take_along_axis(val, o1, axis=1)
    o2 = np.argsort(val, axis=1, kind="stable")
    return np.take_along_axis(val, o2, axis=1), np.take_along_axis(idx, o2, axis=1)


class KNeighborsClassifier(ClassifierMixin, BaseEstimator):
    """k-nearest-neighbours vote (see module docstring).

    Parameters follow ``sklearn.neighbors.KNeighborsClassifier``; the search is always brute
    force (``algorithm``, ``leaf_size`` and ``n_jobs`` are accepted and ignored).  ``metric``
    is ``"minkowski"`` (with ``p``, ``p = inf`` allowed), ``"euclidean"``, ``"manhattan"``,
    ``"chebyshev"`` or a callable on two 1-D arrays.

    Attributes: ``classes_``, ``n_features_in_``, ``n_samples_fit_``, ``effective_metric_``.
    """

    def __init__(self, n_neighbors=5, *, weights="uniform", algorithm="auto", leaf_size=30, p=2,
                 metric="minkowski", metric_params=None, n_jobs=None):
        self.n_neighbors = n_neighbors
        self.weights = weights
        self.algorithm = algorithm
        self.leaf_size = leaf_size
        self.p = p
        self.metric = metric
        self.metric_params = metric_params
        self.n_jobs = n_jobs

    def _check_params(self):
        k = self.n_neighbors
        if not isinstance(k, numbers.Integral) or isinstance(k, bool) or k < 1:
            raise ValueError(f"n_neighbors must be a positive integer, got n_neighbors={k!r}")
        if self.weights not in ("uniform", "distance") and not callable(self.weights):
            raise ValueError(
                f"weights must be 'uniform', 'distance' or a callable, got weights={self.weights!r}")
        if not callable(self.metric) and self.metric not in _METRICS:
            raise ValueError(f"metric must be one of {_METRICS} or a callable, got metric={self.metric!r}")
        if not isinstance(self.p, numbers.Real) or not self.p > 0:
            raise ValueError(f"p must be a positive number (p >= 1 for a metric), got p={self.p!r}")

    def fit(self, X, y):
        """Store the training set (brute-force search needs nothing else)."""
        self._check_params()
        X, y = validate_data(self, X, y, dtype=np.float64, order="C")
        check_classification_targets(y)
        self.classes_, self._y = np.unique(y, return_inverse=True)
        self._fit_X = X
        self._fit_sq = np.einsum("ij,ij->i", X, X)
        self._fit_m2T = np.ascontiguousarray(-2.0 * X.T)
        self.n_samples_fit_ = X.shape[0]
        metric, p = _normalise_metric(self.metric, self.p)
        self.effective_metric_ = metric if callable(metric) else (
            "euclidean" if p == 2 else "manhattan" if p == 1 else
            "chebyshev" if np.isinf(p) else "minkowski")
        self._metric, self._p = metric, p
        self.outputs_2d_ = False
        return self

    def kneighbors(self, X=None, n_neighbors=None, return_distance=True):
        """Distances and indices of the ``n_neighbors`` nearest training points, closest first.

        With ``X=None`` the training points are queried and each point is not its own
        neighbour (as scikit-learn)."""
        check_is_fitted(self)
        k = self.n_neighbors if n_neighbors is None else n_neighbors
        if not isinstance(k, numbers.Integral) or k < 1:
            raise ValueError(f"n_neighbors must be a positive integer, got n_neighbors={k!r}")
        query_is_train = X is None
        if query_is_train:
            X = self._fit_X
            k += 1
        else:
            X = validate_data(self, X, dtype=np.float64, order="C", reset=False)
        if k > self.n_samples_fit_:
            raise ValueError(
                f"Expected n_neighbors <= n_samples_fit, but n_neighbors = {k}, "
                f"n_samples_fit = {self.n_samples_fit_}, n_samples = {X.shape[0]}")
        dist = np.empty((X.shape[0], k))
        ind = np.empty((X.shape[0], k), dtype=np.intp)
        if not callable(self._metric) and self._p == 2:
            # rank by ||z||^2 - 2 x.z (one GEMM + one pass), then exact distances for the k kept.
            # Blocks of ~8 MB stay in cache; like scikit-learn's pairwise-distance reductions,
            # each block's GEMM runs on one BLAS thread (threaded BLAS on blocks this size
            # mostly adds synchronisation, and collapses when the CPUs are shared).
            step = max(1, (1 << 20) // max(self.n_samples_fit_, 1))
            with blas_threads(1):
                for s in range(0, X.shape[0], step):
                    Xb = X[s:s + step]
                    R = Xb @ self._fit_m2T
                    R += self._fit_sq
                    v, i = _k_smallest(R, k)
                    v += np.einsum("ij,ij->i", Xb, Xb)[:, None]
                    np.maximum(v, 0.0, out=v)
                    dist[s:s + step] = np.sqrt(v)
                    ind[s:s + step] = i
        else:
            for sl, D in _distance_blocks(X, self._fit_X, self._metric, self._p, 1 << 22,
                                          Y_sq=self._fit_sq):
                dist[sl], ind[sl] = _k_smallest(D, k)
        if query_is_train:
            rows = np.arange(X.shape[0])[:, None]
            mask = ind != rows
            # more duplicates than neighbours: the sample itself may be missing; drop the first
            dup = np.all(mask, axis=1)
            mask[dup, 0] = False
            ind = ind[mask].reshape(X.shape[0], k - 1)
            dist = dist[mask].reshape(X.shape[0], k - 1)
        return (dist, ind) if return_distance else ind

    def _weights(self, dist):
        if self.weights == "uniform":
            return np.ones_like(dist)
        if self.weights == "distance":
            with np.errstate(divide="ignore"):
                w = 1.0 / dist
            inf_mask = np.isinf(w)
            inf_row = np.any(inf_mask, axis=1)
            w[inf_row] = inf_mask[inf_row]
            return w
        return np.asarray(self.weights(dist), dtype=np.float64)

    def predict_proba(self, X):
        """Weighted vote fractions, shape ``(n_samples, n_classes)``."""
        dist, ind = self.kneighbors(X)
        w = self._weights(dist)
        labels = self._y[ind]
        n = labels.shape[0]
        n_classes = len(self.classes_)
        flat = (np.arange(n)[:, None] * n_classes + labels).ravel()
        proba = np.bincount(flat, weights=w.ravel(), minlength=n * n_classes).reshape(n, n_classes)
        norm = proba.sum(axis=1, keepdims=True)
        norm[norm == 0.0] = 1.0
        return proba / norm

    def predict(self, X):
        """Class with the largest (weighted) vote; ties -> lowest class label."""
        proba = self.predict_proba(X)
        return self.classes_[np.argmax(proba, axis=1)]
