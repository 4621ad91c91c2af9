"""The Gaussian process against scikit-learn's GaussianProcessRegressor with the same
Matern 5/2 kernel and data; the acquisition functions against their definitions."""
import warnings

import numpy as np
import pytest
from sklearn.gaussian_process import GaussianProcessRegressor
from sklearn.gaussian_process.kernels import ConstantKernel, Matern, WhiteKernel

from ember.tune.gp import GaussianProcess, confidence_bound, expected_improvement


def _data(n=14, d=3, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.random((n, d))
    y = np.sin(5 * X[:, 0]) + X[:, 1] ** 2 + 0.05 * rng.standard_normal(n)
    return X, y, rng.random((9, d))


@pytest.mark.parametrize("s2,ls,noise", [(1.3, [0.3, 0.5, 0.7], 1e-3), (0.4, [1.2, 0.2, 2.0], 1e-2)])
def test_posterior_matches_scikit_learn(s2, ls, noise):
    X, y, Xs = _data()
    ours = GaussianProcess(s2, ls, noise, optimize=False).fit(X, y)
    ref = GaussianProcessRegressor(ConstantKernel(s2) * Matern(ls, nu=2.5), alpha=noise,
                                   normalize_y=True, optimizer=None).fit(X, y)
    m, s = ours.predict(Xs, return_std=True)
    mr, sr = ref.predict(Xs, return_std=True)
    np.testing.assert_allclose(m, mr, rtol=1e-8, atol=1e-9)
    np.testing.assert_allclose(s, sr, rtol=1e-6, atol=1e-9)


def test_marginal_likelihood_and_its_maximum_match_scikit_learn():
    X, y, _ = _data()
    ref = GaussianProcessRegressor(ConstantKernel(1.0) * Matern([0.5] * 3, nu=2.5) + WhiteKernel(1e-3),
                                   normalize_y=True, n_restarts_optimizer=3, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref.fit(X, y)
    ours = GaussianProcess(seed=0).fit(X, y)
    theta = np.log([1.3, 0.3, 0.5, 0.7, 1e-3])      # same parameterisation: log(s2, l..., noise)
    assert ours.log_marginal_likelihood(theta) == pytest.approx(ref.log_marginal_likelihood(theta), abs=1e-6)
    # both maximise the same function: ours reaches scikit-learn's maximum
    assert ours.log_marginal_likelihood() >= ref.log_marginal_likelihood_value_ - 1e-3
    # and interpolates the (nearly noiseless) data
    np.testing.assert_allclose(ours.predict(X), y, atol=0.05)


def test_acquisitions_match_their_definitions():
    rng = np.random.default_rng(0)
    mean, std, best = np.array([0.0, 1.0, -0.5]), np.array([1.0, 0.3, 0.1]), 0.2
    f = mean + std * rng.standard_normal((400_000, 3))
    mc = np.maximum(best - f - 0.01, 0).mean(0)
    np.testing.assert_allclose(expected_improvement(mean, std, best, xi=0.01), mc, rtol=0.02, atol=1e-3)
    np.testing.assert_allclose(confidence_bound(mean, std, 2.0), -(mean - 2 * std))
