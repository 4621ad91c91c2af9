"""k-means clustering (Lloyd's algorithm with k-means++ seeding).

Lloyd's algorithm alternates

    assignment:  l_i = argmin_k ||x_i - c_k||^2 = argmin_k (||c_k||^2 - 2 x_i . c_k)
    update:      c_k = sum_{l_i = k} w_i x_i / sum_{l_i = k} w_i

until the labels stop changing or the squared centre shift ``sum_k ||c_k^new - c_k||^2`` is at
most ``tol * mean_j Var(X[:, j])`` (scikit-learn's semantics), minimising the inertia
``sum_i w_i ||x_i - c_{l_i}||^2``.  Distances are computed in row chunks with one matrix
product per chunk (``||x||^2 - 2 x.c + ||c||^2``), on mean-centred data for accuracy; the
compiled assignment step (``_estep``) shares the chunks among numba's threads and sums each
cluster's rows in the same pass, as scikit-learn's Lloyd iteration does.  An
empty cluster is re-seeded with the point farthest from its centre, as scikit-learn does.

Seeding is the greedy k-means++ of Arthur & Vassilvitskii (2007) as scikit-learn implements
it: the first centre is drawn with probability ``w_i / sum w``, each further centre is the
best (lowest resulting potential) of ``2 + floor(ln k)`` candidates drawn with probability
proportional to ``w_i D(x_i)^2``.  With the same ``random_state`` it draws the same random
numbers as scikit-learn, so both pick the same seeds.

    >>> import numpy as np
    >>> from ember.ml.cluster import KMeans
    >>> X = np.array([[1.0, 2.0], [1.0, 4.0], [1.0, 0.0], [10.0, 2.0], [10.0, 4.0], [10.0, 0.0]])
    >>> km = KMeans(n_clusters=2, random_state=0).fit(X)
    >>> sorted(km.cluster_centers_[:, 0].tolist()), float(km.inertia_)
    ([1.0, 10.0], 16.0)
"""
import numbers
import warnings

import numba
import numpy as np
from numba import njit, prange
from sklearn.base import BaseEstimator, ClassNamePrefixFeaturesOutMixin, ClusterMixin, TransformerMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import check_array, check_random_state
from sklearn.utils.validation import _check_sample_weight, check_is_fitted, validate_data

from ._threads import blas_threads

__all__ = ["KMeans", "kmeans_plusplus"]


def _sq_dist_to(centers, X, x_sq=None):
    """Squared distances ``(n_centers, n_samples)``, clipped at 0."""
    if x_sq is None:
        x_sq = np.einsum("ij,ij->i", X, X)
    c_sq = np.einsum("ij,ij->i", centers, centers)
    D = centers @ X.T
    D *= -2.0
    D += c_sq[:, None]
    D += x_sq[None, :]
    np.maximum(D, 0.0, out=D)
    return D


def _kmeans_plusplus(X, n_clusters, x_sq, random_state, sample_weight):
    n_samples, n_features = X.shape
    centers = np.empty((n_clusters, n_features), dtype=X.dtype)
    n_local_trials = 2 + int(np.log(n_clusters))
    center_id = random_state.choice(n_samples, p=sample_weight / sample_weight.sum())
    indices = np.full(n_clusters, -1, dtype=int)
    centers[0] = X[center_id]
    indices[0] = center_id
    closest = _sq_dist_to(centers[:1], X, x_sq)          # (1, n)
    pot = closest @ sample_weight
    for c in range(1, n_clusters):
        rand_vals = random_state.uniform(size=n_local_trials) * pot
        cand = np.searchsorted(np.cumsum(sample_weight * closest), rand_vals)
        np.clip(cand, None, closest.size - 1, out=cand)
        d = _sq_dist_to(X[cand], X, x_sq)
        np.minimum(closest, d, out=d)
        cand_pot = d @ sample_weight
        best = int(np.argmin(cand_pot))
        pot = cand_pot[best]
        closest = d[best]
        centers[c] = X[cand[best]]
        indices[c] = cand[best]
    return centers, indices


def kmeans_plusplus(X, n_clusters, *, sample_weight=None, random_state=None):
    """Greedy k-means++ seeding; returns ``(centers, indices)`` like scikit-learn's function."""
    X = check_array(X, dtype=[np.float64, np.float32])
    if X.shape[0] < n_clusters:
        raise ValueError(f"n_samples={X.shape[0]} should be >= n_clusters={n_clusters}.")
    sw = _check_sample_weight(sample_weight, X, dtype=X.dtype)
    return _kmeans_plusplus(X, n_clusters, np.einsum("ij,ij->i", X, X),
                            check_random_state(random_state), sw)


@njit(cache=True, nogil=True, parallel=True)
def _estep(X, C2T, c_sq, x_sq, sw, chunk, n_blocks, labels, mind, sums, wsum):
    """The assignment step in row chunks, one matrix product per chunk (``C2T`` = ``-2 C^T``,
    ``c_sq`` the centres' squared norms), the chunks split in ``n_blocks`` contiguous blocks
    run by numba's threads: ``labels[i] = argmin_k (||c_k||^2 - 2 x_i . c_k)`` (the first on
    ties), ``mind[i]`` the squared distance to that centre (when ``mind`` is not empty) and,
    when ``sums`` is not empty, each cluster's weighted sum of rows and weight added to
    ``sums`` and ``wsum`` (per block, then block by block)."""
    n, d = X.shape
    k = C2T.shape[1]
    n_chunks = (n + chunk - 1) // chunk
    acc = sums.shape[0] > 0
    block_sums = np.zeros((n_blocks, sums.shape[0], d))
    block_w = np.zeros((n_blocks, k))
    for b in prange(n_blocks):
        for c in range(b * n_chunks // n_blocks, (b + 1) * n_chunks // n_blocks):
            s, e = c * chunk, min(n, (c + 1) * chunk)
            D = X[s:e] @ C2T
            for r in range(e - s):
                i = s + r
                best, lab = D[r, 0] + c_sq[0], 0
                for j in range(1, k):
                    v = D[r, j] + c_sq[j]
                    if v < best:
                        best, lab = v, j
                labels[i] = lab
                if mind.shape[0] > 0:
                    mind[i] = max(best + x_sq[i], 0.0)
                if acc:
                    block_w[b, lab] += sw[i]
                    for f in range(d):
                        block_sums[b, lab, f] += sw[i] * X[i, f]
    if acc:
        for b in range(n_blocks):
            sums += block_sums[b]
            wsum += block_w[b]


def _assign(X, centers, x_sq, chunk, need_dist=True, sample_weight=None):
    """Labels, the squared distance to the closest centre (None unless ``need_dist``) and,
    with ``sample_weight``, each cluster's weighted sum of rows and total weight
    (``_estep``; BLAS kept to one thread inside numba's)."""
    n, k = X.shape[0], centers.shape[0]
    labels = np.empty(n, dtype=np.int32)
    mind = np.empty(n if need_dist else 0, dtype=X.dtype)
    acc = sample_weight is not None
    sums = np.zeros((k if acc else 0, X.shape[1]))
    wsum = np.zeros(k)
    n_blocks = max(1, min(numba.get_num_threads(), -(-n // chunk)))
    centers = centers.astype(X.dtype, copy=False)
    C2T = np.ascontiguousarray(-2.0 * centers.T)
    c_sq = np.einsum("ij,ij->i", centers, centers)
    with blas_threads(1):
        _estep(X, C2T, c_sq, x_sq, sample_weight if acc else x_sq[:0], chunk, n_blocks, labels,
               mind, sums, wsum)
    return labels, (mind if need_dist else None), sums, wsum


def _chunk(k):
    return max(1024, (1 << 15) // max(k, 1))


def _lloyd(X, sample_weight, centers, max_iter, tol, x_sq):
    n, k = X.shape[0], centers.shape[0]
    chunk = _chunk(k)
    centers = centers.copy()
    labels_old = np.full(n, -1, dtype=np.int32)
    strict = False
    i = 0
    for i in range(max_iter):
        labels, _, sums, wsum = _assign(X, centers, x_sq, chunk, need_dist=False,
                                        sample_weight=sample_weight)
        empty = np.flatnonzero(wsum == 0)
        if empty.size:   # scikit-learn's _relocate_empty_clusters_dense
            dist = ((X - centers[labels]) ** 2).sum(axis=1)
            far = np.argpartition(dist, -empty.size)[:-empty.size - 1:-1]
            for new_id, far_idx in zip(empty, far):
                w = sample_weight[far_idx]
                old_id = labels[far_idx]
                sums[old_id] -= X[far_idx] * w
                sums[new_id] = X[far_idx] * w
                wsum[new_id] = w
                wsum[old_id] -= w
        nz = wsum > 0
        new_centers = centers.copy()
        new_centers[nz] = sums[nz] / wsum[nz, None]
        shift = ((new_centers - centers) ** 2).sum()
        centers = new_centers
        if np.array_equal(labels, labels_old):
            strict = True
            break
        if shift <= tol:
            break
        labels_old = labels
    if strict:
        mind = ((X - centers[labels]) ** 2).sum(axis=1)
    else:   # re-run the E-step so that the labels match the final centres
        labels, mind, _, _ = _assign(X, centers, x_sq, chunk)
    inertia = float(mind @ sample_weight)
    return labels, inertia, centers, i + 1


def _same_clustering(a, b):
    pairs = np.unique(np.stack([a, b]), axis=1).shape[1]
    return pairs == np.unique(a).size == np.unique(b).size


class KMeans(ClassNamePrefixFeaturesOutMixin, ClusterMixin, TransformerMixin, BaseEstimator):
    """k-means clustering by Lloyd's algorithm (see module docstring).

    Parameters follow ``sklearn.cluster.KMeans``: ``init`` is ``"k-means++"``, ``"random"``
    (``n_clusters`` distinct samples), an array ``(n_clusters, n_features)`` or a callable
    ``init(X, n_clusters, random_state)``; ``n_init="auto"`` means 1 run for k-means++ / array
    and 10 for ``"random"``.  Only ``algorithm="lloyd"`` is implemented (``"elkan"`` is
    accepted and runs Lloyd, which gives the same fixed point).

    Attributes: ``cluster_centers_``, ``labels_``, ``inertia_``, ``n_iter_``,
    ``n_features_in_``.
    """

    def __init__(self, n_clusters=8, *, init="k-means++", n_init="auto", max_iter=300, tol=1e-4,
                 verbose=0, random_state=None, copy_x=True, algorithm="lloyd"):
        self.n_clusters = n_clusters
        self.init = init
        self.n_init = n_init
        self.max_iter = max_iter
        self.tol = tol
        self.verbose = verbose
        self.random_state = random_state
        self.copy_x = copy_x
        self.algorithm = algorithm

    def _check_params(self, X):
        k = self.n_clusters
        if not isinstance(k, numbers.Integral) or isinstance(k, bool) or k < 1:
            raise ValueError(f"n_clusters must be a positive integer, got n_clusters={k!r}")
        if X.shape[0] < k:
            raise ValueError(f"n_samples={X.shape[0]} should be >= n_clusters={k}.")
        if not isinstance(self.max_iter, numbers.Integral) or self.max_iter < 1:
            raise ValueError(f"max_iter must be a positive integer, got max_iter={self.max_iter!r}")
        if not isinstance(self.tol, numbers.Real) or self.tol < 0:
            raise ValueError(f"tol must be a non-negative float, got tol={self.tol!r}")
        if self.algorithm not in ("lloyd", "elkan"):
            raise ValueError(f"algorithm must be 'lloyd' or 'elkan', got algorithm={self.algorithm!r}")
        init = self.init
        is_array = not isinstance(init, str) and not callable(init)
        if isinstance(init, str) and init not in ("k-means++", "random"):
            raise ValueError(
                f"init must be 'k-means++', 'random', an array or a callable, got init={init!r}")
        if self.n_init == "auto":
            n_init = 10 if isinstance(init, str) and init == "random" else 1
        elif isinstance(self.n_init, numbers.Integral) and not isinstance(self.n_init, bool) and self.n_init >= 1:
            n_init = int(self.n_init)
        else:
            raise ValueError(f"n_init must be 'auto' or a positive integer, got n_init={self.n_init!r}")
        if is_array and n_init != 1:
            warnings.warn(
                "Explicit initial center position passed: performing only one init in KMeans "
                f"instead of n_init={n_init}.", RuntimeWarning, stacklevel=3)
            n_init = 1
        return n_init, is_array

    def _init_centroids(self, X, x_sq, init, rng, sample_weight):
        k = self.n_clusters
        if isinstance(init, str) and init == "k-means++":
            centers, _ = _kmeans_plusplus(X, k, x_sq, rng, sample_weight)
        elif isinstance(init, str) and init == "random":
            centers = X[rng.choice(X.shape[0], size=k, replace=False,
                                   p=sample_weight / sample_weight.sum())]
        elif callable(init):
            centers = check_array(init(X, k, random_state=rng), dtype=X.dtype, copy=True)
            self._validate_center_shape(X, centers)
        else:
            centers = init
        return np.array(centers, dtype=X.dtype, copy=True)

    def _validate_center_shape(self, X, centers):
        if centers.shape[0] != self.n_clusters:
            raise ValueError(
                f"The shape of the initial centers {centers.shape} does not match the number "
                f"of clusters {self.n_clusters}.")
        if centers.shape[1] != X.shape[1]:
            raise ValueError(
                f"The shape of the initial centers {centers.shape} does not match the number "
                f"of features of the data {X.shape[1]}.")

    def fit(self, X, y=None, sample_weight=None):
        """Run ``n_init`` seedings + Lloyd and keep the lowest-inertia solution."""
        X = validate_data(self, X, dtype=[np.float64, np.float32], order="C", copy=self.copy_x)
        n_init, is_array = self._check_params(X)
        rng = check_random_state(self.random_state)
        sample_weight = _check_sample_weight(sample_weight, X, dtype=X.dtype)
        init = self.init
        if is_array:
            init = check_array(init, dtype=X.dtype, copy=True, order="C")
            self._validate_center_shape(X, init)
        X_mean = X.mean(axis=0)
        Xc = X - X_mean
        if is_array:
            init = init - X_mean
        x_sq = np.einsum("ij,ij->i", Xc, Xc)
        # mean per-feature variance of the (centred) data, times tol
        tol = float(x_sq.sum() / Xc.size * self.tol) if self.tol > 0 else 0.0
        best = None
        for _ in range(n_init):
            c0 = self._init_centroids(Xc, x_sq, init, rng, sample_weight)
            labels, inertia, centers, n_iter = _lloyd(Xc, sample_weight, c0, self.max_iter, tol,
                                                      x_sq)
            if best is None or (inertia < best[1] and not _same_clustering(labels, best[0])):
                best = (labels, inertia, centers, n_iter)
        labels, inertia, centers, n_iter = best
        if np.unique(labels).size < self.n_clusters:
            warnings.warn(
                f"Number of distinct clusters ({np.unique(labels).size}) found smaller than "
                f"n_clusters ({self.n_clusters}). Possibly due to duplicate points in X.",
                ConvergenceWarning, stacklevel=2)
        self.cluster_centers_ = centers + X_mean
        self._n_features_out = self.cluster_centers_.shape[0]
        self.labels_ = labels
        self.inertia_ = inertia
        self.n_iter_ = n_iter
        return self

    def _check_test(self, X):
        check_is_fitted(self)
        return validate_data(self, X, dtype=[np.float64, np.float32], order="C", reset=False)

    def predict(self, X):
        """Index of the closest centre for each sample."""
        X = self._check_test(X)
        C = self.cluster_centers_.astype(X.dtype, copy=False)
        labels, _, _, _ = _assign(X, C, np.einsum("ij,ij->i", X, X), _chunk(self.n_clusters))
        return labels

    def fit_predict(self, X, y=None, sample_weight=None):
        return self.fit(X, sample_weight=sample_weight).labels_

    def transform(self, X):
        """Euclidean distances to every centre, shape ``(n_samples, n_clusters)``."""
        X = self._check_test(X)
        return np.sqrt(_sq_dist_to(self.cluster_centers_.astype(X.dtype, copy=False), X).T)

    def fit_transform(self, X, y=None, sample_weight=None):
        return self.fit(X, sample_weight=sample_weight).transform(X)

    def score(self, X, y=None, sample_weight=None):
        """Opposite of the inertia of ``X`` on the fitted centres."""
        X = self._check_test(X)
        sw = _check_sample_weight(sample_weight, X, dtype=X.dtype)
        C = self.cluster_centers_.astype(X.dtype, copy=False)
        _, mind, _, _ = _assign(X, C, np.einsum("ij,ij->i", X, X), _chunk(self.n_clusters))
        return -float(mind @ sw)
