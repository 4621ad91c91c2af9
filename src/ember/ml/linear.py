"""Linear models: least squares, ridge, lasso, logistic regression and the perceptron.

Names, arguments, defaults and fitted attributes follow scikit-learn. Intercepts are never
penalised: with ``fit_intercept=True`` the (weighted) column means are removed from ``X`` and
``y`` before solving for ``coef_``, and ``intercept_ = mean(y) - mean(X) @ coef_`` (logistic
regression carries the intercept as an unpenalised parameter instead).

Example
-------
    >>> import numpy as np
    >>> from ember.ml.linear import LinearRegression, LogisticRegression
    >>> X = np.array([[0.0], [1.0], [2.0], [3.0]])
    >>> reg = LinearRegression().fit(X, 2 * X.ravel() + 1)
    >>> round(float(reg.coef_[0]), 6), round(float(reg.intercept_), 6)
    (2.0, 1.0)
    >>> LogisticRegression().fit(X, [0, 0, 1, 1]).predict([[0.2], [2.8]]).tolist()
    [0, 1]
"""
import numbers
import warnings

import numpy as np
import scipy.linalg
import scipy.optimize
from scipy.special import expit, logsumexp, softmax
from sklearn.base import BaseEstimator, ClassifierMixin, MultiOutputMixin, RegressorMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import check_random_state
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import _check_sample_weight, check_is_fitted, validate_data

__all__ = ["LinearRegression", "Ridge", "Lasso", "LogisticRegression", "Perceptron"]


# ----------------------------------------------------------------------------- helpers
def _check_real(name, value, low=None, high=None, low_open=False, allow_inf=False):
    ok = isinstance(value, numbers.Real) and not isinstance(value, bool) and not np.isnan(value)
    if ok and not allow_inf and np.isinf(value):
        ok = False
    if ok and low is not None:
        ok = value > low if low_open else value >= low
    if ok and high is not None:
        ok = value <= high
    if not ok:
        rng = f"{'(' if low_open else '['}{low}, {high if high is not None else 'inf'}]"
        raise ValueError(f"The '{name}' parameter must be a real number in the range {rng}; got {value!r}")


def _check_int(name, value, low):
    if not (isinstance(value, numbers.Integral) and not isinstance(value, bool) and value >= low):
        raise ValueError(f"The '{name}' parameter must be an int >= {low}; got {value!r}")


def _check_bool(name, value):
    if not isinstance(value, (bool, np.bool_)):
        raise ValueError(f"The '{name}' parameter must be a bool; got {value!r}")


def _center(X, y, sample_weight, fit_intercept):
    """Weighted centring; returns Xc, yc, X_offset, y_offset."""
    if not fit_intercept:
        return X, y, np.zeros(X.shape[1]), np.zeros(y.shape[1:]) if y.ndim > 1 else 0.0
    X_offset = np.average(X, axis=0, weights=sample_weight)
    y_offset = np.average(y, axis=0, weights=sample_weight)
    return X - X_offset, y - y_offset, X_offset, y_offset


def _regression_data(est, X, y, sample_weight, multi_output=True):
    X, y = validate_data(est, X, y, y_numeric=True, multi_output=multi_output,
                         dtype=np.float64, accept_sparse=False)
    sample_weight = _check_sample_weight(sample_weight, X, dtype=np.float64)
    return X, np.asarray(y, dtype=np.float64), sample_weight


def _set_coef(est, coef, X_offset, y_offset, y):
    """Store ``coef_`` with scikit-learn's shapes.

    ``coef`` is (n_features,) for 1-d ``y`` and (n_targets, n_features) for 2-d ``y``.
    """
    coef = np.asarray(coef, dtype=np.float64)
    est.coef_ = coef
    if y.ndim == 1:
        est.intercept_ = float(y_offset - X_offset @ coef) if est.fit_intercept else 0.0
    else:
        est.intercept_ = (y_offset - coef @ X_offset) if est.fit_intercept \
            else np.zeros(y.shape[1])


class _LinearRegressorMixin:
    def predict(self, X):
        """``X @ coef_.T + intercept_``."""
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=np.float64)
        return X @ self.coef_.T + self.intercept_


# ----------------------------------------------------------------------------- least squares
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
        Xc, yc, X_off, y_off = _center(X, y, sw, self.fit_intercept)
        r = np.sqrt(sw)
        A = Xc * r[:, None]
        b = yc * (r if yc.ndim == 1 else r[:, None])
        # singular values below max(n, p) * eps * s_max count as zero (numerical rank)
        cond = max(A.shape) * np.finfo(np.float64).eps
        coef, _, self.rank_, self.singular_ = scipy.linalg.lstsq(A, b, cond=cond)
        _set_coef(self, coef.T if y.ndim > 1 else coef, X_off, y_off, y)
        return self


# ----------------------------------------------------------------------------- ridge
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
        Xc, yc, X_off, y_off = _center(X, y, sw, self.fit_intercept)
        r = np.sqrt(sw)
        A = Xc * r[:, None]
        b = yc * (r if yc.ndim == 1 else r[:, None])
        n, p = A.shape
        alpha = float(self.alpha)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error", scipy.linalg.LinAlgWarning)
                if p <= n:
                    G = A.T @ A
                    G.flat[:: p + 1] += alpha
                    coef = scipy.linalg.solve(G, A.T @ b, assume_a="pos")
                else:
                    K = A @ A.T
                    K.flat[:: n + 1] += alpha
                    coef = A.T @ scipy.linalg.solve(K, b, assume_a="pos")
        except (np.linalg.LinAlgError, scipy.linalg.LinAlgError, scipy.linalg.LinAlgWarning):
            # alpha (near) 0 with a singular Gram matrix: fall back to least squares
            Aa = np.vstack([A, np.sqrt(alpha) * np.eye(p)])
            ba = np.concatenate([b, np.zeros((p,) + b.shape[1:])])
            coef = scipy.linalg.lstsq(Aa, ba, cond=max(Aa.shape) * np.finfo(np.float64).eps)[0]
        _set_coef(self, coef.T if y.ndim > 1 else coef, X_off, y_off, y)
        self.n_iter_ = None
        return self


# ----------------------------------------------------------------------------- lasso
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
        Xc, yc, X_off, y_off = _center(X, y, sw, self.fit_intercept)
        r = np.sqrt(sw)
        A = Xc * r[:, None]
        Y = (yc * (r if yc.ndim == 1 else r[:, None])).reshape(len(y), -1)
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


# ----------------------------------------------------------------------------- logistic regression
class _LogisticLoss:
    """Mean weighted log-loss plus the smooth penalty, on a flat parameter vector.

    Binary: ``theta = [w, b]``, ``l_i = log(1 + exp(z_i)) - y_i z_i``, ``z_i = x_i w + b``.
    Multinomial: ``theta = vec([W, b])`` of shape (K, p + 1), ``l_i = logsumexp(z_i) - z_{i, y_i}``.
    Objective ``f(theta) = (1/S) sum_i s_i l_i + (lam2 / 2) ||W||^2`` with ``S = sum_i s_i`` and
    ``lam2 = 1 / (C S)`` -- the minimiser of scikit-learn's ``C sum_i s_i l_i + 1/2 ||W||^2``.
    """

    def __init__(self, X, y_idx, n_classes, sw, fit_intercept, lam2):
        self.X, self.sw, self.fi, self.lam2 = X, sw / sw.sum(), fit_intercept, lam2
        self.n, self.p = X.shape
        self.K = 1 if n_classes == 2 else n_classes
        if self.K == 1:
            self.Y = (y_idx == 1).astype(np.float64)
        else:
            self.Y = np.zeros((self.n, self.K))
            self.Y[np.arange(self.n), y_idx] = 1.0
        self.width = self.p + int(fit_intercept)
        self.size = self.K * self.width

    def split(self, theta):
        T = theta.reshape(self.K, self.width)
        W = T[:, : self.p]
        b = T[:, self.p] if self.fi else np.zeros(self.K)
        return W, b

    def penalised_mask(self):
        m = np.ones((self.K, self.width))
        if self.fi:
            m[:, self.p] = 0.0
        return m.ravel()

    def scores(self, theta):
        W, b = self.split(theta)
        return self.X @ W.T + b                            # (n, K)

    def value_grad(self, theta):
        W, b = self.split(theta)
        Z = self.X @ W.T + b
        if self.K == 1:
            z = Z[:, 0]
            loss = np.logaddexp(0.0, z) - self.Y * z
            R = (expit(z) - self.Y)[:, None]
        else:
            m = Z.max(axis=1, keepdims=True)
            E = np.exp(Z - m)
            s = E.sum(axis=1, keepdims=True)
            loss = (m + np.log(s))[:, 0] - np.sum(self.Y * Z, axis=1)   # logsumexp - z_y
            R = E / s - self.Y                                            # softmax - onehot
        f = float(self.sw @ loss) + 0.5 * self.lam2 * float(np.sum(W * W))
        Rw = R * self.sw[:, None]
        gW = Rw.T @ self.X + self.lam2 * W
        G = np.hstack([gW, Rw.sum(axis=0)[:, None]]) if self.fi else gW
        return f, G.ravel()

    def value(self, theta):
        return self.value_grad(theta)[0]

    def hessian(self, theta):
        Xt = np.hstack([self.X, np.ones((self.n, 1))]) if self.fi else self.X
        Z = self.scores(theta)
        pen = self.lam2 * self.penalised_mask()
        if self.K == 1:
            s = expit(Z[:, 0])
            d = self.sw * s * (1 - s)
            H = (Xt * d[:, None]).T @ Xt
        else:
            P = softmax(Z, axis=1)
            w = self.width
            H = np.empty((self.K * w, self.K * w))
            for k in range(self.K):
                for l in range(k, self.K):
                    d = self.sw * P[:, k] * ((k == l) - P[:, l])
                    blk = (Xt * d[:, None]).T @ Xt
                    H[k * w:(k + 1) * w, l * w:(l + 1) * w] = blk
                    H[l * w:(l + 1) * w, k * w:(k + 1) * w] = blk.T
        H.flat[:: H.shape[0] + 1] += pen
        return H

    def lipschitz(self):
        Xt = np.hstack([self.X, np.ones((self.n, 1))]) if self.fi else self.X
        top = np.linalg.norm(Xt * np.sqrt(self.sw)[:, None], 2) ** 2
        return top * (0.25 if self.K == 1 else 0.5) + self.lam2


class LogisticRegression(ClassifierMixin, BaseEstimator):
    """Logistic regression, binary (sigmoid) or multinomial (softmax), scikit-learn's objective.

    Minimises ``C sum_i s_i l_i + pen(W)`` with ``l_i`` the log-loss of sample ``i`` (weights
    ``s_i``), ``pen = 1/2 ||W||_F^2`` ("l2"), ``||W||_1`` ("l1") or 0 (None); the intercept is
    not penalised. Two classes use one weight vector (``coef_`` of shape (1, n_features),
    ``P(y = classes_[1]) = sigmoid(x w + b)``); more classes use the full softmax
    parametrisation with ``coef_`` of shape (n_classes, n_features) and intercepts centred to
    sum to zero, as scikit-learn does.

    Solvers (all on our own loss and gradient; the objective is divided by ``C sum_i s_i`` so
    that ``tol`` applies to the gradient of the mean loss):

    * ``"lbfgs"`` -- scipy's L-BFGS-B (l2 / None); stops when ``max |grad| <= tol``.
    * ``"newton"`` -- Newton / IRLS with the exact Hessian ``X~^T diag(s p (1 - p)) X~ / S +
      lam2 I`` (block form for softmax) and a backtracking line search (l2 / None).
    * ``"gd"`` -- accelerated proximal gradient descent (FISTA with adaptive restart) with step
      ``1/L``; for "l1" each step ends with the soft-thresholding proximal step
      ``W <- sign(W) max(|W| - step / (C S), 0)``. Stops when the gradient mapping is below
      ``tol``. Needs many more iterations than the others: raise ``max_iter``.

    Parameters
    ----------
    penalty : {"l2", "l1", None, "none"}, default "l2".
    C : float > 0, default 1.0 (``np.inf`` means no penalty).
    fit_intercept : bool, default True.
    tol : float >= 0, default 1e-4.
    solver : {"lbfgs", "newton", "gd"}, default "lbfgs".
    max_iter : int, default 100.

    Attributes
    ----------
    classes_, coef_, intercept_, n_iter_ (array of shape (1,)), n_features_in_.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> X, y = load_iris(return_X_y=True)
    >>> clf = LogisticRegression(max_iter=1000).fit(X, y)
    >>> clf.coef_.shape, float(clf.score(X, y)) > 0.95
    ((3, 4), True)
    """

    def __init__(self, penalty="l2", *, C=1.0, fit_intercept=True, tol=1e-4, solver="lbfgs",
                 max_iter=100):
        self.penalty = penalty
        self.C = C
        self.fit_intercept = fit_intercept
        self.tol = tol
        self.solver = solver
        self.max_iter = max_iter

    def _validate_params(self):
        if self.penalty not in ("l2", "l1", None, "none"):
            raise ValueError(
                f"The 'penalty' parameter must be one of 'l2', 'l1', None or 'none'; got {self.penalty!r}")
        _check_real("C", self.C, low=0, low_open=True, allow_inf=True)
        _check_real("tol", self.tol, low=0)
        _check_int("max_iter", self.max_iter, 0)
        _check_bool("fit_intercept", self.fit_intercept)
        if self.solver not in ("lbfgs", "newton", "gd"):
            raise ValueError(
                f"The 'solver' parameter must be one of 'lbfgs', 'newton', 'gd'; got {self.solver!r}")
        penalty = None if self.penalty in (None, "none") or np.isinf(self.C) else self.penalty
        if penalty == "l1" and self.solver != "gd":
            raise ValueError(
                f"Solver {self.solver!r} supports only 'l2' or None penalties, got 'l1' penalty; "
                "use solver='gd' for 'l1'.")
        return penalty

    def fit(self, X, y, sample_weight=None):
        penalty = self._validate_params()
        X, y = validate_data(self, X, y, dtype=np.float64)
        check_classification_targets(y)
        sw = _check_sample_weight(sample_weight, X, dtype=np.float64)
        self.classes_, y_idx = np.unique(y, return_inverse=True)
        if len(self.classes_) < 2:
            raise ValueError(
                "This solver needs samples of at least 2 classes in the data, but the data "
                f"contains only one class: {self.classes_[0]!r}")
        S = sw.sum()
        if S <= 0:
            raise ValueError("The sum of sample_weight must be positive")
        lam = 0.0 if penalty is None else 1.0 / (float(self.C) * S)
        obj = _LogisticLoss(X, y_idx, len(self.classes_), sw, self.fit_intercept,
                            lam if penalty == "l2" else 0.0)
        theta0 = np.zeros(obj.size)
        if self.solver == "lbfgs":
            theta, n_iter, converged = self._lbfgs(obj, theta0)
        elif self.solver == "newton":
            theta, n_iter, converged = self._newton(obj, theta0)
        else:
            theta, n_iter, converged = self._gd(obj, theta0, lam if penalty == "l1" else 0.0)
        if not converged:
            warnings.warn(
                f"{self.solver} failed to converge after {n_iter} iteration(s) (max_iter="
                f"{self.max_iter}). Increase the number of iterations (max_iter) or scale the data.",
                ConvergenceWarning)
        W, b = obj.split(theta)
        W, b = W.copy(), b.copy()
        if obj.K > 1:
            b -= b.mean()                   # softmax is invariant to a common shift
            if penalty is None:
                W -= W.mean(axis=0)
        self.coef_ = W
        self.intercept_ = b if self.fit_intercept else np.zeros(obj.K)
        self.n_iter_ = np.array([n_iter], dtype=np.int32)
        return self

    def _lbfgs(self, obj, theta0):
        if self.max_iter == 0:
            return theta0, 0, False
        res = scipy.optimize.minimize(
            obj.value_grad, theta0, method="L-BFGS-B", jac=True,
            options={"maxiter": self.max_iter, "maxls": 50, "gtol": self.tol,
                     "ftol": 64 * np.finfo(float).eps})
        converged = res.status == 0 or np.max(np.abs(res.jac)) <= self.tol
        return res.x, min(int(res.nit), self.max_iter), bool(converged)

    def _newton(self, obj, theta):
        f, g = obj.value_grad(theta)
        for it in range(self.max_iter):
            if np.max(np.abs(g)) <= self.tol:
                return theta, it, True
            H = obj.hessian(theta)
            if obj.K > 1:
                H.flat[:: H.shape[0] + 1] += 1e-10      # softmax's shift direction is flat
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("error", scipy.linalg.LinAlgWarning)
                    step = scipy.linalg.solve(H, g, assume_a="pos")
            except (np.linalg.LinAlgError, scipy.linalg.LinAlgError, scipy.linalg.LinAlgWarning):
                step = scipy.linalg.lstsq(H, g)[0]       # singular H: minimum-norm step
            t, slope = 1.0, float(g @ step)
            while True:
                cand = theta - t * step
                f_new, g_new = obj.value_grad(cand)
                if f_new <= f - 1e-4 * t * slope or t < 1e-10:
                    break
                t *= 0.5
            if t < 1e-10 and f_new > f:
                return theta, it + 1, np.max(np.abs(g)) <= self.tol
            theta, f, g = cand, f_new, g_new
        return theta, self.max_iter, bool(np.max(np.abs(g)) <= self.tol)

    def _gd(self, obj, theta, lam1):
        step = 1.0 / obj.lipschitz()
        mask = obj.penalised_mask()
        thr = step * lam1 * mask

        def prox(v):
            return np.sign(v) * np.maximum(np.abs(v) - thr, 0.0) if lam1 > 0 else v

        def composite(v):
            return obj.value(v) + lam1 * float(np.abs(v * mask).sum())

        z, tk, F = theta.copy(), 1.0, composite(theta)
        for it in range(self.max_iter):
            _, g = obj.value_grad(z)
            new = prox(z - step * g)
            if np.max(np.abs(z - new)) / step <= self.tol:
                return new, it + 1, True
            F_new = composite(new)
            if F_new > F:                       # adaptive restart: drop the momentum
                tk, z = 1.0, theta.copy()
                continue
            tk_new = 0.5 * (1 + np.sqrt(1 + 4 * tk * tk))
            z = new + ((tk - 1) / tk_new) * (new - theta)
            theta, tk, F = new, tk_new, F_new
        return theta, self.max_iter, False

    def decision_function(self, X):
        """``X @ coef_.T + intercept_``; 1-d (the log-odds of ``classes_[1]``) for two classes."""
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=np.float64)
        Z = X @ self.coef_.T + self.intercept_
        return Z[:, 0] if Z.shape[1] == 1 else Z

    def predict_proba(self, X):
        """Sigmoid (two classes) or softmax of the decision function."""
        Z = self.decision_function(X)
        if Z.ndim == 1:
            p = expit(Z)
            return np.column_stack([1 - p, p])
        return softmax(Z, axis=1)

    def predict_log_proba(self, X):
        Z = self.decision_function(X)
        if Z.ndim == 1:
            return np.column_stack([-np.logaddexp(0, Z), -np.logaddexp(0, -Z)])
        return Z - logsumexp(Z, axis=1, keepdims=True)

    def predict(self, X):
        Z = self.decision_function(X)
        idx = (Z > 0).astype(int) if Z.ndim == 1 else np.argmax(Z, axis=1)
        return self.classes_[idx]


# ----------------------------------------------------------------------------- perceptron
class Perceptron(ClassifierMixin, BaseEstimator):
    """Rosenblatt's perceptron, one-vs-rest for more than two classes.

    With targets ``t_i in {-1, +1}``, for each sample in turn (shuffled each epoch when
    ``shuffle``)::

        if t_i (w . x_i + b) <= 0:   w <- w + eta0 t_i x_i,   b <- b + eta0 t_i

    An epoch's loss is ``sum_i max(0, -t_i (w . x_i + b))`` (taken before each update). Training
    stops after ``max_iter`` epochs, or -- with ``tol`` not None -- once the loss has failed to
    drop below ``best_loss - tol * n_samples`` for ``n_iter_no_change`` epochs in a row
    (scikit-learn's rule, so with ``shuffle=False`` the weights equal scikit-learn's).

    Parameters
    ----------
    fit_intercept : bool, default True.
    max_iter : int, default 1000.
    tol : float or None, default 1e-3.
    shuffle : bool, default True.
    eta0 : float > 0, default 1.0.
    random_state : int, RandomState or None, default 0.
    n_iter_no_change : int, default 5.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    >>> Perceptron(shuffle=False).fit(X, [0, 0, 0, 1]).predict(X).tolist()   # logical AND
    [0, 0, 0, 1]
    """

    def __init__(self, *, fit_intercept=True, max_iter=1000, tol=1e-3, shuffle=True, eta0=1.0,
                 random_state=0, n_iter_no_change=5):
        self.fit_intercept = fit_intercept
        self.max_iter = max_iter
        self.tol = tol
        self.shuffle = shuffle
        self.eta0 = eta0
        self.random_state = random_state
        self.n_iter_no_change = n_iter_no_change

    def fit(self, X, y):
        _check_bool("fit_intercept", self.fit_intercept)
        _check_bool("shuffle", self.shuffle)
        _check_int("max_iter", self.max_iter, 1)
        _check_int("n_iter_no_change", self.n_iter_no_change, 1)
        _check_real("eta0", self.eta0, low=0, low_open=True)
        if self.tol is not None:
            _check_real("tol", self.tol)
        X, y = validate_data(self, X, y, dtype=np.float64)
        check_classification_targets(y)
        self.classes_, y_idx = np.unique(y, return_inverse=True)
        if len(self.classes_) < 2:
            raise ValueError(
                "The number of classes has to be greater than one; got 1 class "
                f"({self.classes_[0]!r})")
        n, p = X.shape
        K = 1 if len(self.classes_) == 2 else len(self.classes_)
        if K == 1:
            T = np.where(y_idx == 1, 1.0, -1.0)[:, None]
        else:
            T = np.where(y_idx[:, None] == np.arange(K)[None, :], 1.0, -1.0)
        rng = check_random_state(self.random_state)
        # one independent binary problem per class, each with its own shuffling seed
        seeds = rng.randint(np.iinfo(np.int32).max, size=K)
        W = np.zeros((K, p))
        b = np.zeros(K)
        n_iter = np.zeros(K, dtype=int)
        converged = True
        for k in range(K):
            W[k], b[k], n_iter[k], ok = self._fit_binary(X, T[:, k], seeds[k])
            converged &= ok
        if not converged:
            warnings.warn(
                "Maximum number of iteration reached before convergence. Consider increasing "
                "max_iter to improve the fit.", ConvergenceWarning)
        self.coef_ = W
        self.intercept_ = b
        self.n_iter_ = int(n_iter.max())
        self.t_ = float(self.n_iter_ * n + 1)
        return self

    def _fit_binary(self, X, t, seed):
        """Perceptron epochs on targets ``t`` in {-1, +1}; returns (w, b, n_iter, converged)."""
        n, p = X.shape
        w = np.zeros(p)
        b = 0.0
        eta = float(self.eta0)
        tol = -np.inf if self.tol is None else float(self.tol)
        rng = np.random.RandomState(seed)
        order = np.arange(n)
        best, no_improve = np.inf, 0
        for epoch in range(self.max_iter):
            if self.shuffle:
                rng.shuffle(order)
            sumloss = 0.0
            for i in order:
                x = X[i]
                margin = t[i] * (x @ w + b)
                if margin <= 0.0:
                    sumloss -= margin
                    w += (eta * t[i]) * x
                    if self.fit_intercept:
                        b += eta * t[i]
            no_improve = no_improve + 1 if sumloss > best - tol * n else 0
            best = min(best, sumloss)
            if no_improve >= self.n_iter_no_change:
                return w, b, epoch + 1, True
        return w, b, self.max_iter, self.tol is None

    def decision_function(self, X):
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=np.float64)
        Z = X @ self.coef_.T + self.intercept_
        return Z[:, 0] if Z.shape[1] == 1 else Z

    def predict(self, X):
        Z = self.decision_function(X)
        idx = (Z > 0).astype(int) if Z.ndim == 1 else np.argmax(Z, axis=1)
        return self.classes_[idx]
