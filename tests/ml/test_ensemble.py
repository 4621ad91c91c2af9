"""Random forests, bagging and AdaBoost SAMME against scikit-learn as the oracle."""
import numpy as np
import pytest
from sklearn import ensemble as sk_ens
from sklearn import tree as sk_tree
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.datasets import make_classification, make_regression

from ember.ml.ensemble import (AdaBoostClassifier, BaggingClassifier, BaggingRegressor,
                               RandomForestClassifier, RandomForestRegressor)
from ember.ml.tree import DecisionTreeClassifier

from .test_tree import _with_missing


@pytest.fixture(scope="module")
def clf_data():
    X, y = make_classification(n_samples=600, n_features=10, n_informative=5, n_classes=3,
                               random_state=0)
    return X[:400], y[:400], X[400:], y[400:]


@pytest.fixture(scope="module")
def reg_data():
    X, y = make_regression(n_samples=400, n_features=8, noise=5.0, random_state=0)
    return X[:300], y[:300], X[300:], y[300:]


def test_random_forest_classifier_close_to_sklearn(clf_data):
    X, y, Xt, yt = clf_data
    ours = RandomForestClassifier(n_estimators=60, oob_score=True, random_state=0).fit(X, y)
    ref = sk_ens.RandomForestClassifier(n_estimators=60, oob_score=True, random_state=0).fit(X, y)
    assert abs(ours.score(Xt, yt) - ref.score(Xt, yt)) <= 0.04
    assert abs(ours.oob_score_ - ref.oob_score_) <= 0.04
    assert ours.oob_decision_function_.shape == (400, 3)
    np.testing.assert_allclose(ours.oob_decision_function_.sum(axis=1), 1.0)
    # the OOB score is the accuracy of the OOB decision function
    assert ours.oob_score_ == pytest.approx(np.mean(ours.oob_decision_function_.argmax(1) == y))
    p = ours.predict_proba(Xt)
    np.testing.assert_allclose(p, np.mean([e.predict_proba(Xt) for e in ours.estimators_], axis=0))
    assert len(ours.estimators_) == 60
    assert all(e.max_features_ == 3 for e in ours.estimators_)  # sqrt(10)


def test_random_forest_regressor_close_to_sklearn(reg_data):
    X, y, Xt, yt = reg_data
    ours = RandomForestRegressor(n_estimators=40, oob_score=True, random_state=0).fit(X, y)
    ref = sk_ens.RandomForestRegressor(n_estimators=40, oob_score=True, random_state=0).fit(X, y)
    assert abs(ours.score(Xt, yt) - ref.score(Xt, yt)) <= 0.04
    assert abs(ours.oob_score_ - ref.oob_score_) <= 0.04
    assert ours.oob_prediction_.shape == (300,)
    np.testing.assert_allclose(ours.predict(Xt),
                               np.mean([e.predict(Xt) for e in ours.estimators_], axis=0))


def test_forest_without_bootstrap_and_all_features_is_a_tree(clf_data):
    X, y, Xt, _ = clf_data
    rf = RandomForestClassifier(n_estimators=3, bootstrap=False, max_features=None,
                                max_depth=4, random_state=0).fit(X, y)
    trees = [DecisionTreeClassifier(max_depth=4, random_state=e.random_state).fit(X, y)
             for e in rf.estimators_]
    for e, t in zip(rf.estimators_, trees):
        np.testing.assert_allclose(e.predict_proba(Xt), t.predict_proba(Xt), atol=1e-12)
    np.testing.assert_allclose(rf.predict_proba(Xt),
                               np.mean([t.predict_proba(Xt) for t in trees], axis=0))


def test_forest_parallel_is_deterministic(clf_data):
    X, y, Xt, _ = clf_data
    a = RandomForestClassifier(n_estimators=6, n_jobs=2, random_state=3).fit(X, y)
    b = RandomForestClassifier(n_estimators=6, n_jobs=None, random_state=3).fit(X, y)
    np.testing.assert_allclose(a.predict_proba(Xt), b.predict_proba(Xt))


def test_forest_feature_importances_rank_informative_first():
    X, y = make_classification(n_samples=500, n_features=10, n_informative=3, n_redundant=0,
                               shuffle=False, random_state=1)
    rf = RandomForestClassifier(n_estimators=30, random_state=0).fit(X, y)
    imp = rf.feature_importances_
    assert imp.sum() == pytest.approx(1.0)
    assert set(np.argsort(imp)[::-1][:3]) == {0, 1, 2}


class _Centroid(ClassifierMixin, BaseEstimator):
    """Nearest centroid; no predict_proba, so bagging must hard-vote."""

    def fit(self, X, y):
        self.classes_ = np.unique(y)
        self.c_ = np.array([X[y == k].mean(axis=0) for k in self.classes_])
        return self

    def predict(self, X):
        d = ((X[:, None, :] - self.c_[None]) ** 2).sum(-1)
        return self.classes_[d.argmin(1)]


def test_bagging_classifier_soft_and_hard_vote(clf_data):
    X, y, Xt, yt = clf_data
    ours = BaggingClassifier(n_estimators=20, oob_score=True, random_state=0).fit(X, y)
    ref = sk_ens.BaggingClassifier(n_estimators=20, oob_score=True, random_state=0).fit(X, y)
    assert abs(ours.score(Xt, yt) - ref.score(Xt, yt)) <= 0.05
    assert abs(ours.oob_score_ - ref.oob_score_) <= 0.06
    soft = np.mean([e.predict_proba(Xt) for e in ours.estimators_], axis=0)
    np.testing.assert_allclose(ours.predict_proba(Xt), soft)
    hard = BaggingClassifier(_Centroid(), n_estimators=7, max_features=0.5,
                             random_state=0).fit(X, y)
    votes = np.zeros((len(Xt), 3))
    for e, cols in zip(hard.estimators_, hard.estimators_features_):
        votes[np.arange(len(Xt)), e.predict(Xt[:, cols])] += 1
    np.testing.assert_allclose(hard.predict_proba(Xt), votes / 7)
    assert all(len(c) == 5 for c in hard.estimators_features_)


def test_bagging_sampling_options(clf_data):
    X, y, _, _ = clf_data
    b = BaggingClassifier(n_estimators=4, max_samples=50, bootstrap=False,
                          bootstrap_features=True, max_features=4, random_state=0).fit(X, y)
    for rows, cols in zip(b.estimators_samples_, b.estimators_features_):
        assert len(rows) == 50 and len(np.unique(rows)) == 50  # without replacement
        assert len(cols) == 4


def test_bagging_regressor_close_to_sklearn(reg_data):
    X, y, Xt, yt = reg_data
    ours = BaggingRegressor(n_estimators=20, oob_score=True, random_state=0).fit(X, y)
    ref = sk_ens.BaggingRegressor(n_estimators=20, oob_score=True, random_state=0).fit(X, y)
    assert abs(ours.score(Xt, yt) - ref.score(Xt, yt)) <= 0.05
    assert abs(ours.oob_score_ - ref.oob_score_) <= 0.06
    np.testing.assert_allclose(ours.predict(Xt),
                               np.mean([e.predict(Xt) for e in ours.estimators_], axis=0))


@pytest.mark.parametrize("n_classes, lr", [(2, 1.0), (3, 1.0), (3, 0.5)])
def test_adaboost_samme_matches_sklearn(n_classes, lr):
    X, y = make_classification(n_samples=300, n_features=6, n_informative=4,
                               n_classes=n_classes, random_state=n_classes)
    ours = AdaBoostClassifier(n_estimators=15, learning_rate=lr, random_state=0).fit(X, y)
    ref = sk_ens.AdaBoostClassifier(n_estimators=15, learning_rate=lr, random_state=0).fit(X, y)
    np.testing.assert_allclose(ours.estimator_weights_, ref.estimator_weights_, rtol=1e-10)
    np.testing.assert_allclose(ours.estimator_errors_, ref.estimator_errors_, rtol=1e-10)
    np.testing.assert_allclose(ours.decision_function(X), ref.decision_function(X), atol=1e-10)
    np.testing.assert_allclose(ours.predict_proba(X), ref.predict_proba(X), atol=1e-10)
    np.testing.assert_array_equal(ours.predict(X), ref.predict(X))
    # SAMME weight formula
    err = ours.estimator_errors_
    np.testing.assert_allclose(ours.estimator_weights_,
                               lr * (np.log((1 - err) / err) + np.log(n_classes - 1)))
    staged = list(ours.staged_predict(X))
    assert len(staged) == len(ours.estimators_)
    np.testing.assert_array_equal(staged[-1], ours.predict(X))
    for a, b in zip(ours.staged_decision_function(X), ref.staged_decision_function(X)):
        np.testing.assert_allclose(a, b, atol=1e-10)


def test_adaboost_perfect_learner_stops_early():
    X = np.array([[0.0], [1.0], [2.0], [3.0]])
    y = np.array([0, 0, 1, 1])
    ada = AdaBoostClassifier(n_estimators=10).fit(X, y)
    assert len(ada.estimators_) == 1
    assert ada.estimator_errors_[0] == 0.0


@pytest.mark.parametrize("est, name", [
    (AdaBoostClassifier(learning_rate=0.0), "learning_rate"),
    (AdaBoostClassifier(learning_rate=-1.0), "learning_rate"),
    (AdaBoostClassifier(n_estimators=0), "n_estimators"),
    (RandomForestClassifier(n_estimators=0), "n_estimators"),
    (RandomForestClassifier(criterion="foo"), "criterion"),
    (RandomForestClassifier(max_depth=0), "max_depth"),
    (RandomForestClassifier(bootstrap=False, oob_score=True), "oob_score"),
    (RandomForestRegressor(max_features="foo"), "max_features"),
    (BaggingClassifier(max_samples=0.0), "max_samples"),
    (BaggingClassifier(max_features=1.5), "max_features"),
])
def test_bad_parameters(est, name):
    X, y = make_classification(n_samples=40, n_features=4, random_state=0)
    with pytest.raises(ValueError, match=name):
        est.fit(X, y)


def test_adaboost_sample_weight_matches_sklearn():
    X, y = make_classification(n_samples=300, n_features=6, n_informative=4, n_classes=3,
                               random_state=11)
    sw = np.random.RandomState(0).uniform(0.2, 2.0, size=300)
    ours = AdaBoostClassifier(n_estimators=10, random_state=0).fit(X, y, sample_weight=sw)
    ref = sk_ens.AdaBoostClassifier(n_estimators=10, random_state=0).fit(X, y, sample_weight=sw)
    np.testing.assert_allclose(ours.estimator_weights_, ref.estimator_weights_, rtol=1e-10)
    np.testing.assert_allclose(ours.predict_proba(X), ref.predict_proba(X), atol=1e-10)


def test_adaboost_with_deeper_trees_and_string_labels():
    X, y = make_classification(n_samples=300, n_features=6, n_informative=4, random_state=12)
    labels = np.array(["neg", "pos"])[y]
    ours = AdaBoostClassifier(DecisionTreeClassifier(max_depth=2), n_estimators=8,
                              learning_rate=0.5, random_state=0).fit(X, labels)
    ref = sk_ens.AdaBoostClassifier(sk_tree.DecisionTreeClassifier(max_depth=2), n_estimators=8,
                                    learning_rate=0.5, random_state=0).fit(X, labels)
    assert set(ours.predict(X)) <= {"neg", "pos"}
    assert abs(ours.score(X, labels) - ref.score(X, labels)) <= 0.03
    np.testing.assert_allclose(ours.estimator_weights_[:2], ref.estimator_weights_[:2], rtol=1e-8)


def test_forest_max_samples_and_entropy(clf_data):
    X, y, Xt, yt = clf_data
    rf = RandomForestClassifier(n_estimators=20, criterion="entropy", max_samples=0.5,
                                oob_score=True, random_state=0).fit(X, y)
    ref = sk_ens.RandomForestClassifier(n_estimators=20, criterion="entropy", max_samples=0.5,
                                        random_state=0).fit(X, y)
    assert abs(rf.score(Xt, yt) - ref.score(Xt, yt)) <= 0.06
    # half-size bootstrap: about exp(-0.5) of the samples are out of bag for each tree
    frac = np.mean([m.mean() for m in rf._oob_masks(len(y))])
    assert abs(frac - np.exp(-0.5)) < 0.05
    with pytest.raises(ValueError, match="max_samples"):
        RandomForestClassifier(max_samples=0).fit(X, y)


@pytest.mark.parametrize("module", ["ensemble", "ensemble._forest", "ensemble._bagging",
                                    "ensemble._weight_boosting"])
def test_docstring_examples(module):
    import doctest
    import importlib
    result = doctest.testmod(importlib.import_module(f"ember.ml.{module}"))
    assert result.attempted > 0 and result.failed == 0


def test_entropy_forest_with_fractional_weights_close_to_sklearn():
    """With fractional weights rounding can leave a class of a right child a tiny negative
    weight, whose entropy is NaN: such candidate splits are skipped in the sparse layout (a
    few features per node) as in the dense one, instead of failing the fit."""
    X, y = make_classification(n_samples=800, n_features=20, n_informative=8, n_classes=3,
                               random_state=1)
    sw = np.random.RandomState(0).uniform(0.2, 2.0, len(y))
    X, Xt, y, yt, sw = X[:600], X[600:], y[:600], y[600:], sw[:600]
    ours = RandomForestClassifier(n_estimators=30, criterion="entropy", random_state=0)
    ours.fit(X, y, sample_weight=sw)
    ref = sk_ens.RandomForestClassifier(n_estimators=30, criterion="entropy", random_state=0)
    ref.fit(X, y, sample_weight=sw)
    for est in ours.estimators_:
        value = est.tree_.value
        assert np.all(value >= 0) and np.allclose(value.sum(axis=1), 1.0)
    assert abs(ours.score(Xt, yt) - ref.score(Xt, yt)) <= 0.05


def test_random_forest_with_missing_values_is_sklearns():
    # the trees split on NaN as scikit-learn's do, with its bootstrap draws: the same forest
    X, y = make_classification(n_samples=600, n_features=10, n_informative=5, n_classes=3,
                               random_state=0)
    Xm = _with_missing(X, 0)
    ours = RandomForestClassifier(30, oob_score=True, random_state=0).fit(Xm[:400], y[:400])
    ref = sk_ens.RandomForestClassifier(30, oob_score=True, random_state=0).fit(Xm[:400],
                                                                                 y[:400])
    np.testing.assert_allclose(ours.predict_proba(Xm[400:]), ref.predict_proba(Xm[400:]),
                               atol=1e-12)
    assert ours.oob_score_ == ref.oob_score_


def test_bagging_passes_missing_values_to_its_trees(clf_data):
    X, y, Xt, yt = clf_data
    Xm, Xtm = _with_missing(X, 0), _with_missing(Xt, 1)
    ours = BaggingClassifier(n_estimators=10, random_state=0).fit(Xm, y)
    ref = sk_ens.BaggingClassifier(n_estimators=10, random_state=0).fit(Xm, y)
    assert abs(ours.score(Xtm, yt) - ref.score(Xtm, yt)) <= 0.05
    assert ours.score(Xtm, yt) > 0.6
