"""Bagging (Breiman 1996): any base estimator fitted on random subsets of the samples (with
or without replacement) and of the features; soft vote when the base estimator has
``predict_proba``, hard vote otherwise, mean for regression."""
import numbers

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin, clone
from sklearn.utils import check_random_state, get_tags
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import (_check_sample_weight, check_is_fitted, has_fit_parameter,
                                      validate_data)

from ..tree import DecisionTreeClassifier, DecisionTreeRegressor
from ._base import _MAX_INT, _check_positive_int, oob_accuracy, oob_r2, oob_sums, safe_divide

_NO_OOB = ("Some inputs do not have OOB scores. This probably means too few estimators were used "
           "to compute any reliable oob estimates.")


class _BaseBagging(BaseEstimator):
    # NaN goes through to the base estimator, as in scikit-learn (the default trees split on it)
    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = (self.estimator is None
                                     or get_tags(self.estimator).input_tags.allow_nan)
        return tags

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
        return validate_data(self, X, reset=False, ensure_all_finite="allow-nan")


    def _mean_output(self, X):
        """Mean over the estimators of their outputs (``_output``) on ``X``."""
        X = self._validate_X_predict(X)
        acc = np.zeros((X.shape[0], self._n_outputs()))
        for est, cols in zip(self.estimators_, self.estimators_features_):
            acc += self._output(est, X, cols)
        return acc / len(self.estimators_)

    def _oob_sums(self, X):
        """Sums and counts of the outputs of the estimators that did not see each sample."""
        n = X.shape[0]
        outputs = ((oob, self._output(est, X[oob], cols))
                   for est, cols, oob in zip(self.estimators_, self.estimators_features_,
                                             self._oob_masks(n)) if oob.any())
        return oob_sums(outputs, n, self._n_outputs(), _NO_OOB)


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

    def fit(self, X, y, sample_weight=None):
        X, y = validate_data(self, X, y, ensure_all_finite="allow-nan")
        check_classification_targets(y)
        self.classes_, yi = np.unique(y, return_inverse=True)
        self.n_classes_ = self.classes_.shape[0]
        return self._fit_bagging(X, yi, sample_weight, DecisionTreeClassifier())

    def _n_outputs(self):
        return self.n_classes_

    def _output(self, est, X, cols):
        """One estimator's vote: its class probabilities, or 1 for the class it predicts."""
        Xs = X[:, cols]
        out = np.zeros((X.shape[0], self.n_classes_))
        if hasattr(est, "predict_proba"):
            out[:, est.classes_] = est.predict_proba(Xs)
        else:
            out[np.arange(X.shape[0]), est.predict(Xs)] = 1.0
        return out

    def _compute_oob(self, X, yi):
        acc, _ = self._oob_sums(X)
        self.oob_decision_function_ = safe_divide(acc, acc.sum(axis=1, keepdims=True))
        self.oob_score_ = oob_accuracy(yi, self.oob_decision_function_)

    def predict_proba(self, X):
        """Averaged class probabilities (soft vote) or vote fractions (hard vote)."""
        return self._mean_output(X)

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

    def fit(self, X, y, sample_weight=None):
        X, y = validate_data(self, X, y, y_numeric=True, ensure_all_finite="allow-nan")
        return self._fit_bagging(X, np.asarray(y, dtype=np.float64), sample_weight,
                                 DecisionTreeRegressor())

    def _n_outputs(self):
        return 1

    def _output(self, est, X, cols):
        return est.predict(X[:, cols])[:, None]

    def _compute_oob(self, X, y):
        acc, hits = self._oob_sums(X)
        self.oob_prediction_ = safe_divide(acc[:, 0], hits)
        self.oob_score_ = oob_r2(y, self.oob_prediction_)

    def predict(self, X):
        return self._mean_output(X).ravel()
