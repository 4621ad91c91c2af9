"""``LogisticRegression``: binary or multinomial log-loss with an l2, l1 or no penalty, solved
by L-BFGS, Newton or accelerated proximal gradient on ``_LogisticLoss``."""
import warnings

import numpy as np
import scipy.linalg
import scipy.optimize
from scipy.special import expit, logsumexp, softmax
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import _check_sample_weight, validate_data

from ._base import _LinearClassifierMixin, _check_bool, _check_int, _check_real


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


class LogisticRegression(_LinearClassifierMixin, ClassifierMixin, BaseEstimator):
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
