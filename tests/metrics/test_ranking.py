"""ROC / PR curves and areas: parity with scikit-learn on random data, ties, and the step walk."""
import numpy as np
import pytest
from sklearn import metrics as skm

from ember import metrics as em

SEEDS = [0, 1, 2, 3, 4]


def _data(seed, n=60, ties=False, weights=False):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    y[:2] = [0, 1]
    s = rng.normal(size=n) + y
    if ties:
        s = np.round(s * 2) / 2      # many tied scores
    w = rng.uniform(0.1, 2.0, n) if weights else None
    return y, s, w


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("ties", [False, True])
@pytest.mark.parametrize("drop", [False, True])
def test_roc_curve_matches_sklearn(seed, ties, drop):
    y, s, _ = _data(seed, ties=ties)
    ours = em.roc_curve(y, s, drop_intermediate=drop)
    ref = skm.roc_curve(y, s, drop_intermediate=drop)
    for a, b in zip(ours, ref):
        np.testing.assert_array_equal(a, b)
    assert ours[2][0] == np.inf


@pytest.mark.parametrize("seed", SEEDS)
def test_roc_curve_weighted_and_pos_label(seed):
    y, s, w = _data(seed, ties=True, weights=True)
    labels = np.where(y == 1, "yes", "no")
    ours = em.roc_curve(labels, s, pos_label="yes", sample_weight=w)
    ref = skm.roc_curve(labels, s, pos_label="yes", sample_weight=w)
    for a, b in zip(ours, ref):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("seed", [0, 1])
def test_weighted_roc_drop_intermediate_keeps_sklearns_points(seed):
    # equal non-dyadic weights make many points collinear up to rounding: the kept points
    # depend on the running sums' rounding, and zero weights must not add thresholds
    rng = np.random.RandomState(seed)
    y = rng.randint(0, 2, 3000)
    s = rng.rand(3000) + 0.3 * y
    w = np.full(3000, 0.1)
    w[::7] = 0.3
    w[::11] = 0.0
    ours = em.roc_curve(y, s, sample_weight=w)
    ref = skm.roc_curve(y, s, sample_weight=w)
    assert len(ref[0]) < 1500              # many points dropped
    for a, b in zip(ours, ref):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("ties", [False, True])
@pytest.mark.parametrize("drop", [False, True])
def test_roc_curve_fast_equals_sweep(seed, ties, drop):
    y, s, _ = _data(seed, n=200, ties=ties)
    sweep = em.roc_curve(y, s, drop_intermediate=drop)
    walk = em.roc_curve_fast(y, s, drop_intermediate=drop)
    for a, b in zip(sweep, walk):
        np.testing.assert_array_equal(a, b)


def test_roc_tie_is_one_diagonal_step():
    # two tied samples (one pos, one neg) at the top: one diagonal step (0,0) -> (0.5, 0.5)
    y = [1, 0, 1, 0]
    s = [0.9, 0.9, 0.3, 0.1]
    for f in (em.roc_curve, em.roc_curve_fast):
        fpr, tpr, thr = f(y, s, drop_intermediate=False)
        np.testing.assert_array_equal(fpr, [0, 0.5, 0.5, 1.0])
        np.testing.assert_array_equal(tpr, [0, 0.5, 1.0, 1.0])
        np.testing.assert_array_equal(thr, [np.inf, 0.9, 0.3, 0.1])
    # order of tied samples does not matter
    a = em.roc_curve_fast([1, 0, 1, 0], s)
    b = em.roc_curve_fast([0, 1, 1, 0], s)
    for u, v in zip(a, b):
        np.testing.assert_array_equal(u, v)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("ties", [False, True])
def test_roc_auc_matches_sklearn_and_rank_formula(seed, ties):
    y, s, w = _data(seed, ties=ties, weights=True)
    assert em.roc_auc_score(y, s) == pytest.approx(skm.roc_auc_score(y, s), abs=1e-12)
    assert em.roc_auc_score(y, s, sample_weight=w) == pytest.approx(
        skm.roc_auc_score(y, s, sample_weight=w), abs=1e-12)
    # Mann-Whitney: P(s_pos > s_neg) + 0.5 P(tie)
    sp, sn = s[y == 1][:, None], s[y == 0][None, :]
    mw = np.mean((sp > sn) + 0.5 * (sp == sn))
    assert em.roc_auc_score(y, s) == pytest.approx(mw, abs=1e-12)
    for max_fpr in (0.1, 0.5):
        assert em.roc_auc_score(y, s, max_fpr=max_fpr) == pytest.approx(
            skm.roc_auc_score(y, s, max_fpr=max_fpr), abs=1e-12)


@pytest.mark.parametrize("seed", SEEDS[:3])
@pytest.mark.parametrize("multi_class", ["ovr", "ovo"])
@pytest.mark.parametrize("average", ["macro", "weighted"])
def test_roc_auc_multiclass(seed, multi_class, average):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 4, 80)
    logits = rng.normal(size=(80, 4)) + np.eye(4)[y]
    p = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
    assert em.roc_auc_score(y, p, multi_class=multi_class, average=average) == pytest.approx(
        skm.roc_auc_score(y, p, multi_class=multi_class, average=average), abs=1e-12)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("ties", [False, True])
@pytest.mark.parametrize("drop", [False, True])
def test_precision_recall_curve_and_ap(seed, ties, drop):
    y, s, w = _data(seed, ties=ties, weights=True)
    for sw in (None, w):
        ours = em.precision_recall_curve(y, s, sample_weight=sw, drop_intermediate=drop)
        ref = skm.precision_recall_curve(y, s, sample_weight=sw, drop_intermediate=drop)
        for a, b in zip(ours, ref):
            np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)
        assert em.average_precision_score(y, s, sample_weight=sw) == pytest.approx(
            skm.average_precision_score(y, s, sample_weight=sw), abs=1e-12)


@pytest.mark.parametrize("seed", SEEDS)
def test_auc_trapezoid(seed):
    rng = np.random.default_rng(seed)
    x = np.sort(rng.uniform(size=10))
    y = rng.uniform(size=10)
    assert em.auc(x, y) == pytest.approx(skm.auc(x, y), abs=1e-14)
    assert em.auc(x[::-1], y[::-1]) == pytest.approx(skm.auc(x, y), abs=1e-14)


def test_ranking_bad_input():
    with pytest.raises(ValueError, match="Only one class"):
        em.roc_curve([1, 1, 1], [0.1, 0.2, 0.3])
    with pytest.raises(ValueError, match="Only one class"):
        em.roc_curve_fast([0, 0, 0], [0.1, 0.2, 0.3])
    with pytest.raises(ValueError, match="Only one class"):
        em.roc_auc_score([1, 1, 1], [0.1, 0.2, 0.3])
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        em.roc_curve([0, 1, 1], [0.1, 0.2])
    with pytest.raises(ValueError, match="pos_label"):
        em.roc_curve(["a", "b"], [0.1, 0.2])
    with pytest.raises(ValueError, match="NaN or infinity"):
        em.roc_curve([0, 1], [0.1, np.nan])
    with pytest.raises(ValueError, match="neither increasing nor decreasing"):
        em.auc([0, 1, 0.5], [1, 1, 1])
    with pytest.raises(ValueError, match="At least 2 points"):
        em.auc([0], [1])
    with pytest.raises(ValueError, match="sum up to 1"):
        em.roc_auc_score([0, 1, 2], np.ones((3, 3)), multi_class="ovr")
    with pytest.raises(ValueError, match="multi_class"):
        em.roc_auc_score([0, 1, 2], np.eye(3))


from hypothesis import given, settings, strategies as st  # noqa: E402


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 1), st.integers(-3, 3)), min_size=2, max_size=40),
       st.booleans())
def test_roc_walk_equals_sweep_property(pairs, drop):
    y = np.array([p[0] for p in pairs])
    s = np.array([p[1] for p in pairs], dtype=float) / 2      # heavy ties
    if len(np.unique(y)) < 2:
        return
    sweep = em.roc_curve(y, s, drop_intermediate=drop)
    walk = em.roc_curve_fast(y, s, drop_intermediate=drop)
    ref = skm.roc_curve(y, s, drop_intermediate=drop)
    for a, b, c in zip(sweep, walk, ref):
        np.testing.assert_array_equal(a, b)
        np.testing.assert_array_equal(a, c)
    assert em.auc(sweep[0], sweep[1]) == pytest.approx(skm.roc_auc_score(y, s), abs=1e-12)


def _multiclass(seed, k=4, n=80):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, k, n)
    y[:k] = np.arange(k)
    logits = rng.normal(size=(n, k)) + np.eye(k)[y]
    logits = np.round(logits, 1)                                   # some ties
    P = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
    return y, P, rng.uniform(0.1, 2, n)


@pytest.mark.parametrize("seed", SEEDS[:3])
@pytest.mark.parametrize("average", ["micro", "macro", "weighted", None])
def test_multiclass_ovr_auc_and_ap_all_averages(seed, average):
    y, P, w = _multiclass(seed)
    for sw in (None, w):
        np.testing.assert_allclose(
            em.roc_auc_score(y, P, multi_class="ovr", average=average, sample_weight=sw),
            skm.roc_auc_score(y, P, multi_class="ovr", average=average, sample_weight=sw),
            rtol=1e-12)
        np.testing.assert_allclose(
            em.average_precision_score(y, P, average=average, sample_weight=sw),
            skm.average_precision_score(y, P, average=average, sample_weight=sw), rtol=1e-12)


@pytest.mark.parametrize("seed", SEEDS[:3])
@pytest.mark.parametrize("average", ["micro", "macro", "weighted", "samples", None])
def test_multilabel_auc_and_ap(seed, average):
    rng = np.random.default_rng(seed)
    S = rng.uniform(size=(60, 3))
    Y = (S + 0.5 * rng.normal(size=(60, 3)) > 0.5).astype(int)
    if average == "samples":                     # every row needs both classes for ROC AUC
        Y[:, 0], Y[:, 1] = 1, 0
    np.testing.assert_allclose(em.average_precision_score(Y, S, average=average),
                               skm.average_precision_score(Y, S, average=average), rtol=1e-12)
    np.testing.assert_allclose(em.roc_auc_score(Y, S, average=average),
                               skm.roc_auc_score(Y, S, average=average), rtol=1e-12)
