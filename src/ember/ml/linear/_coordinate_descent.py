"""``Lasso`` by cyclic coordinate descent with a duality-gap stopping rule."""
import warnings

import numpy as np
from sklearn.base import BaseEstimator, MultiOutputMixin, RegressorMixin
from sklearn.exceptions import ConvergenceWarning

from ._base import (_LinearRegressorMixin, _check_bool, _check_int, _check_real,
                    _regression_data, _set_coef, _weighted_least_squares)


def _lasso_cd(X, y, alpha, max_iter, tol):
    """Cyclic coordinate descent for ``1/(2n) ||y - X w||^2 + alpha ||w||_1`` (X, y centred).

    Each coordinate is set to its exact minimiser with the others fixed::

        w_j <- S(x_j^T r_j, n alpha) / ||x_j||^2,     r_j = y - X w + x_j w_j,
        S(z, t) = sign(z) max(|z| - t, 0)             (soft thresholding)

    When the largest coordinate change of a sweep is below ``tol`` times the largest
    coordinate, the duality gap is evaluated and the loop stops once it is below
    ``tol * ||y||^2`` (scikit-learn's rule).
    """
    n, p = X.shape
    X = np.asfortranarray(X)
    w = np.zeros(p)
    col_sq = np.einsum("ij,ij->j", X, X)
    alpha_n = alpha * n
    R = y.copy()
    tol_gap = tol * float(y @ y)
    gap = np.inf
    for it in range(max_iter):
        w_max = d_w_max = 0.0
        for j in range(p):
            if col_sq[j] == 0.0:
                continue
            xj = X[:, j]
            w_old = w[j]
            if w_old != 0.0:
                R += w_old * xj
            z = xj @ R
            w_new = np.sign(z) * max(abs(z) - alpha_n, 0.0) / col_sq[j]
            w[j] = w_new
            if w_new != 0.0:
                R -= w_new * xj
            d_w_max = max(d_w_max, abs(w_new - w_old))
            w_max = max(w_max, abs(w_new))
        if w_max == 0.0 or d_w_max / w_max <= tol or it == max_iter - 1:
            gap = _lasso_gap(X, y, w, R, alpha_n)
            if gap <= tol_gap:
                return w, it + 1, gap / n, True
    return w, max_iter, gap / n, False


def _lasso_gap(X, y, w, R, alpha_n):
    """Duality gap of the lasso (scaled by n) with the residual rescaled to be dual feasible."""
    XtR = X.T @ R
    dual_norm = np.max(np.abs(XtR)) if XtR.size else 0.0
    R_norm2 = float(R @ R)
    if dual_norm > alpha_n:
        const = alpha_n / dual_norm
        gap = 0.5 * (R_norm2 + R_norm2 * const**2)
    else:
        const = 1.0
        gap = R_norm2
    return gap + alpha_n * np.abs(w).sum() - const * float(R @ y)


class Lasso(_LinearRegressorMixin, MultiOutputMixin, RegressorMixin, BaseEstimator):
    """Lasso: ``min_w 1/(2 n) ||y - X w - b||^2 + alpha ||w||_1`` by cyclic coordinate descent.

    The update of one coordinate is a soft thresholding (see ``_lasso_cd``); the loop stops on
    the duality gap ``<= tol * ||y_c||^2`` or after ``max_iter`` sweeps (with a
    ``ConvergenceWarning``). Multi-output ``y`` fits one lasso per column.

    Parameters
    ----------
    alpha : float >= 0, default 1.0 (``alpha=0`` is least squares; use LinearRegression).
    fit_intercept : bool, default True.
    max_iter : int, default 1000.
    tol : float, default 1e-4.

    Attributes
    ----------
    coef_, intercept_, n_iter_, dual_gap_.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(50, 5))
    >>> y = X @ np.array([3.0, 0, 0, -2.0, 0]) + 0.1 * rng.normal(size=50)
    >>> (np.abs(Lasso(alpha=0.1).fit(X, y).coef_) > 1e-8).tolist()   # sparse
    [True, False, False, True, False]
    """

    def __init__(self, alpha=1.0, *, fit_intercept=True, copy_X=True, max_iter=1000, tol=1e-4):
        self.alpha = alpha
        self.fit_intercept = fit_intercept
        self.copy_X = copy_X
        self.max_iter = max_iter
        self.tol = tol

    def fit(self, X, y, sample_weight=None):
        _check_real("alpha", self.alpha, low=0)
        _check_bool("fit_intercept", self.fit_intercept)
        _check_int("max_iter", self.max_iter, 1)
        _check_real("tol", self.tol, low=0)
        X, y, sw = _regression_data(self, X, y, sample_weight)
        if self.alpha == 0:
            warnings.warn(
                "With alpha=0, this algorithm does not converge well. You are advised to use "
                "the LinearRegression estimator", UserWarning)
        # weights: rescale so that they sum to n (scikit-learn's convention) and fold sqrt(w)
        sw = sw * (len(sw) / sw.sum()) if sw.sum() > 0 else sw
        A, b, X_off, y_off = _weighted_least_squares(X, y, sw, self.fit_intercept)
        Y = b.reshape(len(y), -1)
        coefs, iters, gaps, ok = [], [], [], True
        for k in range(Y.shape[1]):
            w, it, gap, conv = _lasso_cd(A, Y[:, k].copy(), float(self.alpha), self.max_iter,
                                         float(self.tol))
            coefs.append(w)
            iters.append(it)
            gaps.append(gap)
            ok &= conv
        if not ok:
            warnings.warn(
                "Objective did not converge. You might want to increase the number of "
                "iterations (max_iter).", ConvergenceWarning)
        coef = np.array(coefs)
        _set_coef(self, coef if y.ndim > 1 else coef[0], X_off, y_off, y)
        self.n_iter_ = iters[0] if y.ndim == 1 else iters
        self.dual_gap_ = gaps[0] if y.ndim == 1 else np.array(gaps)
        return self
