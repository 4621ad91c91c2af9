"""Decision trees: parity with scikit-learn's CART, importances, parameters and errors."""
import numpy as np
import pytest
from sklearn import tree as sk_tree
from sklearn.datasets import make_classification, make_regression
from sklearn.exceptions import NotFittedError

from ember.ml.tree import DecisionTreeClassifier, DecisionTreeRegressor


def _clf_data(seed, n=400, n_classes=3):
    return make_classification(n_samples=n, n_features=8, n_informative=5,
                               n_classes=n_classes, random_state=seed)


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("criterion", ["gini", "entropy", "log_loss"])
def test_classifier_same_tree_as_sklearn_when_depth_limited(seed, criterion):
    X, y = _clf_data(seed)
    Xt = np.random.RandomState(seed + 10).randn(300, 8)
    kw = dict(criterion=criterion, max_depth=4, random_state=0)
    ours = DecisionTreeClassifier(**kw).fit(X, y)
    ref = sk_tree.DecisionTreeClassifier(**kw).fit(X, y)
    np.testing.assert_allclose(ours.predict_proba(X), ref.predict_proba(X), atol=1e-12)
    np.testing.assert_allclose(ours.predict_proba(Xt), ref.predict_proba(Xt), atol=1e-12)
    assert ours.get_depth() == ref.get_depth()
    assert ours.get_n_leaves() == ref.get_n_leaves()


@pytest.mark.parametrize("seed", [0, 1])
def test_classifier_full_tree_matches_sklearn(seed):
    X, y = _clf_data(seed, n=600)
    Xtr, ytr, Xte, yte = X[:400], y[:400], X[400:], y[400:]
    ours = DecisionTreeClassifier(random_state=0).fit(Xtr, ytr)
    ref = sk_tree.DecisionTreeClassifier(random_state=0).fit(Xtr, ytr)
    # pure leaves on training data, same number of leaves up to tie breaking
    assert ours.score(Xtr, ytr) == 1.0
    assert abs(ours.get_n_leaves() - ref.get_n_leaves()) <= 2
    assert abs(ours.score(Xte, yte) - ref.score(Xte, yte)) <= 0.03


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("params", [dict(max_depth=6, min_samples_leaf=3),
                                    dict(min_samples_split=10), dict(max_depth=3)])
def test_regressor_matches_sklearn(seed, params):
    X, y = make_regression(n_samples=300, n_features=6, noise=1.0, random_state=seed)
    ours = DecisionTreeRegressor(random_state=0, **params).fit(X, y)
    ref = sk_tree.DecisionTreeRegressor(random_state=0, **params).fit(X, y)
    np.testing.assert_allclose(ours.predict(X), ref.predict(X), rtol=1e-9, atol=1e-9)
    assert ours.get_n_leaves() == ref.get_n_leaves()
    assert ours.get_depth() == ref.get_depth()


def test_sample_weight_matches_sklearn():
    X, y = _clf_data(3)
    sw = np.random.RandomState(0).randint(0, 4, size=y.size).astype(float)
    ours = DecisionTreeClassifier(max_depth=3, random_state=0).fit(X, y, sample_weight=sw)
    ref = sk_tree.DecisionTreeClassifier(max_depth=3, random_state=0).fit(X, y, sample_weight=sw)
    np.testing.assert_allclose(ours.predict_proba(X), ref.predict_proba(X), atol=1e-12)
    Xr, yr = make_regression(n_samples=200, n_features=5, random_state=1)
    swr = np.random.RandomState(1).uniform(0.1, 3.0, size=200)
    o = DecisionTreeRegressor(max_depth=4).fit(Xr, yr, sample_weight=swr)
    r = sk_tree.DecisionTreeRegressor(max_depth=4).fit(Xr, yr, sample_weight=swr)
    np.testing.assert_allclose(o.predict(Xr), r.predict(Xr), rtol=1e-9)


def test_integer_weights_equal_repetition():
    X, y = _clf_data(4, n=120)
    sw = np.random.RandomState(2).randint(0, 3, size=y.size)
    a = DecisionTreeClassifier(max_depth=4, random_state=0).fit(X, y, sample_weight=sw)
    b = DecisionTreeClassifier(max_depth=4, random_state=0).fit(np.repeat(X, sw, axis=0),
                                                                  np.repeat(y, sw))
    np.testing.assert_allclose(a.predict_proba(X), b.predict_proba(X), atol=1e-12)


def test_feature_importances_rank_informative_first():
    X, y = make_classification(n_samples=600, n_features=10, n_informative=3, n_redundant=0,
                               n_repeated=0, shuffle=False, random_state=0)
    clf = DecisionTreeClassifier(max_depth=5, random_state=0).fit(X, y)
    imp = clf.feature_importances_
    assert imp.sum() == pytest.approx(1.0)
    assert set(np.argsort(imp)[::-1][:3]) == {0, 1, 2}
    ref = sk_tree.DecisionTreeClassifier(max_depth=3, random_state=0).fit(X, y)
    ours = DecisionTreeClassifier(max_depth=3, random_state=0).fit(X, y)
    np.testing.assert_allclose(ours.feature_importances_, ref.feature_importances_, atol=1e-10)


def test_max_features_and_random_state():
    X, y = _clf_data(5, n=300)
    a = DecisionTreeClassifier(max_features=2, random_state=1).fit(X, y)
    b = DecisionTreeClassifier(max_features=2, random_state=1).fit(X, y)
    c = DecisionTreeClassifier(max_features=2, random_state=2).fit(X, y)
    np.testing.assert_array_equal(a.tree_.feature, b.tree_.feature)
    assert not np.array_equal(a.tree_.feature, c.tree_.feature)
    assert a.max_features_ == 2
    assert DecisionTreeClassifier(max_features="sqrt").fit(X, y).max_features_ == 2
    assert DecisionTreeClassifier(max_features=0.5).fit(X, y).max_features_ == 4


def test_string_labels_and_proba():
    X, y = _clf_data(6, n=200)
    labels = np.array(["a", "b", "c"])[y]
    clf = DecisionTreeClassifier(max_depth=3).fit(X, labels)
    assert set(clf.predict(X)) <= {"a", "b", "c"}
    p = clf.predict_proba(X)
    np.testing.assert_allclose(p.sum(axis=1), 1.0)
    np.testing.assert_array_equal(clf.classes_[p.argmax(1)], clf.predict(X))


def test_threshold_midpoints_like_sklearn():
    X = np.array([[0.0], [1.0], [3.0], [7.0]])
    clf = DecisionTreeClassifier().fit(X, [0, 0, 1, 1])
    assert clf.tree_.threshold[0] == pytest.approx(2.0)
    assert clf.predict([[2.0]])[0] == 0  # x <= threshold goes left
    assert clf.predict([[2.0001]])[0] == 1


@pytest.mark.parametrize("params, name", [
    (dict(max_depth=0), "max_depth"),
    (dict(criterion="foo"), "criterion"),
    (dict(min_samples_split=1), "min_samples_split"),
    (dict(min_samples_leaf=0), "min_samples_leaf"),
    (dict(max_features="bar"), "max_features"),
])
def test_bad_parameters(params, name):
    X, y = _clf_data(0, n=50)
    with pytest.raises(ValueError, match=name):
        DecisionTreeClassifier(**params).fit(X, y)


def test_bad_input():
    X, y = _clf_data(0, n=50)
    with pytest.raises(NotFittedError):
        DecisionTreeClassifier().predict(X)
    Xi = X.copy()
    Xi[0, 0] = np.inf                      # NaN is a missing value; infinity is refused
    with pytest.raises(ValueError, match="infinity"):
        DecisionTreeClassifier().fit(Xi, y)
    clf = DecisionTreeClassifier().fit(X, y)
    with pytest.raises(ValueError, match="features"):
        clf.predict(X[:, :3])
    with pytest.raises(ValueError, match="criterion"):
        DecisionTreeRegressor(criterion="gini").fit(X, y.astype(float))


@pytest.mark.parametrize("criterion", ["gini", "entropy"])
@pytest.mark.parametrize("max_features", [2, 5, None])
def test_features_drawn_as_scikit_learn_draws_them(max_features, criterion):
    # the compiled splitter draws the features of every node with scikit-learn's generator
    # and rule, so even max_features trees (and ties between features) are scikit-learn's
    X, y = _clf_data(7, n=300)
    Xt = np.random.RandomState(1).randn(200, 8)
    for seed in range(3):
        kw = dict(criterion=criterion, max_features=max_features, random_state=seed)
        ours = DecisionTreeClassifier(**kw).fit(X, y)
        ref = sk_tree.DecisionTreeClassifier(**kw).fit(X, y)
        np.testing.assert_allclose(ours.predict_proba(Xt), ref.predict_proba(Xt), atol=1e-12)
        assert ours.get_n_leaves() == ref.get_n_leaves() > 20


@pytest.mark.parametrize("module", ["tree", "tree._classes"])
def test_docstring_examples(module):
    import doctest
    import importlib
    result = doctest.testmod(importlib.import_module(f"ember.ml.{module}"))
    assert result.attempted > 0 and result.failed == 0


def _with_missing(X, seed, rate=0.2, columns=(0, 2, 5)):
    X = X.copy()
    rng = np.random.RandomState(seed)
    for f in columns:
        X[rng.rand(X.shape[0]) < rate, f] = np.nan
    X[:, 7][X[:, 1] > 0.5] = np.nan        # missing values that tell something about y
    return X


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("kw", [dict(max_depth=5), dict(min_samples_leaf=7),
                                dict(max_features=3, criterion="entropy"), dict()])
def test_missing_values_split_as_sklearn(seed, kw):
    # scikit-learn's best splitter: each split tries the node's missing rows on either side
    # (and alone against all others); a split that saw none sends them to its larger side
    X, y = _clf_data(seed)
    Xm = _with_missing(X, seed)
    Xt = _with_missing(np.random.RandomState(seed + 10).randn(300, 8), seed + 1)
    ours = DecisionTreeClassifier(random_state=0, **kw).fit(Xm, y)
    ref = sk_tree.DecisionTreeClassifier(random_state=0, **kw).fit(Xm, y)
    np.testing.assert_allclose(ours.predict_proba(Xt), ref.predict_proba(Xt), atol=1e-12)
    assert ours.get_n_leaves() == ref.get_n_leaves()
    # NaN at prediction only: every split sends it to its larger side
    clean = DecisionTreeClassifier(max_depth=6, random_state=0).fit(X, y)
    ref = sk_tree.DecisionTreeClassifier(max_depth=6, random_state=0).fit(X, y)
    np.testing.assert_allclose(clean.predict_proba(Xt), ref.predict_proba(Xt), atol=1e-12)
    # regression: splits of equal score on different features (the same rows, mirrored) are
    # broken by the rounding of sums added in a different order, so compare the partition of
    # the training rows, which those ties do not change
    Xr, yr = make_regression(n_samples=300, n_features=8, noise=1.0, random_state=seed)
    Xr = _with_missing(Xr, seed)
    kw = {k: v for k, v in kw.items() if k != "criterion"}
    ours = DecisionTreeRegressor(random_state=0, **kw).fit(Xr, yr)
    ref = sk_tree.DecisionTreeRegressor(random_state=0, **kw).fit(Xr, yr)
    np.testing.assert_allclose(ours.predict(Xr), ref.predict(Xr), rtol=1e-9, atol=1e-9)
    assert ours.get_n_leaves() == ref.get_n_leaves()


def test_missing_value_edge_features_as_sklearn():
    # a feature whose non-missing values are all equal can still split missing from the rest
    # (threshold inf); an all-missing feature is constant
    rng = np.random.RandomState(0)
    n = 200
    y = rng.randint(0, 2, n)
    X = np.column_stack([np.where(y == 1, np.nan, 3.0),           # informative only by NaN
                         np.full(n, np.nan),                       # all missing
                         rng.randn(n)])
    X[rng.rand(n) < 0.1, 0] = 3.0                                  # some noise in the rule
    for kw in (dict(), dict(min_samples_leaf=20), dict(max_depth=1)):
        ours = DecisionTreeClassifier(random_state=0, **kw).fit(X, y)
        ref = sk_tree.DecisionTreeClassifier(random_state=0, **kw).fit(X, y)
        np.testing.assert_allclose(ours.predict_proba(X), ref.predict_proba(X), atol=1e-12)
        assert ours.get_n_leaves() == ref.get_n_leaves()
        assert ours.tree_.feature[0] == ref.tree_.feature[0] == 0
        assert ours.tree_.threshold[0] == ref.tree_.threshold[0] == np.inf
