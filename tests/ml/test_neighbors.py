"""KNeighborsClassifier against scikit-learn's brute-force KNeighborsClassifier."""
import numpy as np
import pytest
from sklearn import neighbors as skn
from sklearn.exceptions import NotFittedError

from ember.ml.neighbors import KNeighborsClassifier, pairwise_distances


def _data(seed=0, n=300, d=4, n_classes=3):
    rng = np.random.RandomState(seed)
    X = rng.randn(n, d)
    y = rng.randint(0, n_classes, n)
    return X, y, rng.randn(80, d)


@pytest.mark.parametrize("weights", ["uniform", "distance"])
@pytest.mark.parametrize("p,metric", [(2, "minkowski"), (1, "minkowski"), (3, "minkowski"),
                                      (2, "chebyshev"), (2, "manhattan"), (2, "euclidean")])
def test_matches_sklearn_brute(weights, p, metric):
    X, y, Xq = _data()
    ref = skn.KNeighborsClassifier(7, weights=weights, p=p, metric=metric, algorithm="brute").fit(X, y)
    ours = KNeighborsClassifier(7, weights=weights, p=p, metric=metric).fit(X, y)
    d_ref, i_ref = ref.kneighbors(Xq)
    d, i = ours.kneighbors(Xq)
    np.testing.assert_array_equal(i, i_ref)
    np.testing.assert_allclose(d, d_ref, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(ours.predict_proba(Xq), ref.predict_proba(Xq), rtol=1e-10, atol=1e-12)
    np.testing.assert_array_equal(ours.predict(Xq), ref.predict(Xq))


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("p", [1, 2])
def test_ties_resolved_like_sklearn(seed, p):
    """Integer grid data: many training points tie at the k-th distance; the kept ones (and so
    the votes) must be scikit-learn's."""
    rng = np.random.RandomState(seed)
    X = rng.randint(0, 4, (150, 2)).astype(float)
    y = rng.randint(0, 3, 150)
    Xq = rng.randint(0, 4, (40, 2)).astype(float)
    for k in [1, 4, 5, 12, 20]:        # both the argmin (k <= 16) and the partition path
        for weights in ["uniform", "distance"]:
            ref = skn.KNeighborsClassifier(k, p=p, weights=weights, algorithm="brute").fit(X, y)
            ours = KNeighborsClassifier(k, p=p, weights=weights).fit(X, y)
            np.testing.assert_array_equal(np.sort(ours.kneighbors(Xq)[1], axis=1),
                                          np.sort(ref.kneighbors(Xq)[1], axis=1))
            np.testing.assert_allclose(ours.predict_proba(Xq), ref.predict_proba(Xq), atol=1e-12)
            np.testing.assert_array_equal(ours.predict(Xq), ref.predict(Xq))


def test_vote_ties_go_to_lowest_label():
    # k=2, one neighbour of each class at the same distance
    Xt = np.array([[0.0], [2.0]])
    assert KNeighborsClassifier(2).fit(Xt, ["b", "a"]).predict([[1.0]])[0] == "a"
    assert KNeighborsClassifier(2).fit(Xt, [1, 0]).predict([[1.0]])[0] == 0


def test_kneighbors_on_training_set_excludes_self():
    X, y, _ = _data(2)
    ref = skn.KNeighborsClassifier(4, algorithm="brute").fit(X, y)
    ours = KNeighborsClassifier(4).fit(X, y)
    d_ref, i_ref = ref.kneighbors()
    d, i = ours.kneighbors()
    np.testing.assert_array_equal(i, i_ref)
    np.testing.assert_allclose(d, d_ref, rtol=1e-10)
    assert not np.any(i == np.arange(len(X))[:, None])


def test_distance_weights_zero_distance_takes_all_weight():
    X = np.array([[0.0], [1.0], [2.0], [3.0]])
    y = np.array([0, 1, 1, 1])
    clf = KNeighborsClassifier(3, weights="distance").fit(X, y)
    np.testing.assert_array_equal(clf.predict_proba([[0.0]]), [[1.0, 0.0]])
    # otherwise 1/d weighting: neighbours of 0.4 are 0 (d=.4), 1 (d=.6), 2 (d=1.6)
    w = np.array([1 / 0.4, 1 / 0.6, 1 / 1.6])
    np.testing.assert_allclose(clf.predict_proba([[0.4]]), [[w[0] / w.sum(), w[1:].sum() / w.sum()]])


def test_callable_weights_and_metric():
    X, y, Xq = _data(3, n=60, d=3)
    ref = skn.KNeighborsClassifier(5, weights=lambda d: np.exp(-d), algorithm="brute").fit(X, y)
    ours = KNeighborsClassifier(5, weights=lambda d: np.exp(-d)).fit(X, y)
    np.testing.assert_allclose(ours.predict_proba(Xq), ref.predict_proba(Xq), rtol=1e-10)
    manhattan = KNeighborsClassifier(5, metric=lambda a, b: np.abs(a - b).sum()).fit(X, y)
    np.testing.assert_array_equal(manhattan.kneighbors(Xq[:10])[1],
                                  KNeighborsClassifier(5, p=1).fit(X, y).kneighbors(Xq[:10])[1])


def test_chunked_distances_equal_unchunked():
    X, _, Xq = _data(4)
    full = pairwise_distances(Xq, X)
    np.testing.assert_allclose(pairwise_distances(Xq, X, block_elems=500), full)
    np.testing.assert_allclose(full, np.sqrt(((Xq[:, None] - X[None]) ** 2).sum(-1)), atol=1e-10)
    np.testing.assert_allclose(pairwise_distances(Xq, X, p=1, block_elems=100),
                               np.abs(Xq[:, None] - X[None]).sum(-1))


def test_string_labels_and_predict_shapes():
    X, y, Xq = _data(5)
    labels = np.array(["cat", "dog", "emu"])[y]
    clf = KNeighborsClassifier().fit(X, labels)
    assert set(clf.predict(Xq)) <= {"cat", "dog", "emu"}
    assert clf.predict_proba(Xq).shape == (80, 3)
    np.testing.assert_allclose(clf.predict_proba(Xq).sum(axis=1), 1.0)


@pytest.mark.parametrize("params,match", [
    ({"n_neighbors": 0}, "n_neighbors"), ({"weights": "foo"}, "weights"),
    ({"metric": "foo"}, "metric"), ({"p": 0}, "p must be"),
])
def test_bad_params(params, match):
    X, y, _ = _data()
    with pytest.raises(ValueError, match=match):
        KNeighborsClassifier(**params).fit(X, y)


def test_bad_input():
    X, y, Xq = _data()
    with pytest.raises(NotFittedError):
        KNeighborsClassifier().predict(Xq)
    clf = KNeighborsClassifier().fit(X[:4], y[:4])
    with pytest.raises(ValueError, match="n_neighbors <= n_samples_fit"):
        clf.predict(Xq)
    clf = KNeighborsClassifier().fit(X, y)
    with pytest.raises(ValueError, match="features"):
        clf.predict(Xq[:, :2])
    with pytest.raises(ValueError, match="NaN"):
        clf.predict(np.full((1, 4), np.nan))
