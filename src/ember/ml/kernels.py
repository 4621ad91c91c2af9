"""Kernel functions and the explicit polynomial feature map.

All kernels follow scikit-learn's ``sklearn.metrics.pairwise`` formulas and defaults
(``gamma=None`` means ``1 / n_features``):

* linear:      ``k(x, y) = x . y``
* polynomial:  ``k(x, y) = (gamma x . y + coef0) ** degree``
* rbf:         ``k(x, y) = exp(-gamma ||x - y||^2)``
* sigmoid:     ``k(x, y) = tanh(gamma x . y + coef0)``

``polynomial_features_map`` builds the feature map ``phi`` of the polynomial kernel, so that
``phi(X) @ phi(Y).T == polynomial_kernel(X, Y, degree, gamma, coef0)``: the kernel trick made
explicit.

    >>> import numpy as np
    >>> from ember.ml.kernels import polynomial_kernel, polynomial_features_map
    >>> X = np.array([[1.0, 2.0], [0.5, -1.0]])
    >>> P = polynomial_features_map(X, degree=2, gamma=0.5, coef0=1.0)
    >>> bool(np.allclose(P @ P.T, polynomial_kernel(X, degree=2, gamma=0.5, coef0=1.0)))
    True
"""
from itertools import combinations_with_replacement
from math import factorial

import numpy as np
from sklearn.utils import check_array

__all__ = [
    "linear_kernel", "polynomial_kernel", "rbf_kernel", "sigmoid_kernel",
    "squared_euclidean_distances", "polynomial_features_map", "PAIRWISE_KERNELS",
]


def _check_pair(X, Y):
    X = check_array(X, dtype=[np.float64, np.float32])
    if Y is None:
        Y = X
    else:
        Y = check_array(Y, dtype=[np.float64, np.float32])
        if X.shape[1] != Y.shape[1]:
            raise ValueError(
                f"Incompatible dimension for X and Y matrices: X.shape[1] == {X.shape[1]} "
                f"while Y.shape[1] == {Y.shape[1]}")
    if X.dtype != Y.dtype:
        X = X.astype(np.float64)
        Y = Y.astype(np.float64)
    return X, Y


def _gamma(gamma, X):
    return 1.0 / X.shape[1] if gamma is None else float(gamma)


def squared_euclidean_distances(X, Y=None, X_norm_squared=None, Y_norm_squared=None):
    """``D[i, j] = ||x_i||^2 - 2 x_i . y_j + ||y_j||^2`` (clipped at 0; exact 0 on the diagonal
    when ``Y is None``)."""
    same = Y is None
    X, Y = _check_pair(X, Y)
    xx = np.einsum("ij,ij->i", X, X) if X_norm_squared is None else X_norm_squared
    yy = (xx if same else np.einsum("ij,ij->i", Y, Y)) if Y_norm_squared is None else Y_norm_squared
    D = X @ Y.T
    D *= -2.0
    D += xx[:, None]
    D += yy[None, :]
    np.maximum(D, 0.0, out=D)
    if same:
        np.fill_diagonal(D, 0.0)
    return D


def linear_kernel(X, Y=None):
    """Linear kernel ``K = X @ Y.T``."""
    X, Y = _check_pair(X, Y)
    return X @ Y.T


def polynomial_kernel(X, Y=None, degree=3, gamma=None, coef0=1):
    """Polynomial kernel ``K = (gamma X @ Y.T + coef0) ** degree``; ``gamma=None`` -> 1/n_features."""
    X, Y = _check_pair(X, Y)
    K = X @ Y.T
    K *= _gamma(gamma, X)
    K += coef0
    K **= degree
    return K


def rbf_kernel(X, Y=None, gamma=None):
    """RBF kernel ``K = exp(-gamma ||x - y||^2)``; ``gamma=None`` -> 1/n_features."""
    X, Y = _check_pair(X, Y)
    K = squared_euclidean_distances(X, None if Y is X else Y)
    K *= -_gamma(gamma, X)
    np.exp(K, out=K)
    return K


def sigmoid_kernel(X, Y=None, gamma=None, coef0=1):
    """Sigmoid kernel ``K = tanh(gamma X @ Y.T + coef0)``; ``gamma=None`` -> 1/n_features."""
    X, Y = _check_pair(X, Y)
    K = X @ Y.T
    K *= _gamma(gamma, X)
    K += coef0
    np.tanh(K, out=K)
    return K


PAIRWISE_KERNELS = {
    "linear": linear_kernel,
    "poly": polynomial_kernel,
    "polynomial": polynomial_kernel,
    "rbf": rbf_kernel,
    "sigmoid": sigmoid_kernel,
}


def polynomial_features_map(X, degree, gamma=1.0, coef0=1.0):
    """Explicit feature map of the polynomial kernel.

    By the multinomial theorem, with ``x_0 := 1``,
    ``(gamma x.y + coef0)^d = sum_{|k| = d} d!/(k_0! ... k_n!) coef0^{k_0} gamma^{d-k_0}
    prod_i (x_i y_i)^{k_i}``, so ``phi_k(x) = sqrt(d!/prod k_i! * coef0^{k_0} * gamma^{d-k_0})
    * prod_i x_i^{k_i}`` over all multi-indices ``k = (k_0, ..., k_n)`` with ``|k| = d``
    satisfies ``phi(x) . phi(y) = (gamma x.y + coef0)^d``.  There are ``C(n + d, d)`` features
    (only the ``k_0 = 0`` ones, ``C(n + d - 1, d)``, when ``coef0 == 0``).

    Requires ``gamma >= 0`` and ``coef0 >= 0`` (otherwise the kernel is not a real inner
    product of this form) and an integer ``degree >= 0``.
    """
    X = check_array(X, dtype=np.float64)
    if int(degree) != degree or degree < 0:
        raise ValueError(f"degree must be a non-negative integer, got degree={degree!r}")
    degree = int(degree)
    if gamma < 0:
        raise ValueError(f"gamma must be >= 0 for a real feature map, got gamma={gamma!r}")
    if coef0 < 0:
        raise ValueError(f"coef0 must be >= 0 for a real feature map, got coef0={coef0!r}")
    n_samples, n_features = X.shape
    Xa = np.hstack([np.ones((n_samples, 1)), X])  # column 0 is the constant "feature" x_0 = 1
    columns = []
    for combo in combinations_with_replacement(range(n_features + 1), degree):
        counts = np.bincount(np.asarray(combo, dtype=np.intp), minlength=n_features + 1)
        k0 = int(counts[0])
        if coef0 == 0 and k0 > 0:
            continue
        multinom = factorial(degree)
        for c in counts:
            multinom //= factorial(int(c))
        weight = multinom * float(coef0) ** k0 * float(gamma) ** (degree - k0)
        columns.append(np.sqrt(weight) * np.prod(Xa[:, list(combo)], axis=1))
    if not columns:
        return np.zeros((n_samples, 0))
    return np.column_stack(columns)
