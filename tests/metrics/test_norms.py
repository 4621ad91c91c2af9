"""Norms and condition number against numpy.linalg."""
import numpy as np
import pytest

from ember.metrics import condition_number, l0_norm, l1_norm, l2_norm

SEEDS = [0, 1, 2]


@pytest.mark.parametrize("seed", SEEDS)
def test_vector_norms(seed):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=9)
    x[[1, 4]] = 0
    for f, o in ((l0_norm, 0), (l1_norm, 1), (l2_norm, 2)):
        assert f(x) == pytest.approx(np.linalg.norm(x, o), rel=1e-14)
    assert l0_norm(x) == 7


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("axis", [0, 1, -1])
def test_axis_norms(seed, axis):
    rng = np.random.default_rng(seed)
    A = rng.normal(size=(4, 5))
    A[0, 0] = 0
    for f, o in ((l0_norm, 0), (l1_norm, 1), (l2_norm, 2)):
        np.testing.assert_allclose(f(A, axis=axis), np.linalg.norm(A, o, axis=axis), rtol=1e-14)
        np.testing.assert_allclose(f(A, axis=axis, keepdims=True),
                                   np.linalg.norm(A, o, axis=axis, keepdims=True), rtol=1e-14)


@pytest.mark.parametrize("seed", SEEDS)
def test_matrix_norms(seed):
    rng = np.random.default_rng(seed)
    A = rng.normal(size=(5, 3))
    assert l1_norm(A) == pytest.approx(np.linalg.norm(A, 1), rel=1e-14)
    assert l2_norm(A) == pytest.approx(np.linalg.norm(A, 2), rel=1e-12)
    B = rng.normal(size=(2, 4, 3))
    np.testing.assert_allclose(l2_norm(B, axis=(1, 2)), np.linalg.norm(B, 2, axis=(1, 2)), rtol=1e-12)
    np.testing.assert_allclose(l1_norm(B, axis=(2, 1)), np.linalg.norm(B, 1, axis=(2, 1)), rtol=1e-12)


@pytest.mark.parametrize("seed", SEEDS)
def test_condition_number(seed):
    rng = np.random.default_rng(seed)
    A = rng.normal(size=(6, 4))
    assert condition_number(A) == pytest.approx(np.linalg.cond(A), rel=1e-10)
    S = rng.normal(size=(3, 4, 4))
    np.testing.assert_allclose(condition_number(S), np.linalg.cond(S), rtol=1e-10)
    # near-collinear columns blow the condition number up
    X = rng.normal(size=(50, 2))
    X[:, 1] = X[:, 0] + 1e-6 * rng.normal(size=50)
    assert condition_number(X.T @ X) > 1e9
    assert condition_number(np.eye(3)) == pytest.approx(1.0)
    assert condition_number(np.diag([1.0, 0.0])) == np.inf


def test_norm_bad_input():
    with pytest.raises(ValueError, match="dimension"):
        l2_norm(np.ones((2, 2, 2)))
    with pytest.raises(ValueError, match="matrix"):
        condition_number([1.0, 2.0])
    with pytest.raises(ValueError, match="numeric"):
        l1_norm(["a", "b"])
    with pytest.raises(ValueError, match="out of bounds"):
        l1_norm([1.0, 2.0], axis=3)
