"""accuracy / precision / recall / F1 / confusion matrix / log loss against scikit-learn."""
import warnings

import numpy as np
import pytest
from sklearn import metrics as skm

from ember import metrics as em

SEEDS = [0, 1, 2, 3]


def _pair(seed, n=50, k=3):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, k, n)
    p = np.where(rng.uniform(size=n) < 0.6, y, rng.integers(0, k, n))
    w = rng.uniform(0.1, 3, n)
    return y, p, w


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("k,average", [(2, "binary")] + [
    (k, a) for k in (2, 4) for a in ("micro", "macro", "weighted", None)])
@pytest.mark.parametrize("fn", ["precision_score", "recall_score", "f1_score"])
def test_prf_matches_sklearn(seed, k, average, fn):
    y, p, w = _pair(seed, k=k)
    for sw in (None, w):
        ours = getattr(em, fn)(y, p, average=average, sample_weight=sw)
        ref = getattr(skm, fn)(y, p, average=average, sample_weight=sw)
        np.testing.assert_allclose(ours, ref, rtol=1e-12)


@pytest.mark.parametrize("zero_division", [0.0, 1.0, np.nan])
@pytest.mark.parametrize("average", ["macro", "weighted", None])
def test_zero_division(zero_division, average):
    # label 2 is never predicted, label 3 never true: both 0/0 cases occur
    y = [0, 1, 2, 2, 0, 1]
    p = [0, 1, 1, 3, 0, 0]
    for fn in ("precision_score", "recall_score", "f1_score"):
        ours = getattr(em, fn)(y, p, average=average, zero_division=zero_division)
        ref = getattr(skm, fn)(y, p, average=average, zero_division=zero_division)
        np.testing.assert_allclose(ours, ref, rtol=1e-12)


def test_zero_division_warns():
    with pytest.warns(em.UndefinedMetricWarning):
        assert em.precision_score([0, 1, 1], [0, 0, 0]) == 0.0


def test_labels_subset_and_pos_label():
    y, p, _ = _pair(5, k=4)
    for avg in ("micro", "macro", None):
        np.testing.assert_allclose(em.f1_score(y, p, labels=[1, 3], average=avg),
                                   skm.f1_score(y, p, labels=[1, 3], average=avg))
    yb = np.array(["a", "b", "b", "a", "b"])
    pb = np.array(["a", "b", "a", "a", "b"])
    assert em.recall_score(yb, pb, pos_label="a") == skm.recall_score(yb, pb, pos_label="a")


@pytest.mark.parametrize("seed", SEEDS)
def test_accuracy(seed):
    y, p, w = _pair(seed)
    assert em.accuracy_score(y, p) == pytest.approx(skm.accuracy_score(y, p))
    assert em.accuracy_score(y, p, sample_weight=w) == pytest.approx(
        skm.accuracy_score(y, p, sample_weight=w))
    assert em.accuracy_score(y, p, normalize=False) == skm.accuracy_score(y, p, normalize=False)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("normalize", [None, "true", "pred", "all"])
def test_confusion_matrix(seed, normalize):
    y, p, w = _pair(seed, k=4)
    np.testing.assert_allclose(em.confusion_matrix(y, p, normalize=normalize),
                               skm.confusion_matrix(y, p, normalize=normalize))
    np.testing.assert_allclose(
        em.confusion_matrix(y, p, sample_weight=w, labels=[3, 0, 1], normalize=normalize),
        skm.confusion_matrix(y, p, sample_weight=w, labels=[3, 0, 1], normalize=normalize))
    cm = em.confusion_matrix(y, p)
    assert cm.dtype == np.int64 and cm.sum() == len(y)


@pytest.mark.parametrize("seed", SEEDS)
def test_log_loss(seed):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, 40)
    P = rng.dirichlet(np.ones(3), 40)
    w = rng.uniform(size=40)
    assert em.log_loss(y, P) == pytest.approx(skm.log_loss(y, P), rel=1e-12)
    assert em.log_loss(y, P, sample_weight=w) == pytest.approx(
        skm.log_loss(y, P, sample_weight=w), rel=1e-12)
    assert em.log_loss(y, P, normalize=False) == pytest.approx(
        skm.log_loss(y, P, normalize=False), rel=1e-12)
    yb = y % 2
    pb = P[:, 0]
    assert em.log_loss(yb, pb) == pytest.approx(skm.log_loss(yb, pb), rel=1e-12)
    # a zero probability on the true class is clipped, not infinite
    assert np.isfinite(em.log_loss([0, 1], [[1.0, 0.0], [1.0, 0.0]]))


def test_classification_bad_input():
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        em.accuracy_score([0, 1], [0, 1, 1])
    with pytest.raises(ValueError, match="average='binary'"):
        em.f1_score([0, 1, 2], [0, 1, 2])
    with pytest.raises(ValueError, match="average has to be one of"):
        em.f1_score([0, 1], [0, 1], average="mean")
    with pytest.raises(ValueError, match="pos_label=2 is not a valid label"):
        em.precision_score([0, 1], [0, 1], pos_label=2)
    with pytest.raises(ValueError, match="continuous"):
        em.accuracy_score([0.5, 1.5], [0.5, 1.5])
    with pytest.raises(ValueError, match="only one label"):
        em.log_loss([1, 1], [0.5, 0.5])
    with pytest.raises(ValueError, match="lower than 0"):
        em.log_loss([0, 1], [-0.1, 0.5])
    with pytest.raises(ValueError, match="different number of classes"):
        em.log_loss([0, 1, 2], [0.2, 0.3, 0.4])
    with pytest.raises(ValueError, match="At least one label"):
        em.confusion_matrix([0, 1], [0, 1], labels=[5])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(UserWarning, match="do not sum to one"):
            em.log_loss([0, 1], [[0.5, 0.6], [0.5, 0.5]])
