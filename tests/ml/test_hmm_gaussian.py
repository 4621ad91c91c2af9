"""GaussianHMM against hmmlearn: log-likelihood, posteriors, Viterbi path and one
Baum-Welch step for every covariance type; a singular covariance names its state."""
import logging

import numpy as np
import pytest
from hmmlearn import hmm as hl

from ember.ml.hmm import GaussianHMM

from ._hmm import assert_same_inference

logging.getLogger("hmmlearn").setLevel(logging.ERROR)
TYPES = ["diag", "full", "spherical", "tied"]


def _covars(ct, K, F, rng):
    if ct == "spherical":
        return rng.rand(K) + 0.5
    if ct == "diag":
        return rng.rand(K, F) + 0.5
    M = rng.randn(K, F, F) * 0.4
    full = M @ M.transpose(0, 2, 1) + np.eye(F)
    return full if ct == "full" else full[0]


def _pair(ct, seed=0, K=3, F=2, **kw):
    rng = np.random.RandomState(seed)
    pi = rng.rand(K) + 0.1
    A = rng.rand(K, K) + 0.1
    means = rng.randn(K, F) * 2
    cv = _covars(ct, K, F, rng)
    models = [cls(K, covariance_type=ct, init_params="", **kw)
              for cls in (GaussianHMM, hl.GaussianHMM)]
    for m in models:
        m.startprob_, m.transmat_ = pi / pi.sum(), A / A.sum(1, keepdims=True)
        m.means_, m.covars_ = means.copy(), cv.copy()
    X = means[rng.randint(0, K, 150)] + rng.randn(150, F)
    return models[0], models[1], X, [40, 60, 50]


@pytest.mark.parametrize("ct", TYPES)
def test_inference_matches_hmmlearn(ct):
    ours, ref, X, lengths = _pair(ct)
    assert_same_inference(ours, ref, X, lengths)
    np.testing.assert_allclose(ours.covars_, ref.covars_, rtol=1e-12)


@pytest.mark.parametrize("ct", TYPES)
def test_one_baum_welch_step_matches_hmmlearn(ct):
    ours, ref, X, lengths = _pair(ct, seed=1, n_iter=1, means_weight=0.5, means_prior=0.1)
    ours.fit(X, lengths)
    ref.fit(X, lengths)
    np.testing.assert_allclose(ours.monitor_.history[0], ref.monitor_.history[0], rtol=1e-12)
    for name in ("startprob_", "transmat_", "means_", "_covars_"):
        want = getattr(ref, name)
        if name == "_covars_" and ct == "spherical":
            want = want[:, 0]   # hmmlearn stores the spherical M-step's variances tiled (K, F)
        np.testing.assert_allclose(getattr(ours, name), want, rtol=1e-9, atol=1e-12,
                                   err_msg=name)


def test_fit_from_random_init_raises_likelihood_like_hmmlearn():
    # kmeans initialisation + EM: same final log-likelihood as hmmlearn to 1e-6 relative
    _, _, X, lengths = _pair("diag", seed=2)
    ours = GaussianHMM(3, n_iter=20, random_state=0).fit(X, lengths)
    ref = hl.GaussianHMM(3, n_iter=20, random_state=0).fit(X, lengths)
    hist = np.array(ours.monitor_.history)
    assert np.all(np.diff(hist) > -1e-8)
    np.testing.assert_allclose(ours.score(X, lengths), ref.score(X, lengths), rtol=1e-6)
    assert ours.sample(5, random_state=0)[0].shape == (5, 2)


def test_singular_covariance_names_the_state():
    ours, _, X, _ = _pair("full")
    cv = ours.covars_.copy()
    cv[1] = np.ones((2, 2))             # rank one
    ours.covars_ = cv
    with pytest.raises(ValueError, match="state 1"):
        ours.score(X)
    ours, _, X, _ = _pair("diag")
    ours._covars_[2, 0] = 0.0
    with pytest.raises(ValueError, match="state 2"):
        ours.score(X)


def test_nan_gets_scikit_learns_message():
    ours, _, X, _ = _pair("diag")
    X[3, 1] = np.nan
    with pytest.raises(ValueError, match="Input contains NaN"):
        ours.score(X)
