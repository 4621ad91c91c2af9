"""Hidden Markov model with categorical emissions (hmmlearn's ``CategoricalHMM`` API).

Model: hidden states ``z_t in {0..K-1}``, symbols ``x_t in {0..M-1}``,

    P(z_1 = i) = pi_i,   P(z_t = j | z_{t-1} = i) = A_ij,   P(x_t = m | z_t = i) = B_im .

All recursions run in log space, so long sequences do not underflow.  With
``log b_t(j) = log B_{j, x_t}``:

* forward:   ``log alpha_1 = log pi + log b_1``,
  ``log alpha_t(j) = log b_t(j) + logsumexp_i(log alpha_{t-1}(i) + log A_ij)``;
  ``log P(x) = logsumexp_j log alpha_T(j)``  (``score``)
* backward:  ``log beta_T = 0``, ``log beta_t(i) = logsumexp_j(log A_ij + log b_{t+1}(j) + log beta_{t+1}(j))``
* posteriors ``gamma_t(i) = exp(log alpha_t(i) + log beta_t(i) - log P(x))``  (``predict_proba``)
* Viterbi:   ``delta_t(j) = log b_t(j) + max_i(delta_{t-1}(i) + log A_ij)`` with back-pointers
  (``decode`` / ``predict``)
* Baum-Welch (``fit``): E-step expected counts ``gamma_1``, ``sum_t xi_t(i, j)`` with
  ``xi_t(i,j) = alpha_t(i) A_ij b_{t+1}(j) beta_{t+1}(j) / P(x)`` and
  ``sum_{t: x_t = m} gamma_t(i)``; M-step ``p = max(prior - 1 + counts, 0)`` normalised (MAP with
  Dirichlet priors; ``prior = 1`` is maximum likelihood).  Entries of ``startprob_`` /
  ``transmat_`` that are exactly 0 stay 0, as in hmmlearn.

``logsumexp`` over the previous states is evaluated as ``m + log(exp(v - m) @ A)`` with
``m = max(v)``, which is the same quantity computed with one matrix product.  Several
sequences run through the time loop together (padded batches of similar lengths).

``X`` is an ``(n_samples, 1)`` array of non-negative integer symbols; several sequences are
concatenated and described by ``lengths`` (a float array of whole numbers is accepted and cast;
hmmlearn rejects it).  Like hmmlearn, ``fit`` sets ``n_features`` (the
number of symbols) from the data when it is ``None``.  This is a scikit-learn
``BaseEstimator`` but not a classifier: its ``X`` is a column of symbols and ``fit`` is
unsupervised, so it is not run through ``parametrize_with_checks`` (hmmlearn's own estimators
are not either).

    >>> import numpy as np
    >>> from ember.ml.hmm import CategoricalHMM
    >>> m = CategoricalHMM(n_components=2)
    >>> m.startprob_ = np.array([0.6, 0.4])
    >>> m.transmat_ = np.array([[0.7, 0.3], [0.4, 0.6]])
    >>> m.emissionprob_ = np.array([[0.1, 0.4, 0.5], [0.6, 0.3, 0.1]])
    >>> X = np.array([[0], [1], [2]])
    >>> round(float(m.score(X)), 6), m.predict(X).tolist()
    (-3.392872, [1, 0, 0])
"""
import numbers
import sys
from collections import deque

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils import check_array, check_random_state
from sklearn.utils.validation import check_is_fitted

__all__ = ["CategoricalHMM", "ConvergenceMonitor"]


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


def _logsumexp(a, axis=None):
    m = np.max(a, axis=axis, keepdims=True)
    m = np.where(np.isfinite(m), m, 0.0)
    with np.errstate(divide="ignore"):
        out = np.log(np.sum(np.exp(a - m), axis=axis, keepdims=True)) + m
    return out.squeeze(axis) if axis is not None else out.item()


def _forward(log_pi, A, log_b):
    """Log forward lattices for a batch of sequences: ``log_b`` is ``(T, S, K)`` (padding
    rows may hold anything), returns ``(T, S, K)``."""
    T = log_b.shape[0]
    fwd = np.empty(log_b.shape)
    fwd[0] = log_pi + log_b[0]
    with np.errstate(divide="ignore", invalid="ignore", under="ignore"):
        for t in range(1, T):
            prev = fwd[t - 1]
            m = prev.max(axis=1, keepdims=True)
            m[~np.isfinite(m)] = 0.0
            fwd[t] = log_b[t] + m + np.log(np.exp(prev - m) @ A)
    return fwd


def _backward(A, log_b, lengths):
    """Log backward lattices ``(T, S, K)``; ``beta = 0`` from each sequence's last step on."""
    T = log_b.shape[0]
    bwd = np.zeros(log_b.shape)
    AT = np.ascontiguousarray(A.T)
    with np.errstate(divide="ignore", invalid="ignore", under="ignore"):
        for t in range(T - 2, -1, -1):
            nxt = log_b[t + 1] + bwd[t + 1]
            m = nxt.max(axis=1, keepdims=True)
            m[~np.isfinite(m)] = 0.0
            bwd[t] = m + np.log(np.exp(nxt - m) @ AT)
            ended = t >= lengths - 1
            if ended.any():
                bwd[t, ended] = 0.0
    return bwd


def _viterbi(log_pi, log_A, log_b, lengths):
    """Batched Viterbi: best paths ``(T, S)`` and their log-probabilities ``(S,)``.  Ties go
    to the last state in the back-pointers and the first at the final step, as hmmlearn."""
    T, S, K = log_b.shape
    delta = log_pi + log_b[0]
    back = np.zeros((T, S, K), dtype=np.intp)
    rows = np.arange(S)
    for t in range(1, T):
        cand = delta[:, :, None] + log_A                      # (S, i, j)
        bt = K - 1 - np.argmax(cand[:, ::-1, :], axis=1)      # (S, j)
        new = np.take_along_axis(cand, bt[:, None, :], axis=1)[:, 0, :] + log_b[t]
        live = t < lengths
        delta = np.where(live[:, None], new, delta)
        back[t] = bt
    cur = np.argmax(delta, axis=1)
    logprob = delta[rows, cur]
    path = np.zeros((T, S), dtype=np.intp)
    for t in range(T - 1, -1, -1):
        live = t <= lengths - 1
        path[t, live] = cur[live]
        if t > 0:
            cur = np.where(live, back[t, rows, cur], cur)
    return path, logprob


def _groups(lengths, waste=2.0):
    """Batches of sequence indices (longest first) whose padded size is at most ``waste``
    times their total length, so that short sequences share the time loop."""
    order = sorted(range(len(lengths)), key=lambda i: -lengths[i])
    groups, cur, total = [], [], 0
    for i in order:
        if cur and lengths[cur[0]] * (len(cur) + 1) > waste * (total + lengths[i]):
            groups.append(cur)
            cur, total = [], 0
        cur.append(i)
        total += lengths[i]
    if cur:
        groups.append(cur)
    return groups


def _padded(seqs, group, emission_T):
    """``(log_b (T, S, K), lengths (S,))`` for a batch; padding rows are 0."""
    Lg = np.array([len(seqs[i]) for i in group])
    T = int(Lg.max())
    sym = np.zeros((T, len(group)), dtype=np.intp)
    for c, i in enumerate(group):
        sym[:Lg[c], c] = seqs[i]
    log_b = _log(emission_T[sym])
    log_b[np.arange(T)[:, None] >= Lg[None, :]] = 0.0
    return log_b, Lg


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


class CategoricalHMM(BaseEstimator):
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

    def _check_X(self, X, set_n_features=False):
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
        elif set_n_features:
            self.n_features = int(X.max()) + 1
        return X[:, 0]

    def _check_params(self):
        K = self.n_components
        self.startprob_ = np.asarray(self.startprob_, dtype=np.float64)
        if self.startprob_.shape != (K,):
            raise ValueError("startprob_ must have length n_components")
        self.transmat_ = np.asarray(self.transmat_, dtype=np.float64)
        if self.transmat_.shape != (K, K):
            raise ValueError("transmat_ must have shape (n_components, n_components)")
        self.emissionprob_ = np.atleast_2d(np.asarray(self.emissionprob_, dtype=np.float64))
        if self.n_features is None:
            self.n_features = self.emissionprob_.shape[1]
        if self.emissionprob_.shape != (K, self.n_features):
            raise ValueError(f"emissionprob_ must have shape ({K}, {self.n_features})")
        for name in ("startprob_", "transmat_", "emissionprob_"):
            s = getattr(self, name).sum(axis=-1)
            if not np.allclose(s, 1):
                raise ValueError(f"{name} must sum to 1 (rows), got sums {s}")

    def _fitted(self):
        check_is_fitted(self, ["startprob_", "transmat_", "emissionprob_"])
        self._check_params()

    # -- inference ----------------------------------------------------------------------------
    def _lattices(self, x, lengths, backward=True):
        """Per sequence (in order): ``(symbols, log_b, log_alpha, log_beta, log P)``; the
        recursions run over batches of sequences at once."""
        seqs = _split(x, lengths)
        L = [len(q) for q in seqs]
        out = [None] * len(seqs)
        log_pi = _log(self.startprob_)
        A = self.transmat_
        for g in _groups(L):
            log_b, Lg = _padded(seqs, g, self.emissionprob_.T)
            fwd = _forward(log_pi, A, log_b)
            bwd = _backward(A, log_b, Lg) if backward else None
            for c, i in enumerate(g):
                n = L[i]
                f = fwd[:n, c]
                out[i] = (seqs[i], log_b[:n, c], f, None if bwd is None else bwd[:n, c],
                          _logsumexp(f[-1]))
        return out

    def _score(self, X, lengths, posteriors):
        self._fitted()
        x = self._check_X(X)
        total = 0.0
        post = []
        for _, _, fwd, bwd, lp in self._lattices(x, lengths, backward=posteriors):
            total += lp
            if posteriors:
                lg = fwd + bwd
                lg -= _logsumexp(lg, axis=1)[:, None]
                post.append(np.exp(lg))
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
        x = self._check_X(X)
        if algorithm == "map":
            _, post = self.score_samples(X, lengths)
            return float(np.sum(_log(post.max(axis=1)))), np.argmax(post, axis=1)
        log_pi, log_A = _log(self.startprob_), _log(self.transmat_)
        seqs = _split(x, lengths)
        L = [len(q) for q in seqs]
        paths, logps = [None] * len(seqs), [0.0] * len(seqs)
        for g in _groups(L):
            log_b, Lg = _padded(seqs, g, self.emissionprob_.T)
            path, lp = _viterbi(log_pi, log_A, log_b, Lg)
            for c, i in enumerate(g):
                paths[i] = path[:L[i], c]
                logps[i] = float(lp[c])
        total = float(sum(logps))
        return total, (np.concatenate(paths) if paths else np.empty(0, dtype=np.intp))

    def predict(self, X, lengths=None):
        """Most likely state sequence (``decode`` with ``self.algorithm``)."""
        return self.decode(X, lengths)[1]

    def sample(self, n_samples=1, random_state=None, currstate=None):
        """Draw ``(X, states)``; X has shape (n_samples, 1).  Uses the same random draws as
        hmmlearn (one uniform for each state choice and one for each symbol, by inverse CDF)."""
        self._fitted()
        rng = check_random_state(self.random_state if random_state is None else random_state)
        trans_cdf = np.cumsum(self.transmat_, axis=1)
        emit_cdf = np.cumsum(self.emissionprob_, axis=1)
        if currstate is None:
            currstate = int((np.cumsum(self.startprob_) > rng.rand()).argmax())
        states = [currstate]
        X = [int((emit_cdf[currstate] > rng.rand()).argmax())]
        for _ in range(n_samples - 1):
            currstate = int((trans_cdf[currstate] > rng.rand()).argmax())
            states.append(currstate)
            X.append(int((emit_cdf[currstate] > rng.rand()).argmax()))
        return np.asarray(X, dtype=np.int64)[:, None], np.asarray(states, dtype=int)

    def get_stationary_distribution(self):
        """Stationary distribution ``s`` of the chain: ``s A = s``, ``sum(s) = 1``."""
        check_is_fitted(self, "transmat_")
        vals, vecs = np.linalg.eig(np.asarray(self.transmat_).T)
        v = np.real_if_close(vecs[:, np.argmax(vals.real)])
        return np.real(v / v.sum())

    def _n_free_params(self):
        K, M = self.n_components, self.n_features
        counts = {"s": K - 1, "t": K * (K - 1), "e": K * (M - 1)}
        return sum(counts[p] for p in self.params if p in counts)

    def aic(self, X, lengths=None):
        """Akaike information criterion ``-2 log L + 2 p`` (``p`` free parameters in ``params``)."""
        return -2 * self.score(X, lengths) + 2 * self._n_free_params()

    def bic(self, X, lengths=None):
        """Bayesian information criterion ``-2 log L + p log(n_samples)``."""
        return -2 * self.score(X, lengths) + self._n_free_params() * np.log(len(X))

    # -- learning -----------------------------------------------------------------------------
    def _init(self, x):
        K = self.n_components
        # hmmlearn: start/transitions from one generator, emissions from a fresh one
        rs = check_random_state(self.random_state)
        init = 1.0 / K
        if "s" in self.init_params or not hasattr(self, "startprob_"):
            self.startprob_ = rs.dirichlet(np.full(K, init))
        if "t" in self.init_params or not hasattr(self, "transmat_"):
            self.transmat_ = rs.dirichlet(np.full(K, init), size=K)
        if "e" in self.init_params or not hasattr(self, "emissionprob_"):
            rs2 = check_random_state(self.random_state)
            self.emissionprob_ = _normalize(rs2.rand(K, self.n_features), axis=1)

    def _estep(self, x, lengths):
        K = self.n_components
        stats = {"start": np.zeros(K), "trans": np.zeros((K, K)),
                 "obs": np.zeros((K, self.n_features))}
        A = self.transmat_
        total = 0.0
        for seq, log_b, fwd, bwd, lp in self._lattices(x, lengths):
            total += lp
            lg = fwd + bwd
            lg -= _logsumexp(lg, axis=1)[:, None]
            gamma = np.exp(lg)
            stats["start"] += gamma[0]
            if seq.shape[0] > 1:
                # sum_t xi_t(i, j) = A_ij sum_t exp(fwd_t(i) + log b_{t+1}(j) + bwd_{t+1}(j) - lp),
                # evaluated with per-step max shifts and one matrix product
                M = fwd[:-1]
                N = log_b[1:] + bwd[1:]
                a = M.max(axis=1, keepdims=True)
                b = N.max(axis=1, keepdims=True)
                a = np.where(np.isfinite(a), a, 0.0)
                b = np.where(np.isfinite(b), b, 0.0)
                with np.errstate(under="ignore", over="ignore"):
                    c = np.exp(a + b - lp)
                    stats["trans"] += A * ((np.exp(M - a) * c).T @ np.exp(N - b))
            np.add.at(stats["obs"].T, seq, gamma)
        return stats, total

    def _mstep(self, stats):
        if "s" in self.params:
            sp = np.maximum(self.startprob_prior - 1 + stats["start"], 0)
            self.startprob_ = _normalize(np.where(self.startprob_ == 0, 0, sp))
        if "t" in self.params:
            tp = np.maximum(self.transmat_prior - 1 + stats["trans"], 0)
            self.transmat_ = _normalize(np.where(self.transmat_ == 0, 0, tp), axis=1)
        if "e" in self.params:
            ep = np.maximum(self.emissionprob_prior - 1 + stats["obs"], 0)
            self.emissionprob_ = _normalize(ep, axis=1)

    def fit(self, X, lengths=None):
        """Baum-Welch EM: initialise the parameters named in ``init_params`` at random, then
        alternate E- and M-steps until ``monitor_.converged``.  ``monitor_.history`` holds the
        log-likelihoods of the data under the parameters *before* each M-step."""
        self._check_hyper()
        x = self._check_X(X, set_n_features=True)
        self._init(x)
        self._check_params()
        self.monitor_ = ConvergenceMonitor(self.tol, self.n_iter, self.verbose)
        for _ in range(self.n_iter):
            stats, logprob = self._estep(x, lengths)
            self._mstep(stats)
            self.monitor_.report(logprob)
            if self.monitor_.converged:
                break
        return self

    def fit_supervised(self, X, states, lengths=None, pseudocount=0.0):
        """Maximum-likelihood parameters from labelled sequences (counting).

        ``startprob_ ~ #(z_1 = i)``, ``transmat_ ~ #(z_t = i, z_{t+1} = j)`` within sequences,
        ``emissionprob_ ~ #(z_t = i, x_t = m)``, each count plus ``pseudocount`` (additive /
        Laplace smoothing) and normalised; a row without any count becomes uniform."""
        self._check_hyper()
        x = self._check_X(X, set_n_features=True)
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
