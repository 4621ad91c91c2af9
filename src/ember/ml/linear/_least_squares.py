"""Closed-form least squares: ``LinearRegression`` (SVD least squares) and ``Ridge``
(Cholesky on the regularised normal equations)."""
import warnings

import numpy as np
import scipy.linalg
from sklearn.base import BaseEstimator, MultiOutputMixin, RegressorMixin

from ._base import (_LinearRegressorMixin, _check_bool, _check_real, _regression_data, _set_coef,
                    _weighted_least_squares)


class LinearRegression(_LinearRegressorMixin, MultiOutputMixin, RegressorMixin, BaseEstimator):
    """Ordinary least squares: ``min_w ||sqrt(W) (y - X w - b)||^2``.

    Solved in closed form with an SVD-based least-squares solver (``scipy.linalg.lstsq``) on the
    centred data, so rank-deficient ``X`` gives the minimum-norm solution
    ``w = X_c^+ y_c``; ``b = mean(y) - mean(X) @ w``.

    Parameters
    ----------
    fit_intercept : bool, default True.
    copy_X : bool, default True (``X`` is never modified in place).

    Attributes
    ----------
    coef_, intercept_, rank_, singular_, n_features_in_.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[1.0, 1.0], [1.0, 2.0], [2.0, 2.0], [2.0, 3.0]])
    >>> y = X @ np.array([1.0, 2.0]) + 3
    >>> reg = LinearRegression().fit(X, y)
    >>> np.round(reg.coef_, 6).tolist(), round(float(reg.intercept_), 6)
    ([1.0, 2.0], 3.0)
    """

    def __init__(self, *, fit_intercept=True, copy_X=True):
        self.fit_intercept = fit_intercept
        self.copy_X = copy_X

    def fit(self, X, y, sample_weight=None):
        _check_bool("fit_intercept", self.fit_intercept)
        X, y, sw = _regression_data(self, X, y, sample_weight)
        A, b, X_off, y_off = _weighted_least_squares(X, y, sw, self.fit_intercept)
        # singular values below max(n, p) * eps * s_max count as zero (numerical rank)
        cond = max(A.shape) * np.finfo(np.float64).eps
        coef, _, self.rank_, self.singular_ = scipy.linalg.lstsq(A, b, cond=cond)
        _set_coef(self, coef.T if y.ndim > 1 else coef, X_off, y_off, y)
        return self


class Ridge(_LinearRegressorMixin, MultiOutputMixin, RegressorMixin, BaseEstimator):
    """Ridge regression: ``min_w ||y - X w - b||^2 + alpha ||w||^2`` (intercept unpenalised).

    Closed form on the centred data::

        w = (X_c^T X_c + alpha I)^{-1} X_c^T y_c        (n_samples >= n_features)
        w = X_c^T (X_c X_c^T + alpha I)^{-1} y_c        (n_features > n_samples, same w)

    solved with a Cholesky factorisation. Adding ``alpha I`` lifts every eigenvalue of
    ``X^T X`` by ``alpha``, so the condition number ``(l_max + alpha) / (l_min + alpha)`` stays
    bounded even when columns of ``X`` are (nearly) collinear and ``X^T X`` is singular:

    >>> import numpy as np
    >>> from ember.metrics import condition_number
    >>> rng = np.random.default_rng(0)
    >>> x = rng.normal(size=100)
    >>> X = np.c_[x, x + 1e-6 * rng.normal(size=100)]        # two almost equal columns
    >>> bool(condition_number(X.T @ X) > 1e10)
    True
    >>> bool(condition_number(X.T @ X + 1.0 * np.eye(2)) < 1e3)
    True
    >>> y = 3 * x + 0.01 * rng.normal(size=100)
    >>> np.round(Ridge(alpha=1.0).fit(X, y).coef_, 1).tolist()   # weight shared, not +-huge
    [1.5, 1.5]

    Parameters
    ----------
    alpha : float >= 0, default 1.0.
    fit_intercept : bool, default True.
    copy_X : bool, default True.
    """

    def __init__(self, alpha=1.0, *, fit_intercept=True, copy_X=True):
        self.alpha = alpha
        self.fit_intercept = fit_intercept
        self.copy_X = copy_X

    def fit(self, X, y, sample_weight=None):
        _check_real("alpha", self.alpha, low=0)
        _check_bool("fit_intercept", self.fit_intercept)
        X, y, sw = _regression_data(self, X, y, sample_weight)
        A, b, X_off, y_off = _weighted_least_squares(X, y, sw, self.fit_intercept)
        n, p = A.shape
        alpha = float(self.alpha)
        with np.errstate(over="ignore", invalid="ignore"):
            gram = A.T @ A if p <= n else A @ A.T
        if not np.isfinite(gram).all():
            raise ValueError("Ridge: the Gram matrix of X overflows (values too large); the input "
                             "data needs to be scaled")
        gram.flat[:: gram.shape[0] + 1] += alpha
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error", scipy.linalg.LinAlgWarning)
                if p <= n:
                    coef = scipy.linalg.solve(gram, A.T @ b, assume_a="pos")
                else:
                    coef = A.T @ scipy.linalg.solve(gram, b, assume_a="pos")
        except (np.linalg.LinAlgError, scipy.linalg.LinAlgError, scipy.linalg.LinAlgWarning):
            # alpha (near) 0 with a singular Gram matrix: fall back to least squares
            Aa = np.vstack([A, np.sqrt(alpha) * np.eye(p)])
            ba = np.concatenate([b, np.zeros((p,) + b.shape[1:])])
            coef = scipy.linalg.lstsq(Aa, ba, cond=max(Aa.shape) * np.finfo(np.float64).eps)[0]
        _set_coef(self, coef.T if y.ndim > 1 else coef, X_off, y_off, y)
        self.n_iter_ = None
        return self
