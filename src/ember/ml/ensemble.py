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

    >>> from sklearn.datasets import load_iris
    >>> from ember.ml.ensemble import RandomForestClassifier
    >>> X, y = load_iris(return_X_y=True)
    >>> rf = RandomForestClassifier(n_estimators=50, oob_score=True, random_state=0).fit(X, y)
    >>> rf.oob_score_ > 0.9
    True
"""
import numbers

import numpy as np
from joblib import Parallel, delayed
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin, clone
from sklearn.utils import check_random_state
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import (_check_sample_weight, check_is_fitted, has_fit_parameter,
                                      validate_data)

from .tree import DecisionTreeClassifier, DecisionTreeRegressor, grow_tree, presort

__all__ = ["RandomForestClassifier", "RandomForestRegressor", "BaggingClassifier",
           "BaggingRegressor", "AdaBoostClassifier"]

_MAX_INT = np.iinfo(np.int32).max


def _check_positive_int(name, value):
    if not isinstance(value, numbers.Integral) or isinstance(value, bool) or value < 1:
        raise ValueError(f"{name} must be an int >= 1; got {value!r}.")


def _n_jobs(n_jobs):
    if n_jobs is None:
        return 1
    if n_jobs < 0:
        import os
        return max(1, (os.cpu_count() or 1) + 1 + n_jobs)
    return int(n_jobs)


# ----------------------------------------------------------------------------- forests
def _bootstrap_counts(seed, n_samples, n_draws):
    rs = np.random.RandomState(seed)
    return np.bincount(rs.randint(0, n_samples, n_draws), minlength=n_samples)


def _grow_forest_chunk(XT, orders, S, wpos, crit, seeds, bootstrap, n_draws, params):
    """Grow the trees of one worker: one tree per seed."""
    trees = []
    n = XT.shape[1]
    for seed in seeds:
        if bootstrap:
            counts = _bootstrap_counts(seed, n, n_draws)
            St = S * np.where(np.arange(S.shape[1]) == 0, 1.0, counts[:, None])
            keep = (counts > 0) & wpos
        else:
            St = S
            keep = wpos
        o = orders if keep.all() else orders[keep[orders]].reshape(orders.shape[0], -1)
        rng = np.random.RandomState(seed)
        trees.append(grow_tree(XT, o, St, crit, rng=rng, **params))
    return trees


class _BaseForest(BaseEstimator):
    _tree_class = None
    _criteria = ()

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

    def _fit_forest(self, X, S, sw):
        n, F = X.shape
        self._validate_params(n)
        # let a template tree validate its hyper-parameters
        template = self._tree_class(random_state=0, **self._tree_params())
        template._validate_params()
        mss, msl, mf, _ = template._fit_setup(X, None, sw)
        crit = {"log_loss": "entropy", "squared_error": "mse"}.get(self.criterion, self.criterion)
        rs = check_random_state(self.random_state)
        seeds = rs.randint(_MAX_INT, size=self.n_estimators)
        XT = np.ascontiguousarray(X.T)
        orders = presort(XT)
        n_draws = self._n_draws(n)
        params = dict(max_depth=self.max_depth, min_samples_split=mss, min_samples_leaf=msl,
                      max_features=mf if mf < F else None)
        n_jobs = min(_n_jobs(self.n_jobs), self.n_estimators)
        if n_jobs == 1:
            trees = _grow_forest_chunk(XT, orders, S, sw > 0, crit, seeds, self.bootstrap,
                                       n_draws, params)
        else:
            chunks = np.array_split(seeds, n_jobs)
            out = Parallel(n_jobs=n_jobs)(
                delayed(_grow_forest_chunk)(XT, orders, S, sw > 0, crit, c, self.bootstrap,
                                            n_draws, params)
                for c in chunks)
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
            self._compute_oob(X)
        return self

    def _decorate_tree(self, est):
        pass

    def _oob_masks(self, n):
        for seed in self._seeds:
            yield _bootstrap_counts(seed, n, self._n_draws_) == 0

    def _validate_X_predict(self, X):
        check_is_fitted(self, "estimators_")
        return validate_data(self, X, dtype=np.float32, reset=False)

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


class RandomForestClassifier(ClassifierMixin, _BaseForest):
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
        X, y = validate_data(self, X, y, dtype=np.float32)
        check_classification_targets(y)
        self.classes_, yi = np.unique(y, return_inverse=True)
        self.n_classes_ = self.classes_.shape[0]
        self._y_enc = yi
        sw = _check_sample_weight(sample_weight, X, dtype=np.float64, ensure_non_negative=True)
        S = np.zeros((X.shape[0], self.n_classes_ + 1))
        S[:, 0] = 1.0
        S[np.arange(X.shape[0]), yi + 1] = sw
        self._fit_forest(X, S, sw)
        del self._y_enc
        return self

    def _decorate_tree(self, est):
        est.classes_ = np.arange(self.n_classes_)
        est.n_classes_ = self.n_classes_

    def _compute_oob(self, X):
        n = X.shape[0]
        acc = np.zeros((n, self.n_classes_))
        hits = np.zeros(n)
        for est, oob in zip(self.estimators_, self._oob_masks(n)):
            if oob.any():
                acc[oob] += est.tree_.predict(X[oob])
                hits[oob] += 1
        seen = hits > 0
        if not seen.all():
            import warnings
            warnings.warn("Some inputs do not have OOB scores. This probably means too few "
                          "trees were used to compute any reliable OOB estimates.", UserWarning)
        acc[seen] /= hits[seen, None]
        self.oob_decision_function_ = acc
        self.oob_score_ = float(np.mean(np.argmax(acc, axis=1) == self._y_enc))

    def predict_proba(self, X):
        """Mean of the trees' leaf class fractions."""
        X = self._validate_X_predict(X)
        proba = np.zeros((X.shape[0], self.n_classes_))
        for est in self.estimators_:
            proba += est.tree_.predict(X)
        return proba / len(self.estimators_)

    def predict_log_proba(self, X):
        with np.errstate(divide="ignore"):
            return np.log(self.predict_proba(X))

    def predict(self, X):
        proba = self.predict_proba(X)
        return self.classes_[np.argmax(proba, axis=1)]


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
        X, y = validate_data(self, X, y, dtype=np.float32, y_numeric=True)
        y = np.asarray(y, dtype=np.float64)
        sw = _check_sample_weight(sample_weight, X, dtype=np.float64, ensure_non_negative=True)
        S = np.column_stack([np.ones_like(y), sw, sw * y, sw * y * y])
        self._y = y
        self._fit_forest(X, S, sw)
        del self._y
        return self

    def _compute_oob(self, X):
        n = X.shape[0]
        acc = np.zeros(n)
        hits = np.zeros(n)
        for est, oob in zip(self.estimators_, self._oob_masks(n)):
            if oob.any():
                acc[oob] += est.tree_.predict(X[oob])[:, 0]
                hits[oob] += 1
        seen = hits > 0
        if not seen.all():
            import warnings
            warnings.warn("Some inputs do not have OOB scores. This probably means too few "
                          "trees were used to compute any reliable OOB estimates.", UserWarning)
        acc[seen] /= hits[seen]
        self.oob_prediction_ = acc
        y = self._y
        self.oob_score_ = float(1.0 - np.sum((y - acc) ** 2) / np.sum((y - y.mean()) ** 2))

    def predict(self, X):
        X = self._validate_X_predict(X)
        out = np.zeros(X.shape[0])
        for est in self.estimators_:
            out += est.tree_.predict(X)[:, 0]
        return out / len(self.estimators_)


# ----------------------------------------------------------------------------- bagging
class _BaseBagging(BaseEstimator):
    def _validate_params(self, n, F):
        _check_positive_int("n_estimators", self.n_estimators)
        if self.oob_score and not self.bootstrap:
            raise ValueError("oob_score=True requires bootstrap=True.")
        for name, value, limit in (("max_samples", self.max_samples, n),
                                   ("max_features", self.max_features, F)):
            if isinstance(value, numbers.Integral) and not isinstance(value, bool):
                if not 1 <= value <= limit:
                    raise ValueError(f"{name} must be in [1, {limit}] when an int; got {value!r}.")
            elif not (isinstance(value, numbers.Real) and not isinstance(value, bool)
                      and 0.0 < value <= 1.0):
                raise ValueError(f"{name} must be an int or a float in (0, 1]; got {value!r}.")

    @staticmethod
    def _count(value, total):
        if isinstance(value, numbers.Integral):
            return int(value)
        return max(1, int(value * total))

    def _draw(self, rs, n, F):
        ns, nf = self._count(self.max_samples, n), self._count(self.max_features, F)
        if self.bootstrap:
            rows = rs.randint(0, n, ns)
        else:
            rows = rs.permutation(n)[:ns]
        if self.bootstrap_features:
            cols = rs.randint(0, F, nf)
        else:
            cols = np.sort(rs.permutation(F)[:nf])
        return rows, cols

    def _fit_bagging(self, X, y, sample_weight, default):
        n, F = X.shape
        self._validate_params(n, F)
        base = default if self.estimator is None else self.estimator
        self.estimator_ = base
        supports_sw = has_fit_parameter(base, "sample_weight")
        if sample_weight is not None and not supports_sw:
            raise ValueError(f"The base estimator {base!r} does not support sample_weight.")
        sw = None if sample_weight is None else _check_sample_weight(sample_weight, X)
        rs = check_random_state(self.random_state)
        self.estimators_, self.estimators_samples_, self.estimators_features_ = [], [], []
        for _ in range(self.n_estimators):
            seed = rs.randint(_MAX_INT)
            est = clone(base)
            if "random_state" in est.get_params():
                est.set_params(random_state=seed)
            rows, cols = self._draw(np.random.RandomState(seed), n, F)
            if self.bootstrap and supports_sw:
                # as scikit-learn: a bootstrap sample is the distinct rows weighted by
                # their multiplicity (same fit as repeating them, less work)
                counts = np.bincount(rows, minlength=n)
                uniq = np.flatnonzero(counts)
                w = counts[uniq].astype(np.float64)
                if sw is not None:
                    w = w * sw[uniq]
                est.fit(X[uniq][:, cols], y[uniq], sample_weight=w)
            else:
                fit_kw = {} if sw is None else {"sample_weight": sw[rows]}
                est.fit(X[rows][:, cols], y[rows], **fit_kw)
            self.estimators_.append(est)
            self.estimators_samples_.append(rows)
            self.estimators_features_.append(cols)
        if self.oob_score:
            self._compute_oob(X, y)
        return self

    def _oob_masks(self, n):
        for rows in self.estimators_samples_:
            mask = np.ones(n, dtype=bool)
            mask[rows] = False
            yield mask

    def _validate_X_predict(self, X):
        check_is_fitted(self, "estimators_")
        return validate_data(self, X, reset=False)


class BaggingClassifier(ClassifierMixin, _BaseBagging):
    """Bagging classifier: base estimators fitted on random subsets, then voting.

    Soft vote ``p(k|x) = mean_b p_b(k|x)`` when the base estimator has ``predict_proba``,
    otherwise the fraction of estimators predicting ``k``.

    Parameters
    ----------
    estimator : estimator or None, default=None (a ``DecisionTreeClassifier``)
    n_estimators : int, default=10
    max_samples, max_features : int or float in (0, 1], default=1.0
    bootstrap : bool, default=True (samples drawn with replacement)
    bootstrap_features : bool, default=False
    oob_score : bool, default=False
    random_state : int, RandomState or None

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> from ember.ml.ensemble import BaggingClassifier
    >>> X, y = make_classification(200, 6, random_state=0)
    >>> BaggingClassifier(random_state=0).fit(X, y).score(X, y) > 0.95
    True
    """

    def __init__(self, estimator=None, n_estimators=10, max_samples=1.0, max_features=1.0,
                 bootstrap=True, bootstrap_features=False, oob_score=False, random_state=None):
        self.estimator = estimator
        self.n_estimators = n_estimators
        self.max_samples = max_samples
        self.max_features = max_features
        self.bootstrap = bootstrap
        self.bootstrap_features = bootstrap_features
        self.oob_score = oob_score
        self.random_state = random_state

    def fit(self, X, y, sample_weight=None):
        X, y = validate_data(self, X, y)
        check_classification_targets(y)
        self.classes_, yi = np.unique(y, return_inverse=True)
        self.n_classes_ = self.classes_.shape[0]
        return self._fit_bagging(X, yi, sample_weight, DecisionTreeClassifier())

    def _votes(self, est, X, cols):
        Xs = X[:, cols]
        out = np.zeros((X.shape[0], self.n_classes_))
        if hasattr(est, "predict_proba"):
            out[:, est.classes_] = est.predict_proba(Xs)
        else:
            out[np.arange(X.shape[0]), est.predict(Xs)] = 1.0
        return out

    def _compute_oob(self, X, yi):
        n = X.shape[0]
        acc = np.zeros((n, self.n_classes_))
        for est, cols, oob in zip(self.estimators_, self.estimators_features_, self._oob_masks(n)):
            if oob.any():
                acc[oob] += self._votes(est, X[oob], cols)
        tot = acc.sum(axis=1, keepdims=True)
        if np.any(tot == 0):
            import warnings
            warnings.warn("Some inputs do not have OOB scores. This probably means too few "
                          "estimators were used to compute any reliable oob estimates.", UserWarning)
        self.oob_decision_function_ = np.divide(acc, tot, out=np.zeros_like(acc), where=tot > 0)
        self.oob_score_ = float(np.mean(np.argmax(self.oob_decision_function_, axis=1) == yi))

    def predict_proba(self, X):
        """Averaged class probabilities (soft vote) or vote fractions (hard vote)."""
        X = self._validate_X_predict(X)
        acc = np.zeros((X.shape[0], self.n_classes_))
        for est, cols in zip(self.estimators_, self.estimators_features_):
            acc += self._votes(est, X, cols)
        return acc / len(self.estimators_)

    def predict(self, X):
        proba = self.predict_proba(X)
        return self.classes_[np.argmax(proba, axis=1)]


class BaggingRegressor(RegressorMixin, _BaseBagging):
    """Bagging regressor: mean prediction of base regressors fitted on random subsets.

    Parameters as :class:`BaggingClassifier`; the default base estimator is a
    ``DecisionTreeRegressor``. ``oob_prediction_`` / ``oob_score_`` (R^2) with
    ``oob_score=True``.

    Examples
    --------
    >>> from sklearn.datasets import make_regression
    >>> from ember.ml.ensemble import BaggingRegressor
    >>> X, y = make_regression(200, 4, random_state=0)
    >>> BaggingRegressor(random_state=0).fit(X, y).score(X, y) > 0.8
    True
    """

    def __init__(self, estimator=None, n_estimators=10, max_samples=1.0, max_features=1.0,
                 bootstrap=True, bootstrap_features=False, oob_score=False, random_state=None):
        self.estimator = estimator
        self.n_estimators = n_estimators
        self.max_samples = max_samples
        self.max_features = max_features
        self.bootstrap = bootstrap
        self.bootstrap_features = bootstrap_features
        self.oob_score = oob_score
        self.random_state = random_state

    def fit(self, X, y, sample_weight=None):
        X, y = validate_data(self, X, y, y_numeric=True)
        return self._fit_bagging(X, np.asarray(y, dtype=np.float64), sample_weight,
                                 DecisionTreeRegressor())

    def _compute_oob(self, X, y):
        n = X.shape[0]
        acc = np.zeros(n)
        hits = np.zeros(n)
        for est, cols, oob in zip(self.estimators_, self.estimators_features_, self._oob_masks(n)):
            if oob.any():
                acc[oob] += est.predict(X[oob][:, cols])
                hits[oob] += 1
        if np.any(hits == 0):
            import warnings
            warnings.warn("Some inputs do not have OOB scores. This probably means too few "
                          "estimators were used to compute any reliable oob estimates.", UserWarning)
        self.oob_prediction_ = np.divide(acc, hits, out=np.zeros_like(acc), where=hits > 0)
        self.oob_score_ = float(1.0 - np.sum((y - self.oob_prediction_) ** 2)
                                / np.sum((y - y.mean()) ** 2))

    def predict(self, X):
        X = self._validate_X_predict(X)
        out = np.zeros(X.shape[0])
        for est, cols in zip(self.estimators_, self.estimators_features_):
            out += est.predict(X[:, cols])
        return out / len(self.estimators_)


# ----------------------------------------------------------------------------- AdaBoost
class AdaBoostClassifier(ClassifierMixin, BaseEstimator):
    """AdaBoost with the multi-class SAMME algorithm.

    With normalised sample weights ``w`` and weak learner ``h_m``:
    ``err_m = sum_i w_i [h_m(x_i) != y_i]``,
    ``alpha_m = learning_rate * (log((1 - err_m) / err_m) + log(K - 1))``,
    ``w_i <- w_i exp(alpha_m [h_m(x_i) != y_i])``. Boosting stops early when a learner is
    perfect (its weight is 1) or no better than chance (``err_m >= 1 - 1/K``).
    ``decision_function`` returns ``f_k(x) = sum_m alpha_m c_mk(x) / sum_m alpha_m`` with
    the symmetric coding ``c_mk = 1`` if ``h_m(x) = k`` else ``-1 / (K - 1)``, reduced to
    ``f_1 - f_0`` when K = 2; ``predict_proba`` is ``softmax(f / (K - 1))`` (``softmax([-f, f] / 2)``
    for two classes), as in scikit-learn.

    Parameters
    ----------
    estimator : estimator or None, default=None (``DecisionTreeClassifier(max_depth=1)``)
    n_estimators : int, default=50
    learning_rate : float > 0, default=1.0
    random_state : int, RandomState or None

    Attributes
    ----------
    estimators_, estimator_weights_, estimator_errors_, classes_, n_classes_

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> from ember.ml.ensemble import AdaBoostClassifier
    >>> X, y = make_classification(300, 6, random_state=0)
    >>> AdaBoostClassifier(n_estimators=20, random_state=0).fit(X, y).score(X, y) > 0.9
    True
    """

    def __init__(self, estimator=None, n_estimators=50, learning_rate=1.0, random_state=None):
        self.estimator = estimator
        self.n_estimators = n_estimators
        self.learning_rate = learning_rate
        self.random_state = random_state

    def fit(self, X, y, sample_weight=None):
        _check_positive_int("n_estimators", self.n_estimators)
        lr = self.learning_rate
        if not isinstance(lr, numbers.Real) or isinstance(lr, bool) or not lr > 0:
            raise ValueError(f"learning_rate must be a float > 0; got {lr!r}.")
        X, y = validate_data(self, X, y)
        check_classification_targets(y)
        self.classes_, yi = np.unique(y, return_inverse=True)
        K = self.n_classes_ = self.classes_.shape[0]
        base = DecisionTreeClassifier(max_depth=1) if self.estimator is None else self.estimator
        if not has_fit_parameter(base, "sample_weight"):
            raise ValueError(f"{base!r} doesn't support sample_weight.")
        self.estimator_ = base
        w = _check_sample_weight(sample_weight, X, dtype=np.float64, ensure_non_negative=True)
        if w.sum() <= 0:
            raise ValueError("sample_weight must have a positive sum.")
        w = w / w.sum()
        rs = check_random_state(self.random_state)
        self.estimators_ = []
        weights = np.zeros(self.n_estimators)
        errors = np.ones(self.n_estimators)
        presorted = type(base) is DecisionTreeClassifier  # sort the features once for all
        if presorted:
            X32 = np.asarray(X, dtype=np.float32)
            XT = np.ascontiguousarray(X32.T)
            orders = presort(XT)
        for m in range(self.n_estimators):
            est = clone(base)
            if "random_state" in est.get_params():
                est.set_params(random_state=rs.randint(_MAX_INT))
            if presorted:
                est._fit_validated(X32, yi, w, XT=XT, orders=orders)
            else:
                est.fit(X, yi, sample_weight=w)
            incorrect = est.predict(X) != yi
            err = float(np.average(incorrect, weights=w))
            if err <= 0:
                self.estimators_.append(est)
                weights[m], errors[m] = 1.0, 0.0
                break
            if err >= 1.0 - 1.0 / K:
                if not self.estimators_:
                    raise ValueError("BaseClassifier in AdaBoostClassifier ensemble is worse "
                                     "than random, ensemble can not be fit.")
                break
            self.estimators_.append(est)
            alpha = lr * (np.log((1.0 - err) / err) + np.log(K - 1.0))
            weights[m], errors[m] = alpha, err
            if m < self.n_estimators - 1:
                w = np.exp(np.log(w) + alpha * incorrect * (w > 0)) if np.all(w > 0) else \
                    w * np.exp(alpha * incorrect * (w > 0))
                total = w.sum()
                if not np.isfinite(total) or total <= 0:
                    break
                w /= total
        n_fit = len(self.estimators_)
        self.estimator_weights_ = weights[:n_fit]
        self.estimator_errors_ = errors[:n_fit]
        return self

    def _staged_scores(self, X):
        X = validate_data(self, X, reset=False)
        K = self.n_classes_
        acc = np.zeros((X.shape[0], K))
        if K == 1:  # a single class: the decision function is 0, as scikit-learn's
            for _ in self.estimators_:
                yield acc.copy()
            return
        wsum = 0.0
        rows = np.arange(X.shape[0])
        for est, a in zip(self.estimators_, self.estimator_weights_):
            acc -= a / (K - 1)
            acc[rows, est.predict(X)] += a * K / (K - 1)
            wsum += a
            yield acc / wsum

    def _to_decision(self, scores):
        if self.n_classes_ == 2:
            return scores[:, 1] - scores[:, 0]
        return scores

    def _to_proba(self, dec):
        if self.n_classes_ == 1:
            return np.ones((dec.shape[0], 1))
        if self.n_classes_ == 2:
            dec = np.column_stack([-dec, dec]) / 2.0
        else:
            dec = dec / (self.n_classes_ - 1)
        dec = dec - dec.max(axis=1, keepdims=True)
        e = np.exp(dec)
        return e / e.sum(axis=1, keepdims=True)

    def staged_decision_function(self, X):
        """Decision function after each boosting iteration (generator)."""
        check_is_fitted(self, "estimators_")
        for s in self._staged_scores(X):
            yield self._to_decision(s)

    def decision_function(self, X):
        """Normalised weighted symmetric vote ``f_k(x)`` (binary: ``f_1 - f_0``)."""
        dec = None
        for dec in self.staged_decision_function(X):
            pass
        return dec

    def staged_predict(self, X):
        """Predicted classes after each boosting iteration (generator)."""
        check_is_fitted(self, "estimators_")
        for s in self._staged_scores(X):
            yield self.classes_[np.argmax(s, axis=1)]

    def predict(self, X):
        dec = self.decision_function(X)
        if self.n_classes_ == 2:
            return self.classes_[(dec > 0).astype(int)]
        return self.classes_[np.argmax(dec, axis=1)]  # K == 1 gives the only class

    def staged_predict_proba(self, X):
        check_is_fitted(self, "estimators_")
        for s in self._staged_scores(X):
            yield self._to_proba(self._to_decision(s))

    def predict_proba(self, X):
        """Softmax of the decision function divided by (K - 1) (as scikit-learn's SAMME)."""
        return self._to_proba(self.decision_function(X))

    def predict_log_proba(self, X):
        return np.log(self.predict_proba(X))
