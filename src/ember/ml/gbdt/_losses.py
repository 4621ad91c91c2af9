"""The boosting losses: initial margin, per-sample gradient and hessian, evaluation metric."""
import numpy as np
from numba import njit
from scipy.special import expit, logit


@njit(cache=True)
def softmax(F):
    """Row-wise softmax, scipy's operations in one pass (NumPy's reductions along rows of a
    few classes cost three times as much)."""
    n, K = F.shape
    P = np.empty((n, K))
    for i in range(n):
        m = F[i, 0]
        for k in range(1, K):
            m = max(m, F[i, k])
        s = 0.0
        for k in range(K):
            P[i, k] = np.exp(F[i, k] - m)
            s += P[i, k]
        for k in range(K):
            P[i, k] /= s
    return P


class _SquaredError:
    n_outputs = 1
    metric = "rmse"

    def init_margin(self, y, w, base_score):
        return np.array([np.average(y, weights=w) if base_score is None else base_score])

    def grad_hess(self, y, F, w):
        return [(F[:, 0] - y, np.ones_like(y))]

    def eval(self, y, F):
        return float(np.sqrt(np.mean((y - F[:, 0]) ** 2)))


class _Logistic:
    n_outputs = 1
    metric = "logloss"

    def init_margin(self, y, w, base_score):
        if base_score is None:
            base_score = np.clip(np.average(y, weights=w), 1e-6, 1 - 1e-6)
        return np.array([logit(base_score)])

    def grad_hess(self, y, F, w):
        p = expit(F[:, 0])
        return [(p - y, np.maximum(p * (1.0 - p), 1e-16))]

    def eval(self, y, F):
        p = np.clip(expit(F[:, 0]), 1e-16, 1 - 1e-16)
        return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))


class _Softmax:
    metric = "mlogloss"

    def __init__(self, K):
        self.n_outputs = K

    def init_margin(self, y, w, base_score):
        if base_score is not None:
            return np.full(self.n_outputs, float(base_score))
        prior = np.bincount(y, weights=w, minlength=self.n_outputs) / w.sum()
        lp = np.log(np.clip(prior, 1e-6, None))
        return lp - lp.mean()

    def grad_hess(self, y, F, w):
        p = softmax(F)
        h = np.maximum(2.0 * p * (1.0 - p), 1e-16)
        p[np.arange(y.size), y] -= 1.0
        return [(p[:, k], h[:, k]) for k in range(self.n_outputs)]

    def eval(self, y, F):
        p = np.clip(softmax(F)[np.arange(y.size), y], 1e-16, None)
        return float(-np.mean(np.log(p)))
