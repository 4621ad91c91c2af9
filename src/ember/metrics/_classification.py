"""Classification metrics with scikit-learn's names and semantics.

All scores are built from per-label counts (optionally weighted)::

    TP_l = sum_i w_i [y_i = l, yhat_i = l]      (true positives of label l)
    pred_l = sum_i w_i [yhat_i = l]             (= TP_l + FP_l)
    true_l = sum_i w_i [y_i = l]                (= TP_l + FN_l)

    precision_l = TP_l / pred_l,  recall_l = TP_l / true_l,
    F_beta,l = (1 + beta^2) TP_l / ((1 + beta^2) TP_l + beta^2 FN_l + FP_l)

``average``: "binary" (the ``pos_label`` class only), "micro" (pool the counts over labels),
"macro" (plain mean over labels), "weighted" (mean weighted by ``true_l``), ``None`` (per label).
A 0/0 ratio takes the value ``zero_division`` ("warn" means 0 with a warning).
"""
import numbers
import warnings

import numpy as np
from sklearn.utils.multiclass import type_of_target, unique_labels

__all__ = [
    "accuracy_score", "confusion_matrix", "precision_recall_fscore_support", "precision_score",
    "recall_score", "f1_score", "fbeta_score", "log_loss", "UndefinedMetricWarning",
]


class UndefinedMetricWarning(UserWarning):
    """A metric is 0/0 for some label and was set to ``zero_division``."""


def _check_targets(y_true, y_pred, sample_weight=None):
    y_true = np.asarray(y_true)
    y_pred = np.asarray(y_pred)
    for name, a in (("y_true", y_true), ("y_pred", y_pred)):
        if a.ndim == 2 and a.shape[1] == 1:
            a = a.ravel()
        if a.ndim != 1:
            raise ValueError(f"{name} must be 1-dimensional, got shape {a.shape}")
    y_true, y_pred = y_true.ravel(), y_pred.ravel()
    if len(y_true) != len(y_pred):
        raise ValueError(
            f"Found input variables with inconsistent numbers of samples: [{len(y_true)}, {len(y_pred)}]"
        )
    types = {type_of_target(y_true, input_name="y_true"), type_of_target(y_pred, input_name="y_pred")}
    if not types <= {"binary", "multiclass"}:
        raise ValueError(
            f"Classification metrics can't handle a mix of {' and '.join(sorted(types))} targets"
            if len(types) > 1 else f"Classification metrics do not support {types.pop()!r} targets"
        )
    y_type = "binary" if types == {"binary"} else "multiclass"
    if y_type == "binary" and len(unique_labels(y_true, y_pred)) > 2:
        y_type = "multiclass"
    if sample_weight is not None:
        sample_weight = np.asarray(sample_weight, dtype=np.float64).ravel()
        if len(sample_weight) != len(y_true):
            raise ValueError(
                f"sample_weight has {len(sample_weight)} entries but y_true has {len(y_true)}"
            )
    return y_type, y_true, y_pred, sample_weight


def accuracy_score(y_true, y_pred, *, normalize=True, sample_weight=None):
    """Fraction (or, with ``normalize=False``, number) of correct predictions.

    ``accuracy = sum_i w_i [yhat_i = y_i] / sum_i w_i``

    Examples
    --------
    >>> accuracy_score([0, 1, 2, 3], [0, 2, 1, 3])
    0.5
    """
    _, y_true, y_pred, sample_weight = _check_targets(y_true, y_pred, sample_weight)
    correct = (y_true == y_pred).astype(np.float64)
    if normalize:
        return float(np.average(correct, weights=sample_weight))
    return float(correct.sum() if sample_weight is None else correct @ sample_weight)


def confusion_matrix(y_true, y_pred, *, labels=None, sample_weight=None, normalize=None):
    """Confusion matrix ``C[i, j]`` = (weighted) number of samples of true label ``labels[i]``
    predicted as ``labels[j]``.

    ``normalize``: "true" divides each row by its sum, "pred" each column, "all" the total;
    an empty row/column gives zeros. Samples whose labels are not in ``labels`` are ignored.

    Examples
    --------
    >>> confusion_matrix([2, 0, 2, 2, 0, 1], [0, 0, 2, 2, 0, 2]).tolist()
    [[2, 0, 0], [0, 0, 1], [1, 0, 2]]
    """
    _, y_true, y_pred, sample_weight = _check_targets(y_true, y_pred, sample_weight)
    if normalize not in ("true", "pred", "all", None):
        raise ValueError(
            f"normalize must be one of {{'true', 'pred', 'all', None}}, got {normalize!r}"
        )
    if labels is None:
        labels = unique_labels(y_true, y_pred)
    else:
        labels = np.asarray(labels)
        if labels.size == 0:
            raise ValueError("'labels' should contain at least one label.")
        if not np.isin(y_true, labels).any():
            raise ValueError("At least one label specified must be in y_true")
    n = len(labels)
    if sample_weight is None:
        sample_weight = np.ones(len(y_true), dtype=np.int64)
        dtype = np.int64
    else:
        dtype = np.int64 if sample_weight.dtype.kind in "iub" else np.float64
    order = np.argsort(labels, kind="mergesort")
    sorted_labels = labels[order]
    ti = np.searchsorted(sorted_labels, y_true)
    pi = np.searchsorted(sorted_labels, y_pred)
    ti = np.clip(ti, 0, n - 1)
    pi = np.clip(pi, 0, n - 1)
    keep = (sorted_labels[ti] == y_true) & (sorted_labels[pi] == y_pred)
    cm = np.zeros((n, n), dtype=np.float64)
    np.add.at(cm, (order[ti[keep]], order[pi[keep]]), sample_weight[keep])
    with np.errstate(all="ignore"):
        if normalize == "true":
            cm = cm / cm.sum(axis=1, keepdims=True)
        elif normalize == "pred":
            cm = cm / cm.sum(axis=0, keepdims=True)
        elif normalize == "all":
            cm = cm / cm.sum()
    if normalize is not None:
        return np.nan_to_num(cm)
    return cm.astype(dtype)


def _zero_division_value(zero_division):
    if isinstance(zero_division, str):
        if zero_division != "warn":
            raise ValueError(f"zero_division must be 'warn', 0.0, 1.0 or np.nan, got {zero_division!r}")
        return 0.0
    if not (zero_division in (0, 1) or np.isnan(zero_division)):
        raise ValueError(f"zero_division must be 'warn', 0.0, 1.0 or np.nan, got {zero_division!r}")
    return float(zero_division)


def _divide(num, den, zero_division, metric, modifier):
    num = np.asarray(num, dtype=np.float64)
    den = np.asarray(den, dtype=np.float64)
    out = np.full(num.shape, _zero_division_value(zero_division))
    np.divide(num, den, out=out, where=den != 0)
    if zero_division == "warn" and np.any(den == 0):
        warnings.warn(
            f"{metric.capitalize()} is ill-defined and being set to 0.0 in labels with no "
            f"{modifier} samples. Use `zero_division` parameter to control this behavior.",
            UndefinedMetricWarning, stacklevel=3,
        )
    return out


def _label_counts(y_true, y_pred, labels, sample_weight):
    w = np.ones(len(y_true)) if sample_weight is None else sample_weight
    tp = np.array([w[(y_true == l) & (y_pred == l)].sum() for l in labels])
    pred = np.array([w[y_pred == l].sum() for l in labels])
    true = np.array([w[y_true == l].sum() for l in labels])
    return tp, pred, true


def precision_recall_fscore_support(y_true, y_pred, *, beta=1.0, labels=None, pos_label=1,
                                    average=None, warn_for=("precision", "recall", "f-score"),
                                    sample_weight=None, zero_division="warn"):
    """Precision, recall, F-beta and support (the number of true samples of each label).

    See the module docstring for the formulas and the ``average`` options. With an average the
    support is ``None``.

    Examples
    --------
    >>> p, r, f, s = precision_recall_fscore_support([0, 1, 1, 1], [0, 1, 0, 1])
    >>> p.tolist(), r.round(3).tolist(), s.tolist()
    ([0.5, 1.0], [1.0, 0.667], [1, 3])
    """
    averages = (None, "binary", "micro", "macro", "weighted")
    if average not in averages:
        raise ValueError(f"average has to be one of {averages}, got {average!r}")
    if not (isinstance(beta, numbers.Real) and beta >= 0):
        raise ValueError(f"beta should be >=0 in the F-beta score, got {beta!r}")
    zd = _zero_division_value(zero_division)
    y_type, y_true, y_pred, sample_weight = _check_targets(y_true, y_pred, sample_weight)
    present = unique_labels(y_true, y_pred)
    if average == "binary":
        if y_type != "binary":
            raise ValueError(
                f"Target is {y_type} but average='binary'. Please choose another average "
                "setting, one of [None, 'micro', 'macro', 'weighted']."
            )
        if pos_label not in present.tolist():
            if len(present) >= 2:
                raise ValueError(
                    f"pos_label={pos_label!r} is not a valid label. It should be one of {present}"
                )
        labels = np.asarray([pos_label])
    elif labels is None:
        labels = present
    else:
        labels = np.asarray(labels)
    tp, pred, true = _label_counts(y_true, y_pred, labels, sample_weight)
    if average == "micro":
        tp, pred, true = np.array([tp.sum()]), np.array([pred.sum()]), np.array([true.sum()])
    precision = _divide(tp, pred, zero_division, "precision", "predicted") \
        if "precision" in warn_for else _divide(tp, pred, zd, "", "")
    recall = _divide(tp, true, zero_division, "recall", "true") \
        if "recall" in warn_for else _divide(tp, true, zd, "", "")
    b2 = beta * beta
    fp, fn = pred - tp, true - tp
    f_den = (1 + b2) * tp + b2 * fn + fp
    if np.isinf(beta):
        f_score = recall.copy()
    else:
        f_score = _divide((1 + b2) * tp, f_den, zero_division, "f-score", "true nor predicted") \
            if "f-score" in warn_for else _divide((1 + b2) * tp, f_den, zd, "", "")
    if average == "weighted":
        weights = true
        if weights.sum() == 0:
            return zd, zd, zd, None
    elif average == "binary" or average == "micro":
        return float(precision[0]), float(recall[0]), float(f_score[0]), None
    else:
        weights = None
    if average is None:
        return precision, recall, f_score, true.astype(np.int64) if sample_weight is None else true
    return (_nanaverage(precision, weights), _nanaverage(recall, weights),
            _nanaverage(f_score, weights), None)


def _nanaverage(a, weights):
    if len(a) == 0:
        return np.nan
    mask = ~np.isnan(a)
    if not mask.any():
        return np.nan
    if weights is None:
        return float(np.mean(a[mask]))
    w = weights[mask]
    if w.sum() == 0:
        return float(np.mean(a[mask]))
    return float(np.average(a[mask], weights=w))


def precision_score(y_true, y_pred, *, labels=None, pos_label=1, average="binary",
                    sample_weight=None, zero_division="warn"):
    """Precision ``TP / (TP + FP)``; see the module docstring for ``average``.

    Examples
    --------
    >>> precision_score([0, 1, 1, 0], [1, 1, 1, 0])
    0.6666666666666666
    """
    p, _, _, _ = precision_recall_fscore_support(
        y_true, y_pred, labels=labels, pos_label=pos_label, average=average,
        warn_for=("precision",), sample_weight=sample_weight, zero_division=zero_division)
    return p


def recall_score(y_true, y_pred, *, labels=None, pos_label=1, average="binary",
                 sample_weight=None, zero_division="warn"):
    """Recall ``TP / (TP + FN)``; see the module docstring for ``average``.

    Examples
    --------
    >>> recall_score([0, 1, 1, 0], [1, 1, 0, 0])
    0.5
    """
    _, r, _, _ = precision_recall_fscore_support(
        y_true, y_pred, labels=labels, pos_label=pos_label, average=average,
        warn_for=("recall",), sample_weight=sample_weight, zero_division=zero_division)
    return r


def fbeta_score(y_true, y_pred, *, beta, labels=None, pos_label=1, average="binary",
                sample_weight=None, zero_division="warn"):
    """F-beta ``(1 + b^2) TP / ((1 + b^2) TP + b^2 FN + FP)``.

    Examples
    --------
    >>> round(fbeta_score([0, 1, 1, 0], [1, 1, 0, 0], beta=2), 4)
    0.5
    """
    _, _, f, _ = precision_recall_fscore_support(
        y_true, y_pred, beta=beta, labels=labels, pos_label=pos_label, average=average,
        warn_for=("f-score",), sample_weight=sample_weight, zero_division=zero_division)
    return f


def f1_score(y_true, y_pred, *, labels=None, pos_label=1, average="binary",
             sample_weight=None, zero_division="warn"):
    """F1 = harmonic mean of precision and recall = ``2 TP / (2 TP + FP + FN)``.

    Examples
    --------
    >>> f1_score([0, 1, 1, 0], [1, 1, 0, 0])
    0.5
    """
    return fbeta_score(y_true, y_pred, beta=1.0, labels=labels, pos_label=pos_label,
                       average=average, sample_weight=sample_weight, zero_division=zero_division)


def log_loss(y_true, y_proba, *, normalize=True, sample_weight=None, labels=None):
    """Cross-entropy of predicted probabilities: ``-(1/n) sum_i sum_k [y_i = k] log p_ik``.

    ``y_proba`` has a column per class (classes sorted) or, for a binary problem, is the 1-d
    probability of the larger class. Probabilities are clipped to ``[eps, 1 - eps]``.

    Examples
    --------
    >>> round(log_loss(["spam", "ham", "ham", "spam"], [[.1, .9], [.9, .1], [.8, .2], [.35, .65]]), 5)
    0.21616
    """
    y_proba = np.asarray(y_proba, dtype=np.float64)
    y_true = np.asarray(y_true)
    if y_true.ndim != 1:
        raise ValueError(f"y_true must be 1-dimensional, got shape {y_true.shape}")
    if y_proba.ndim not in (1, 2):
        raise ValueError(f"y_proba must be 1-d or 2-d, got shape {y_proba.shape}")
    if not np.all(np.isfinite(y_proba)):
        raise ValueError("y_proba contains NaN or infinity")
    if y_proba.max() > 1:
        raise ValueError(f"y_prob contains values greater than 1: {y_proba.max()}")
    if y_proba.min() < 0:
        raise ValueError(f"y_prob contains values lower than 0: {y_proba.min()}")
    if len(y_proba) != len(y_true):
        raise ValueError(
            f"Found input variables with inconsistent numbers of samples: [{len(y_true)}, {len(y_proba)}]"
        )
    classes = np.unique(y_true) if labels is None else np.unique(np.asarray(labels))
    if len(classes) < 2:
        raise ValueError(
            f"y_true contains only one label ({classes[0] if len(classes) else None}). Please "
            "provide the true labels explicitly through the labels argument."
        )
    if labels is not None and np.setdiff1d(y_true, classes).size:
        raise ValueError(f"y_true contains values not in labels: {np.setdiff1d(y_true, classes)}")
    if y_proba.ndim == 1:
        y_proba = y_proba[:, None]
    if y_proba.shape[1] == 1:
        y_proba = np.hstack([1 - y_proba, y_proba])
    if not np.allclose(y_proba.sum(axis=1), 1.0, rtol=np.sqrt(np.finfo(np.float64).eps), atol=0):
        warnings.warn("The y_prob values do not sum to one. Make sure to pass probabilities.",
                      UserWarning)
    if len(classes) != y_proba.shape[1]:
        if labels is None:
            raise ValueError(
                f"y_true and y_prob contain different number of classes: {len(classes)} vs "
                f"{y_proba.shape[1]}. Please provide the true labels explicitly through the "
                f"labels argument. Classes found in y_true: {classes}"
            )
        raise ValueError(
            f"The number of classes in labels is different from that in y_prob. Classes found "
            f"in labels: {classes}"
        )
    eps = np.finfo(np.float64).eps
    p = np.clip(y_proba, eps, 1 - eps)
    idx = np.searchsorted(classes, y_true)
    loss = -np.log(p[np.arange(len(y_true)), idx])
    if sample_weight is not None:
        sample_weight = np.asarray(sample_weight, dtype=np.float64)
        if len(sample_weight) != len(loss):
            raise ValueError("sample_weight and y_true have different lengths")
    if normalize:
        return float(np.average(loss, weights=sample_weight))
    return float(loss.sum() if sample_weight is None else loss @ sample_weight)
