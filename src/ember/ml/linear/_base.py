"""What the linear models share: parameter checks, weighted centring, ``coef_`` /
``intercept_`` in scikit-learn's shapes and the linear ``predict`` / ``decision_function``."""
import numbers

import numpy as np
from sklearn.utils.validation import _check_sample_weight, check_is_fitted, validate_data


def _check_real(name, value, low=None, high=None, low_open=False, allow_inf=False):
    ok = isinstance(value, numbers.Real) and not isinstance(value, bool) and not np.isnan(value)
    if ok and not allow_inf and np.isinf(value):
        ok = False
    if ok and low is not None:
        ok = value > low if low_open else value >= low
    if ok and high is not None:
        ok = value <= high
    if not ok:
        rng = f"{'(' if low_open else '['}{low}, {high if high is not None else 'inf'}]"
        raise ValueError(f"The '{name}' parameter must be a real number in the range {rng}; got {value!r}")


def _check_int(name, value, low):
    if not (isinstance(value, numbers.Integral) and not isinstance(value, bool) and value >= low):
        raise ValueError(f"The '{name}' parameter must be an int >= {low}; got {value!r}")


def _check_bool(name, value):
    if not isinstance(value, (bool, np.bool_)):
        raise ValueError(f"The '{name}' parameter must be a bool; got {value!r}")


def _center(X, y, sample_weight, fit_intercept):
    """Weighted centring; returns Xc, yc, X_offset, y_offset."""
    if not fit_intercept:
        return X, y, np.zeros(X.shape[1]), np.zeros(y.shape[1:]) if y.ndim > 1 else 0.0
    X_offset = np.average(X, axis=0, weights=sample_weight)
    y_offset = np.average(y, axis=0, weights=sample_weight)
    return X - X_offset, y - y_offset, X_offset, y_offset


def _weighted_least_squares(X, y, sample_weight, fit_intercept):
    """Centre (when ``fit_intercept``) and scale the rows by ``sqrt(w_i)``, so that plain least
    squares on ``(A, b)`` is the weighted problem.  Returns ``A, b, X_offset, y_offset``."""
    Xc, yc, X_offset, y_offset = _center(X, y, sample_weight, fit_intercept)
    r = np.sqrt(sample_weight)
    return Xc * r[:, None], yc * (r if yc.ndim == 1 else r[:, None]), X_offset, y_offset


def _regression_data(est, X, y, sample_weight, multi_output=True):
    X, y = validate_data(est, X, y, y_numeric=True, multi_output=multi_output,
                         dtype=np.float64, accept_sparse=False)
    sample_weight = _check_sample_weight(sample_weight, X, dtype=np.float64)
    return X, np.asarray(y, dtype=np.float64), sample_weight


def _set_coef(est, coef, X_offset, y_offset, y):
    """Store ``coef_`` with scikit-learn's shapes.

    ``coef`` is (n_features,) for 1-d ``y`` and (n_targets, n_features) for 2-d ``y``.
    """
    coef = np.asarray(coef, dtype=np.float64)
    est.coef_ = coef
    if y.ndim == 1:
        est.intercept_ = float(y_offset - X_offset @ coef) if est.fit_intercept else 0.0
    else:
        est.intercept_ = (y_offset - coef @ X_offset) if est.fit_intercept \
            else np.zeros(y.shape[1])


class _LinearRegressorMixin:
    def predict(self, X):
        """``X @ coef_.T + intercept_``."""
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=np.float64)
        return X @ self.coef_.T + self.intercept_


class _LinearClassifierMixin:
    def decision_function(self, X):
        """``X @ coef_.T + intercept_``; 1-d for two classes (the score of ``classes_[1]``: its
        log-odds for logistic regression)."""
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=np.float64)
        Z = X @ self.coef_.T + self.intercept_
        return Z[:, 0] if Z.shape[1] == 1 else Z

    def predict(self, X):
        Z = self.decision_function(X)
        idx = (Z > 0).astype(int) if Z.ndim == 1 else np.argmax(Z, axis=1)
        return self.classes_[idx]
