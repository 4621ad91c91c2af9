"""What ``SVC`` and ``LinearSVC`` share: the per-sample box ``C_i = C * class_weight[y_i] *
sample_weight_i`` and the checks of ``C`` and ``tol``."""
import numbers

import numpy as np
from sklearn.utils.validation import _check_sample_weight


def _class_weight_vector(class_weight, classes, y_enc, sample_weight=None):
    """Per-class weights as ``sklearn.utils.class_weight.compute_class_weight`` defines them:
    ``"balanced"`` gives ``n / (n_classes * n_c)`` with (optionally weighted) counts."""
    n_classes = len(classes)
    if class_weight is None:
        return np.ones(n_classes)
    if isinstance(class_weight, str):
        if class_weight != "balanced":
            raise ValueError(
                f"class_weight must be 'balanced', a dict or None, got class_weight={class_weight!r}")
        counts = np.bincount(y_enc, weights=sample_weight, minlength=n_classes).astype(np.float64)
        return counts.sum() / (n_classes * counts)
    if not isinstance(class_weight, dict):
        raise ValueError(
            f"class_weight must be 'balanced', a dict or None, got class_weight={class_weight!r}")
    cw = np.ones(n_classes)
    for label, w in class_weight.items():
        pos = np.flatnonzero(classes == label)
        if pos.size == 0:
            raise ValueError(f"The classes, {[label]}, are not in class_weight / not in y")
        cw[pos[0]] = w
    return cw


def _check_C(C):
    if not isinstance(C, numbers.Real) or isinstance(C, bool) or not C > 0:
        raise ValueError(f"C must be a positive float, got C={C!r}")


def _check_tol(tol):
    if not isinstance(tol, numbers.Real) or isinstance(tol, bool) or not tol > 0:
        raise ValueError(f"tol must be a positive float, got tol={tol!r}")


def _resolve_class_sample_C(est, C, classes, y_enc, sample_weight, X, weighted_balance=False):
    """Per-sample ``C_i = C * class_weight[y_i] * sample_weight_i``.  libsvm (SVC) balances
    classes by plain counts, liblinear (LinearSVC) by weighted counts."""
    sw = _check_sample_weight(sample_weight, X, dtype=np.float64)
    cw = _class_weight_vector(est.class_weight, classes, y_enc,
                              sw if weighted_balance and sample_weight is not None else None)
    est.class_weight_ = cw
    return C * cw[y_enc] * sw

