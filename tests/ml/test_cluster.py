"""KMeans against scikit-learn's KMeans (same initial centres / same random_state)."""
import numpy as np
import pytest
from sklearn import cluster as skc
from sklearn.datasets import load_iris, make_blobs
from sklearn.exceptions import NotFittedError

from ember.ml.cluster import KMeans, kmeans_plusplus


def _blobs(seed=0, n=400, k=5, d=3):
    X, _ = make_blobs(n_samples=n, centers=k, n_features=d, cluster_std=2.0, random_state=seed)
    return X


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("k", [2, 5, 9])
def test_same_init_gives_same_solution(seed, k):
    X = _blobs(seed)
    init = X[np.random.RandomState(seed).choice(len(X), k, replace=False)]
    ref = skc.KMeans(k, init=init, n_init=1).fit(X)
    ours = KMeans(k, init=init, n_init=1).fit(X)
    np.testing.assert_array_equal(ours.labels_, ref.labels_)
    assert ours.n_iter_ == ref.n_iter_
    np.testing.assert_allclose(ours.inertia_, ref.inertia_, rtol=1e-10)
    np.testing.assert_allclose(ours.cluster_centers_, ref.cluster_centers_, rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("init", ["k-means++", "random"])
@pytest.mark.parametrize("seed", [0, 3])
def test_seeding_draws_like_sklearn(init, seed):
    X, _ = load_iris(return_X_y=True)
    ref = skc.KMeans(4, init=init, random_state=seed).fit(X)
    ours = KMeans(4, init=init, random_state=seed).fit(X)
    np.testing.assert_array_equal(ours.labels_, ref.labels_)
    np.testing.assert_allclose(ours.inertia_, ref.inertia_, rtol=1e-10)


def test_kmeans_plusplus_function():
    X = _blobs(4)
    c_ref, i_ref = skc.kmeans_plusplus(X, 6, random_state=7)
    c, i = kmeans_plusplus(X, 6, random_state=7)
    np.testing.assert_array_equal(i, i_ref)
    np.testing.assert_allclose(c, c_ref)


def test_n_init_keeps_best_run():
    X = _blobs(5, k=8)
    ref = skc.KMeans(8, n_init=4, random_state=0).fit(X)
    ours = KMeans(8, n_init=4, random_state=0).fit(X)
    np.testing.assert_allclose(ours.inertia_, ref.inertia_, rtol=1e-10)
    single = [KMeans(8, n_init=1, random_state=np.random.RandomState(0)).fit(X).inertia_]
    assert ours.inertia_ <= min(single) + 1e-9


def test_predict_transform_score():
    X = _blobs(6)
    Xt = _blobs(7)[:50]
    init = X[:5]
    ref = skc.KMeans(5, init=init, n_init=1).fit(X)
    ours = KMeans(5, init=init, n_init=1).fit(X)
    np.testing.assert_array_equal(ours.predict(Xt), ref.predict(Xt))
    np.testing.assert_allclose(ours.transform(Xt), ref.transform(Xt), rtol=1e-9)
    np.testing.assert_allclose(ours.score(Xt), ref.score(Xt), rtol=1e-9)
    np.testing.assert_array_equal(KMeans(5, init=init, n_init=1).fit_predict(X), ours.labels_)
    # inertia is the sum of squared distances to the assigned centre
    d = ((X - ours.cluster_centers_[ours.labels_]) ** 2).sum()
    np.testing.assert_allclose(ours.inertia_, d, rtol=1e-10)


def test_tol_is_relative_to_data_variance():
    X = _blobs(8, k=6) * 100.0
    init = X[:6]
    for tol in [1e-1, 1e-2, 1e-4]:
        ref = skc.KMeans(6, init=init, n_init=1, tol=tol).fit(X)
        ours = KMeans(6, init=init, n_init=1, tol=tol).fit(X)
        assert ours.n_iter_ == ref.n_iter_
        np.testing.assert_array_equal(ours.labels_, ref.labels_)


def test_empty_cluster_relocated_like_sklearn():
    X = _blobs(9, k=3)
    init = np.vstack([X[:2], [[1e3, 1e3, 1e3]]])   # third centre attracts nobody
    ref = skc.KMeans(3, init=init, n_init=1).fit(X)
    ours = KMeans(3, init=init, n_init=1).fit(X)
    np.testing.assert_array_equal(ours.labels_, ref.labels_)
    np.testing.assert_allclose(ours.cluster_centers_, ref.cluster_centers_, rtol=1e-10)
    assert len(np.unique(ours.labels_)) == 3


def test_sample_weight_matches():
    X = _blobs(10)
    sw = np.random.RandomState(0).uniform(0.1, 3.0, len(X))
    init = X[:5]
    ref = skc.KMeans(5, init=init, n_init=1).fit(X, sample_weight=sw)
    ours = KMeans(5, init=init, n_init=1).fit(X, sample_weight=sw)
    np.testing.assert_array_equal(ours.labels_, ref.labels_)
    np.testing.assert_allclose(ours.inertia_, ref.inertia_, rtol=1e-10)


def test_lloyd_decreases_inertia_monotonically():
    X = _blobs(11, k=6)
    init = X[:6]
    inertias = [KMeans(6, init=init, n_init=1, max_iter=it, tol=0).fit(X).inertia_ for it in range(1, 8)]
    assert all(b <= a + 1e-9 for a, b in zip(inertias, inertias[1:]))


@pytest.mark.parametrize("params,match", [
    ({"n_clusters": 0}, "n_clusters"), ({"n_clusters": 500}, "n_samples=400 should be >= n_clusters=500"),
    ({"init": "foo"}, "init"), ({"n_init": 0}, "n_init"), ({"max_iter": 0}, "max_iter"),
    ({"tol": -1.0}, "tol"), ({"init": np.zeros((2, 3)), "n_clusters": 3}, "shape of the initial centers"),
])
def test_bad_params(params, match):
    with pytest.raises(ValueError, match=match):
        KMeans(**params).fit(_blobs())


def test_unfitted_and_wrong_features():
    X = _blobs()
    with pytest.raises(NotFittedError):
        KMeans().predict(X)
    km = KMeans(3, random_state=0).fit(X)
    with pytest.raises(ValueError, match="features"):
        km.predict(X[:, :2])


@pytest.mark.parametrize("init", ["random", "k-means++"])
def test_multiple_inits_pick_the_same_run_as_sklearn(init):
    X, _ = make_blobs(500, centers=6, n_features=4, cluster_std=3.0, random_state=3)
    ref = skc.KMeans(6, init=init, n_init=3, random_state=0).fit(X)
    ours = KMeans(6, init=init, n_init=3, random_state=0).fit(X)
    np.testing.assert_array_equal(ours.labels_, ref.labels_)
    np.testing.assert_allclose(ours.inertia_, ref.inertia_, rtol=1e-10)
    assert ours.n_iter_ == ref.n_iter_


def test_float32_input_stays_float32():
    X = _blobs(12).astype(np.float32)
    ref = skc.KMeans(4, random_state=0).fit(X)
    ours = KMeans(4, random_state=0).fit(X)
    assert ours.cluster_centers_.dtype == np.float32
    np.testing.assert_array_equal(ours.labels_, ref.labels_)
    np.testing.assert_allclose(ours.inertia_, ref.inertia_, rtol=1e-5)
