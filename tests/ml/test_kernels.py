"""Kernel functions against sklearn.metrics.pairwise, and the explicit polynomial feature map."""
import doctest
import importlib
from math import comb

import numpy as np
import pytest
from sklearn.metrics import pairwise as skp

from ember.ml import kernels as K


@pytest.fixture
def data():
    rng = np.random.RandomState(0)
    return rng.randn(7, 4), rng.randn(5, 4)


@pytest.mark.parametrize("gamma", [None, 0.3])
def test_kernels_match_sklearn(data, gamma):
    X, Y = data
    np.testing.assert_allclose(K.linear_kernel(X, Y), skp.linear_kernel(X, Y), rtol=1e-12)
    np.testing.assert_allclose(K.rbf_kernel(X, Y, gamma=gamma), skp.rbf_kernel(X, Y, gamma=gamma),
                               rtol=1e-10)
    np.testing.assert_allclose(K.rbf_kernel(X, gamma=gamma), skp.rbf_kernel(X, gamma=gamma),
                               rtol=1e-10)
    for degree, coef0 in [(2, 1), (3, 0.5)]:
        np.testing.assert_allclose(
            K.polynomial_kernel(X, Y, degree=degree, gamma=gamma, coef0=coef0),
            skp.polynomial_kernel(X, Y, degree=degree, gamma=gamma, coef0=coef0), rtol=1e-10)
    np.testing.assert_allclose(K.sigmoid_kernel(X, Y, gamma=gamma, coef0=0.2),
                               skp.sigmoid_kernel(X, Y, gamma=gamma, coef0=0.2), rtol=1e-10)


def test_default_gamma_is_one_over_n_features(data):
    X, Y = data
    np.testing.assert_allclose(K.rbf_kernel(X, Y), np.exp(-0.25 * ((X[:, None] - Y[None]) ** 2).sum(-1)))
    np.testing.assert_allclose(K.polynomial_kernel(X, Y), (0.25 * X @ Y.T + 1) ** 3)
    np.testing.assert_allclose(K.sigmoid_kernel(X, Y), np.tanh(0.25 * X @ Y.T + 1))


def test_rbf_diagonal_is_exactly_one(data):
    X, _ = data
    np.testing.assert_array_equal(np.diag(K.rbf_kernel(X * 1e3, gamma=1.0)), 1.0)
    np.testing.assert_allclose(K.squared_euclidean_distances(X),
                               skp.euclidean_distances(X, squared=True), atol=1e-12)


@pytest.mark.parametrize("degree", [0, 1, 2, 3, 4])
@pytest.mark.parametrize("gamma,coef0", [(1.0, 1.0), (0.5, 2.0), (0.3, 0.0)])
def test_polynomial_feature_map_reproduces_kernel(data, degree, gamma, coef0):
    X, Y = data
    PX = K.polynomial_features_map(X, degree, gamma=gamma, coef0=coef0)
    PY = K.polynomial_features_map(Y, degree, gamma=gamma, coef0=coef0)
    n = X.shape[1]
    expected_dim = comb(n + degree, degree) if coef0 != 0 else comb(n + degree - 1, degree)
    assert PX.shape == (X.shape[0], expected_dim)
    np.testing.assert_allclose(PX @ PY.T,
                               K.polynomial_kernel(X, Y, degree=degree, gamma=gamma, coef0=coef0),
                               rtol=1e-10, atol=1e-12)


def test_feature_map_degree2_by_hand():
    # (x.y + 1)^2 in 1-D: phi(x) = (1, sqrt(2) x, x^2)
    P = K.polynomial_features_map(np.array([[3.0]]), 2)
    np.testing.assert_allclose(np.sort(P[0]), np.sort([1.0, np.sqrt(2) * 3.0, 9.0]))


def test_bad_inputs(data):
    X, Y = data
    with pytest.raises(ValueError, match="Incompatible dimension"):
        K.rbf_kernel(X, Y[:, :3])
    with pytest.raises(ValueError, match="gamma"):
        K.polynomial_features_map(X, 2, gamma=-1.0)
    with pytest.raises(ValueError, match="coef0"):
        K.polynomial_features_map(X, 2, coef0=-1.0)
    with pytest.raises(ValueError, match="degree"):
        K.polynomial_features_map(X, 1.5)
    with pytest.raises(ValueError):
        K.linear_kernel(np.array([[np.nan, 1.0]]))


@pytest.mark.parametrize("module", ["kernels", "svm", "svm._smo", "svm._classes", "cluster",
                                    "neighbors", "hmm"])
def test_docstring_examples_run(module):
    mod = importlib.import_module(f"ember.ml.{module}")
    result = doctest.testmod(mod, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0
    assert result.failed == 0
