"""Principal component analysis by the SVD of the centred data.

With ``X_c = X - mean`` and the thin SVD ``X_c = U S V^T``, the principal axes are the rows of
``V^T`` (``components_``), ordered by decreasing singular value; the variance explained by
axis ``k`` is ``S_k^2 / (n_samples - 1)`` (the eigenvalues of the sample covariance). The
projection of ``X`` is ``X_c V = U S``; with ``whiten=True`` it is divided by
``sqrt(explained_variance_)`` so every output column has unit variance.

Signs: an SVD determines each axis only up to sign. As scikit-learn (``svd_flip`` with
``u_based_decision=False``) each row of ``components_`` is flipped so that its entry of largest
absolute value is positive, which makes the output deterministic and equal to scikit-learn's.
"""
import numbers

import numpy as np
import scipy.linalg
from sklearn.base import BaseEstimator, ClassNamePrefixFeaturesOutMixin, TransformerMixin
from sklearn.utils.validation import check_is_fitted, validate_data

__all__ = ["PCA"]


class PCA(ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseEstimator):
    """Principal component analysis (exact, SVD-based).

    Parameters
    ----------
    n_components : int, float in (0, 1) or None, default None.
        ``None`` keeps ``min(n_samples, n_features)`` components; an int keeps that many; a
        float keeps the fewest components whose cumulated explained-variance ratio exceeds it.
    whiten : bool, default False.
        Scale the projections to unit variance (``X_c V / sqrt(explained_variance_)``).
    copy : bool, default True (``X`` is never modified in place).

    Attributes
    ----------
    components_ : (n_components, n_features), the principal axes (unit rows).
    explained_variance_, explained_variance_ratio_, singular_values_, mean_, n_components_,
    noise_variance_ (mean of the discarded eigenvalues), n_samples_, n_features_in_.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[-1, -1], [-2, -1], [-3, -2], [1, 1], [2, 1], [3, 2]], dtype=float)
    >>> pca = PCA(n_components=2).fit(X)
    >>> np.round(pca.explained_variance_ratio_, 4).tolist()
    [0.9924, 0.0076]
    >>> np.allclose(pca.inverse_transform(pca.transform(X)), X)
    True
    """

    def __init__(self, n_components=None, *, copy=True, whiten=False):
        self.n_components = n_components
        self.copy = copy
        self.whiten = whiten

    def _n_components(self, n_samples, n_features, ratio):
        k = self.n_components
        upper = min(n_samples, n_features)
        if k is None:
            return upper
        if isinstance(k, numbers.Integral) and not isinstance(k, bool):
            if not 0 <= k <= upper:
                raise ValueError(
                    f"n_components={k!r} must be between 0 and min(n_samples, n_features)="
                    f"{upper!r}")
            return int(k)
        if isinstance(k, numbers.Real) and not isinstance(k, bool) and 0 < k < 1:
            cum = np.cumsum(ratio)
            return int(np.searchsorted(cum, k, side="right") + 1)
        raise ValueError(
            "The 'n_components' parameter must be None, an int in [0, min(n_samples, "
            f"n_features)] or a float in (0, 1); got {k!r}")

    def _fit(self, X):
        if not isinstance(self.whiten, (bool, np.bool_)):
            raise ValueError(f"The 'whiten' parameter must be a bool; got {self.whiten!r}")
        X = validate_data(self, X, dtype=[np.float64, np.float32], ensure_min_samples=2)
        n, p = X.shape
        self.mean_ = X.mean(axis=0)
        Xc = X - self.mean_
        U, S, Vt = scipy.linalg.svd(Xc, full_matrices=False, lapack_driver="gesdd")
        # svd_flip, v-based: the largest |entry| of each principal axis is positive
        signs = np.sign(Vt[np.arange(Vt.shape[0]), np.argmax(np.abs(Vt), axis=1)])
        signs[signs == 0] = 1.0
        U *= signs
        Vt *= signs[:, None]
        ev = S**2 / (n - 1)
        total = ev.sum()
        ratio = ev / total if total > 0 else np.zeros_like(ev)
        k = self._n_components(n, p, ratio)
        self.n_components_ = k
        self.n_samples_ = n
        self.components_ = Vt[:k]
        self.explained_variance_ = ev[:k]
        self.explained_variance_ratio_ = ratio[:k]
        self.singular_values_ = S[:k].copy()
        self.noise_variance_ = float(ev[k:].mean()) if k < min(n, p) else 0.0
        return U[:, :k], S[:k], n

    def fit(self, X, y=None):
        self._fit(X)
        return self

    def fit_transform(self, X, y=None):
        U, S, n = self._fit(X)
        return U * np.sqrt(n - 1) if self.whiten else U * S

    def _scale(self):
        scale = np.sqrt(self.explained_variance_)
        eps = np.finfo(scale.dtype).eps
        return np.where(scale < eps, eps, scale)

    def transform(self, X):
        """Project on the principal axes: ``(X - mean_) @ components_.T`` (whitened if asked)."""
        check_is_fitted(self)
        X = validate_data(self, X, dtype=[np.float64, np.float32], reset=False)
        Z = (X - self.mean_) @ self.components_.T
        return Z / self._scale() if self.whiten else Z

    def inverse_transform(self, X):
        """Map back: ``X @ components_ + mean_`` (undoing the whitening first)."""
        check_is_fitted(self)
        X = np.asarray(X, dtype=self.components_.dtype)
        if X.ndim != 2 or X.shape[1] != self.n_components_:
            raise ValueError(
                f"X has shape {X.shape}; expected (n_samples, {self.n_components_})")
        if self.whiten:
            return X @ (self._scale()[:, None] * self.components_) + self.mean_
        return X @ self.components_ + self.mean_

    @property
    def _n_features_out(self):
        return self.components_.shape[0]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags
