"""Information measures of discrete distributions.

Inputs are probability vectors (``p[i] = P(X = i)``) or joint tables (``joint[x, y] =
P(X = x, Y = y)``); each must be non-negative and sum to 1 (within ``1e-6``). ``base`` picks the
logarithm: ``None`` (natural log, nats), 2 (bits), 10, ... The convention ``0 log 0 = 0`` holds
throughout; ``p log(p / 0)`` with ``p > 0`` is ``+inf``.

    H(X)          = -sum_x p(x) log p(x)
    H(p, q)       = -sum_x p(x) log q(x)                 (cross-entropy)
    KL(p || q)    =  sum_x p(x) log(p(x) / q(x)) = H(p, q) - H(p)
    H(Y | X)      = -sum_{x,y} p(x, y) log p(y | x) = H(X, Y) - H(X)
    I(X; Y)       =  sum_{x,y} p(x, y) log(p(x, y) / (p(x) p(y))) = H(X) + H(Y) - H(X, Y)
"""
import numpy as np

__all__ = ["entropy", "joint_entropy", "cross_entropy", "kl_divergence", "conditional_entropy",
           "mutual_information"]

_ATOL = 1e-6


def _check_distribution(name, p, ndim=None):
    p = np.asarray(p, dtype=np.float64)
    if ndim is not None and p.ndim != ndim:
        raise ValueError(f"{name} must be a {ndim}-d array, got shape {p.shape}")
    if p.size == 0:
        raise ValueError(f"{name} is empty")
    if not np.all(np.isfinite(p)):
        raise ValueError(f"{name} contains NaN or infinity")
    if np.any(p < 0):
        raise ValueError(f"{name} has negative probabilities (min {p.min()!r})")
    total = p.sum()
    if abs(total - 1.0) > _ATOL:
        raise ValueError(f"{name} must sum to 1, sums to {total!r}")
    return p


def _log(x, base):
    with np.errstate(divide="ignore"):
        out = np.log(x)
    if base is not None:
        if not (base > 0 and base != 1):
            raise ValueError(f"base must be positive and != 1, got {base!r}")
        out = out / np.log(base)
    return out


def _plogp_over(p, q, base):
    """sum p log(p / q) with 0 log(0 / q) = 0 and p log(p / 0) = inf."""
    nz = p > 0
    if np.any(q[nz] == 0):
        return np.inf
    return float(np.sum(p[nz] * (_log(p[nz], base) - _log(q[nz], base))))


def entropy(p, base=None):
    """Shannon entropy ``H = -sum p log p`` of a distribution (a joint table gives the joint
    entropy).

    Examples
    --------
    >>> entropy([0.5, 0.5], base=2)
    1.0
    """
    p = _check_distribution("p", p)
    nz = p[p > 0]
    return float(-np.sum(nz * _log(nz, base))) + 0.0


joint_entropy = entropy


def cross_entropy(p, q, base=None):
    """Cross-entropy ``H(p, q) = -sum p log q`` (``inf`` where ``q = 0 < p``).

    Examples
    --------
    >>> cross_entropy([1.0, 0.0], [0.5, 0.5], base=2)
    1.0
    """
    p = _check_distribution("p", p)
    q = _check_distribution("q", q)
    if p.shape != q.shape:
        raise ValueError(f"p and q must have the same shape, got {p.shape} and {q.shape}")
    nz = p > 0
    if np.any(q[nz] == 0):
        return np.inf
    return float(-np.sum(p[nz] * _log(q[nz], base))) + 0.0


def kl_divergence(p, q, base=None):
    """Kullback-Leibler divergence ``KL(p || q) = sum p log(p / q) >= 0``.

    Examples
    --------
    >>> round(kl_divergence([0.5, 0.5], [0.9, 0.1]), 4)
    0.5108
    """
    p = _check_distribution("p", p)
    q = _check_distribution("q", q)
    if p.shape != q.shape:
        raise ValueError(f"p and q must have the same shape, got {p.shape} and {q.shape}")
    return max(_plogp_over(p, q, base), 0.0)


def conditional_entropy(joint, base=None):
    """``H(Y | X) = H(X, Y) - H(X)`` for a joint table ``joint[x, y]`` (rows are X).

    Examples
    --------
    >>> conditional_entropy([[0.25, 0.25], [0.5, 0.0]], base=2)
    0.5
    """
    joint = _check_distribution("joint", joint, ndim=2)
    px = joint.sum(axis=1, keepdims=True)
    nz = joint > 0
    cond = joint[nz] / np.broadcast_to(px, joint.shape)[nz]
    return max(float(-np.sum(joint[nz] * _log(cond, base))), 0.0)


def mutual_information(joint, base=None):
    """``I(X; Y) = sum p(x, y) log(p(x, y) / (p(x) p(y)))`` for a joint table ``joint[x, y]``.

    Examples
    --------
    >>> mutual_information([[0.5, 0.0], [0.0, 0.5]], base=2)
    1.0
    """
    joint = _check_distribution("joint", joint, ndim=2)
    px = joint.sum(axis=1, keepdims=True)
    py = joint.sum(axis=0, keepdims=True)
    return max(_plogp_over(joint.ravel(), (px * py).ravel(), base), 0.0)
