"""What every hidden Markov model shares (hmmlearn's ``BaseHMM``): the forward-backward and
Viterbi recursions over the sequences of ``X`` (compiled, ``_kernels.py``), scoring,
decoding, sampling and the Baum-Welch loop with the start/transition M-step.  A subclass
supplies its emissions: ``_check_X``, ``_log_emission`` ``(n, K)``, ``_init_emission``,
``_check_emission``, the sufficient statistics (``_emission_stats``, ``_accumulate``),
``_mstep_emission``, ``_emit`` (one draw) and ``_emission_params`` (free parameter counts).
"""
import numbers
import sys
from collections import deque

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted

from . import _kernels


class ConvergenceMonitor:
    """EM convergence monitor with hmmlearn's attributes: ``history`` (the log-likelihood of
    every EM iteration, as hmmlearn 0.3 keeps it), ``iter``, ``converged`` (``iter == n_iter``
    or the last gain is below ``tol``)."""

    def __init__(self, tol, n_iter, verbose):
        self.tol = tol
        self.n_iter = n_iter
        self.verbose = verbose
        self.history = deque()
        self.iter = 0

    def _reset(self):
        self.iter = 0
        self.history.clear()

    def report(self, log_prob):
        if self.verbose:
            delta = log_prob - self.history[-1] if self.history else np.nan
            print(f"{self.iter + 1:>10d} {log_prob:>16.8f} {delta:>+16.8f}", file=sys.stderr)
        self.history.append(log_prob)
        self.iter += 1

    @property
    def converged(self):
        return (self.iter == self.n_iter
                or (len(self.history) >= 2 and self.history[-1] - self.history[-2] < self.tol))

    def __repr__(self):
        return (f"ConvergenceMonitor(tol={self.tol}, n_iter={self.n_iter}, iter={self.iter}, "
                f"history={list(self.history)}, converged={self.converged})")


def _log(a):
    with np.errstate(divide="ignore"):
        return np.log(a)


def _normalize(a, axis=None):
    s = a.sum(axis=axis, keepdims=True)
    s[s == 0] = 1
    return a / s


def _posteriors(fwd, bwd):
    lg = fwd + bwd
    m = lg.max(axis=1, keepdims=True)
    m[~np.isfinite(m)] = 0.0
    lg -= np.log(np.exp(lg - m).sum(axis=1, keepdims=True)) + m
    return np.exp(lg)


def _split(X, lengths):
    if lengths is None:
        return [X]
    lengths = np.asarray(lengths, dtype=int)
    if lengths.ndim != 1 or np.any(lengths < 0) or lengths.sum() != X.shape[0]:
        raise ValueError(
            f"lengths must be non-negative integers summing to n_samples={X.shape[0]}, "
            f"got lengths with sum {lengths.sum()}")
    ends = np.cumsum(lengths)
    return [X[e - n:e] for n, e in zip(lengths, ends) if n > 0]


class BaseHMM(BaseEstimator):
    """Start/transition parameters, inference and EM; see the module docstring."""

    _emission_attrs = ()

    # -- validation ---------------------------------------------------------------------------
    def _check_hyper(self):
        k = self.n_components
        if not isinstance(k, numbers.Integral) or isinstance(k, bool) or k < 1:
            raise ValueError(f"n_components must be a positive integer, got n_components={k!r}")
        if self.algorithm not in ("viterbi", "map"):
            raise ValueError(f"algorithm must be 'viterbi' or 'map', got algorithm={self.algorithm!r}")
        if not isinstance(self.n_iter, numbers.Integral) or self.n_iter < 0:
            raise ValueError(f"n_iter must be a non-negative integer, got n_iter={self.n_iter!r}")
        if not isinstance(self.tol, numbers.Real) or self.tol < 0:
            raise ValueError(f"tol must be a non-negative float, got tol={self.tol!r}")
        if self.implementation not in ("log", "scaling"):
            raise ValueError(
                f"implementation must be 'log' or 'scaling', got implementation={self.implementation!r}")

    def _check_params(self):
        K = self.n_components
        self.startprob_ = np.asarray(self.startprob_, dtype=np.float64)
        if self.startprob_.shape != (K,):
            raise ValueError("startprob_ must have length n_components")
        self.transmat_ = np.asarray(self.transmat_, dtype=np.float64)
        if self.transmat_.shape != (K, K):
            raise ValueError("transmat_ must have shape (n_components, n_components)")
        for name in ("startprob_", "transmat_"):
            s = getattr(self, name).sum(axis=-1)
            if not np.allclose(s, 1):
                raise ValueError(f"{name} must sum to 1 (rows), got sums {s}")
        self._check_emission()

    def _fitted(self):
        check_is_fitted(self, ["startprob_", "transmat_", *self._emission_attrs])
        self._check_params()

    # -- inference ----------------------------------------------------------------------------
    def _lattices(self, X, lengths, backward=True):
        """Per sequence: ``(X_seq, log_b, log_alpha, log_beta or None, log P)``."""
        log_pi, log_A = _log(self.startprob_), _log(self.transmat_)
        for seq in _split(X, lengths):
            log_b = np.ascontiguousarray(self._log_emission(seq))
            fwd, lp = _kernels.forward(log_pi, log_A, log_b)
            bwd = _kernels.backward(log_A, log_b) if backward else None
            yield seq, log_b, fwd, bwd, lp

    def _score(self, X, lengths, posteriors):
        self._fitted()
        X = self._check_X(X)
        total, post = 0.0, []
        for _, _, fwd, bwd, lp in self._lattices(X, lengths, backward=posteriors):
            total += lp
            if posteriors:
                post.append(_posteriors(fwd, bwd))
        if posteriors:
            return total, (np.concatenate(post) if post else np.empty((0, self.n_components)))
        return total

    def score(self, X, lengths=None):
        """Log-likelihood ``log P(X)`` summed over the sequences (forward algorithm)."""
        return self._score(X, lengths, posteriors=False)

    def score_samples(self, X, lengths=None):
        """``(log P(X), posteriors)`` with posteriors ``gamma_t(i)`` of shape (n_samples, K)."""
        return self._score(X, lengths, posteriors=True)

    def predict_proba(self, X, lengths=None):
        """Forward-backward state posteriors, shape (n_samples, n_components)."""
        return self.score_samples(X, lengths)[1]

    def decode(self, X, lengths=None, algorithm=None):
        """``(log_prob, states)``: Viterbi path and its joint log-probability ``log P(X, z)``,
        or with ``algorithm="map"`` the per-sample argmax of the posteriors and the sum of the
        log of those maximal posteriors."""
        self._fitted()
        algorithm = algorithm or self.algorithm
        if algorithm not in ("viterbi", "map"):
            raise ValueError(f"Unknown decoder {algorithm!r}")
        if algorithm == "map":
            _, post = self.score_samples(X, lengths)
            return float(np.sum(_log(post.max(axis=1)))), np.argmax(post, axis=1)
        X = self._check_X(X)
        log_pi, log_A = _log(self.startprob_), _log(self.transmat_)
        total, paths = 0.0, []
        for seq in _split(X, lengths):
            path, lp = _kernels.viterbi(log_pi, log_A,
                                        np.ascontiguousarray(self._log_emission(seq)))
            total += lp
            paths.append(path)
        return float(total), (np.concatenate(paths) if paths else np.empty(0, dtype=np.intp))

    def predict(self, X, lengths=None):
        """Most likely state sequence (``decode`` with ``self.algorithm``)."""
        return self.decode(X, lengths)[1]

    def sample(self, n_samples=1, random_state=None, currstate=None):
        """Draw ``(X, states)`` with hmmlearn's random draws (one uniform per state choice by
        inverse CDF, then the emission's own draw)."""
        self._fitted()
        rng = check_random_state(self.random_state if random_state is None else random_state)
        trans_cdf = np.cumsum(self.transmat_, axis=1)
        if currstate is None:
            currstate = int((np.cumsum(self.startprob_) > rng.rand()).argmax())
        states = [currstate]
        X = [self._emit(currstate, rng)]
        for _ in range(n_samples - 1):
            currstate = int((trans_cdf[currstate] > rng.rand()).argmax())
            states.append(currstate)
            X.append(self._emit(currstate, rng))
        return np.asarray(X).reshape(n_samples, -1), np.asarray(states, dtype=int)

    def get_stationary_distribution(self):
        """Stationary distribution ``s`` of the chain: ``s A = s``, ``sum(s) = 1``."""
        check_is_fitted(self, "transmat_")
        vals, vecs = np.linalg.eig(np.asarray(self.transmat_).T)
        v = np.real_if_close(vecs[:, np.argmax(vals.real)])
        return np.real(v / v.sum())

    def _n_free_params(self):
        K = self.n_components
        counts = {"s": K - 1, "t": K * (K - 1), **self._emission_params()}
        return sum(counts[p] for p in self.params if p in counts)

    def aic(self, X, lengths=None):
        """Akaike information criterion ``-2 log L + 2 p`` (``p`` free parameters in ``params``)."""
        return -2 * self.score(X, lengths) + 2 * self._n_free_params()

    def bic(self, X, lengths=None):
        """Bayesian information criterion ``-2 log L + p log(n_samples)``."""
        return -2 * self.score(X, lengths) + self._n_free_params() * np.log(len(X))

    # -- learning -----------------------------------------------------------------------------
    def _init(self, X):
        K = self.n_components
        rs = check_random_state(self.random_state)
        init = 1.0 / K
        if "s" in self.init_params or not hasattr(self, "startprob_"):
            self.startprob_ = rs.dirichlet(np.full(K, init))
        if "t" in self.init_params or not hasattr(self, "transmat_"):
            self.transmat_ = rs.dirichlet(np.full(K, init), size=K)
        self._init_emission(X)

    def _estep(self, X, lengths):
        K = self.n_components
        stats = {"start": np.zeros(K), "trans": np.zeros((K, K)), **self._emission_stats()}
        log_A = _log(self.transmat_)
        total = 0.0
        for seq, log_b, fwd, bwd, lp in self._lattices(X, lengths):
            total += lp
            gamma = _posteriors(fwd, bwd)
            stats["start"] += gamma[0]
            if seq.shape[0] > 1:
                stats["trans"] += _kernels.xi_sum(fwd, log_A, log_b, bwd, lp)
            self._accumulate(stats, seq, gamma)
        return stats, total

    def _mstep(self, stats):
        if "s" in self.params:
            sp = np.maximum(self.startprob_prior - 1 + stats["start"], 0)
            self.startprob_ = _normalize(np.where(self.startprob_ == 0, 0, sp))
        if "t" in self.params:
            tp = np.maximum(self.transmat_prior - 1 + stats["trans"], 0)
            self.transmat_ = _normalize(np.where(self.transmat_ == 0, 0, tp), axis=1)
        self._mstep_emission(stats)

    def fit(self, X, lengths=None):
        """Baum-Welch EM: initialise the parameters named in ``init_params``, then alternate
        E- and M-steps until ``monitor_.converged``.  ``monitor_.history`` holds the
        log-likelihoods of the data under the parameters *before* each M-step."""
        self._check_hyper()
        X = self._check_X(X, fitting=True)
        self._init(X)
        self._check_params()
        self.monitor_ = ConvergenceMonitor(self.tol, self.n_iter, self.verbose)
        for _ in range(self.n_iter):
            stats, logprob = self._estep(X, lengths)
            self._mstep(stats)
            self.monitor_.report(logprob)
            if self.monitor_.converged:
                break
        return self
