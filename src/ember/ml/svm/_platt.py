"""Platt scaling and pairwise coupling: how ``SVC(probability=True)`` turns decision values
into probabilities (libsvm's ``sigmoid_train``, ``sigmoid_predict`` and
``multiclass_probability``)."""
import numpy as np


def _sigmoid_train(dec, labels, max_iter=100, min_step=1e-10, sigma=1e-12, eps=1e-5):
    """Platt's sigmoid ``P(y = +1 | f) = 1 / (1 + exp(A f + B))`` fitted by the Newton method
    with backtracking of Lin, Lin & Weng (2007) (libsvm's ``sigmoid_train``), on the
    regularised targets ``(N+ + 1)/(N+ + 2)`` and ``1/(N- + 2)``.  Returns ``(A, B)``."""
    dec = np.asarray(dec, dtype=np.float64)
    pos = labels > 0
    prior1, prior0 = float(pos.sum()), float((~pos).sum())
    t = np.where(pos, (prior1 + 1.0) / (prior1 + 2.0), 1.0 / (prior0 + 2.0))
    A, B = 0.0, np.log((prior0 + 1.0) / (prior1 + 1.0))

    def fval(A, B):
        f = dec * A + B
        return float(np.sum(np.where(f >= 0, t * f + np.log1p(np.exp(-np.abs(f))),
                                     (t - 1) * f + np.log1p(np.exp(-np.abs(f))))))

    fv = fval(A, B)
    for _ in range(max_iter):
        f = dec * A + B
        e = np.exp(-np.abs(f))
        p = np.where(f >= 0, e / (1.0 + e), 1.0 / (1.0 + e))   # 1 / (1 + exp(f))
        q = 1.0 - p
        d2 = p * q
        h11 = sigma + np.sum(dec * dec * d2)
        h22 = sigma + np.sum(d2)
        h21 = np.sum(dec * d2)
        d1 = t - p
        g1 = np.sum(dec * d1)
        g2 = np.sum(d1)
        if abs(g1) < eps and abs(g2) < eps:
            break
        det = h11 * h22 - h21 * h21
        dA = -(h22 * g1 - h21 * g2) / det
        dB = -(-h21 * g1 + h11 * g2) / det
        gd = g1 * dA + g2 * dB
        step = 1.0
        while step >= min_step:
            nA, nB = A + step * dA, B + step * dB
            nf = fval(nA, nB)
            if nf < fv + 1e-4 * step * gd:
                A, B, fv = nA, nB, nf
                break
            step /= 2.0
        if step < min_step:
            break
    return float(A), float(B)


def _sigmoid_predict(dec, A, B):
    f = dec * A + B
    e = np.exp(-np.abs(f))
    return np.where(f >= 0, e / (1.0 + e), 1.0 / (1.0 + e))


def _couple_pairwise(R, max_iter=None):
    """Multiclass probabilities from pairwise ones ``R[:, i, j] = P(i | i or j)`` by the second
    method of Wu, Lin & Weng (2004) (libsvm's ``multiclass_probability``), vectorised over
    samples: minimise ``sum_{i<j} (r_ji p_i - r_ij p_j)^2`` s.t. ``sum p = 1``."""
    n, k, _ = R.shape
    max_iter = max(100, k) if max_iter is None else max_iter
    eps = 0.005 / k
    Q = -R.transpose(0, 2, 1) * R                    # Q[t, j] = -r_jt r_tj  (t != j)
    diag = np.einsum("njt,njt->nt", R, R) - np.einsum("ntt,ntt->nt", R, R)
    idx = np.arange(k)
    Q[:, idx, idx] = diag                            # Q[t, t] = sum_{j != t} r_jt^2
    p = np.full((n, k), 1.0 / k)
    active = np.ones(n, dtype=bool)
    for _ in range(max_iter):
        Qp = np.einsum("ntj,nj->nt", Q, p)
        pQp = np.einsum("nt,nt->n", p, Qp)
        err = np.abs(Qp - pQp[:, None]).max(axis=1)
        active &= err >= eps
        if not active.any():
            break
        a = np.flatnonzero(active)
        Qa, pa, Qpa, pQpa = Q[a], p[a], Qp[a], pQp[a]
        for t in range(k):
            diff = (-Qpa[:, t] + pQpa) / Qa[:, t, t]
            pa[:, t] += diff
            pQpa = (pQpa + diff * (diff * Qa[:, t, t] + 2 * Qpa[:, t])) / (1 + diff) / (1 + diff)
            Qpa = (Qpa + diff[:, None] * Qa[:, t, :]) / (1 + diff)[:, None]
            pa /= (1 + diff)[:, None]
        p[a] = pa
    return p

