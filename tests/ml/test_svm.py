"""SVC (SMO) and LinearSVC against scikit-learn's libsvm / liblinear wrappers."""
import warnings

import numpy as np
import pytest
from sklearn import svm as sk_svm
from sklearn.datasets import load_breast_cancer, load_iris, load_wine, make_classification
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.preprocessing import StandardScaler

from ember.ml.svm import SVC, LinearSVC
from ember.ml.svm._platt import _couple_pairwise, _sigmoid_train


def _load(name):
    loader = {"iris": load_iris, "wine": load_wine, "breast_cancer": load_breast_cancer}[name]
    X, y = loader(return_X_y=True)
    return StandardScaler().fit_transform(X), y


DATASETS = ["iris", "wine", "breast_cancer"]


# ------------------------------------------------------------------------------------------
# SVC parity
# ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", DATASETS)
@pytest.mark.parametrize("kernel", ["linear", "rbf"])
@pytest.mark.parametrize("C", [0.1, 1.0])
def test_svc_matches_libsvm(name, kernel, C):
    X, y = _load(name)
    ref = sk_svm.SVC(kernel=kernel, C=C).fit(X, y)
    ours = SVC(kernel=kernel, C=C).fit(X, y)
    np.testing.assert_array_equal(ours.support_, ref.support_)
    np.testing.assert_array_equal(ours.n_support_, ref.n_support_)
    np.testing.assert_array_equal(ours.support_vectors_, ref.support_vectors_)
    assert ours.dual_coef_.shape == ref.dual_coef_.shape == (len(ref.classes_) - 1, len(ref.support_))
    # both stop at a maximal KKT violation below tol=1e-3 (libsvm also shrinks), so the
    # coefficients agree to a few tol
    atol = 5e-3
    np.testing.assert_allclose(ours.dual_coef_, ref.dual_coef_, atol=atol)
    np.testing.assert_allclose(ours.intercept_, ref.intercept_, atol=atol)
    np.testing.assert_allclose(ours.decision_function(X), ref.decision_function(X), atol=atol)
    np.testing.assert_array_equal(ours.predict(X), ref.predict(X))
    assert ours.score(X, y) == ref.score(X, y)


@pytest.mark.parametrize("kernel,kw", [("poly", {"degree": 2, "coef0": 1.0}),
                                       ("sigmoid", {"gamma": 0.01, "coef0": 0.0}),
                                       ("rbf", {"gamma": 0.3}), ("rbf", {"gamma": "auto"})])
def test_svc_other_kernels_match(kernel, kw):
    X, y = _load("wine")
    ref = sk_svm.SVC(kernel=kernel, **kw).fit(X, y)
    ours = SVC(kernel=kernel, **kw).fit(X, y)
    np.testing.assert_array_equal(ours.support_, ref.support_)
    np.testing.assert_allclose(ours.decision_function(X), ref.decision_function(X), atol=5e-3)
    np.testing.assert_array_equal(ours.predict(X), ref.predict(X))


def test_svc_ovo_decision_and_coef():
    X, y = _load("iris")
    ref = sk_svm.SVC(kernel="linear", decision_function_shape="ovo").fit(X, y)
    ours = SVC(kernel="linear", decision_function_shape="ovo").fit(X, y)
    D = ours.decision_function(X)
    assert D.shape == (150, 3)
    np.testing.assert_allclose(D, ref.decision_function(X), atol=5e-3)
    np.testing.assert_allclose(ours.coef_, ref.coef_, atol=5e-3)
    # the ovr shape is derived from the same ovo values
    ovr = SVC(kernel="linear").fit(X, y).decision_function(X)
    np.testing.assert_allclose(ovr, sk_svm.SVC(kernel="linear").fit(X, y).decision_function(X),
                               atol=5e-3)
    np.testing.assert_array_equal(np.argmax(ovr, axis=1), ours.predict(X))


def test_svc_binary_sign_convention():
    X, y = make_classification(n_samples=120, n_features=5, random_state=3)
    y = np.where(y == 1, "pos", "neg")   # classes_ = ['neg', 'pos']
    ref = sk_svm.SVC(kernel="rbf").fit(X, y)
    ours = SVC(kernel="rbf").fit(X, y)
    d = ours.decision_function(X)
    assert d.shape == (120,)
    np.testing.assert_allclose(d, ref.decision_function(X), atol=5e-3)
    np.testing.assert_array_equal(ours.predict(X), np.where(d > 0, "pos", "neg"))
    np.testing.assert_allclose(ours.dual_coef_, ref.dual_coef_, atol=5e-3)
    np.testing.assert_allclose(ours.intercept_, ref.intercept_, atol=5e-3)


@pytest.mark.parametrize("name", DATASETS)
@pytest.mark.parametrize("kernel", ["linear", "rbf"])
def test_svc_tight_tolerance_reaches_libsvm_optimum(name, kernel):
    X, y = _load(name)
    ref = sk_svm.SVC(kernel=kernel, C=0.5, tol=1e-7).fit(X, y)
    ours = SVC(kernel=kernel, C=0.5, tol=1e-7).fit(X, y)
    np.testing.assert_array_equal(ours.support_, ref.support_)
    np.testing.assert_allclose(ours.dual_coef_, ref.dual_coef_, atol=1e-5)
    np.testing.assert_allclose(ours.intercept_, ref.intercept_, atol=1e-5)


def test_svc_kkt_conditions_hold():
    """Independent of libsvm: the returned dual is feasible and epsilon-optimal."""
    X, y = make_classification(n_samples=200, n_features=6, random_state=1)
    C, tol = 2.0, 1e-4
    clf = SVC(kernel="rbf", C=C, gamma=0.2, tol=tol).fit(X, y)
    yy = np.where(y == 1, 1.0, -1.0)
    alpha = np.zeros(len(y))
    alpha[clf.support_] = clf.dual_coef_[0] * yy[clf.support_]  # dual_coef = y_i alpha_i
    assert np.all(alpha >= -1e-12) and np.all(alpha <= C + 1e-12)
    assert abs(alpha @ yy) < 1e-10
    sq = ((X[:, None, :] - X[None, :, :]) ** 2).sum(-1)
    K = np.exp(-0.2 * sq)
    K32 = K.astype(np.float32).astype(np.float64)   # the solver caches K in float32
    G = yy * (K32 @ (alpha * yy)) - 1.0
    v = -yy * G
    up = ((yy > 0) & (alpha < C)) | ((yy < 0) & (alpha > 0))
    low = ((yy > 0) & (alpha > 0)) | ((yy < 0) & (alpha < C))
    assert v[up].max() - v[low].min() < tol * 1.01
    # the decision function is f(x) = sum_i y_i a_i K(x_i, x) + b
    np.testing.assert_allclose(clf.decision_function(X),
                               K[:, clf.support_] @ clf.dual_coef_[0] + clf.intercept_[0], atol=1e-5)


@pytest.mark.parametrize("shrinking", [True, False])
def test_svc_shrinking_reaches_kkt_on_all_variables(shrinking):
    """Long run (> 1000 iterations, so libsvm's shrinking and gradient reconstruction
    happen): the final dual is tol-optimal on *all* variables and matches libsvm."""
    X, y = make_classification(n_samples=600, n_features=10, flip_y=0.1, random_state=0)
    C, tol = 1.0, 1e-3
    clf = SVC(kernel="linear", C=C, shrinking=shrinking).fit(X, y)
    assert clf.n_iter_[0] > 2000
    yy = np.where(y == 1, 1.0, -1.0)
    alpha = np.zeros(len(y))
    alpha[clf.support_] = clf.dual_coef_[0] * yy[clf.support_]
    K = (X @ X.T).astype(np.float32).astype(np.float64)   # the solver caches K in float32
    v = yy - K @ (alpha * yy)                  # -y * gradient
    up = ((yy > 0) & (alpha < C)) | ((yy < 0) & (alpha > 0))
    low = ((yy > 0) & (alpha > 0)) | ((yy < 0) & (alpha < C))
    assert v[up].max() - v[low].min() < tol * 1.01
    ref = sk_svm.SVC(kernel="linear", C=C, shrinking=shrinking).fit(X, y)
    np.testing.assert_array_equal(clf.support_, ref.support_)
    np.testing.assert_allclose(clf.decision_function(X), ref.decision_function(X), atol=1e-2)


def test_svc_class_and_sample_weight_match():
    X, y = make_classification(n_samples=150, n_features=4, weights=[0.8, 0.2], random_state=0)
    sw = np.random.RandomState(0).uniform(0.5, 2.0, size=len(y))
    for kw in [{"class_weight": "balanced"}, {"class_weight": {0: 1.0, 1: 5.0}}]:
        ref = sk_svm.SVC(**kw).fit(X, y)
        ours = SVC(**kw).fit(X, y)
        np.testing.assert_array_equal(ours.support_, ref.support_)
        np.testing.assert_allclose(ours.decision_function(X), ref.decision_function(X), atol=5e-3)
        np.testing.assert_allclose(ours.class_weight_, ref.class_weight_)
    ref = sk_svm.SVC().fit(X, y, sample_weight=sw)
    ours = SVC().fit(X, y, sample_weight=sw)
    np.testing.assert_array_equal(ours.support_, ref.support_)
    np.testing.assert_allclose(ours.decision_function(X), ref.decision_function(X), atol=5e-3)


def test_svc_callable_and_precomputed_kernels():
    X, y = _load("iris")
    lin = SVC(kernel="linear").fit(X, y)
    cal = SVC(kernel=lambda A, B: A @ B.T).fit(X, y)
    pre = SVC(kernel="precomputed").fit(X @ X.T, y)
    np.testing.assert_array_equal(cal.support_, lin.support_)
    np.testing.assert_array_equal(pre.support_, lin.support_)
    np.testing.assert_allclose(cal.decision_function(X[:20]), lin.decision_function(X[:20]), atol=1e-9)
    np.testing.assert_allclose(pre.decision_function(X[:20] @ X.T), lin.decision_function(X[:20]),
                               atol=1e-9)
    with pytest.raises(ValueError, match="square"):
        SVC(kernel="precomputed").fit(X, y)


def test_svc_gamma_resolution():
    X, y = _load("wine")
    X = X * 3.0
    assert SVC(gamma="scale").fit(X, y)._gamma == pytest.approx(1.0 / (X.shape[1] * X.var()))
    assert SVC(gamma="auto").fit(X, y)._gamma == pytest.approx(1.0 / X.shape[1])
    assert SVC(gamma=0.25).fit(X, y)._gamma == 0.25


def test_svc_break_ties_uses_ovr_argmax():
    X, y = _load("iris")
    clf = SVC(C=0.05, break_ties=True).fit(X, y)
    np.testing.assert_array_equal(clf.predict(X), np.argmax(clf.decision_function(X), axis=1))
    ref = sk_svm.SVC(C=0.05, break_ties=True).fit(X, y)
    np.testing.assert_array_equal(clf.predict(X), ref.predict(X))


@pytest.mark.parametrize("kernel", ["rbf", "linear", "poly", "sigmoid"])
def test_svc_lazy_kernel_rows_give_same_solution(kernel):
    """With a tiny cache the kernel rows are computed on demand: same solution."""
    X, y = make_classification(n_samples=200, n_features=5, random_state=2)
    kw = {"gamma": 0.05} if kernel == "sigmoid" else {}
    full = SVC(kernel=kernel, **kw).fit(X, y)
    lazy = SVC(kernel=kernel, cache_size=0.05, **kw).fit(X, y)
    np.testing.assert_array_equal(lazy.support_, full.support_)
    np.testing.assert_allclose(lazy.dual_coef_, full.dual_coef_, atol=1e-10)


def test_svc_max_iter_warns():
    X, y = _load("breast_cancer")
    with pytest.warns(ConvergenceWarning, match="max_iter=5"):
        clf = SVC(max_iter=5).fit(X, y)
    assert clf.n_iter_[0] == 5


@pytest.mark.parametrize("params,match", [
    ({"kernel": "foo"}, "kernel"), ({"C": 0.0}, "C must be"), ({"C": -1.0}, "C must be"),
    ({"gamma": "foo"}, "gamma"), ({"gamma": -1.0}, "gamma"), ({"tol": 0}, "tol"),
    ({"degree": -1}, "degree"), ({"decision_function_shape": "x"}, "decision_function_shape"),
    ({"max_iter": -3}, "max_iter"),
])
def test_svc_bad_params(params, match):
    X, y = _load("iris")
    with pytest.raises(ValueError, match=match):
        SVC(**params).fit(X, y)


def test_svc_bad_input():
    X, y = _load("iris")
    with pytest.raises(NotFittedError):
        SVC().predict(X)
    clf = SVC().fit(X, y)
    with pytest.raises(ValueError, match="features"):
        clf.predict(X[:, :3])
    Xn = X.copy()
    Xn[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        SVC().fit(Xn, y)
    with pytest.raises(ValueError, match="class"):
        SVC().fit(X, np.zeros(len(y)))


# ------------------------------------------------------------------------------------------
# Platt probabilities (probability=True)
# ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("seed", [0, 1])
def test_sigmoid_train_matches_sklearn_platt(seed):
    from sklearn.calibration import _sigmoid_calibration
    rng = np.random.RandomState(seed)
    f = rng.randn(400) * 2
    y = (rng.rand(400) < 1 / (1 + np.exp(-1.5 * f + 0.3))).astype(int)
    A, B = _sigmoid_train(f, np.where(y == 1, 1, -1))
    A_ref, B_ref = _sigmoid_calibration(f, y)
    np.testing.assert_allclose([A, B], [A_ref, B_ref], atol=1e-6)


def test_pairwise_coupling_recovers_consistent_probabilities():
    rng = np.random.RandomState(0)
    p = rng.dirichlet(np.ones(4), size=20)
    R = p[:, :, None] / (p[:, :, None] + p[:, None, :])
    R[:, np.arange(4), np.arange(4)] = 0.0
    q = _couple_pairwise(R)
    np.testing.assert_allclose(q.sum(axis=1), 1.0, atol=1e-12)
    np.testing.assert_allclose(q, p, atol=2e-3)     # libsvm stops at 0.005 / k


@pytest.mark.filterwarnings("ignore::FutureWarning")
@pytest.mark.parametrize("name", DATASETS)
def test_svc_predict_proba_close_to_libsvm(name):
    from sklearn.metrics import log_loss
    X, y = _load(name)
    ref = sk_svm.SVC(probability=True, random_state=0).fit(X, y)
    ours = SVC(probability=True, random_state=0).fit(X, y)
    P, P_ref = ours.predict_proba(X), ref.predict_proba(X)
    np.testing.assert_allclose(P.sum(axis=1), 1.0, atol=1e-12)
    # the internal 5-fold split is random (libsvm's own generator), so only close
    assert np.abs(P - P_ref).mean() < 0.01
    assert np.abs(P - P_ref).max() < 0.1
    assert abs(log_loss(y, P) - log_loss(y, P_ref)) < 0.01
    assert ours.probA_.shape == ref.probA_.shape
    assert np.all(ours.probA_ < 0)            # larger f -> more likely the pair's first class
    np.testing.assert_allclose(np.log(P), ours.predict_log_proba(X))


def test_svc_binary_proba_is_monotone_in_decision():
    X, y = _load("breast_cancer")
    clf = SVC(probability=True, random_state=0).fit(X, y)
    d = clf.decision_function(X)
    p1 = clf.predict_proba(X)[:, 1]
    order = np.argsort(d)
    assert np.all(np.diff(p1[order]) >= -1e-12)
    np.testing.assert_allclose(p1, 1 - 1 / (1 + np.exp(clf.probA_[0] * -d + clf.probB_[0])),
                               atol=1e-12)


def test_svc_predict_proba_unavailable_without_probability():
    assert not hasattr(SVC(), "predict_proba")
    X, y = _load("iris")
    assert not hasattr(SVC().fit(X, y), "predict_proba")


# ------------------------------------------------------------------------------------------
# LinearSVC
# ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", DATASETS)
@pytest.mark.parametrize("loss,dual", [("hinge", True), ("squared_hinge", True),
                                       ("squared_hinge", False)])
def test_linear_svc_matches_liblinear(name, loss, dual):
    X, y = _load(name)
    kw = dict(loss=loss, dual=dual, C=0.5, tol=1e-6, max_iter=20000)
    ref = sk_svm.LinearSVC(**kw).fit(X, y)
    ours = LinearSVC(random_state=0, **kw).fit(X, y)
    assert ours.coef_.shape == ref.coef_.shape
    # same objective (bias regularised through intercept_scaling), solved to tolerance
    np.testing.assert_allclose(ours.coef_, ref.coef_, atol=2e-4)
    np.testing.assert_allclose(ours.intercept_, ref.intercept_, atol=2e-4)
    np.testing.assert_array_equal(ours.predict(X), ref.predict(X))


@pytest.mark.parametrize("name", DATASETS)
def test_linear_svc_default_accuracy(name):
    X, y = _load(name)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ref = sk_svm.LinearSVC().fit(X, y).score(X, y)
    ours = LinearSVC().fit(X, y).score(X, y)
    assert abs(ours - ref) <= 0.02


@pytest.mark.parametrize("kw", [{"class_weight": "balanced", "dual": False},
                                {"class_weight": "balanced", "dual": True},
                                {"class_weight": {0: 1.0, 1: 3.0}, "loss": "hinge"}])
@pytest.mark.parametrize("weighted", [False, True])
def test_linear_svc_class_and_sample_weight_match(kw, weighted):
    X, y = make_classification(n_samples=150, n_features=6, weights=[0.8, 0.2], random_state=0)
    sw = np.random.RandomState(0).uniform(0.5, 2.0, len(y)) if weighted else None
    ref = sk_svm.LinearSVC(tol=1e-7, max_iter=100000, **kw).fit(X, y, sample_weight=sw)
    ours = LinearSVC(tol=1e-7, max_iter=100000, random_state=0, **kw).fit(X, y, sample_weight=sw)
    # both solvers stop at a projected-gradient tolerance of 1e-7
    np.testing.assert_allclose(ours.coef_, ref.coef_, atol=5e-5)
    np.testing.assert_allclose(ours.intercept_, ref.intercept_, atol=5e-5)


def test_linear_svc_primal_optimality():
    """Gradient of 1/2||w||^2 + C sum max(0, 1 - y w.x)^2 (bias as a feature) vanishes."""
    X, y = make_classification(n_samples=300, n_features=8, random_state=4)
    C = 0.7
    clf = LinearSVC(C=C, dual=False, tol=1e-8).fit(X, y)
    Xa = np.hstack([X, np.ones((len(X), 1))])
    w = np.append(clf.coef_[0], clf.intercept_[0])
    yy = np.where(y == 1, 1.0, -1.0)
    r = np.maximum(0.0, 1 - yy * (Xa @ w))
    grad = w - 2 * C * Xa.T @ (r * yy)
    assert np.linalg.norm(grad) < 1e-6


def test_linear_svc_intercept_options():
    X, y = _load("breast_cancer")
    ref = sk_svm.LinearSVC(fit_intercept=False, dual=False, tol=1e-8).fit(X, y)
    ours = LinearSVC(fit_intercept=False, dual=False, tol=1e-8).fit(X, y)
    np.testing.assert_allclose(ours.coef_, ref.coef_, atol=1e-5)
    assert np.all(ours.intercept_ == 0)
    ref = sk_svm.LinearSVC(intercept_scaling=10.0, dual=False, tol=1e-8).fit(X, y)
    ours = LinearSVC(intercept_scaling=10.0, dual=False, tol=1e-8).fit(X, y)
    np.testing.assert_allclose(ours.intercept_, ref.intercept_, atol=1e-4)


@pytest.mark.parametrize("params,match", [
    ({"loss": "foo"}, "loss"), ({"C": 0}, "C must be"), ({"penalty": "l1"}, "penalty"),
    ({"loss": "hinge", "dual": False}, "dual"), ({"multi_class": "crammer_singer"}, "multi_class"),
    ({"dual": "yes"}, "dual"),
])
def test_linear_svc_bad_params(params, match):
    X, y = _load("iris")
    with pytest.raises(ValueError, match=match):
        LinearSVC(**params).fit(X, y)
