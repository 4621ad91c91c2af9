"""Hidden Markov model with Gaussian-mixture emissions (hmmlearn's ``GMMHMM`` API):
``b_i(x) = sum_m w_im N(x | mu_im, Sigma_im)`` with ``n_mix`` mixtures per state and
covariances of ``covariance_type`` ("diag" ``(K, M, F)``, "spherical" ``(K, M)``, "full"
``(K, M, F, F)``, "tied": one per state ``(K, F, F)``), stored as hmmlearn stores them.

E-step: state posteriors ``gamma_t(i)`` times the mixture responsibilities within the state
``r_t(i, m) ~ w_im N(x_t | mu_im, Sigma_im)`` give ``gamma_t(i, m)``.  M-step (hmmlearn's,
with its Dirichlet / normal / inverse-gamma / inverse-Wishart priors; ``covars_prior`` and
``covars_weight`` default per covariance type as there):
``w_im ~ sum_t gamma_t(i, m) + prior - 1``, ``mu_im = (lambda m0 + sum_t gamma x_t) /
(lambda + sum_t gamma)``, and the covariances from ``sum_t gamma (x_t - mu)(x_t - mu)'``
taken around the means of the E-step, plus the priors' terms.
"""
import numbers

import numpy as np
from scipy import linalg
from scipy.special import logsumexp
from sklearn.utils import check_array, check_random_state

from ..cluster import KMeans
from ._base import BaseHMM
from ._gaussian import COVARIANCE_TYPES, _diag_log_density, _full_log_density

__all__ = ["GMMHMM"]


class GMMHMM(BaseHMM):
    """Hidden Markov model with Gaussian-mixture emissions (see the module docstring).

    Parameters (hmmlearn's): ``n_components``, ``n_mix``, ``min_covar``, ``startprob_prior``,
    ``transmat_prior``, ``weights_prior``, ``means_prior``, ``means_weight``,
    ``covars_prior``, ``covars_weight`` (None: hmmlearn's default for the covariance type),
    ``algorithm``, ``covariance_type``, ``random_state``, ``n_iter``, ``tol``, ``verbose``,
    ``params`` / ``init_params`` (``s``, ``t``, ``m``, ``c``, ``w`` mixture weights),
    ``implementation`` (accepted; always log space).

    Attributes: ``startprob_``, ``transmat_``, ``weights_`` (K, M), ``means_`` (K, M, F),
    ``covars_`` (stored form), ``n_features``, ``monitor_``.
    """

    _emission_attrs = ("weights_", "means_", "covars_")

    def __init__(self, n_components=1, n_mix=1, min_covar=1e-3, startprob_prior=1.0,
                 transmat_prior=1.0, weights_prior=1.0, means_prior=0.0, means_weight=0.0,
                 covars_prior=None, covars_weight=None, algorithm="viterbi",
                 covariance_type="diag", random_state=None, n_iter=10, tol=1e-2,
                 verbose=False, params="stmcw", init_params="stmcw", implementation="log"):
        self.n_components = n_components
        self.n_mix = n_mix
        self.min_covar = min_covar
        self.startprob_prior = startprob_prior
        self.transmat_prior = transmat_prior
        self.weights_prior = weights_prior
        self.means_prior = means_prior
        self.means_weight = means_weight
        self.covars_prior = covars_prior
        self.covars_weight = covars_weight
        self.algorithm = algorithm
        self.covariance_type = covariance_type
        self.random_state = random_state
        self.n_iter = n_iter
        self.tol = tol
        self.verbose = verbose
        self.params = params
        self.init_params = init_params
        self.implementation = implementation

    # -- validation ---------------------------------------------------------------------------
    def _check_hyper(self):
        super()._check_hyper()
        if not isinstance(self.n_mix, numbers.Integral) or self.n_mix < 1:
            raise ValueError(f"n_mix must be a positive integer, got n_mix={self.n_mix!r}")
        if self.covariance_type not in COVARIANCE_TYPES:
            raise ValueError(f"covariance_type must be one of {COVARIANCE_TYPES}, "
                             f"got covariance_type={self.covariance_type!r}")

    def _check_X(self, X, fitting=False):
        X = check_array(X, dtype=np.float64)
        if not fitting and X.shape[1] != self.means_.shape[2]:
            raise ValueError(f"X has {X.shape[1]} features, but the model has "
                             f"{self.means_.shape[2]} (means_.shape[2])")
        return X

    def _priors(self):
        """hmmlearn's priors broadcast to the parameters' shapes (the defaults of
        ``covars_prior`` / ``covars_weight`` depend on the covariance type)."""
        K, M, F, ct = self.n_components, self.n_mix, self.n_features, self.covariance_type
        default = {"full": (0.0, -(1.0 + F + 1.0)), "tied": (0.0, -(M + F + 1.0)),
                   "diag": (-1.5, 0.0), "spherical": (-(M + 2.0) / 2.0, 0.0)}[ct]
        cp = default[0] if self.covars_prior is None else self.covars_prior
        cw = default[1] if self.covars_weight is None else self.covars_weight
        shapes = {"full": ((K, M, F, F), (K, M)), "tied": ((K, F, F), (K,)),
                  "diag": ((K, M, F), (K, M, F)), "spherical": ((K, M), (K, M))}[ct]
        return (np.broadcast_to(self.weights_prior, (K, M)),
                np.broadcast_to(self.means_prior, (K, M, F)),
                np.broadcast_to(self.means_weight, (K, M)),
                np.broadcast_to(cp, shapes[0]), np.broadcast_to(cw, shapes[1]))

    def _check_emission(self):
        self._check_hyper()
        K, M, ct = self.n_components, self.n_mix, self.covariance_type
        self.means_ = np.asarray(self.means_, dtype=np.float64)
        if self.means_.ndim != 3 or self.means_.shape[:2] != (K, M):
            raise ValueError(f"means_ must have shape (n_components={K}, n_mix={M}, "
                             f"n_features), got {self.means_.shape}")
        self.n_features = F = self.means_.shape[2]
        self.weights_ = np.asarray(self.weights_, dtype=np.float64)
        if self.weights_.shape != (K, M):
            raise ValueError(f"weights_ must have shape ({K}, {M}), got {self.weights_.shape}")
        if not np.allclose(self.weights_.sum(axis=1), 1):
            raise ValueError(f"weights_ must sum to 1 (rows), got sums {self.weights_.sum(1)}")
        self.covars_ = cv = np.asarray(self.covars_, dtype=np.float64)
        shape = {"spherical": (K, M), "diag": (K, M, F), "full": (K, M, F, F),
                 "tied": (K, F, F)}[ct]
        if cv.shape != shape:
            raise ValueError(f"{ct!r} mixture covars must have shape {shape}, got {cv.shape}")
        if ct in ("spherical", "diag"):
            bad = np.argwhere(cv.reshape(K, M, -1) < 0)
            if bad.size:
                raise ValueError(f"{ct!r} mixture covars must be non-negative; state "
                                 f"{bad[0, 0]}, mixture {bad[0, 1]} is not")
            return
        mats = cv.reshape(-1, F, F)
        for c, m in enumerate(mats):
            if not np.allclose(m, m.T) or linalg.eigvalsh(m).min() < 0:
                who = (f"state {c // M}, mixture {c % M}" if ct == "full" else f"state {c}")
                raise ValueError(f"the covariance of {who} must be symmetric, "
                                 "positive semi-definite")

    # -- emissions ----------------------------------------------------------------------------
    def _log_mix(self, X, i):
        """``log w_im + log N(x | mu_im, Sigma_im)`` for state ``i``: ``(n, M)``."""
        ct, cv, M = self.covariance_type, self.covars_[i], self.n_mix
        with np.errstate(divide="ignore"):
            log_w = np.log(self.weights_[i])
        if ct in ("full", "tied"):
            covs = cv if ct == "full" else np.broadcast_to(cv, (M,) + cv.shape)
            names = [f"state {i}, mixture {m}" for m in range(M)] if ct == "full" else \
                [f"state {i}"] * M
            return _full_log_density(X, self.means_[i], covs, names=names) + log_w
        return _diag_log_density(X, self.means_[i], cv[:, None] if ct == "spherical" else cv) \
            + log_w

    def _log_emission(self, X):
        out = np.empty((X.shape[0], self.n_components))
        for i in range(self.n_components):
            with np.errstate(under="ignore"):
                out[:, i] = logsumexp(self._log_mix(X, i), axis=1)
        return out

    def _emission_params(self):
        K, M, F = self.n_components, self.n_mix, self.n_features
        c = {"spherical": K * M, "diag": K * M * F, "full": K * M * F * (F + 1) // 2,
             "tied": K * F * (F + 1) // 2}[self.covariance_type]
        return {"m": K * M * F, "c": c, "w": M - 1}

    def _emit(self, state, rng):
        m = rng.choice(self.n_mix, p=self.weights_[state])
        ct, cv, F = self.covariance_type, self.covars_[state], self.n_features
        cov = {"tied": lambda: cv, "full": lambda: cv[m], "diag": lambda: np.diag(cv[m]),
               "spherical": lambda: cv[m] * np.eye(F)}[ct]()
        return rng.multivariate_normal(self.means_[state, m], cov)

    # -- learning -----------------------------------------------------------------------------
    def _init_emission(self, X):
        K, M, F, ct = self.n_components, self.n_mix, X.shape[1], self.covariance_type
        self.n_features = F
        cv = np.atleast_2d(np.cov(X.T)) + self.min_covar * np.eye(F)
        if "m" in self.init_params or not hasattr(self, "means_"):
            # hmmlearn's: k-means into the states, then into the mixtures of each state
            labels = KMeans(n_clusters=K, random_state=self.random_state, n_init=10).fit(X)
            centre = labels.cluster_centers_.mean(axis=0)
            rng = check_random_state(self.random_state)
            means = []
            for i in range(K):
                Xi = X[labels.labels_ == i]
                if Xi.shape[0] >= M:
                    km = KMeans(n_clusters=M, random_state=self.random_state, n_init=10)
                    means.append(km.fit(Xi).cluster_centers_)
                else:
                    means.append(rng.multivariate_normal(centre, cv, size=M))
            self.means_ = np.stack(means)
        if "w" in self.init_params or not hasattr(self, "weights_"):
            self.weights_ = np.full((K, M), 1.0 / M)
        if "c" in self.init_params or not hasattr(self, "covars_"):
            self.covars_ = {"tied": lambda: np.tile(cv, (K, 1, 1)),
                            "full": lambda: np.tile(cv, (K, M, 1, 1)),
                            "diag": lambda: np.tile(np.diag(cv), (K, M, 1)),
                            "spherical": lambda: np.full((K, M), cv.mean())}[ct]()

    def _emission_stats(self):
        K, M = self.n_components, self.n_mix
        _, mu0, lam, _, _ = self._priors()
        return {"post_mix_sum": np.zeros((K, M)), "post_sum": np.zeros(K),
                "m_n": lam[:, :, None] * mu0, "c_n": np.zeros_like(self.covars_)}

    def _accumulate(self, stats, X, gamma):
        n, K, M = X.shape[0], self.n_components, self.n_mix
        post = np.empty((n, K, M))
        for i in range(K):
            lg = self._log_mix(X, i)
            with np.errstate(under="ignore"):
                post[:, i] = np.exp(lg - logsumexp(lg, axis=1, keepdims=True))
        with np.errstate(under="ignore"):
            post *= gamma[:, :, None]
        stats["post_mix_sum"] += post.sum(axis=0)
        stats["post_sum"] += gamma.sum(axis=0)
        stats["m_n"] += np.einsum("ijk,il->jkl", post, X)
        d = X[:, None, None, :] - self.means_           # around the E-step's means
        ct = self.covariance_type
        if ct == "full":
            stats["c_n"] += np.einsum("ijk,ijkl,ijkm->jklm", post, d, d)
        elif ct == "tied":
            stats["c_n"] += np.einsum("ijk,ijkl,ijkm->jlm", post, d, d)
        elif ct == "diag":
            stats["c_n"] += np.einsum("ijk,ijkl->jkl", post, d ** 2)
        else:
            stats["c_n"] += np.einsum("ijk,ijk->jk", post, np.einsum("...i,...i", d, d))

    def _mstep_emission(self, stats):
        F, M, ct = self.n_features, self.n_mix, self.covariance_type
        alpha, mu0, lam, cp, cw = self._priors()
        if "w" in self.params:
            self.weights_ = ((stats["post_mix_sum"] + alpha - 1)
                             / (stats["post_sum"] + (alpha - 1).sum(axis=1))[:, None])
        if "m" in self.params:
            m_d = stats["post_mix_sum"] + lam
            m_d[(self.weights_ == 0) & (stats["m_n"] == 0).all(axis=-1)] = 1
            self.means_ = stats["m_n"] / m_d[:, :, None]
        if "c" not in self.params:
            return
        d = self.means_ - mu0
        pm = stats["post_mix_sum"]
        if ct == "full":
            c_n = np.swapaxes(cp, 2, 3) + lam[:, :, None, None] * d[..., :, None] * d[..., None, :]
            c_d = (pm + 1 + cw + F + 1)[:, :, None, None]
        elif ct == "tied":
            c_n = np.einsum("ij,ijkl->ikl", lam, d[..., :, None] * d[..., None, :])
            c_n = c_n + np.swapaxes(cp, 1, 2)
            c_d = (stats["post_sum"] + M + cw + F + 1)[:, None, None]
        elif ct == "diag":
            c_n = lam[:, :, None] * d ** 2 + 2 * cw
            c_d = pm[:, :, None] + 1 + 2 * (cp + 1)
        else:
            c_n = lam * np.einsum("...i,...i", d, d) + 2 * cw
            c_d = F * (pm + 1) + 2 * (cp + 1)
        self.covars_ = (c_n + stats["c_n"]) / c_d
