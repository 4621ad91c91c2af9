"""The recursions of a hidden Markov model on one sequence, compiled with numba.

``log_b`` is ``(T, K)``: ``log P(x_t | z_t = j)``; ``log_pi`` ``(K,)``; ``log_A`` ``(K, K)``.

* forward   ``a_0 = log_pi + log_b_0``, ``a_t(j) = log_b_t(j) + logsumexp_i(a_{t-1}(i) + log A_ij)``
* backward  ``b_{T-1} = 0``, ``b_t(i) = logsumexp_j(log A_ij + log_b_{t+1}(j) + b_{t+1}(j))``
* xi sum    ``sum_t exp(a_t(i) + log A_ij + log_b_{t+1}(j) + b_{t+1}(j) - log P(x))``
* Viterbi   ``d_t(j) = log_b_t(j) + max_i(d_{t-1}(i) + log A_ij)``; back-pointer ties go to
  the last state, the final argmax to the first (as hmmlearn).
"""
import numpy as np
from numba import njit


@njit(cache=True)
def _lse_col(v, log_A, j):
    """``logsumexp_i(v_i + log_A[i, j])``."""
    K = v.shape[0]
    m = -np.inf
    for i in range(K):
        s = v[i] + log_A[i, j]
        if s > m:
            m = s
    if m == -np.inf:
        return -np.inf
    acc = 0.0
    for i in range(K):
        acc += np.exp(v[i] + log_A[i, j] - m)
    return m + np.log(acc)


@njit(cache=True)
def forward(log_pi, log_A, log_b):
    """Forward lattice ``(T, K)`` and ``log P(x)``."""
    T, K = log_b.shape
    fwd = np.empty((T, K))
    for j in range(K):
        fwd[0, j] = log_pi[j] + log_b[0, j]
    for t in range(1, T):
        for j in range(K):
            fwd[t, j] = log_b[t, j] + _lse_col(fwd[t - 1], log_A, j)
    return fwd, logsumexp(fwd[T - 1])


@njit(cache=True)
def backward(log_A, log_b):
    """Backward lattice ``(T, K)``."""
    T, K = log_b.shape
    bwd = np.zeros((T, K))
    log_AT = np.ascontiguousarray(log_A.T)
    nxt = np.empty(K)
    for t in range(T - 2, -1, -1):
        for j in range(K):
            nxt[j] = log_b[t + 1, j] + bwd[t + 1, j]
        for i in range(K):
            bwd[t, i] = _lse_col(nxt, log_AT, i)
    return bwd


@njit(cache=True)
def logsumexp(v):
    m = -np.inf
    for x in v:
        if x > m:
            m = x
    if m == -np.inf:
        return -np.inf
    acc = 0.0
    for x in v:
        acc += np.exp(x - m)
    return m + np.log(acc)


@njit(cache=True)
def xi_sum(fwd, log_A, log_b, bwd, log_prob):
    """Expected transition counts ``sum_t xi_t(i, j)`` ``(K, K)``."""
    T, K = log_b.shape
    out = np.zeros((K, K))
    for t in range(T - 1):
        for i in range(K):
            a = fwd[t, i] - log_prob
            for j in range(K):
                out[i, j] += np.exp(a + log_A[i, j] + log_b[t + 1, j] + bwd[t + 1, j])
    return out


@njit(cache=True)
def viterbi(log_pi, log_A, log_b):
    """Most likely state path ``(T,)`` and its log-probability ``log P(x, z)``."""
    T, K = log_b.shape
    delta = np.empty((T, K))
    back = np.zeros((T, K), dtype=np.intp)
    for j in range(K):
        delta[0, j] = log_pi[j] + log_b[0, j]
    for t in range(1, T):
        for j in range(K):
            best, arg = -np.inf, K - 1
            for i in range(K):
                s = delta[t - 1, i] + log_A[i, j]
                if s >= best:
                    best, arg = s, i
            delta[t, j] = best + log_b[t, j]
            back[t, j] = arg
    path = np.empty(T, dtype=np.intp)
    cur = 0
    for j in range(1, K):
        if delta[T - 1, j] > delta[T - 1, cur]:
            cur = j
    log_prob = delta[T - 1, cur]
    for t in range(T - 1, -1, -1):
        path[t] = cur
        cur = back[t, cur]
    return path, log_prob
