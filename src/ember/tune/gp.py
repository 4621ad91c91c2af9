"""A Gaussian process with a Matern 5/2 kernel, fit by maximising the marginal likelihood,
and the acquisition functions of Bayesian optimisation (expected improvement and the
lower/upper confidence bound), for minimisation.

The kernel is ``k(x, x') = s2 (1 + sqrt5 r + 5 r^2 / 3) exp(-sqrt5 r)`` with
``r = |(x - x') / l|`` (one length scale per input dimension) plus ``noise`` on the
diagonal of the training covariance; the targets are standardised (``normalize_y``) as
scikit-learn's ``GaussianProcessRegressor`` does, so with the same hyper-parameters the
posterior mean and standard deviation are the same as its.

    >>> import numpy as np
    >>> from ember.tune.gp import GaussianProcess
    >>> X = np.linspace(0, 1, 8)[:, None]
    >>> gp = GaussianProcess(seed=0).fit(X, np.sin(6 * X[:, 0]))
    >>> mean, std = gp.predict(np.array([[0.5]]), return_std=True)
    >>> bool(abs(mean[0] - np.sin(3.0)) < 0.05), bool(std[0] < 0.1)
    (True, True)
"""
import math

import numpy as np
from scipy.linalg import cho_solve, cholesky, solve_triangular
from scipy.optimize import minimize
from scipy.stats import norm

__all__ = ["matern52", "GaussianProcess", "expected_improvement", "confidence_bound"]

_S5 = math.sqrt(5.0)


def matern52(A, B, length_scale):
    """The Matern 5/2 correlation between the rows of ``A`` and ``B`` (unit variance)."""
    A = np.asarray(A, float) / length_scale
    B = np.asarray(B, float) / length_scale
    sq = (A * A).sum(1)[:, None] + (B * B).sum(1)[None, :] - 2 * A @ B.T
    r = np.sqrt(np.maximum(sq, 0.0))
    return (1 + _S5 * r + 5.0 / 3.0 * r * r) * np.exp(-_S5 * r)


class GaussianProcess:
    """GP regression; ``fit`` maximises the log marginal likelihood over
    ``log(signal variance, length scales, noise)`` with L-BFGS-B from ``n_restarts + 1``
    starts (the first from the current values), unless ``optimize=False``.

    Args:
        signal_variance, length_scale (a number or one per dimension), noise: the initial
            (or, with ``optimize=False``, fixed) hyper-parameters.
        normalize_y: standardise the targets before fitting (as scikit-learn).
        bounds: ``(low, high)`` for every hyper-parameter.
    """

    def __init__(self, signal_variance=1.0, length_scale=0.5, noise=1e-6, normalize_y=True,
                 optimize=True, n_restarts=2, bounds=(1e-5, 1e5), seed=0):
        self.signal_variance, self.length_scale, self.noise = signal_variance, length_scale, noise
        self.normalize_y, self.optimize, self.n_restarts = normalize_y, optimize, n_restarts
        self.bounds, self.seed = bounds, seed

    # ---- the likelihood ------------------------------------------------------------------------
    def _unpack(self, theta):
        e = np.exp(theta)
        return e[0], e[1:-1], e[-1]

    def log_marginal_likelihood(self, theta=None, eval_gradient=False):
        """``log p(y | X, theta)`` with ``theta = log(signal variance, length scales..., noise)``
        (scikit-learn's ``log_marginal_likelihood`` on the same kernel), and its gradient
        with respect to ``theta`` with ``eval_gradient=True``."""
        theta = self.theta_ if theta is None else np.asarray(theta, float)
        s2, ls, noise = self._unpack(theta)
        X, n = self.X_, len(self.X_)
        M = matern52(X, X, ls)
        K = s2 * M + noise * np.eye(n)
        try:
            L = cholesky(K, lower=True)
        except np.linalg.LinAlgError:
            return (-np.inf, np.zeros_like(theta)) if eval_gradient else -np.inf
        alpha = cho_solve((L, True), self.y_)
        lml = float(-0.5 * self.y_ @ alpha - np.log(np.diag(L)).sum() - 0.5 * n * math.log(2 * math.pi))
        if not eval_gradient:
            return lml
        # d lml / d theta_k = tr((alpha alpha^T - K^-1) dK/dtheta_k) / 2
        W = np.outer(alpha, alpha) - cho_solve((L, True), np.eye(n))
        D = (X[:, None, :] - X[None, :, :]) / ls                   # scaled differences
        r = np.sqrt((D * D).sum(-1))
        common = s2 * 5.0 / 3.0 * (1 + _S5 * r) * np.exp(-_S5 * r)  # dK/dlog l_j = common * D_j^2
        grad = [0.5 * (W * (s2 * M)).sum()]
        grad += [0.5 * (W * (common * D[:, :, j] ** 2)).sum() for j in range(X.shape[1])]
        grad.append(0.5 * noise * np.trace(W))
        return lml, np.array(grad)

    def fit(self, X, y):
        X = np.atleast_2d(np.asarray(X, float))
        y = np.asarray(y, float).reshape(-1)
        if len(X) != len(y) or len(y) == 0:
            raise ValueError(f"GaussianProcess.fit: X has {len(X)} rows and y {len(y)} values; "
                             f"need the same, at least one")
        self.X_ = X
        if self.normalize_y:
            self._mean, self._std = float(y.mean()), float(y.std()) or 1.0
        else:
            self._mean, self._std = 0.0, 1.0
        self.y_ = (y - self._mean) / self._std
        d = X.shape[1]
        ls = np.broadcast_to(np.asarray(self.length_scale, float), (d,))
        theta = np.log(np.concatenate([[self.signal_variance], ls, [self.noise]]))
        if self.optimize and len(y) > 1:
            lo, hi = np.log(self.bounds[0]), np.log(self.bounds[1])
            rng = np.random.default_rng(self.seed)
            starts = [theta] + [rng.uniform(np.log([0.1] + [0.05] * d + [1e-4]), np.log([10.0] + [2.0] * d + [0.1]))
                                for _ in range(self.n_restarts)]
            best, best_val = theta, -np.inf
            for t0 in starts:
                res = minimize(self._objective, np.clip(t0, lo, hi), jac=True,
                               method="L-BFGS-B", bounds=[(lo, hi)] * len(theta))
                val = -res.fun
                if np.isfinite(val) and val > best_val:
                    best, best_val = res.x, val
            theta = best
        self.theta_ = theta
        s2, ls, noise = self._unpack(theta)
        K = s2 * matern52(X, X, ls) + noise * np.eye(len(X))
        self.L_ = cholesky(K + 1e-12 * np.eye(len(X)), lower=True)
        self.alpha_ = cho_solve((self.L_, True), self.y_)
        return self

    def _objective(self, theta):
        lml, grad = self.log_marginal_likelihood(theta, eval_gradient=True)
        return -lml, -grad

    def predict(self, X, return_std=False):
        """The posterior mean (and standard deviation) of the latent function at ``X``."""
        X = np.atleast_2d(np.asarray(X, float))
        s2, ls, _ = self._unpack(self.theta_)
        Ks = s2 * matern52(X, self.X_, ls)
        mean = Ks @ self.alpha_ * self._std + self._mean
        if not return_std:
            return mean
        v = solve_triangular(self.L_, Ks.T, lower=True)
        var = np.maximum(s2 - (v * v).sum(0), 0.0)
        return mean, np.sqrt(var) * self._std


def expected_improvement(mean, std, best, xi=0.01):
    """``E[max(best - f - xi, 0)]`` under ``f ~ N(mean, std^2)`` (for minimisation)."""
    std = np.maximum(std, 1e-12)
    z = (best - mean - xi) / std
    return (best - mean - xi) * norm.cdf(z) + std * norm.pdf(z)


def confidence_bound(mean, std, kappa=2.0):
    """The upper confidence bound of ``-f``: ``-(mean - kappa std)`` (larger is better)."""
    return -(mean - kappa * std)
