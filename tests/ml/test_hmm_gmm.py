"""GMMHMM against hmmlearn: log-likelihood, posteriors, Viterbi path and one Baum-Welch
step (with hmmlearn's default priors) for every covariance type."""
import logging

import numpy as np
import pytest
from hmmlearn import hmm as hl

from ember.ml.hmm import GMMHMM

from ._hmm import assert_same_inference

logging.getLogger("hmmlearn").setLevel(logging.ERROR)
TYPES = ["diag", "full", "spherical", "tied"]


def _pair(ct, seed=0, K=2, M=2, F=2, **kw):
    rng = np.random.RandomState(seed)
    pi, A, w = rng.rand(K) + 0.1, rng.rand(K, K) + 0.1, rng.rand(K, M) + 0.2
    means = rng.randn(K, M, F) * 2
    B = rng.randn(K, M, F, F) * 0.4
    full = B @ np.swapaxes(B, 2, 3) + np.eye(F)
    cv = {"diag": rng.rand(K, M, F) + 0.5, "spherical": rng.rand(K, M) + 0.5,
          "full": full, "tied": full[:, 0]}[ct]
    models = [cls(K, n_mix=M, covariance_type=ct, init_params="", **kw)
              for cls in (GMMHMM, hl.GMMHMM)]
    for m in models:
        m.startprob_, m.transmat_ = pi / pi.sum(), A / A.sum(1, keepdims=True)
        m.weights_, m.means_, m.covars_ = w / w.sum(1, keepdims=True), means.copy(), cv.copy()
    X = means.reshape(-1, F)[rng.randint(0, K * M, 120)] + rng.randn(120, F)
    return models[0], models[1], X, [50, 70]


@pytest.mark.parametrize("ct", TYPES)
def test_inference_matches_hmmlearn(ct):
    ours, ref, X, lengths = _pair(ct)
    assert_same_inference(ours, ref, X, lengths)


@pytest.mark.parametrize("ct", TYPES)
def test_one_baum_welch_step_matches_hmmlearn(ct):
    ours, ref, X, lengths = _pair(ct, seed=1, n_iter=1, means_weight=0.3)
    ours.fit(X, lengths)
    ref.fit(X, lengths)
    np.testing.assert_allclose(ours.monitor_.history[0], ref.monitor_.history[0], rtol=1e-12)
    for name in ("startprob_", "transmat_", "weights_", "means_", "covars_"):
        np.testing.assert_allclose(getattr(ours, name), getattr(ref, name), rtol=1e-9,
                                   atol=1e-12, err_msg=name)
    assert ours.covars_prior is None                  # the hyper-parameters stay as given


def test_fit_from_random_init_and_singular_covariance():
    ours, _, X, lengths = _pair("diag", seed=2)
    m = GMMHMM(2, n_mix=2, n_iter=15, random_state=0).fit(X, lengths)
    assert np.all(np.diff(np.array(m.monitor_.history)) > -1e-8)
    assert m.score(X, lengths) > ours.score(X, lengths) - 5.0
    assert m.sample(4, random_state=0)[0].shape == (4, 2)
    ours, _, X, _ = _pair("full")
    cv = ours.covars_.copy()
    cv[1, 0] = -np.eye(2)
    ours.covars_ = cv
    with pytest.raises(ValueError, match="state 1, mixture 0"):
        ours.score(X)
