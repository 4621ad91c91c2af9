"""Classical machine learning: scikit-learn-compatible estimators written from scratch on NumPy.

Every estimator inherits scikit-learn's ``BaseEstimator`` and mixins, validates input with
scikit-learn's helpers and passes ``sklearn.utils.estimator_checks``. Names, arguments and
defaults follow scikit-learn (and hmmlearn for ``CategoricalHMM``).

    >>> from ember.ml import SVC
    >>> from sklearn.datasets import load_iris
    >>> X, y = load_iris(return_X_y=True)
    >>> SVC(kernel="rbf").fit(X, y).score(X, y) > 0.95
    True
"""
import importlib

# name -> submodule; imported lazily so that `import ember.ml` stays cheap.
_EXPORTS = {
    "LinearRegression": "linear", "Ridge": "linear", "Lasso": "linear",
    "LogisticRegression": "linear", "Perceptron": "linear",
    "GaussianNB": "naive_bayes", "MultinomialNB": "naive_bayes", "BernoulliNB": "naive_bayes",
    "PCA": "decomposition", "KBinsDiscretizer": "preprocessing",
    "SVC": "svm", "LinearSVC": "svm", "kernels": None,
    "KMeans": "cluster", "KNeighborsClassifier": "neighbors", "CategoricalHMM": "hmm",
    "DecisionTreeClassifier": "tree", "DecisionTreeRegressor": "tree",
    "RandomForestClassifier": "ensemble", "RandomForestRegressor": "ensemble",
    "BaggingClassifier": "ensemble", "BaggingRegressor": "ensemble",
    "AdaBoostClassifier": "ensemble",
    "GradientBoostingClassifier": "gbdt", "GradientBoostingRegressor": "gbdt",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name):
    if name not in _EXPORTS:
        raise AttributeError(f"module 'ember.ml' has no attribute {name!r}")
    module = _EXPORTS[name]
    if module is None:
        return importlib.import_module(f"ember.ml.{name}")
    return getattr(importlib.import_module(f"ember.ml.{module}"), name)


def __dir__():
    return __all__
