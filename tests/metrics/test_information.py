"""Entropy, cross-entropy, KL, conditional entropy, mutual information vs scipy / sklearn."""
import numpy as np
import pytest
from scipy import stats
from sklearn.metrics import mutual_info_score

from ember import metrics as em

SEEDS = [0, 1, 2, 3, 4]


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("base", [None, 2, 10])
def test_entropy_cross_kl_vs_scipy(seed, base):
    rng = np.random.default_rng(seed)
    p = rng.dirichlet(np.ones(6))
    q = rng.dirichlet(np.ones(6))
    p[2] = 0
    p /= p.sum()
    assert em.entropy(p, base=base) == pytest.approx(stats.entropy(p, base=base), rel=1e-12)
    assert em.kl_divergence(p, q, base=base) == pytest.approx(
        stats.entropy(p, q, base=base), rel=1e-12)
    # H(p, q) = H(p) + KL(p || q)
    assert em.cross_entropy(p, q, base=base) == pytest.approx(
        stats.entropy(p, base=base) + stats.entropy(p, q, base=base), rel=1e-12)


def test_known_values():
    assert em.entropy([0.25] * 4, base=2) == pytest.approx(2.0)
    assert em.entropy([1.0, 0.0]) == 0.0
    assert em.kl_divergence([0.3, 0.7], [0.3, 0.7]) == 0.0
    assert em.kl_divergence([0.5, 0.5], [1.0, 0.0]) == np.inf
    assert em.cross_entropy([0.5, 0.5], [1.0, 0.0]) == np.inf
    # independent X, Y: I = 0 and H(Y|X) = H(Y)
    joint = np.outer([0.2, 0.8], [0.5, 0.3, 0.2])
    assert em.mutual_information(joint) == pytest.approx(0.0, abs=1e-12)
    assert em.conditional_entropy(joint) == pytest.approx(em.entropy([0.5, 0.3, 0.2]))
    # Y determined by X: H(Y|X) = 0
    assert em.conditional_entropy([[0.4, 0.0], [0.0, 0.6]]) == pytest.approx(0.0, abs=1e-15)


@pytest.mark.parametrize("seed", SEEDS)
def test_joint_measures_vs_sklearn(seed):
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 3, 300)
    y = (x + rng.integers(0, 2, 300)) % 4
    counts = np.zeros((3, 4))
    np.add.at(counts, (x, y), 1)
    joint = counts / counts.sum()
    assert em.mutual_information(joint) == pytest.approx(mutual_info_score(x, y), rel=1e-10)
    hx = stats.entropy(joint.sum(1))
    hy = stats.entropy(joint.sum(0))
    hxy = stats.entropy(joint.ravel())
    assert em.entropy(joint) == pytest.approx(hxy, rel=1e-12)
    assert em.conditional_entropy(joint) == pytest.approx(hxy - hx, rel=1e-10)
    assert em.mutual_information(joint) == pytest.approx(hx + hy - hxy, rel=1e-9, abs=1e-12)
    assert em.mutual_information(joint, base=2) == pytest.approx(
        mutual_info_score(x, y) / np.log(2), rel=1e-10)


def test_information_bad_input():
    with pytest.raises(ValueError, match="sum to 1"):
        em.entropy([0.5, 0.6])
    with pytest.raises(ValueError, match="negative"):
        em.entropy([1.5, -0.5])
    with pytest.raises(ValueError, match="same shape"):
        em.kl_divergence([0.5, 0.5], [0.2, 0.3, 0.5])
    with pytest.raises(ValueError, match="2-d"):
        em.mutual_information([0.5, 0.5])
    with pytest.raises(ValueError, match="NaN"):
        em.entropy([np.nan, 1.0])
    with pytest.raises(ValueError, match="base"):
        em.entropy([0.5, 0.5], base=1)
