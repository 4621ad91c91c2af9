"""XGBoost-style gradient boosting: per-round parity with xgboost (exact), hist quality."""
import numpy as np
import pytest
from sklearn.datasets import make_classification
from sklearn.exceptions import NotFittedError

from ember.ml.gbdt import GradientBoostingClassifier, GradientBoostingRegressor

xgb = pytest.importorskip("xgboost")

ROUNDS = (1, 2, 5, 10)


def _data(seed, n=200, F=5):
    rng = np.random.RandomState(seed)
    X = rng.randn(n, F).astype(np.float32)
    y = (2 * X[:, 0] + np.sin(3 * X[:, 1]) + 0.5 * X[:, 2] * X[:, 3]
         + 0.3 * rng.randn(n)).astype(np.float32)
    return X, y


def _assert_margins_match(ours, ref, X, atol=1e-5):
    for k in ROUNDS:
        a = ours.predict(X, output_margin=True, iteration_range=(0, k))
        b = ref.predict(X, output_margin=True, iteration_range=(0, k))
        np.testing.assert_allclose(a, b, atol=atol, rtol=0, err_msg=f"round {k}")


PARAMS = [
    dict(),
    dict(gamma=2.0),
    dict(min_child_weight=5.0, reg_lambda=3.0, max_depth=4, learning_rate=0.1),
    dict(reg_lambda=0.0, max_depth=2, learning_rate=0.5),
]


def _params(extra, base_score):
    p = dict(n_estimators=10, learning_rate=0.3, max_depth=3, min_child_weight=1.0,
             reg_lambda=1.0, gamma=0.0, base_score=base_score)
    p.update(extra)
    return p


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("extra", PARAMS)
def test_regression_margins_match_xgboost(seed, extra):
    X, y = _data(seed)
    p = _params(extra, 0.5)
    ours = GradientBoostingRegressor(tree_method="exact", **p).fit(X, y)
    ref = xgb.XGBRegressor(tree_method="exact", n_jobs=1, **p).fit(X, y)
    _assert_margins_match(ours, ref, X)
    Xt = np.random.RandomState(seed + 7).randn(100, 5).astype(np.float32)
    _assert_margins_match(ours, ref, Xt)


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("extra", PARAMS)
def test_binary_logistic_margins_match_xgboost(seed, extra):
    X, y = _data(seed)
    yb = (y > 0.3).astype(int)
    p = _params(extra, 0.4)
    ours = GradientBoostingClassifier(tree_method="exact", **p).fit(X, yb)
    ref = xgb.XGBClassifier(tree_method="exact", n_jobs=1, **p).fit(X, yb)
    _assert_margins_match(ours, ref, X)
    np.testing.assert_allclose(ours.predict_proba(X), ref.predict_proba(X), atol=1e-6)


@pytest.mark.parametrize("seed", [0, 1])
def test_multiclass_softmax_margins_match_xgboost(seed):
    X, y = _data(seed)
    y3 = np.digitize(y, [-0.5, 0.8])
    p = _params(dict(), 0.5)
    ours = GradientBoostingClassifier(tree_method="exact", **p).fit(X, y3)
    ref = xgb.XGBClassifier(tree_method="exact", n_jobs=1, **p).fit(X, y3)
    _assert_margins_match(ours, ref, X)
    np.testing.assert_allclose(ours.predict_proba(X), ref.predict_proba(X), atol=1e-6)
    assert len(ours.trees_[0]) == 3  # one tree per class per round


def test_gamma_prunes_splits():
    X, y = _data(3)
    p = _params(dict(max_depth=5), 0.5)
    p.pop("gamma")
    n_nodes = [sum(t.node_count for r in
                   GradientBoostingRegressor(tree_method="exact", gamma=g, **p).fit(X, y).trees_
                   for t in r) for g in (0.0, 0.5, 5.0)]
    assert n_nodes[0] > n_nodes[1] > n_nodes[2]
    ours = GradientBoostingRegressor(tree_method="exact", gamma=5.0, **p).fit(X, y)
    for r in ours.trees_:
        t = r[0]
        internal = t.children_left >= 0
        both_leaves = internal.copy()
        both_leaves[internal] = ((t.children_left[t.children_left[internal]] < 0)
                                 & (t.children_left[t.children_right[internal]] < 0))
        assert np.all(t.improvement[both_leaves] >= 5.0)


def test_early_stopping_matches_xgboost():
    X, y = _data(4, n=300)
    y = y + np.random.RandomState(0).randn(300).astype(np.float32)
    Xtr, ytr, Xv, yv = X[:200], y[:200], X[200:], y[200:]
    p = dict(n_estimators=200, learning_rate=0.3, max_depth=4, base_score=0.0,
             early_stopping_rounds=5)
    ours = GradientBoostingRegressor(tree_method="exact", **p).fit(Xtr, ytr, eval_set=[(Xv, yv)])
    ref = xgb.XGBRegressor(tree_method="exact", eval_metric="rmse", n_jobs=1, **p).fit(
        Xtr, ytr, eval_set=[(Xv, yv)], verbose=False)
    assert ours.best_iteration == ref.best_iteration
    assert ours.best_iteration < 50
    hist_ours = ours.evals_result_["validation_0"]["rmse"]
    hist_ref = ref.evals_result()["validation_0"]["rmse"]
    assert len(hist_ours) == len(hist_ref) == ours.best_iteration + 6
    np.testing.assert_allclose(hist_ours, hist_ref, rtol=1e-5)
    # predict uses the best iteration, like xgboost
    np.testing.assert_allclose(ours.predict(Xv), ref.predict(Xv), atol=1e-5)
    np.testing.assert_allclose(ours.predict(Xv),
                               ours.predict(Xv, iteration_range=(0, ours.best_iteration + 1)))


def test_feature_importances_match_xgboost_gain():
    X, y = _data(5)
    p = _params(dict(), 0.0)
    for kind in ("gain", "total_gain", "weight"):
        ours = GradientBoostingRegressor(tree_method="exact", importance_type=kind, **p).fit(X, y)
        ref = xgb.XGBRegressor(tree_method="exact", importance_type=kind, n_jobs=1, **p).fit(X, y)
        np.testing.assert_allclose(ours.feature_importances_, ref.feature_importances_,
                                   rtol=1e-5, atol=1e-7)
        assert ours.feature_importances_.sum() == pytest.approx(1.0)


@pytest.mark.parametrize("tree_method", ["hist", "exact"])
def test_importances_rank_informative_first(tree_method):
    X, y = make_classification(n_samples=400, n_features=10, n_informative=3, n_redundant=0,
                               shuffle=False, random_state=0)
    clf = GradientBoostingClassifier(n_estimators=20, max_depth=3, tree_method=tree_method,
                                     importance_type="total_gain").fit(X, y)
    imp = clf.feature_importances_
    assert imp.sum() == pytest.approx(1.0)
    assert set(np.argsort(imp)[::-1][:3]) == {0, 1, 2}


def test_hist_close_to_exact_and_xgboost_hist():
    X, y = make_classification(n_samples=1200, n_features=10, n_informative=6, random_state=1)
    Xtr, ytr, Xte, yte = X[:800], y[:800], X[800:], y[800:]
    p = dict(n_estimators=30, max_depth=4, learning_rate=0.3)
    hist = GradientBoostingClassifier(tree_method="hist", **p).fit(Xtr, ytr)
    exact = GradientBoostingClassifier(tree_method="exact", **p).fit(Xtr, ytr)
    ref = xgb.XGBClassifier(tree_method="hist", n_jobs=1, **p).fit(Xtr, ytr)
    assert abs(hist.score(Xte, yte) - exact.score(Xte, yte)) <= 0.03
    assert abs(hist.score(Xte, yte) - ref.score(Xte, yte)) <= 0.03
    assert hist.score(Xte, yte) > 0.85


def test_hist_with_few_distinct_values_equals_exact_partition():
    # With fewer distinct values than max_bin every gap is a candidate in both methods,
    # so the learned partitions (and margins) coincide.
    rng = np.random.RandomState(0)
    X = rng.randint(0, 12, size=(300, 4)).astype(np.float32)
    y = (X[:, 0] - 2 * X[:, 1] + rng.randn(300)).astype(np.float32)
    p = dict(n_estimators=8, max_depth=3, base_score=0.0)
    h = GradientBoostingRegressor(tree_method="hist", **p).fit(X, y)
    e = GradientBoostingRegressor(tree_method="exact", **p).fit(X, y)
    np.testing.assert_allclose(h.predict(X), e.predict(X), atol=1e-5)


def test_classifier_early_stopping_and_eval_history():
    X, y = make_classification(n_samples=400, n_features=6, flip_y=0.3, random_state=3)
    Xtr, ytr, Xv, yv = X[:250], y[:250], X[250:], y[250:]
    p = dict(n_estimators=100, max_depth=4, base_score=0.5, early_stopping_rounds=4)
    ours = GradientBoostingClassifier(tree_method="exact", **p).fit(
        Xtr, ytr, eval_set=[(Xtr, ytr), (Xv, yv)])
    ref = xgb.XGBClassifier(tree_method="exact", eval_metric="logloss", n_jobs=1, **p).fit(
        Xtr, ytr, eval_set=[(Xtr, ytr), (Xv, yv)], verbose=False)
    assert ours.best_iteration == ref.best_iteration
    for name in ("validation_0", "validation_1"):
        np.testing.assert_allclose(ours.evals_result_[name]["logloss"],
                                   ref.evals_result()[name]["logloss"], rtol=1e-5)
    np.testing.assert_allclose(ours.predict_proba(Xv), ref.predict_proba(Xv), atol=1e-5)


def test_subsample_colsample_and_staged_outputs():
    X, y = make_classification(n_samples=300, n_features=8, n_classes=3, n_informative=5,
                               random_state=2)
    kw = dict(n_estimators=12, max_depth=3, subsample=0.7, colsample_bytree=0.5, random_state=0)
    a = GradientBoostingClassifier(**kw).fit(X, y)
    b = GradientBoostingClassifier(**kw).fit(X, y)
    np.testing.assert_allclose(a.predict_proba(X), b.predict_proba(X))
    used = {int(f) for r in a.trees_ for t in r for f in t.feature[t.children_left >= 0]}
    assert used  # some splits were made
    for r in a.trees_:
        feats = {int(f) for t in r for f in t.feature[t.children_left >= 0]}
        assert len(feats) <= 4  # colsample_bytree=0.5 of 8 features
    staged = list(a.staged_decision_function(X))
    assert len(staged) == 12
    np.testing.assert_allclose(staged[-1], a.decision_function(X))
    np.testing.assert_allclose(staged[4], a.decision_function(X, iteration_range=(0, 5)))
    np.testing.assert_allclose(a.predict_proba(X).sum(1), 1.0)
    assert a.score(X, y) > 0.8


@pytest.mark.parametrize("params, name", [
    (dict(learning_rate=0.0), "learning_rate"),
    (dict(learning_rate=-0.1), "learning_rate"),
    (dict(subsample=0.0), "subsample"),
    (dict(subsample=1.5), "subsample"),
    (dict(colsample_bytree=0.0), "colsample_bytree"),
    (dict(max_depth=0), "max_depth"),
    (dict(tree_method="foo"), "tree_method"),
    (dict(gamma=-1.0), "gamma"),
    (dict(n_estimators=0), "n_estimators"),
    (dict(early_stopping_rounds=0), "early_stopping_rounds"),
])
def test_bad_parameters(params, name):
    X, y = _data(0, n=30)
    with pytest.raises(ValueError, match=name):
        GradientBoostingRegressor(**params).fit(X, y)
    with pytest.raises(ValueError, match=name):
        GradientBoostingClassifier(**params).fit(X, (y > 0).astype(int))


def test_bad_input():
    X, y = _data(0, n=30)
    with pytest.raises(NotFittedError):
        GradientBoostingRegressor().predict(X)
    Xn = X.copy()
    Xn[0, 0] = np.inf
    with pytest.raises(ValueError):
        GradientBoostingRegressor().fit(Xn, y)
    reg = GradientBoostingRegressor(n_estimators=2).fit(X, y)
    with pytest.raises(ValueError, match="features"):
        reg.predict(X[:, :2])
    with pytest.raises(ValueError, match="base_score"):
        GradientBoostingClassifier(base_score=1.5).fit(X, (y > 0).astype(int))
    with pytest.raises(AttributeError):
        reg.best_iteration  # no early stopping
    with pytest.raises(ValueError, match="eval_set"):
        GradientBoostingRegressor(early_stopping_rounds=3).fit(X, y)
    yb = (y > 0).astype(int)
    with pytest.raises(ValueError, match="eval_set"):
        GradientBoostingClassifier(n_estimators=2).fit(X, yb, eval_set=[(X, yb + 5)])


@pytest.mark.parametrize("module", ["gbdt", "gbdt._classes"])
def test_docstring_examples(module):
    import doctest
    import importlib
    result = doctest.testmod(importlib.import_module(f"ember.ml.{module}"))
    assert result.attempted > 0 and result.failed == 0


def _nan_data(seed, n=300, F=5, frac=0.2):
    X, y = _data(seed, n, F)
    rng = np.random.RandomState(seed + 3)
    X[rng.rand(n, F) < frac] = np.nan
    X[:, F - 1] = rng.randn(n)                       # one column without missing values
    return X, y


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("extra", [dict(), dict(min_child_weight=3.0, reg_lambda=0.5)])
def test_exact_with_missing_values_matches_xgboost_round_by_round(seed, extra):
    # XGBoost learns a default direction per split; exact enumerates both directions
    X, y = _nan_data(seed)
    p = _params(extra, 0.5)
    ours = GradientBoostingRegressor(tree_method="exact", **p).fit(X, y)
    ref = xgb.XGBRegressor(tree_method="exact", n_jobs=1, **p).fit(X, y)
    _assert_margins_match(ours, ref, X)
    yb = (y > 0.3).astype(int)
    ours = GradientBoostingClassifier(tree_method="exact", **p).fit(X, yb)
    ref = xgb.XGBClassifier(tree_method="exact", n_jobs=1, **p).fit(X, yb)
    _assert_margins_match(ours, ref, X)
    Xt, _ = _nan_data(seed + 5, n=100)
    _assert_margins_match(ours, ref, Xt)


def test_hist_learns_where_missing_values_go():
    # the label is carried by missingness itself: only a learned default direction sees it
    rng = np.random.RandomState(0)
    X = rng.randn(600, 3).astype(np.float32)
    y = (rng.rand(600) < 0.5).astype(int)
    X[y == 1, 0] = np.nan
    ours = GradientBoostingClassifier(n_estimators=5, max_depth=2, tree_method="hist").fit(X, y)
    ref = xgb.XGBClassifier(n_estimators=5, max_depth=2, tree_method="hist", n_jobs=1).fit(X, y)
    assert ours.score(X, y) == ref.score(X, y) == 1.0
    root = ours.trees_[0][0]
    assert root.feature[0] == 0 and root.missing_left[0] != (root.value[1, 0] < 0)
    np.testing.assert_allclose(ours.predict_proba(X), ref.predict_proba(X), atol=1e-5)


@pytest.mark.parametrize("method", ["exact", "hist"])
def test_grower_leaf_map_is_where_the_tree_sends_each_row(method):
    # the boosting loop adds leaf values through this map instead of predicting every row
    from ember.ml.gbdt._grow import ExactTrees, HistTrees
    X, y = make_classification(n_samples=400, n_features=6, random_state=3)
    X = X.astype(np.float32)
    X[::7, 2] = np.nan
    rng = np.random.RandomState(0)
    g, h = rng.randn(400), rng.rand(400) + 0.1
    rows = np.sort(rng.choice(400, 300, replace=False))
    trees = ExactTrees(X) if method == "exact" else HistTrees(X, np.arange(400), 64)
    tree, leaf = trees.grow(g, h, rows, np.arange(6), max_depth=4, reg_lambda=1.0,
                            min_child_weight=1.0, eta=0.3)
    assert tree.node_count > 7
    np.testing.assert_array_equal(leaf[rows], tree.apply(X[rows]))
    out = np.setdiff1d(np.arange(400), rows)
    assert (leaf[out] == -1).all()


@pytest.mark.parametrize("method", ["exact", "hist"])
def test_same_model_on_one_and_two_threads(method):
    # exact: features in per-thread blocks merged in feature order; hist: class trees grown
    # side by side; neither may change the trees
    import numba
    if numba.config.NUMBA_NUM_THREADS < 2:
        pytest.skip("numba has one thread here")
    X, y = make_classification(n_samples=300, n_features=8, n_classes=3, n_informative=5,
                               random_state=4)
    kw = dict(n_estimators=8, max_depth=4, tree_method=method)
    before = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        one = GradientBoostingClassifier(**kw).fit(X, y).decision_function(X)
        numba.set_num_threads(2)
        two = GradientBoostingClassifier(**kw).fit(X, y).decision_function(X)
    finally:
        numba.set_num_threads(before)
    np.testing.assert_array_equal(one, two)
