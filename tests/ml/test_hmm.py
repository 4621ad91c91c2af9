"""CategoricalHMM against hmmlearn and brute-force enumeration."""
import itertools
import logging

import numpy as np
import pytest
from hmmlearn import hmm as hl
from sklearn.exceptions import NotFittedError

from ember.ml.hmm import CategoricalHMM

from ._hmm import assert_same_inference

logging.getLogger("hmmlearn").setLevel(logging.ERROR)


def _random_model(seed, K=3, M=4, rounded=False):
    rng = np.random.RandomState(seed)

    def rp(*shape):
        a = rng.randint(1, 4, shape).astype(float) if rounded else rng.rand(*shape) + 0.1
        return a / a.sum(-1, keepdims=True)

    return rp(K), rp(K, K), rp(K, M), rng


def _pair(seed, K=3, M=4, rounded=False, **kw):
    pi, A, B, rng = _random_model(seed, K, M, rounded)
    ours = CategoricalHMM(K, n_features=M, init_params="", **kw)
    ref = hl.CategoricalHMM(K, n_features=M, init_params="", **kw)
    for m in (ours, ref):
        m.startprob_, m.transmat_, m.emissionprob_ = pi.copy(), A.copy(), B.copy()
    return ours, ref, rng


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_inference_matches_hmmlearn(seed):
    ours, ref, rng = _pair(seed)
    X = rng.randint(0, 4, (240, 1))
    lengths = [60, 100, 80]
    np.testing.assert_allclose(ours.score(X, lengths), ref.score(X, lengths), rtol=1e-12)
    post_ref, path_ref = assert_same_inference(ours, ref, X, lengths, post_atol=1e-12)
    np.testing.assert_allclose(ours.predict_proba(X, lengths), post_ref, atol=1e-12)
    np.testing.assert_array_equal(ours.predict(X, lengths), path_ref)
    # MAP decoding: same states as hmmlearn
    np.testing.assert_array_equal(ours.decode(X, lengths, algorithm="map")[1],
                                  ref.decode(X, lengths, algorithm="map")[1])


@pytest.mark.parametrize("seed", range(12))
def test_viterbi_ties_broken_like_hmmlearn(seed):
    ours, ref, rng = _pair(seed, K=3, M=3, rounded=True)   # small-integer ratios: many ties
    X = rng.randint(0, 3, (60, 1))
    np.testing.assert_array_equal(ours.decode(X)[1], ref.decode(X)[1])


def test_score_equals_brute_force_enumeration():
    pi, A, B, rng = _random_model(5, K=2, M=3)
    m = CategoricalHMM(2)
    m.startprob_, m.transmat_, m.emissionprob_ = pi, A, B
    x = rng.randint(0, 3, 6)
    joint = {}
    for z in itertools.product(range(2), repeat=len(x)):
        p = pi[z[0]] * B[z[0], x[0]]
        for t in range(1, len(x)):
            p *= A[z[t - 1], z[t]] * B[z[t], x[t]]
        joint[z] = p
    total = sum(joint.values())
    np.testing.assert_allclose(m.score(x[:, None]), np.log(total), rtol=1e-12)
    best = max(joint, key=joint.get)
    lp, path = m.decode(x[:, None])
    np.testing.assert_array_equal(path, best)
    np.testing.assert_allclose(lp, np.log(joint[best]), rtol=1e-12)
    # posteriors = marginals of the enumerated joint
    post = np.zeros((len(x), 2))
    for z, p in joint.items():
        post[np.arange(len(x)), z] += p / total
    np.testing.assert_allclose(m.predict_proba(x[:, None]), post, atol=1e-12)


def test_long_sequence_does_not_underflow():
    ours, ref, rng = _pair(7)
    X = rng.randint(0, 4, (20000, 1))
    s = ours.score(X)
    assert np.isfinite(s) and s < -10000   # probability itself is ~1e-11000
    np.testing.assert_allclose(s, ref.score(X), rtol=1e-10)
    assert np.all(np.isfinite(ours.predict_proba(X)))


@pytest.mark.parametrize("prior", [1.0, 2.5])
def test_one_baum_welch_iteration_matches_hmmlearn(prior):
    kw = dict(n_iter=1, startprob_prior=prior, transmat_prior=prior, emissionprob_prior=prior)
    ours, ref, rng = _pair(3, **kw)
    X = rng.randint(0, 4, (150, 1))
    lengths = [1, 49, 100]   # includes a length-1 sequence (no transitions)
    ours.fit(X, lengths)
    ref.fit(X, lengths)
    for name in ["startprob_", "transmat_", "emissionprob_"]:
        np.testing.assert_allclose(getattr(ours, name), getattr(ref, name), atol=1e-12)
    np.testing.assert_allclose(list(ours.monitor_.history), list(ref.monitor_.history), rtol=1e-12)
    assert ours.monitor_.iter == 1 and ours.monitor_.converged


def test_params_subset_and_forbidden_transitions_stay_zero():
    ours, ref, rng = _pair(4, params="te", n_iter=3)
    for m in (ours, ref):
        m.transmat_ = np.array([[0.5, 0.5, 0.0], [0.0, 0.5, 0.5], [0.0, 0.0, 1.0]])
    X = rng.randint(0, 4, (120, 1))
    start = ours.startprob_.copy()
    ours.fit(X)
    ref.fit(X)
    np.testing.assert_array_equal(ours.startprob_, start)          # 's' not in params
    assert ours.transmat_[1, 0] == 0 and ours.transmat_[2, 1] == 0
    np.testing.assert_allclose(ours.transmat_, ref.transmat_, atol=1e-10)
    np.testing.assert_allclose(ours.emissionprob_, ref.emissionprob_, atol=1e-10)


def test_full_fit_with_random_init_matches_hmmlearn():
    rng = np.random.RandomState(0)
    X = rng.randint(0, 5, (300, 1))
    ours = CategoricalHMM(3, random_state=11, n_iter=30, tol=1e-6).fit(X, [100, 200])
    ref = hl.CategoricalHMM(3, random_state=11, n_iter=30, tol=1e-6).fit(X, [100, 200])
    assert ours.n_features == ref.n_features == 5
    for name in ["startprob_", "transmat_", "emissionprob_"]:
        np.testing.assert_allclose(getattr(ours, name), getattr(ref, name), atol=1e-8)
    assert ours.monitor_.iter == ref.monitor_.iter
    assert ours.monitor_.converged == ref.monitor_.converged
    h = np.array(ours.monitor_.history)
    np.testing.assert_allclose(h, np.array(ref.monitor_.history), rtol=1e-10)
    assert len(h) == ours.monitor_.iter
    assert np.all(np.diff(h) >= -1e-9)     # EM never decreases the likelihood


def test_sample_matches_hmmlearn():
    ours, ref, _ = _pair(8)
    Xs, Zs = ours.sample(50, random_state=3)
    Xr, Zr = ref.sample(50, random_state=3)
    assert Xs.shape == (50, 1)
    np.testing.assert_array_equal(Xs, Xr)
    np.testing.assert_array_equal(Zs, Zr)


def test_fit_supervised_counts():
    X = np.array([[0], [1], [1], [2], [0], [0]])
    z = np.array([0, 0, 1, 1, 0, 1])
    m = CategoricalHMM(2).fit_supervised(X, z, lengths=[4, 2])
    np.testing.assert_allclose(m.startprob_, [1.0, 0.0])            # both sequences start in 0
    np.testing.assert_allclose(m.transmat_, [[1 / 3, 2 / 3], [0.0, 1.0]])  # 0-0, 0-1, 1-1 | 0-1
    np.testing.assert_allclose(m.emissionprob_, [[2 / 3, 1 / 3, 0.0], [1 / 3, 1 / 3, 1 / 3]])
    s = CategoricalHMM(2).fit_supervised(X, z, lengths=[4, 2], pseudocount=1.0)
    np.testing.assert_allclose(s.startprob_, [3 / 4, 1 / 4])
    np.testing.assert_allclose(s.transmat_, [[2 / 5, 3 / 5], [1 / 3, 2 / 3]])


def test_fit_supervised_recovers_generating_model():
    ours, _, _ = _pair(9)
    X, Z = ours.sample(30000, random_state=0)
    est = CategoricalHMM(3).fit_supervised(X, Z)
    np.testing.assert_allclose(est.transmat_, ours.transmat_, atol=0.02)
    np.testing.assert_allclose(est.emissionprob_, ours.emissionprob_, atol=0.02)


def test_bad_input():
    with pytest.raises(NotFittedError):
        CategoricalHMM(2).score([[0], [1]])
    m, _, _ = _pair(0)
    with pytest.raises(ValueError, match="nonnegative"):
        m.score([[0], [-1]])
    with pytest.raises(ValueError, match="integers"):
        m.score([[0.5], [1.0]])
    with pytest.raises(ValueError, match="Largest symbol"):
        m.score([[0], [7]])
    with pytest.raises(ValueError, match="lengths"):
        m.score([[0], [1], [2]], lengths=[2, 2])
    with pytest.raises(ValueError, match="shape"):
        m.score([[0, 1], [1, 2]])
    m.startprob_ = np.array([0.5, 0.4, 0.3])
    with pytest.raises(ValueError, match="startprob_ must sum to 1"):
        m.score([[0]])
    with pytest.raises(ValueError, match="n_components"):
        CategoricalHMM(0).fit([[0], [1]])
    with pytest.raises(ValueError, match="algorithm"):
        CategoricalHMM(2, algorithm="foo").fit([[0], [1]])


def test_stationary_distribution_and_information_criteria():
    ours, ref, rng = _pair(10)
    s = ours.get_stationary_distribution()
    np.testing.assert_allclose(s @ ours.transmat_, s, atol=1e-12)
    np.testing.assert_allclose(s, ref.get_stationary_distribution(), atol=1e-12)
    X = rng.randint(0, 4, (100, 1))
    np.testing.assert_allclose(ours.aic(X), ref.aic(X), rtol=1e-12)
    np.testing.assert_allclose(ours.bic(X), ref.bic(X), rtol=1e-12)


def test_many_sequences_of_mixed_lengths_match_hmmlearn():
    """Sequences are processed in padded batches: results must not depend on the grouping."""
    ours, ref, rng = _pair(12, n_iter=1)
    lengths = [1, 2, 3, 250, 7, 40, 1, 90, 33, 5, 120, 2, 64, 18, 9, 300, 11]
    X = rng.randint(0, 4, (sum(lengths), 1))
    np.testing.assert_allclose(ours.score(X, lengths), ref.score(X, lengths), rtol=1e-12)
    np.testing.assert_allclose(ours.predict_proba(X, lengths), ref.predict_proba(X, lengths),
                               atol=1e-12)
    lp, path = ours.decode(X, lengths)
    lp_ref, path_ref = ref.decode(X, lengths)
    np.testing.assert_allclose(lp, lp_ref, rtol=1e-12)
    np.testing.assert_array_equal(path, path_ref)
    # each sequence alone gives the same as within the batch
    start = 0
    for n in lengths[:6]:
        np.testing.assert_array_equal(ours.predict(X[start:start + n]), path[start:start + n])
        start += n
    ours.fit(X, lengths)
    ref.fit(X, lengths)
    for name in ["startprob_", "transmat_", "emissionprob_"]:
        np.testing.assert_allclose(getattr(ours, name), getattr(ref, name), atol=1e-12)
