"""scikit-learn's estimator checks over ember's linear models, naive Bayes, PCA and KBinsDiscretizer."""
from sklearn.utils.estimator_checks import parametrize_with_checks

from ember.ml.decomposition import PCA
from ember.ml.linear import Lasso, LinearRegression, LogisticRegression, Perceptron, Ridge
from ember.ml.naive_bayes import BernoulliNB, GaussianNB, MultinomialNB
from ember.ml.preprocessing import KBinsDiscretizer

ESTIMATORS = [
    LinearRegression(),
    Ridge(),
    Lasso(),
    LogisticRegression(),
    LogisticRegression(solver="newton"),
    LogisticRegression(penalty="l1", solver="gd", max_iter=500),
    Perceptron(max_iter=50),
    GaussianNB(),
    MultinomialNB(),
    BernoulliNB(),
    PCA(),
    KBinsDiscretizer(),
    KBinsDiscretizer(encode="ordinal", strategy="uniform"),
]


def _expected_failed_checks(estimator):
    return {}


@parametrize_with_checks(ESTIMATORS, expected_failed_checks=_expected_failed_checks)
def test_sklearn_compatible(estimator, check):
    check(estimator)
