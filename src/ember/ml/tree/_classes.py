"""The estimators ``DecisionTreeClassifier`` and ``DecisionTreeRegressor`` (scikit-learn's
names, parameters and attributes) on top of ``grow_tree``."""
import numbers

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.utils import check_random_state
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import _check_sample_weight, check_is_fitted, validate_data

from ._builder import builder_criterion, class_statistics, grow_tree, target_statistics


def _check_int_or_frac(name, value, *, min_int, frac_open_low=True, frac_closed_high=True):
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        if value < min_int:
            raise ValueError(f"{name} must be an int >= {min_int} or a float in (0, 1]; got {value!r}.")
        return
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        hi_ok = value <= 1.0 if frac_closed_high else value < 1.0
        if 0.0 < value and hi_ok:
            return
    raise ValueError(f"{name} must be an int >= {min_int} or a float in "
                     f"(0, 1{']' if frac_closed_high else ')'}; got {value!r}.")


def _resolve_max_features(max_features, n_features, name="max_features"):
    if max_features is None:
        return n_features
    if isinstance(max_features, str):
        if max_features == "sqrt":
            return max(1, int(np.sqrt(n_features)))
        if max_features == "log2":
            return max(1, int(np.log2(n_features)))
        raise ValueError(f"{name} must be None, 'sqrt', 'log2', an int or a float in (0, 1]; "
                         f"got {max_features!r}.")
    if isinstance(max_features, numbers.Integral) and not isinstance(max_features, bool):
        if not 1 <= max_features <= n_features:
            raise ValueError(f"{name} must be in [1, n_features={n_features}]; got {max_features!r}.")
        return int(max_features)
    if isinstance(max_features, numbers.Real) and 0.0 < max_features <= 1.0:
        return max(1, int(max_features * n_features))
    raise ValueError(f"{name} must be None, 'sqrt', 'log2', an int or a float in (0, 1]; "
                     f"got {max_features!r}.")


class _ProbaClassifierMixin:
    """``predict`` (the most probable class) and ``predict_log_proba`` from ``predict_proba``."""

    def predict_log_proba(self, X):
        with np.errstate(divide="ignore"):
            return np.log(self.predict_proba(X))

    def predict(self, X):
        proba = self.predict_proba(X)
        return self.classes_[np.argmax(proba, axis=1)]


class _BaseDecisionTree(BaseEstimator):
    _criteria = ()

    # missing values (NaN) are split on as scikit-learn's best splitter does: each split sends
    # them to the side that scores best; at a split that saw none, to the larger side
    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        return tags

    def _validate_params(self):
        if self.criterion not in self._criteria:
            raise ValueError(f"criterion must be one of {self._criteria}; got {self.criterion!r}.")
        if self.max_depth is not None and (
                not isinstance(self.max_depth, numbers.Integral) or isinstance(self.max_depth, bool)
                or self.max_depth < 1):
            raise ValueError(f"max_depth must be None or an int >= 1; got {self.max_depth!r}.")
        _check_int_or_frac("min_samples_split", self.min_samples_split, min_int=2)
        _check_int_or_frac("min_samples_leaf", self.min_samples_leaf, min_int=1,
                           frac_closed_high=False)

    def _fit_setup(self, X, sample_weight):
        """Validate the hyper-parameters and the sample weights for a fit on ``X``.

        Returns ``(crit, params, max_features_, sw)``: ``grow_tree``'s criterion and keyword
        arguments (forests grow their trees with the same), the resolved number of features
        per split and the weights."""
        self._validate_params()
        n, F = X.shape
        mss = self.min_samples_split
        mss = mss if isinstance(mss, numbers.Integral) else max(2, int(np.ceil(mss * n)))
        msl = self.min_samples_leaf
        msl = msl if isinstance(msl, numbers.Integral) else max(1, int(np.ceil(msl * n)))
        mf = _resolve_max_features(self.max_features, F)
        sw = _check_sample_weight(sample_weight, X, dtype=np.float64, ensure_non_negative=True)
        params = dict(max_depth=self.max_depth, min_samples_split=mss, min_samples_leaf=msl,
                      max_features=mf if mf < F else None)
        return builder_criterion(self.criterion), params, mf, sw

    def _fit_tree(self, X, S, sw, crit, params, mf, XT=None):
        """Grow ``tree_`` on the per-sample statistics ``S``; ``XT`` may be passed by an
        ensemble that fits many trees on the same matrix (AdaBoost)."""
        rng = check_random_state(self.random_state)
        if XT is None:
            XT = np.ascontiguousarray(X.T)
        self.tree_ = grow_tree(XT, np.flatnonzero(sw > 0), S, crit, rng=rng, **params)
        self.max_features_ = mf
        return self

    def _validate_X_predict(self, X):
        check_is_fitted(self, "tree_")
        return validate_data(self, X, dtype=np.float32, reset=False,
                             ensure_all_finite="allow-nan")

    def apply(self, X):
        """Index of the leaf each sample ends up in."""
        return self.tree_.apply(self._validate_X_predict(X))

    def get_depth(self):
        """Depth of the tree (a single leaf has depth 0)."""
        check_is_fitted(self, "tree_")
        return self.tree_.max_depth

    def get_n_leaves(self):
        """Number of leaves."""
        check_is_fitted(self, "tree_")
        return self.tree_.n_leaves

    @property
    def feature_importances_(self):
        """Normalised total weighted impurity decrease brought by each feature."""
        check_is_fitted(self, "tree_")
        return self.tree_.compute_feature_importances(self.n_features_in_)


class DecisionTreeClassifier(_ProbaClassifierMixin, ClassifierMixin, _BaseDecisionTree):
    """CART classification tree.

    Splits maximise ``w I(node) - w_L I(left) - w_R I(right)`` with ``I`` the Gini
    impurity ``1 - sum_k p_k^2`` or the entropy ``-sum_k p_k log2 p_k`` of the weighted
    class fractions ``p_k``; leaves predict the class fractions of their training samples.

    Parameters
    ----------
    criterion : {"gini", "entropy", "log_loss"}, default="gini"
    max_depth : int or None, default=None
    min_samples_split : int or float, default=2
    min_samples_leaf : int or float, default=1
    max_features : int, float, "sqrt", "log2" or None, default=None
        Number of features considered at each split.
    random_state : int, RandomState or None
        Controls the feature visiting order (tie breaking) and the feature draws.

    Attributes
    ----------
    tree_ : Tree, classes_, n_classes_, n_features_in_, max_features_, feature_importances_

    Examples
    --------
    >>> from ember.ml.tree import DecisionTreeClassifier
    >>> X = [[0.0], [1.0], [2.0], [3.0]]
    >>> DecisionTreeClassifier().fit(X, [0, 0, 1, 1]).predict([[0.4], [2.6]]).tolist()
    [0, 1]
    """

    _criteria = ("gini", "entropy", "log_loss")

    def __init__(self, criterion="gini", max_depth=None, min_samples_split=2,
                 min_samples_leaf=1, max_features=None, random_state=None):
        self.criterion = criterion
        self.max_depth = max_depth
        self.min_samples_split = min_samples_split
        self.min_samples_leaf = min_samples_leaf
        self.max_features = max_features
        self.random_state = random_state

    def fit(self, X, y, sample_weight=None):
        X, y = validate_data(self, X, y, dtype=np.float32, ensure_all_finite="allow-nan")
        check_classification_targets(y)
        return self._fit_validated(X, y, sample_weight)

    def _fit_validated(self, X, y, sample_weight, XT=None):
        self.n_features_in_ = X.shape[1]
        self.classes_, yi = np.unique(y, return_inverse=True)
        self.n_classes_ = self.classes_.shape[0]
        crit, params, mf, sw = self._fit_setup(X, sample_weight)
        S = class_statistics(yi, sw, self.n_classes_)
        return self._fit_tree(X, S, sw, crit, params, mf, XT=XT)

    def predict_proba(self, X):
        """Class fractions of the leaf reached by each sample."""
        X = self._validate_X_predict(X)
        return self.tree_.predict(X)


class DecisionTreeRegressor(RegressorMixin, _BaseDecisionTree):
    """CART regression tree (squared error).

    Splits maximise the decrease of the weighted within-node sum of squares,
    equivalently ``S_L^2 / w_L + S_R^2 / w_R`` with ``S`` the weighted target sums;
    leaves predict the weighted mean target.

    Examples
    --------
    >>> from ember.ml.tree import DecisionTreeRegressor
    >>> X = [[0.0], [1.0], [2.0], [3.0]]
    >>> DecisionTreeRegressor(max_depth=1).fit(X, [0.0, 0.0, 1.0, 1.0]).predict([[2.5]]).tolist()
    [1.0]
    """

    _criteria = ("squared_error",)

    def __init__(self, criterion="squared_error", max_depth=None, min_samples_split=2,
                 min_samples_leaf=1, max_features=None, random_state=None):
        self.criterion = criterion
        self.max_depth = max_depth
        self.min_samples_split = min_samples_split
        self.min_samples_leaf = min_samples_leaf
        self.max_features = max_features
        self.random_state = random_state

    def fit(self, X, y, sample_weight=None):
        X, y = validate_data(self, X, y, dtype=np.float32, y_numeric=True,
                             ensure_all_finite="allow-nan")
        y = np.asarray(y, dtype=np.float64)
        crit, params, mf, sw = self._fit_setup(X, sample_weight)
        return self._fit_tree(X, target_statistics(y, sw), sw, crit, params, mf)

    def predict(self, X):
        X = self._validate_X_predict(X)
        return self.tree_.predict(X)[:, 0]
