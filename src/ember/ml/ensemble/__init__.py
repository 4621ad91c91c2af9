"""Tree ensembles: random forests, bagging and AdaBoost (SAMME), written on NumPy.

* Random forest (Breiman 2001): every tree is grown on a bootstrap sample (drawn as
  per-sample multiplicities used as sample weights, like scikit-learn) and draws
  ``max_features`` candidate features at every split; the forest averages the trees'
  class probabilities (classification) or predictions (regression). The out-of-bag
  estimate averages, for each training sample, the trees that did not see it.
* Bagging (Breiman 1996): any base estimator fitted on random subsets of samples
  (with or without replacement) and of features; soft vote when the base estimator has
  ``predict_proba``, hard vote otherwise, mean for regression.
* AdaBoost SAMME (Zhu et al. 2009): with ``K`` classes and weighted training error
  ``err_m`` of the m-th weak learner, its weight is
  ``alpha_m = learning_rate * (log((1 - err_m) / err_m) + log(K - 1))`` and misclassified
  samples get their weight multiplied by ``exp(alpha_m)``; the prediction is
  ``argmax_k sum_m alpha_m [h_m(x) = k]``.

The package follows scikit-learn's ``ensemble/``: ``_forest.py`` (random forests, grown
directly with the tree builder), ``_bagging.py``, ``_weight_boosting.py`` (AdaBoost) and
``_base.py`` (what they share: out-of-bag sums and scores).

    >>> from sklearn.datasets import load_iris
    >>> from ember.ml.ensemble import RandomForestClassifier
    >>> X, y = load_iris(return_X_y=True)
    >>> rf = RandomForestClassifier(n_estimators=50, oob_score=True, random_state=0).fit(X, y)
    >>> rf.oob_score_ > 0.9
    True
"""
from ._bagging import BaggingClassifier, BaggingRegressor
from ._forest import RandomForestClassifier, RandomForestRegressor
from ._weight_boosting import AdaBoostClassifier

__all__ = ["RandomForestClassifier", "RandomForestRegressor", "BaggingClassifier",
           "BaggingRegressor", "AdaBoostClassifier"]
