"""Discretisation of continuous features into bins.

``KBinsDiscretizer`` learns, per feature, bin edges ``e_0 < e_1 < ... < e_k`` and maps a value
``x`` to the bin index ``i`` with ``e_i <= x < e_{i+1}`` (values below ``e_1`` go to bin 0,
values at or above ``e_{k-1}`` to bin ``k - 1``), then encodes the index:

* ``strategy="uniform"``: ``k`` equal-width bins, ``e_i = min + i (max - min) / k``;
* ``strategy="quantile"``: equal-frequency bins, ``e_i`` = the ``100 i / k``-th percentile of the
  feature (``numpy.percentile`` with ``quantile_method``, default "averaged_inverted_cdf" as in
  scikit-learn 1.9); edges closer than ``1e-8`` are merged (with a warning).

A constant feature gets a single bin (with a warning).
"""
import numbers
import warnings

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils import check_random_state
from sklearn.utils.validation import _check_feature_names_in, check_is_fitted, validate_data

__all__ = ["KBinsDiscretizer"]

_QUANTILE_METHODS = ("inverted_cdf", "averaged_inverted_cdf", "closest_observation",
                     "interpolated_inverted_cdf", "hazen", "weibull", "linear", "median_unbiased",
                     "normal_unbiased")


class KBinsDiscretizer(TransformerMixin, BaseEstimator):
    """Bin continuous features into intervals.

    Parameters
    ----------
    n_bins : int >= 2 or array of ints of shape (n_features,), default 5.
    encode : {"onehot", "onehot-dense", "ordinal"}, default "onehot".
        "onehot": a ``scipy.sparse`` CSR matrix with one column per (feature, bin);
        "onehot-dense": the same as a dense array; "ordinal": the bin index per feature.
    strategy : {"uniform", "quantile"}, default "quantile".
    quantile_method : a ``numpy.percentile`` method, default "averaged_inverted_cdf".
    dtype : {np.float64, np.float32, None}, default None (the input's float dtype).
    subsample : int or None, default 200_000. Quantiles are computed on a random subsample of
        this many rows when there are more (``None``: all rows).
    random_state : int, RandomState or None (for ``subsample``).

    Attributes
    ----------
    bin_edges_ : object array of shape (n_features,) holding each feature's edges.
    n_bins_ : int array, the number of bins per feature (after merging narrow bins).

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[-2.0, 1.0], [-1.0, 2.0], [0.0, 3.0], [1.0, 4.0]])
    >>> est = KBinsDiscretizer(n_bins=2, encode="ordinal", strategy="uniform").fit(X)
    >>> est.transform(X).tolist()
    [[0.0, 0.0], [0.0, 0.0], [1.0, 1.0], [1.0, 1.0]]
    >>> est.bin_edges_[0].tolist()
    [-2.0, -0.5, 1.0]
    """

    def __init__(self, n_bins=5, *, encode="onehot", strategy="quantile",
                 quantile_method="averaged_inverted_cdf", dtype=None, subsample=200_000,
                 random_state=None):
        self.n_bins = n_bins
        self.encode = encode
        self.strategy = strategy
        self.quantile_method = quantile_method
        self.dtype = dtype
        self.subsample = subsample
        self.random_state = random_state

    def _validate_params(self):
        if self.encode not in ("onehot", "onehot-dense", "ordinal"):
            raise ValueError(
                "The 'encode' parameter must be one of 'onehot', 'onehot-dense', 'ordinal'; "
                f"got {self.encode!r}")
        if self.strategy not in ("uniform", "quantile"):
            raise ValueError(
                f"The 'strategy' parameter must be 'uniform' or 'quantile'; got {self.strategy!r}")
        if self.quantile_method not in _QUANTILE_METHODS:
            raise ValueError(
                f"The 'quantile_method' parameter must be one of {_QUANTILE_METHODS}; got "
                f"{self.quantile_method!r}")
        if self.dtype not in (None, np.float64, np.float32):
            raise ValueError(
                f"The 'dtype' parameter must be np.float64, np.float32 or None; got {self.dtype!r}")
        if self.subsample is not None and not (
                isinstance(self.subsample, numbers.Integral) and self.subsample >= 1):
            raise ValueError(f"The 'subsample' parameter must be an int >= 1 or None; got {self.subsample!r}")

    def _validate_n_bins(self, n_features):
        nb = self.n_bins
        if isinstance(nb, numbers.Integral) and not isinstance(nb, bool):
            if nb < 2:
                raise ValueError(f"The 'n_bins' parameter must be an int >= 2; got {nb!r}")
            return np.full(n_features, nb, dtype=int)
        arr = np.asarray(nb)
        if arr.ndim != 1 or arr.shape[0] != n_features:
            raise ValueError("n_bins must be a scalar or array of shape (n_features,).")
        bad = np.flatnonzero((arr < 2) | (arr != np.round(arr)))
        if bad.size:
            raise ValueError(
                f"KBinsDiscretizer received an invalid number of bins at indices "
                f"{', '.join(map(str, bad))}. Number of bins must be at least 2, and must be an int.")
        return arr.astype(int)

    def fit(self, X, y=None):
        self._validate_params()
        X = validate_data(self, X, dtype=[np.float64, np.float32])
        n, p = X.shape
        if self.subsample is not None and n > self.subsample:
            rows = check_random_state(self.random_state).choice(n, self.subsample, replace=False)
            X = X[rows]
        n_bins = self._validate_n_bins(p)
        edges = np.zeros(p, dtype=object)
        for j in range(p):
            col = X[:, j]
            lo, hi = col.min(), col.max()
            if lo == hi:
                warnings.warn(f"Feature {j} is constant and will be replaced with 0.")
                n_bins[j] = 1
                edges[j] = np.array([-np.inf, np.inf])
                continue
            if self.strategy == "uniform":
                edges[j] = np.linspace(lo, hi, n_bins[j] + 1)
            else:
                levels = np.linspace(0, 100, n_bins[j] + 1)
                e = np.asarray(np.percentile(col, levels, method=self.quantile_method),
                               dtype=np.float64)
                keep = np.ediff1d(e, to_begin=np.inf) > 1e-8
                e = e[keep]
                if len(e) - 1 != n_bins[j]:
                    warnings.warn(
                        f"Bins whose width are too small (i.e., <= 1e-8) in feature {j} are "
                        "removed. Consider decreasing the number of bins.")
                    n_bins[j] = len(e) - 1
                edges[j] = e
        self.bin_edges_ = edges
        self.n_bins_ = n_bins
        return self

    def _out_dtype(self, X):
        return X.dtype if self.dtype is None else np.dtype(self.dtype)

    def transform(self, X):
        """Bin indices (ordinal) or their one-hot encoding."""
        check_is_fitted(self)
        X = validate_data(self, X, dtype=[np.float64, np.float32], reset=False, copy=True)
        dtype = self._out_dtype(X)
        idx = np.empty(X.shape, dtype=np.int64)
        for j in range(X.shape[1]):
            idx[:, j] = np.searchsorted(self.bin_edges_[j][1:-1], X[:, j], side="right")
        if self.encode == "ordinal":
            return idx.astype(dtype)
        offsets = np.r_[0, np.cumsum(self.n_bins_)[:-1]]
        cols = (idx + offsets).ravel()
        rows = np.repeat(np.arange(X.shape[0]), X.shape[1])
        M = sp.csr_matrix((np.ones(len(cols), dtype=dtype), (rows, cols)),
                          shape=(X.shape[0], int(self.n_bins_.sum())))
        return M if self.encode == "onehot" else M.toarray()

    def inverse_transform(self, X):
        """Map bin indices (or one-hot rows) to the bin centres."""
        check_is_fitted(self)
        if sp.issparse(X):
            X = X.toarray()
        X = np.asarray(X, dtype=np.float64)
        n_features = len(self.n_bins_)
        if self.encode != "ordinal":
            if X.ndim != 2 or X.shape[1] != int(self.n_bins_.sum()):
                raise ValueError(
                    f"Shape of the passed X data is not correct. Expected {int(self.n_bins_.sum())} "
                    f"columns, got {X.shape[1] if X.ndim == 2 else X.shape}.")
            bounds = np.r_[0, np.cumsum(self.n_bins_)]
            X = np.column_stack([np.argmax(X[:, bounds[j]:bounds[j + 1]], axis=1)
                                 for j in range(n_features)]).astype(np.float64)
        if X.ndim != 2 or X.shape[1] != n_features:
            raise ValueError(
                f"Incorrect number of features. Expecting {n_features}, received "
                f"{X.shape[1] if X.ndim == 2 else X.shape}.")
        out = np.empty_like(X)
        for j in range(n_features):
            e = self.bin_edges_[j]
            centres = (e[1:] + e[:-1]) * 0.5
            out[:, j] = centres[X[:, j].astype(np.int64)]
        return out

    def get_feature_names_out(self, input_features=None):
        check_is_fitted(self, "n_features_in_")
        names = _check_feature_names_in(self, input_features)
        if self.encode == "ordinal":
            return names
        return np.asarray([f"{name}_{float(b)}" for name, k in zip(names, self.n_bins_)
                           for b in range(k)], dtype=object)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags
