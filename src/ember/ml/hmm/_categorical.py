"""Hidden Markov model with categorical emissions (hmmlearn's ``CategoricalHMM`` API):
``P(x_t = m | z_t = i) = B_im``.

Baum-Welch's emission M-step: ``B_im ~ max(prior - 1 + sum_{t: x_t = m} gamma_t(i), 0)``
(MAP with Dirichlet priors; ``prior = 1`` is maximum likelihood).

``X`` is an ``(n_samples, 1)`` array of non-negative integer symbols; several sequences are
concatenated and described by ``lengths`` (a float array of whole numbers is accepted and cast;
hmmlearn rejects it).  Like hmmlearn, ``fit`` sets ``n_features`` (the
number of symbols) from the data when it is ``None``.
"""
import numbers

import numpy as np
from sklearn.utils import check_array, check_random_state

from ._base import BaseHMM, _log, _normalize, _split

__all__ = ["CategoricalHMM"]


class CategoricalHMM(BaseHMM):
    """Hidden Markov model with categorical emissions (see module docstring for formulas).

    Parameters (hmmlearn's): ``n_components`` states; Dirichlet priors ``startprob_prior``,
    ``transmat_prior``, ``emissionprob_prior`` (1 = no smoothing); ``algorithm`` ("viterbi" or
    "map") for ``decode`` / ``predict``; ``n_iter`` / ``tol`` for EM; ``params`` /
    ``init_params``: which of ``s`` (start), ``t`` (transitions), ``e`` (emissions) EM updates /
    initialises randomly; ``n_features`` the number of symbols (inferred when ``None``).
    ``implementation`` is accepted for hmmlearn compatibility; the computation is always in
    log space (both of hmmlearn's implementations give the same numbers).

    Attributes: ``startprob_`` (K,), ``transmat_`` (K, K), ``emissionprob_`` (K, M),
    ``monitor_`` (``history``, ``iter``, ``converged``).
    """

    def __init__(self, n_components=1, startprob_prior=1.0, transmat_prior=1.0, *,
                 emissionprob_prior=1.0, n_features=None, algorithm="viterbi",
                 random_state=None, n_iter=10, tol=1e-2, verbose=False, params="ste",
                 init_params="ste", implementation="log"):
        self.n_components = n_components
        self.startprob_prior = startprob_prior
        self.transmat_prior = transmat_prior
        self.emissionprob_prior = emissionprob_prior
        self.n_features = n_features
        self.algorithm = algorithm
        self.random_state = random_state
        self.n_iter = n_iter
        self.tol = tol
        self.verbose = verbose
        self.params = params
        self.init_params = init_params
        self.implementation = implementation

    _emission_attrs = ("emissionprob_",)

    def _check_X(self, X, fitting=False):
        X = check_array(X, dtype=None)
        if X.shape[1] != 1:
            raise ValueError(f"X must have shape (n_samples, 1) of symbols, got shape {X.shape}")
        if not np.issubdtype(X.dtype, np.integer):
            if np.issubdtype(X.dtype, np.floating) and np.all(X == np.round(X)):
                X = X.astype(np.int64)
            else:
                raise ValueError("Symbols should be integers")
        if X.size and X.min() < 0:
            raise ValueError("Symbols should be nonnegative")
        if self.n_features is not None:
            if X.size and self.n_features - 1 < X.max():
                raise ValueError(f"Largest symbol is {X.max()} but the model only emits symbols "
                                 f"up to {self.n_features - 1}")
        elif fitting:
            self.n_features = int(X.max()) + 1
        return X[:, 0]

    def _check_emission(self):
        K = self.n_components
        self.emissionprob_ = np.atleast_2d(np.asarray(self.emissionprob_, dtype=np.float64))
        if self.n_features is None:
            self.n_features = self.emissionprob_.shape[1]
        if self.emissionprob_.shape != (K, self.n_features):
            raise ValueError(f"emissionprob_ must have shape ({K}, {self.n_features})")
        s = self.emissionprob_.sum(axis=-1)
        if not np.allclose(s, 1):
            raise ValueError(f"emissionprob_ must sum to 1 (rows), got sums {s}")

    def _log_emission(self, x):
        return _log(self.emissionprob_.T[x])

    def _emission_params(self):
        return {"e": self.n_components * (self.n_features - 1)}

    def _emit(self, state, rng):
        return int((np.cumsum(self.emissionprob_[state]) > rng.rand()).argmax())

    def _init_emission(self, x):
        # hmmlearn: emissions from a fresh generator
        if "e" in self.init_params or not hasattr(self, "emissionprob_"):
            rs2 = check_random_state(self.random_state)
            self.emissionprob_ = _normalize(rs2.rand(self.n_components, self.n_features), axis=1)

    def _emission_stats(self):
        return {"obs": np.zeros((self.n_components, self.n_features))}

    def _accumulate(self, stats, x, gamma):
        np.add.at(stats["obs"].T, x, gamma)

    def _mstep_emission(self, stats):
        if "e" in self.params:
            ep = np.maximum(self.emissionprob_prior - 1 + stats["obs"], 0)
            self.emissionprob_ = _normalize(ep, axis=1)

    def fit_supervised(self, X, states, lengths=None, pseudocount=0.0):
        """Maximum-likelihood parameters from labelled sequences (counting).

        ``startprob_ ~ #(z_1 = i)``, ``transmat_ ~ #(z_t = i, z_{t+1} = j)`` within sequences,
        ``emissionprob_ ~ #(z_t = i, x_t = m)``, each count plus ``pseudocount`` (additive /
        Laplace smoothing) and normalised; a row without any count becomes uniform."""
        self._check_hyper()
        x = self._check_X(X, fitting=True)
        z = np.asarray(states).ravel()
        if z.shape[0] != x.shape[0]:
            raise ValueError(f"states has {z.shape[0]} entries but X has {x.shape[0]} samples")
        if not np.issubdtype(z.dtype, np.integer) or (z.size and (z.min() < 0 or z.max() >= self.n_components)):
            raise ValueError(f"states must be integers in [0, {self.n_components}), got {z[:10]}...")
        if not isinstance(pseudocount, numbers.Real) or pseudocount < 0:
            raise ValueError(f"pseudocount must be a non-negative number, got pseudocount={pseudocount!r}")
        K, M = self.n_components, self.n_features
        start = np.full(K, float(pseudocount))
        trans = np.full((K, K), float(pseudocount))
        obs = np.full((K, M), float(pseudocount))
        offset = 0
        for seq in _split(np.arange(x.shape[0]), lengths):
            zs = z[seq]
            start[zs[0]] += 1
            np.add.at(trans, (zs[:-1], zs[1:]), 1)
            offset += len(seq)
        np.add.at(obs, (z, x), 1)

        def norm(a):
            a = a.copy()
            empty = a.sum(axis=-1) == 0
            a[empty] = 1.0
            return a / a.sum(axis=-1, keepdims=True)

        self.startprob_ = norm(start)
        self.transmat_ = norm(trans)
        self.emissionprob_ = norm(obs)
        return self
