"""PCA against scikit-learn: components (signs included), variances, transforms, whitening."""
import numpy as np
import pytest
from sklearn.decomposition import PCA as SkPCA
from sklearn.exceptions import NotFittedError

from ember.ml.decomposition import PCA

SEEDS = [0, 1, 2]
ATTRS = ["components_", "explained_variance_", "explained_variance_ratio_", "singular_values_",
         "mean_", "noise_variance_"]


def _data(seed, n=40, p=6):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, 3)) @ rng.normal(size=(3, p)) + 0.1 * rng.normal(size=(n, p)) + 5


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("n_components", [None, 1, 3, 0.95, 0.5])
@pytest.mark.parametrize("whiten", [False, True])
@pytest.mark.parametrize("shape", [(40, 6), (5, 9)])
def test_pca_matches_sklearn(seed, n_components, whiten, shape):
    X = _data(seed, *shape)
    ours = PCA(n_components, whiten=whiten).fit(X)
    for solver in ("full", "auto"):
        ref = SkPCA(n_components, whiten=whiten, svd_solver=solver).fit(X)
        assert ours.n_components_ == ref.n_components_
        for a in ATTRS:
            np.testing.assert_allclose(getattr(ours, a), getattr(ref, a), rtol=1e-8, atol=1e-10,
                                       err_msg=a)
    # a zero-variance axis (n_samples <= n_features) whitens rounding noise: compare the rest
    live = ours.explained_variance_ > 1e-12
    np.testing.assert_allclose(ours.transform(X)[:, live], ref.transform(X)[:, live], atol=1e-9)
    np.testing.assert_allclose(PCA(n_components, whiten=whiten).fit_transform(X)[:, live],
                               ref.transform(X)[:, live], atol=1e-9)
    Z = ours.transform(X)
    Z[:, ~live] = 0.0
    np.testing.assert_allclose(ours.inverse_transform(Z), ref.inverse_transform(Z), atol=1e-9)


@pytest.mark.parametrize("seed", SEEDS)
def test_pca_properties(seed):
    X = _data(seed)
    pca = PCA().fit(X)
    np.testing.assert_allclose(pca.components_ @ pca.components_.T, np.eye(6), atol=1e-12)
    np.testing.assert_allclose(pca.inverse_transform(pca.transform(X)), X, atol=1e-10)
    np.testing.assert_allclose(pca.explained_variance_,
                               np.sort(np.linalg.eigvalsh(np.cov(X.T)))[::-1], rtol=1e-8, atol=1e-12)
    assert pca.explained_variance_ratio_.sum() == pytest.approx(1.0)
    Zw = PCA(3, whiten=True).fit_transform(X)
    np.testing.assert_allclose(np.var(Zw, axis=0, ddof=1), 1.0, rtol=1e-10)
    np.testing.assert_allclose(np.cov(Zw.T), np.eye(3), atol=1e-10)
    # sign convention: the largest |entry| of each axis is positive
    big = pca.components_[np.arange(6), np.argmax(np.abs(pca.components_), axis=1)]
    assert np.all(big > 0)
    assert list(PCA(2).fit(X).get_feature_names_out()) == ["pca0", "pca1"]


def test_pca_bad_input():
    X = _data(0)
    with pytest.raises(ValueError, match="n_components=7"):
        PCA(7).fit(X)
    with pytest.raises(ValueError, match="'n_components'"):
        PCA(1.5).fit(X)
    with pytest.raises(ValueError, match="'n_components'"):
        PCA("mle").fit(X)
    with pytest.raises(NotFittedError):
        PCA().transform(X)
    with pytest.raises(ValueError, match="features"):
        PCA(2).fit(X).transform(X[:, :3])
    with pytest.raises(ValueError, match="infinity|NaN"):
        PCA().fit(np.where(X > 6, np.inf, X))
