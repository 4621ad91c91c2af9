"""ember.ml's public names: the lazy exports of ``ember.ml`` and the import paths of the
estimator families (packages since they were split into private modules)."""
import importlib

import pytest

import ember.ml as ml

FAMILIES = {
    "linear": ["LinearRegression", "Ridge", "Lasso", "LogisticRegression", "Perceptron"],
    "svm": ["SVC", "LinearSVC"],
    "tree": ["DecisionTreeClassifier", "DecisionTreeRegressor"],
    "ensemble": ["RandomForestClassifier", "RandomForestRegressor", "BaggingClassifier",
                 "BaggingRegressor", "AdaBoostClassifier"],
    "gbdt": ["GradientBoostingClassifier", "GradientBoostingRegressor"],
}


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_family_exports(family):
    mod = importlib.import_module(f"ember.ml.{family}")
    assert sorted(mod.__all__) == sorted(FAMILIES[family])
    for name in FAMILIES[family]:
        assert getattr(ml, name) is getattr(mod, name)


def test_every_lazy_export_resolves():
    for name in ml.__all__:
        assert getattr(ml, name) is not None
    with pytest.raises(AttributeError, match="no attribute"):
        ml.NotAnEstimator


def test_tree_builder_is_importable_from_tree():
    from ember.ml.tree import Tree, grow_tree  # noqa: F401  (used by gbdt and tests)
