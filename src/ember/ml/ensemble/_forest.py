"""Random forests (Breiman 2001).

Every tree is grown by ``grow_tree`` on the forest's per-sample statistics (those of the
tree estimator: ``class_statistics`` or ``target_statistics``), with its bootstrap sample
drawn as per-sample multiplicities that weight the statistics (as scikit-learn's sample
weights), and ``max_features`` candidate features drawn at every split.  The forest
averages the trees' leaf values: class fractions (classification) or mean targets
(regression); the out-of-bag estimate averages, for each training sample, the trees that
did not see it.
"""
import numbers
import os

import numpy as np
from joblib import Parallel, delayed
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.utils import check_random_state
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from ..tree import (DecisionTreeClassifier, DecisionTreeRegressor, class_statistics, grow_tree,
                    target_statistics)
from ..tree._classes import _ProbaClassifierMixin
from ._base import _MAX_INT, _check_positive_int, oob_accuracy, oob_r2, oob_sums, safe_divide

_NO_OOB = ("Some inputs do not have OOB scores. This probably means too few trees were used to "
           "compute any reliable OOB estimates.")


def _n_jobs(n_jobs):
    if n_jobs is None:
        return 1
    if n_jobs < 0:
        return max(1, (os.cpu_count() or 1) + 1 + n_jobs)
    return int(n_jobs)


def _bootstrap_counts(seed, n_samples, n_draws):
    rs = np.random.RandomState(seed)
    return np.bincount(rs.randint(0, n_samples, n_draws), minlength=n_samples)


def _grow_forest_chunk(XT, S, wpos, crit, seeds, bootstrap, n_draws, params):
    """Grow the trees of one worker: one tree per seed.  A bootstrap sample multiplies every
    statistic but the count (column 0) by the sample's multiplicity."""
    trees = []
    n = XT.shape[1]
    if crit in ("gini", "entropy"):
        params = dict(params, classes=np.argmax(S[:, 1:], axis=1))   # once for all trees
    for seed in seeds:
        if bootstrap:
            counts = _bootstrap_counts(seed, n, n_draws)
            St = S * np.where(np.arange(S.shape[1]) == 0, 1.0, counts[:, None])
            keep = (counts > 0) & wpos
        else:
            St = S
            keep = wpos
        rng = np.random.RandomState(seed)
        trees.append(grow_tree(XT, np.flatnonzero(keep), St, crit, rng=rng, **params))
    return trees


class _BaseForest(BaseEstimator):
    _tree_class = None

    def __sklearn_tags__(self):                     # NaN: as the trees (``ember.ml.tree``)
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        return tags

    def _validate_params(self, n_samples):
        _check_positive_int("n_estimators", self.n_estimators)
        if self.oob_score and not self.bootstrap:
            raise ValueError("oob_score=True requires bootstrap=True.")
        if self.max_samples is not None:
            ms = self.max_samples
            if isinstance(ms, numbers.Integral) and not isinstance(ms, bool):
                if not 1 <= ms <= n_samples:
                    raise ValueError(f"max_samples must be in [1, n_samples={n_samples}]; got {ms!r}.")
            elif not (isinstance(ms, numbers.Real) and 0.0 < ms <= 1.0):
                raise ValueError(f"max_samples must be None, an int or a float in (0, 1]; got {ms!r}.")

    def _n_draws(self, n):
        ms = self.max_samples
        if ms is None:
            return n
        if isinstance(ms, numbers.Integral):
            return int(ms)
        return max(1, int(round(ms * n)))

    def _tree_params(self):
        return dict(criterion=self.criterion, max_depth=self.max_depth,
                    min_samples_split=self.min_samples_split,
                    min_samples_leaf=self.min_samples_leaf, max_features=self.max_features)

    def _fit_forest(self, X, y, sample_weight):
        """Grow the trees on the per-sample statistics of the targets ``y`` (class indices
        or floats); returns ``self``."""
        n, F = X.shape
        self._validate_params(n)
        # a template tree validates the tree hyper-parameters and the sample weights, and
        # gives grow_tree's criterion and arguments
        template = self._tree_class(random_state=0, **self._tree_params())
        crit, params, mf, sw = template._fit_setup(X, sample_weight)
        S = self._statistics(y, sw)
        rs = check_random_state(self.random_state)
        seeds = rs.randint(_MAX_INT, size=self.n_estimators)
        XT = np.ascontiguousarray(X.T, dtype=np.float32)
        n_draws = self._n_draws(n)
        n_jobs = min(_n_jobs(self.n_jobs), self.n_estimators)
        args = (XT, S, sw > 0, crit)
        kw = dict(bootstrap=self.bootstrap, n_draws=n_draws, params=params)
        if n_jobs == 1:
            trees = _grow_forest_chunk(*args, seeds, **kw)
        else:
            # threads sharing one XT: the compiled splitter releases the GIL
            out = Parallel(n_jobs=n_jobs, prefer="threads")(
                delayed(_grow_forest_chunk)(*args, c, **kw) for c in np.array_split(seeds, n_jobs))
            trees = [t for chunk in out for t in chunk]
        self.estimators_ = []
        for seed, tree in zip(seeds, trees):
            est = self._tree_class(random_state=int(seed), **self._tree_params())
            est.tree_ = tree
            est.n_features_in_ = F
            est.max_features_ = mf
            self._decorate_tree(est)
            self.estimators_.append(est)
        self._seeds = seeds
        self._n_draws_ = n_draws
        if self.oob_score:
            self._compute_oob(X, y)
        return self

    def _decorate_tree(self, est):
        pass

    def _oob_masks(self, n):
        for seed in self._seeds:
            yield _bootstrap_counts(seed, n, self._n_draws_) == 0

    def _oob_mean(self, X):
        """Mean leaf value over the trees for which each training sample was out of bag
        (0 where there is none), shape (n_samples, n_values)."""
        n = X.shape[0]
        outputs = ((oob, est.tree_.predict(X[oob]))
                   for est, oob in zip(self.estimators_, self._oob_masks(n)) if oob.any())
        acc, hits = oob_sums(outputs, n, self.estimators_[0].tree_.value.shape[1], _NO_OOB)
        return safe_divide(acc, hits[:, None])

    def _validate_X_predict(self, X):
        check_is_fitted(self, "estimators_")
        return validate_data(self, X, dtype=np.float32, reset=False,
                             ensure_all_finite="allow-nan")

    def _mean_value(self, X):
        """Mean over the trees of the leaf value reached, shape (n_samples, n_values)."""
        X = self._validate_X_predict(X)
        acc = np.zeros((X.shape[0], self.estimators_[0].tree_.value.shape[1]))
        for est in self.estimators_:
            acc += est.tree_.predict(X)
        return acc / len(self.estimators_)

    def apply(self, X):
        """Leaf index of every sample in every tree, shape (n_samples, n_estimators)."""
        X = self._validate_X_predict(X)
        return np.column_stack([e.tree_.apply(X) for e in self.estimators_])

    @property
    def feature_importances_(self):
        """Mean over trees of the normalised impurity-decrease importances."""
        check_is_fitted(self, "estimators_")
        imps = [e.tree_.compute_feature_importances(self.n_features_in_) for e in self.estimators_
                if e.tree_.node_count > 1]
        if not imps:
            return np.zeros(self.n_features_in_)
        imp = np.mean(imps, axis=0)
        return imp / imp.sum()


class RandomForestClassifier(_ProbaClassifierMixin, ClassifierMixin, _BaseForest):
    """Random forest classifier: bootstrap + per-split feature subsampling, soft vote.

    ``p(k | x) = (1 / B) sum_b p_b(k | x)`` where ``p_b`` are the leaf class fractions of
    tree ``b``. ``oob_decision_function_[i]`` averages the trees for which sample ``i`` was
    out of bag; ``oob_score_`` is the accuracy of its argmax.

    Parameters follow scikit-learn's: n_estimators=100, criterion="gini",
    max_depth=None, min_samples_split=2, min_samples_leaf=1, max_features="sqrt",
    bootstrap=True, oob_score=False, n_jobs=None (joblib processes), random_state=None,
    max_samples=None.

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> from ember.ml.ensemble import RandomForestClassifier
    >>> X, y = make_classification(200, 6, random_state=0)
    >>> RandomForestClassifier(n_estimators=10, random_state=0).fit(X, y).score(X, y) > 0.95
    True
    """

    _tree_class = DecisionTreeClassifier

    def __init__(self, n_estimators=100, criterion="gini", max_depth=None, min_samples_split=2,
                 min_samples_leaf=1, max_features="sqrt", bootstrap=True, oob_score=False,
                 n_jobs=None, random_state=None, max_samples=None):
        self.n_estimators = n_estimators
        self.criterion = criterion
        self.max_depth = max_depth
        self.min_samples_split = min_samples_split
        self.min_samples_leaf = min_samples_leaf
        self.max_features = max_features
        self.bootstrap = bootstrap
        self.oob_score = oob_score
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.max_samples = max_samples

    def fit(self, X, y, sample_weight=None):
        X, y = validate_data(self, X, y, dtype=np.float32, ensure_all_finite="allow-nan")
        check_classification_targets(y)
        self.classes_, yi = np.unique(y, return_inverse=True)
        self.n_classes_ = self.classes_.shape[0]
        return self._fit_forest(X, yi, sample_weight)

    def _statistics(self, yi, sw):
        return class_statistics(yi, sw, self.n_classes_)

    def _decorate_tree(self, est):
        est.classes_ = np.arange(self.n_classes_)
        est.n_classes_ = self.n_classes_

    def _compute_oob(self, X, yi):
        self.oob_decision_function_ = self._oob_mean(X)
        self.oob_score_ = oob_accuracy(yi, self.oob_decision_function_)

    def predict_proba(self, X):
        """Mean of the trees' leaf class fractions."""
        return self._mean_value(X)


class RandomForestRegressor(RegressorMixin, _BaseForest):
    """Random forest regressor: mean of bootstrap regression trees.

    ``oob_prediction_[i]`` averages the trees for which sample ``i`` was out of bag and
    ``oob_score_`` is its R^2. Parameters as scikit-learn's (``max_features=1.0``).

    Examples
    --------
    >>> from sklearn.datasets import make_regression
    >>> from ember.ml.ensemble import RandomForestRegressor
    >>> X, y = make_regression(200, 4, random_state=0)
    >>> RandomForestRegressor(n_estimators=10, random_state=0).fit(X, y).score(X, y) > 0.8
    True
    """

    _tree_class = DecisionTreeRegressor

    def __init__(self, n_estimators=100, criterion="squared_error", max_depth=None,
                 min_samples_split=2, min_samples_leaf=1, max_features=1.0, bootstrap=True,
                 oob_score=False, n_jobs=None, random_state=None, max_samples=None):
        self.n_estimators = n_estimators
        self.criterion = criterion
        self.max_depth = max_depth
        self.min_samples_split = min_samples_split
        self.min_samples_leaf = min_samples_leaf
        self.max_features = max_features
        self.bootstrap = bootstrap
        self.oob_score = oob_score
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.max_samples = max_samples

    def fit(self, X, y, sample_weight=None):
        X, y = validate_data(self, X, y, dtype=np.float32, y_numeric=True,
                             ensure_all_finite="allow-nan")
        return self._fit_forest(X, np.asarray(y, dtype=np.float64), sample_weight)

    def _statistics(self, y, sw):
        return target_statistics(y, sw)

    def _compute_oob(self, X, y):
        self.oob_prediction_ = self._oob_mean(X).ravel()
        self.oob_score_ = oob_r2(y, self.oob_prediction_)

    def predict(self, X):
        return self._mean_value(X).ravel()
