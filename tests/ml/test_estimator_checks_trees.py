"""scikit-learn API conformance of the tree, forest, bagging, AdaBoost and GBDT estimators."""
from sklearn.utils.estimator_checks import parametrize_with_checks

from ember.ml.ensemble import (AdaBoostClassifier, BaggingClassifier, BaggingRegressor,
                               RandomForestClassifier, RandomForestRegressor)
from ember.ml.gbdt import GradientBoostingClassifier, GradientBoostingRegressor
from ember.ml.tree import DecisionTreeClassifier, DecisionTreeRegressor

ESTIMATORS = [
    DecisionTreeClassifier(random_state=0),
    DecisionTreeRegressor(random_state=0),
    RandomForestClassifier(n_estimators=5, random_state=0),
    RandomForestRegressor(n_estimators=5, random_state=0),
    BaggingClassifier(n_estimators=3, random_state=0),
    BaggingRegressor(n_estimators=3, random_state=0),
    AdaBoostClassifier(n_estimators=5, random_state=0),
    GradientBoostingClassifier(n_estimators=5, max_depth=3, random_state=0),
    GradientBoostingRegressor(n_estimators=5, max_depth=3, random_state=0),
    GradientBoostingClassifier(n_estimators=5, max_depth=3, tree_method="exact", random_state=0),
    GradientBoostingRegressor(n_estimators=5, max_depth=3, tree_method="exact", random_state=0),
]

# Bootstrap ensembles draw their random subsets over rows, so weighting a row by k is not
# the same random experiment as repeating it k times; scikit-learn marks its own
# RandomForest* and Bagging* with exactly this expected failure. (Our AdaBoost reweights
# deterministically and passes, unlike scikit-learn's.)
_RANDOMISED_OVER_ROWS = {
    "check_sample_weight_equivalence_on_dense_data":
        "bootstrap / weighted resampling over rows: sample_weight=k is not the same random "
        "draw as repeating the row k times (scikit-learn xfails this check for its own "
        "forests and bagging).",
}


def _expected_failed_checks(estimator):
    if isinstance(estimator, (RandomForestClassifier, RandomForestRegressor, BaggingClassifier,
                              BaggingRegressor)):
        return dict(_RANDOMISED_OVER_ROWS)
    return {}


@parametrize_with_checks(ESTIMATORS, expected_failed_checks=_expected_failed_checks)
def test_sklearn_compatible(estimator, check):
    check(estimator)
