"""AdaBoost with the multi-class SAMME algorithm (Zhu et al. 2009)."""
import numbers

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.utils import check_random_state
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import (_check_sample_weight, check_is_fitted, has_fit_parameter,
                                      validate_data)

from ..tree import DecisionTreeClassifier
from ._base import _MAX_INT, _check_positive_int


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
        shared = type(base) is DecisionTreeClassifier  # one transposed float32 X for all
        if shared:
            X32 = np.asarray(X, dtype=np.float32)
            XT = np.ascontiguousarray(X32.T)
        for m in range(self.n_estimators):
            est = clone(base)
            if "random_state" in est.get_params():
                est.set_params(random_state=rs.randint(_MAX_INT))
            if shared:
                est._fit_validated(X32, yi, w, XT=XT)
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
