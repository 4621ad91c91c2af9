"""Linear models: coefficients against scikit-learn on random data, solvers, errors."""
import warnings

import numpy as np
import pytest
from sklearn import linear_model as sk
from sklearn.datasets import make_classification
from sklearn.exceptions import ConvergenceWarning, NotFittedError

from ember.metrics import condition_number
from ember.ml.linear import Lasso, LinearRegression, LogisticRegression, Perceptron, Ridge

SEEDS = [0, 1, 2]


def _reg_data(seed, n=60, p=6, multi=False):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, p)) * rng.uniform(0.5, 3, p) + rng.normal(size=p)
    w = rng.normal(size=p)
    y = X @ w + 0.3 * rng.normal(size=n) + 1.5
    if multi:
        y = np.c_[y, X[:, 0] - 2 * X[:, 1] + rng.normal(size=n)]
    return X, y, rng.uniform(0.2, 2.0, n)


def _close(a, b, atol):
    np.testing.assert_allclose(a.coef_, b.coef_, rtol=0, atol=atol)
    np.testing.assert_allclose(a.intercept_, b.intercept_, rtol=0, atol=atol)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("multi", [False, True])
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_linear_regression_and_ridge_match_sklearn(seed, multi, fit_intercept):
    X, y, w = _reg_data(seed, multi=multi)
    for sw in (None, w):
        _close(LinearRegression(fit_intercept=fit_intercept).fit(X, y, sample_weight=sw),
               sk.LinearRegression(fit_intercept=fit_intercept).fit(X, y, sample_weight=sw), 1e-10)
        for alpha in (0.1, 10.0):
            _close(Ridge(alpha, fit_intercept=fit_intercept).fit(X, y, sample_weight=sw),
                   sk.Ridge(alpha, fit_intercept=fit_intercept).fit(X, y, sample_weight=sw), 1e-10)


@pytest.mark.parametrize("seed", SEEDS)
def test_ridge_wide_and_rank_deficient(seed):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(12, 30))                      # p > n: dual form
    y = rng.normal(size=12)
    _close(Ridge(0.7).fit(X, y), sk.Ridge(0.7).fit(X, y), 1e-10)
    # collinear columns: the ridge system is well conditioned, OLS gives min-norm solution
    x = rng.normal(size=50)
    Xc = np.c_[x, x, rng.normal(size=50)]
    yc = 2 * x + Xc[:, 2]
    assert condition_number(Xc.T @ Xc) > 1e12
    assert condition_number(Xc.T @ Xc + np.eye(3)) < 1e3
    r = Ridge(1.0).fit(Xc, yc)
    assert r.coef_[0] == pytest.approx(r.coef_[1])
    _close(LinearRegression().fit(Xc, yc), sk.LinearRegression().fit(Xc, yc), 1e-8)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("alpha", [0.01, 0.1, 0.5])
def test_lasso_matches_sklearn(seed, alpha):
    X, y, _ = _reg_data(seed)
    ours = Lasso(alpha, tol=1e-12, max_iter=100_000).fit(X, y)
    ref = sk.Lasso(alpha=alpha, tol=1e-12, max_iter=100_000).fit(X, y)
    _close(ours, ref, 1e-9)
    # default tolerances: same solution to ~tol and the same number of sweeps
    ours, ref = Lasso(alpha).fit(X, y), sk.Lasso(alpha=alpha).fit(X, y)
    _close(ours, ref, 1e-3)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_lasso_sample_weight_matches_sklearn(seed, fit_intercept):
    X, y, w = _reg_data(seed)
    ours = Lasso(0.1, fit_intercept=fit_intercept, tol=1e-12, max_iter=100_000)
    ref = sk.Lasso(alpha=0.1, fit_intercept=fit_intercept, tol=1e-12, max_iter=100_000)
    _close(ours.fit(X, y, sample_weight=w), ref.fit(X, y, sample_weight=w), 1e-9)


def test_lasso_sparsity_multioutput_and_kkt():
    X, y, _ = _reg_data(3, n=80, p=10, multi=True)
    ours = Lasso(0.3, tol=1e-10, max_iter=10_000).fit(X, y)
    ref = sk.Lasso(alpha=0.3, tol=1e-10, max_iter=10_000).fit(X, y)
    _close(ours, ref, 1e-8)
    # KKT: |x_j^T r| / n <= alpha with equality on the support
    Xc = X - X.mean(0)
    r = (y[:, 0] - y[:, 0].mean()) - Xc @ ours.coef_[0]
    corr = np.abs(Xc.T @ r) / len(y)
    assert np.all(corr <= 0.3 + 1e-8)
    support = ours.coef_[0] != 0
    np.testing.assert_allclose(corr[support], 0.3, atol=1e-7)
    big = Lasso(alpha=1e3).fit(X, y[:, 0])
    assert np.all(big.coef_ == 0) and big.intercept_ == pytest.approx(y[:, 0].mean())


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_lasso_alpha_zero_warns():
    X, y, _ = _reg_data(0)
    with pytest.warns(UserWarning, match="LinearRegression"):
        Lasso(0.0, max_iter=1000).fit(X, y)


def test_lasso_convergence_warning():
    X, y, _ = _reg_data(0)
    with pytest.warns(ConvergenceWarning):
        Lasso(0.001, max_iter=1, tol=1e-12).fit(X, y)


def _cls_data(seed, n_classes, n=150, p=6):
    X, y = make_classification(n, p, n_informative=4, n_redundant=0, n_classes=n_classes,
                               flip_y=0.15, random_state=seed)
    return X, y


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize("solver", ["lbfgs", "newton", "gd"])
@pytest.mark.parametrize("penalty,C", [("l2", 0.3), ("l2", 5.0), (None, 1.0)])
def test_logistic_l2_none_matches_sklearn(seed, n_classes, solver, penalty, C):
    X, y = _cls_data(seed, n_classes)
    max_iter = 20_000 if solver == "gd" else 200
    ours = LogisticRegression(penalty, C=C, solver=solver, tol=1e-8, max_iter=max_iter).fit(X, y)
    ref = sk.LogisticRegression(C=C if penalty else np.inf, tol=1e-12, max_iter=10_000).fit(X, y)
    _close(ours, ref, 5e-6)
    np.testing.assert_allclose(ours.predict_proba(X), ref.predict_proba(X), atol=1e-6)
    np.testing.assert_array_equal(ours.predict(X), ref.predict(X))
    assert ours.coef_.shape == ref.coef_.shape and ours.n_iter_.shape == (1,)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("n_classes", [2, 3])
def test_logistic_l1_gd_matches_sklearn_saga(seed, n_classes):
    X, y = _cls_data(seed, n_classes)
    ours = LogisticRegression("l1", C=0.2, solver="gd", tol=1e-8, max_iter=20_000).fit(X, y)
    ref = sk.LogisticRegression(C=0.2, l1_ratio=1.0, solver="saga", tol=1e-10,
                                max_iter=100_000).fit(X, y)
    _close(ours, ref, 1e-4)
    assert np.any(ours.coef_ == 0)            # exact zeros from the proximal step
    np.testing.assert_array_equal(ours.coef_ == 0, np.abs(ref.coef_) < 1e-6)


@pytest.mark.parametrize("seed", SEEDS[:2])
def test_logistic_sample_weight_and_labels(seed):
    X, y = _cls_data(seed, 3)
    w = np.random.default_rng(seed).uniform(0.1, 3, len(y))
    labels = np.array(["ant", "bee", "cat"])[y]
    ours = LogisticRegression(C=0.5, tol=1e-10, max_iter=500).fit(X, labels, sample_weight=w)
    ref = sk.LogisticRegression(C=0.5, tol=1e-12, max_iter=10_000).fit(X, labels, sample_weight=w)
    _close(ours, ref, 1e-6)
    assert list(ours.classes_) == ["ant", "bee", "cat"]
    np.testing.assert_allclose(ours.predict_log_proba(X), np.log(ours.predict_proba(X)), atol=1e-12)
    np.testing.assert_allclose(ours.intercept_.sum(), 0, atol=1e-10)


def test_logistic_binary_decision_function_is_log_odds():
    X, y = _cls_data(0, 2)
    clf = LogisticRegression(solver="newton").fit(X, y)
    d = clf.decision_function(X)
    p = clf.predict_proba(X)[:, 1]
    np.testing.assert_allclose(d, np.log(p / (1 - p)), atol=1e-8)
    assert d.shape == (len(y),)


def test_newton_takes_few_iterations():
    X, y = _cls_data(1, 2)
    clf = LogisticRegression(solver="newton", tol=1e-10).fit(X, y)
    assert clf.n_iter_[0] <= 10


def test_logistic_bad_params():
    X, y = _cls_data(0, 2)
    with pytest.raises(ValueError, match="'penalty'"):
        LogisticRegression(penalty="l3").fit(X, y)
    with pytest.raises(ValueError, match="'C'.*-1"):
        LogisticRegression(C=-1).fit(X, y)
    with pytest.raises(ValueError, match="'l1'"):
        LogisticRegression(penalty="l1", solver="lbfgs").fit(X, y)
    with pytest.raises(ValueError, match="'solver'"):
        LogisticRegression(solver="sag").fit(X, y)
    with pytest.raises(ValueError, match="only one class"):
        LogisticRegression().fit(X, np.zeros(len(X)))
    with pytest.raises(NotFittedError):
        LogisticRegression().predict(X)
    with pytest.raises(ValueError, match="NaN"):
        LogisticRegression().fit(np.where(X > 2, np.nan, X), y)
    clf = LogisticRegression().fit(X, y)
    with pytest.raises(ValueError, match="features"):
        clf.predict(X[:, :3])
    with pytest.warns(ConvergenceWarning):
        LogisticRegression(solver="gd", max_iter=3).fit(X, y)
    assert LogisticRegression(penalty="none").fit(X, y).coef_.shape == (1, X.shape[1])
    with pytest.raises(ValueError, match="'alpha'"):
        Ridge(alpha=-1.0).fit(X, y)
    with pytest.raises(ValueError, match="'max_iter'"):
        Lasso(max_iter=0).fit(X, y)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize("tol", [1e-3, None])
def test_perceptron_matches_sklearn_without_shuffle(seed, n_classes, tol):
    X, y = _cls_data(seed, n_classes)
    ours = Perceptron(shuffle=False, tol=tol, max_iter=40, eta0=0.5)
    ref = sk.Perceptron(shuffle=False, tol=tol, max_iter=40, eta0=0.5)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ours.fit(X, y)
        ref.fit(X, y)
    _close(ours, ref, 1e-12)
    assert ours.n_iter_ == ref.n_iter_


def test_perceptron_separable_and_shuffle():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(100, 3))
    y = (X @ np.array([1.0, -2.0, 0.5]) + 0.3 > 0).astype(int)
    clf = Perceptron(tol=None, max_iter=200).fit(X, y)
    assert clf.score(X, y) == 1.0                 # converges on separable data
    a = Perceptron(random_state=1).fit(X, y).coef_
    b = Perceptron(random_state=1).fit(X, y).coef_
    c = Perceptron(random_state=2).fit(X, y).coef_
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


@pytest.mark.parametrize("name", ["linear", "linear._least_squares", "linear._coordinate_descent",
                                  "linear._logistic", "linear._perceptron", "naive_bayes",
                                  "decomposition", "preprocessing"])
def test_docstring_examples(name):
    import doctest
    import importlib
    result = doctest.testmod(importlib.import_module(f"ember.ml.{name}"), verbose=False)
    assert result.attempted > 0 and result.failed == 0


def test_lazy_exports():
    import ember.ml as ml
    for name in ["LinearRegression", "Ridge", "Lasso", "LogisticRegression", "Perceptron",
                 "GaussianNB", "MultinomialNB", "BernoulliNB", "PCA", "KBinsDiscretizer"]:
        assert getattr(ml, name).__name__ == name


@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize("solver", ["lbfgs", "newton", "gd"])
def test_logistic_without_intercept(n_classes, solver):
    X, y = _cls_data(4, n_classes)
    ours = LogisticRegression(C=0.7, fit_intercept=False, solver=solver, tol=1e-8,
                              max_iter=20_000 if solver == "gd" else 200).fit(X, y)
    ref = sk.LogisticRegression(C=0.7, fit_intercept=False, tol=1e-12, max_iter=10_000).fit(X, y)
    _close(ours, ref, 5e-6)
    assert np.all(ours.intercept_ == 0)
