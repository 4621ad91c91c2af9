"""Hidden Markov model with Gaussian emissions (hmmlearn's ``GaussianHMM`` API):
``x_t | z_t = j ~ N(mu_j, Sigma_j)`` with ``Sigma_j`` of ``covariance_type``

* "diag"      ``diag(s_j)``, stored ``(K, F)``      * "spherical" ``s_j I``, stored ``(K,)``
* "full"      ``Sigma_j``, stored ``(K, F, F)``     * "tied"      one ``Sigma``, stored ``(F, F)``

(``covars_`` gives the full ``(K, F, F)`` matrices, as hmmlearn; it is set in the stored form.)

``log b_j(x) = -(F log 2 pi + log det Sigma_j + (x - mu_j)' Sigma_j^-1 (x - mu_j)) / 2``, the
full and tied forms through the Cholesky factor ``Sigma = L L'``: ``log det = 2 sum log L_ii``
and the quadratic form ``||L^-1 (x - mu)||^2``.

M-step (MAP with a normal prior on the means and an inverse-gamma / inverse-Wishart prior on
the covariances, hmmlearn's ``means_prior``, ``means_weight``, ``covars_prior``,
``covars_weight``; the defaults are almost maximum likelihood), with ``n_j = sum_t gamma_t(j)``:
``mu_j = (w m0 + sum_t gamma_t(j) x_t) / (w + n_j)`` and
``Sigma_j = (prior + w (mu_j - m0)(mu_j - m0)' + sum_t gamma_t(j) (x_t - mu_j)(x_t - mu_j)') / (n_j + weight')``
(per feature for diag, averaged over features for spherical, pooled over states for tied).
Initialisation as hmmlearn: means by k-means, covariances ``cov(X) + min_covar I``.
"""
import numbers

import numpy as np
from scipy import linalg
from sklearn.utils import check_array

from ..cluster import KMeans
from ._base import BaseHMM

__all__ = ["GaussianHMM"]

COVARIANCE_TYPES = ("spherical", "diag", "full", "tied")


def _full_log_density(X, means, covars, min_covar=1e-7, names=None):
    """``(n, K)`` log densities for full covariances ``(K, F, F)``; ``names[c]`` says whose
    covariance ``c`` is in the error for a singular one (default "state c")."""
    n, F = X.shape
    out = np.empty((n, means.shape[0]))
    for c, (mu, cv) in enumerate(zip(means, covars)):
        try:
            L = linalg.cholesky(cv, lower=True)
        except linalg.LinAlgError:
            try:
                L = linalg.cholesky(cv + min_covar * np.eye(F), lower=True)
            except linalg.LinAlgError:
                who = f"state {c}" if names is None else names[c]
                raise ValueError(
                    f"the covariance of {who} is singular (not positive-definite, even "
                    f"with {min_covar} added to its diagonal); give that state more data, "
                    "raise min_covar or covars_prior, or use fewer states") from None
        sol = linalg.solve_triangular(L, (X - mu).T, lower=True).T
        out[:, c] = -0.5 * (F * np.log(2 * np.pi) + (sol ** 2).sum(axis=1)
                            + 2 * np.sum(np.log(np.diagonal(L))))
    return out


def _diag_log_density(X, means, cv):
    """``(n, K)`` log densities for diagonal covariances ``(K, F)`` (or ``(K, 1)``)."""
    cv = np.maximum(np.broadcast_to(cv, means.shape), np.finfo(float).tiny)
    with np.errstate(over="ignore"):
        return -0.5 * (X.shape[1] * np.log(2 * np.pi) + np.log(cv).sum(axis=-1)
                       + ((X[:, None, :] - means) ** 2 / cv).sum(axis=-1))


class GaussianHMM(BaseHMM):
    """Hidden Markov model with Gaussian emissions (formulas in the module docstring).

    Parameters (hmmlearn's): ``n_components``, ``covariance_type`` ("diag", "full",
    "spherical", "tied"), ``min_covar`` (added to the diagonal of the initial covariance),
    ``startprob_prior``, ``transmat_prior``, ``means_prior``, ``means_weight``,
    ``covars_prior``, ``covars_weight``, ``algorithm``, ``random_state``, ``n_iter``, ``tol``,
    ``verbose``, ``params`` / ``init_params`` (``s``, ``t``, ``m`` means, ``c`` covariances),
    ``implementation`` (accepted; always log space).

    Attributes: ``startprob_``, ``transmat_``, ``means_`` (K, F), ``covars_`` (K, F, F),
    ``n_features``, ``monitor_``.
    """

    _emission_attrs = ("means_", "_covars_")

    def __init__(self, n_components=1, covariance_type="diag", min_covar=1e-3,
                 startprob_prior=1.0, transmat_prior=1.0, means_prior=0, means_weight=0,
                 covars_prior=1e-2, covars_weight=1, algorithm="viterbi", random_state=None,
                 n_iter=10, tol=1e-2, verbose=False, params="stmc", init_params="stmc",
                 implementation="log"):
        self.n_components = n_components
        self.covariance_type = covariance_type
        self.min_covar = min_covar
        self.startprob_prior = startprob_prior
        self.transmat_prior = transmat_prior
        self.means_prior = means_prior
        self.means_weight = means_weight
        self.covars_prior = covars_prior
        self.covars_weight = covars_weight
        self.algorithm = algorithm
        self.random_state = random_state
        self.n_iter = n_iter
        self.tol = tol
        self.verbose = verbose
        self.params = params
        self.init_params = init_params
        self.implementation = implementation

    @property
    def covars_(self):
        """The covariance matrices ``(K, F, F)``."""
        cv, K, F = self._covars_, self.n_components, self.means_.shape[1]
        if self.covariance_type == "full":
            return cv
        if self.covariance_type == "diag":
            return np.array([np.diag(c) for c in cv])
        if self.covariance_type == "tied":
            return np.tile(cv, (K, 1, 1))
        return np.ravel(cv)[:, None, None] * np.eye(F)[None]

    @covars_.setter
    def covars_(self, covars):
        self._covars_ = np.array(covars, dtype=np.float64, copy=True)

    def _check_hyper(self):
        super()._check_hyper()
        if self.covariance_type not in COVARIANCE_TYPES:
            raise ValueError(f"covariance_type must be one of {COVARIANCE_TYPES}, "
                             f"got covariance_type={self.covariance_type!r}")
        if not isinstance(self.min_covar, numbers.Real) or self.min_covar < 0:
            raise ValueError(f"min_covar must be a non-negative float, got min_covar={self.min_covar!r}")

    def _check_X(self, X, fitting=False):
        X = check_array(X, dtype=np.float64)
        if not fitting and X.shape[1] != self.means_.shape[1]:
            raise ValueError(f"X has {X.shape[1]} features, but the model has "
                             f"{self.means_.shape[1]} (means_.shape[1])")
        return X

    def _check_emission(self):
        self._check_hyper()
        K = self.n_components
        self.means_ = np.asarray(self.means_, dtype=np.float64)
        if self.means_.ndim != 2 or self.means_.shape[0] != K:
            raise ValueError(f"means_ must have shape (n_components={K}, n_features), "
                             f"got {self.means_.shape}")
        self.n_features = F = self.means_.shape[1]
        cv, ct = self._covars_, self.covariance_type
        shape = {"spherical": (K,), "diag": (K, F), "full": (K, F, F), "tied": (F, F)}[ct]
        if cv.shape != shape:
            raise ValueError(f"{ct!r} covars must have shape {shape}, got {cv.shape}")
        if ct in ("spherical", "diag"):
            bad = np.nonzero(np.any(cv.reshape(K, -1) <= 0, axis=1))[0]
            if bad.size:
                raise ValueError(f"{ct!r} covars must be positive; state {bad[0]} has "
                                 f"{cv[bad[0]]}")
            return
        for c, m in enumerate(cv if ct == "full" else [cv]):
            if not np.allclose(m, m.T) or np.any(linalg.eigvalsh(m) <= 0):
                who = f"state {c}" if ct == "full" else "the tied covariance"
                raise ValueError(f"covars_ of {who} must be symmetric, positive-definite "
                                 f"(it is singular or indefinite)")

    def _log_emission(self, X):
        ct, cv = self.covariance_type, self._covars_
        if ct in ("full", "tied"):
            K = self.n_components
            return _full_log_density(X, self.means_, cv if ct == "full" else
                                     np.broadcast_to(cv, (K,) + cv.shape))
        return _diag_log_density(X, self.means_, cv[:, None] if ct == "spherical" else cv)

    def _emission_params(self):
        K, F = self.n_components, self.n_features
        c = {"spherical": K, "diag": K * F, "full": K * F * (F + 1) // 2,
             "tied": F * (F + 1) // 2}[self.covariance_type]
        return {"m": K * F, "c": c}

    def _emit(self, state, rng):
        return rng.multivariate_normal(self.means_[state], self.covars_[state])

    def _init_emission(self, X):
        K = self.n_components
        if "m" in self.init_params or not hasattr(self, "means_"):
            km = KMeans(n_clusters=K, random_state=self.random_state, n_init=10).fit(X)
            self.means_ = km.cluster_centers_
        if "c" in self.init_params or not hasattr(self, "_covars_"):
            cv = np.atleast_2d(np.cov(X.T)) + self.min_covar * np.eye(X.shape[1])
            self._covars_ = {"spherical": np.full(K, cv.mean()),
                             "diag": np.tile(np.diag(cv), (K, 1)),
                             "full": np.tile(cv, (K, 1, 1)), "tied": cv}[self.covariance_type]

    def _emission_stats(self):
        K, F = self.n_components, self.n_features
        return {"post": np.zeros(K), "obs": np.zeros((K, F)), "obs**2": np.zeros((K, F)),
                "obs*obs.T": np.zeros((K, F, F))}

    def _accumulate(self, stats, X, gamma):
        stats["post"] += gamma.sum(axis=0)
        stats["obs"] += gamma.T @ X
        if self.covariance_type in ("spherical", "diag"):
            stats["obs**2"] += gamma.T @ X ** 2
        else:
            stats["obs*obs.T"] += np.einsum("ij,ik,il->jkl", gamma, X, X)

    def _mstep_emission(self, stats):
        m0, w = self.means_prior, self.means_weight
        n = stats["post"][:, None]
        if "m" in self.params:
            self.means_ = (w * m0 + stats["obs"]) / (w + n)
        if "c" not in self.params:
            return
        mu, prior, ct = self.means_, self.covars_prior, self.covariance_type
        diff = mu - m0
        if ct in ("spherical", "diag"):
            c_n = w * diff ** 2 + stats["obs**2"] - 2 * mu * stats["obs"] + mu ** 2 * n
            cv = (prior + c_n) / np.maximum(max(self.covars_weight - 1, 0) + n, 1e-5)
            self._covars_ = cv.mean(axis=1) if ct == "spherical" else cv
            return
        om = stats["obs"][:, :, None] * mu[:, None, :]
        c_n = (w * diff[:, :, None] * diff[:, None, :] + stats["obs*obs.T"] - om
               - om.transpose(0, 2, 1) + mu[:, :, None] * mu[:, None, :] * n[:, :, None])
        weight = max(self.covars_weight - self.n_features, 0)
        if ct == "tied":
            self._covars_ = (prior + c_n.sum(axis=0)) / (weight + stats["post"].sum())
        else:
            self._covars_ = (prior + c_n) / (weight + stats["post"][:, None, None])
