"""Naive Bayes: fitted parameters and probabilities against scikit-learn; the zero-frequency problem."""
import numpy as np
import pytest
from sklearn import naive_bayes as sk
from sklearn.exceptions import NotFittedError

from ember.ml.naive_bayes import BernoulliNB, GaussianNB, MultinomialNB

SEEDS = [0, 1, 2, 3]


def _data(seed, kind, n=80, p=7, k=3):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, k, n)
    if kind == "gauss":
        X = rng.normal(size=(n, p)) * rng.uniform(0.5, 2, p) + 2.0 * y[:, None] * rng.normal(size=p)
    elif kind == "counts":
        X = rng.poisson(0.5 + y[:, None] * rng.uniform(0, 1, p)).astype(float)
    else:
        X = rng.normal(size=(n, p)) + 0.5 * y[:, None]
    return X, y, rng.uniform(0.1, 2, n)


def _same(ours, ref, attrs, X, rtol=1e-10):
    for a in attrs:
        np.testing.assert_allclose(getattr(ours, a), getattr(ref, a), rtol=rtol, atol=1e-12,
                                   err_msg=a)
    np.testing.assert_allclose(ours.predict_log_proba(X), ref.predict_log_proba(X), rtol=rtol,
                               atol=1e-10)
    np.testing.assert_allclose(ours.predict_proba(X), ref.predict_proba(X), atol=1e-12)
    np.testing.assert_array_equal(ours.predict(X), ref.predict(X))


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("weighted", [False, True])
def test_gaussian_nb(seed, weighted):
    X, y, w = _data(seed, "gauss")
    sw = w if weighted else None
    for kw in ({}, {"var_smoothing": 1e-2}, {"priors": [0.2, 0.3, 0.5]}):
        _same(GaussianNB(**kw).fit(X, y, sample_weight=sw), sk.GaussianNB(**kw).fit(X, y, sample_weight=sw),
              ["theta_", "var_", "class_prior_", "class_count_", "epsilon_"], X)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("kw", [{}, {"alpha": 0.3}, {"fit_prior": False},
                                {"class_prior": [0.5, 0.25, 0.25]}])
def test_multinomial_nb(seed, weighted, kw):
    X, y, w = _data(seed, "counts")
    sw = w if weighted else None
    _same(MultinomialNB(**kw).fit(X, y, sample_weight=sw),
          sk.MultinomialNB(**kw).fit(X, y, sample_weight=sw),
          ["feature_log_prob_", "class_log_prior_", "feature_count_", "class_count_"], X)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("kw", [{}, {"alpha": 0.5, "binarize": 0.3}, {"fit_prior": False}])
def test_bernoulli_nb(seed, weighted, kw):
    X, y, w = _data(seed, "binary")
    sw = w if weighted else None
    _same(BernoulliNB(**kw).fit(X, y, sample_weight=sw),
          sk.BernoulliNB(**kw).fit(X, y, sample_weight=sw),
          ["feature_log_prob_", "class_log_prior_", "feature_count_", "class_count_"], X)
    Xb = (X > 0).astype(float)
    _same(BernoulliNB(binarize=None).fit(Xb, y), sk.BernoulliNB(binarize=None).fit(Xb, y),
          ["feature_log_prob_"], Xb)


# word-count toy corpus: columns = ["ball", "goal", "vote", "law"]; "vote" never seen in sport
DOCS = np.array([[3, 2, 0, 0], [2, 1, 0, 0], [1, 3, 0, 0],      # sport
                 [0, 0, 2, 3], [1, 0, 3, 1], [0, 1, 2, 2]])     # politics
LABELS = np.array(["sport"] * 3 + ["politics"] * 3)
TEST = np.array([[5, 4, 1, 0]])           # very sporty, but mentions "vote" once


def test_zero_frequency_problem_multinomial():
    with pytest.warns(UserWarning, match="zero-probability"):
        nb0 = MultinomialNB(alpha=0.0).fit(DOCS, LABELS)
    assert list(nb0.classes_) == ["politics", "sport"]
    assert nb0.feature_log_prob_[1, 2] == -np.inf             # P(vote | sport) = 0
    log_proba = nb0.predict_log_proba(TEST)
    assert log_proba[0, 1] == -np.inf                           # sport is ruled out entirely
    assert nb0.predict_proba(TEST)[0, 1] == 0.0
    assert nb0.predict(TEST)[0] == "politics"
    # same numbers as scikit-learn where it is defined
    with np.errstate(divide="ignore"):
        ref = sk.MultinomialNB(alpha=0.0).fit(DOCS, LABELS)
    np.testing.assert_array_equal(nb0.feature_log_prob_, ref.feature_log_prob_)
    # Laplace smoothing keeps every class possible and the evidence wins
    nb1 = MultinomialNB(alpha=1.0).fit(DOCS, LABELS)
    assert np.all(np.isfinite(nb1.predict_log_proba(TEST)))
    assert nb1.predict(TEST)[0] == "sport"
    assert nb1.predict_proba(TEST)[0, 1] > 0.9


def test_zero_frequency_problem_bernoulli():
    with pytest.warns(UserWarning, match="zero-probability"):
        nb0 = BernoulliNB(alpha=0.0).fit(DOCS, LABELS)
    test = np.array([[1, 1, 1, 1]])      # all four words present; "vote" is unseen in sport
    log_proba = nb0.predict_log_proba(test)
    assert log_proba[0, 1] == -np.inf and log_proba[0, 0] == 0.0
    assert np.all(np.isfinite(BernoulliNB(alpha=1.0).fit(DOCS, LABELS).predict_log_proba(test)))


def test_force_alpha_false_clips():
    with pytest.warns(UserWarning, match="setting alpha = 1e-10"):
        nb = MultinomialNB(alpha=0.0, force_alpha=False).fit(DOCS, LABELS)
    with pytest.warns(UserWarning, match="alpha too small"):
        ref = sk.MultinomialNB(alpha=0.0, force_alpha=False).fit(DOCS, LABELS)
    np.testing.assert_allclose(nb.feature_log_prob_, ref.feature_log_prob_)
    assert np.all(np.isfinite(nb.predict_log_proba(TEST)))


def test_naive_bayes_bad_input():
    X, y, _ = _data(0, "counts")
    with pytest.raises(ValueError, match="Negative values"):
        MultinomialNB().fit(-X, y)
    with pytest.raises(ValueError, match="'alpha'"):
        MultinomialNB(alpha=-1).fit(X, y)
    with pytest.raises(ValueError, match="'var_smoothing'"):
        GaussianNB(var_smoothing=-1).fit(X, y)
    with pytest.raises(ValueError, match="priors"):
        GaussianNB(priors=[0.5, 0.5]).fit(X, y)
    with pytest.raises(ValueError, match="sum of the priors"):
        GaussianNB(priors=[0.5, 0.5, 0.5]).fit(X, y)
    with pytest.raises(NotFittedError):
        BernoulliNB().predict(X)
    nb = GaussianNB().fit(X, y)
    with pytest.raises(ValueError, match="features"):
        nb.predict(X[:, :2])
    with pytest.raises(ValueError, match="NaN"):
        GaussianNB().fit(np.full_like(X, np.nan), y)
