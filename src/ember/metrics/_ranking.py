"""Ranking metrics: ROC and precision-recall curves, the areas under them.

Names, arguments and return conventions follow :mod:`sklearn.metrics`. Every curve is built from
the *distinct* score values taken as thresholds: a sample is predicted positive when
``score >= threshold``.

Two independent constructions of the ROC curve are provided and are tested to agree exactly:

* :func:`roc_curve` -- the *threshold sweep*: for every distinct score ``t`` (highest first)
  count the (weighted) positives and negatives with ``score >= t``.
* :func:`roc_curve_fast` -- the *step walk*: sort the scores descending and walk the list,
  stepping up ``1/P`` for a positive and right ``1/N`` for a negative; a run of tied scores is
  taken as one diagonal step, so the curve does not depend on the order of ties.
"""
import numbers
import warnings

import numpy as np
from sklearn.utils.multiclass import type_of_target

__all__ = [
    "auc", "roc_curve", "roc_curve_fast", "roc_auc_score", "precision_recall_curve",
    "average_precision_score",
]


# ----------------------------------------------------------------------------- validation helpers
def _as_1d(name, a, dtype=None):
    a = np.asarray(a, dtype=dtype)
    if a.ndim == 2 and a.shape[1] == 1:
        a = a.ravel()
    if a.ndim != 1:
        raise ValueError(f"{name} must be 1-dimensional, got an array of shape {a.shape}")
    return a


def _check_lengths(**arrays):
    lengths = {k: len(v) for k, v in arrays.items() if v is not None}
    if len(set(lengths.values())) > 1:
        raise ValueError(f"Found input arrays with inconsistent numbers of samples: {lengths}")


def _check_finite(name, a):
    if not np.all(np.isfinite(a)):
        raise ValueError(f"{name} contains NaN or infinity")


def _binary_targets(y_true, y_score, pos_label, sample_weight):
    """Validate a binary problem; return (bool positives, float scores, weights or None)."""
    y_true = _as_1d("y_true", y_true)
    y_score = _as_1d("y_score", y_score, dtype=np.float64)
    if sample_weight is not None:
        sample_weight = _as_1d("sample_weight", sample_weight, dtype=np.float64)
    _check_lengths(y_true=y_true, y_score=y_score, sample_weight=sample_weight)
    if y_true.size == 0:
        raise ValueError("y_true is empty")
    _check_finite("y_score", y_score)
    if sample_weight is not None:
        _check_finite("sample_weight", sample_weight)
        if np.any(sample_weight < 0):
            raise ValueError("sample_weight must be non-negative")
    y_type = type_of_target(y_true, input_name="y_true")
    if y_type not in ("binary", "multiclass"):
        raise ValueError(f"y_true must hold binary labels, got target type {y_type!r}")
    classes = np.unique(y_true)
    if len(classes) > 2:
        raise ValueError(f"y_true must hold at most two classes, got {len(classes)}: {classes}")
    if pos_label is None:
        ok = ({0, 1}, {-1, 1}, {0}, {-1}, {1})
        if classes.dtype.kind in "OUS" or not any(set(classes.tolist()) <= s for s in ok):
            raise ValueError(
                f"y_true takes value in {{{', '.join(map(repr, classes.tolist()))}}} and "
                "pos_label is not specified: either make y_true take value in {0, 1} or "
                "{-1, 1} or pass pos_label explicitly."
            )
        pos_label = 1
    return y_true == pos_label, y_score, sample_weight


def _require_both_classes(pos, weights, what):
    wp = pos.sum() if weights is None else weights[pos].sum()
    wn = (~pos).sum() if weights is None else weights[~pos].sum()
    if wp <= 0 or wn <= 0:
        missing = "positive" if wp <= 0 else "negative"
        raise ValueError(
            f"Only one class is present in y_true (no {missing} samples): {what} is not "
            "defined in that case."
        )


def _drop_collinear(fps, tps, thresholds):
    """Keep only the corners of the curve (scikit-learn's ``drop_intermediate`` rule)."""
    if len(fps) > 2:
        keep = np.where(np.r_[True, np.logical_or(np.diff(fps, 2), np.diff(tps, 2)), True])[0]
        fps, tps, thresholds = fps[keep], tps[keep], thresholds[keep]
    return fps, tps, thresholds


def _finish_roc(fps, tps, thresholds, drop_intermediate):
    if drop_intermediate:
        fps, tps, thresholds = _drop_collinear(fps, tps, thresholds)
    fps = np.r_[0, fps]
    tps = np.r_[0, tps]
    thresholds = np.r_[np.inf, thresholds]
    return fps / fps[-1], tps / tps[-1], thresholds


# ----------------------------------------------------------------------------- curves
def _threshold_sweep(pos, y_score, sample_weight):
    """Weights of the positives / negatives with ``score >= t`` for each distinct ``t``
    (descending): running sums over the samples sorted by decreasing score (stable), read at
    the last sample of each distinct score.  These are scikit-learn's operations, so that
    ``drop_intermediate``'s test for collinear points (exact second differences) keeps the
    same points with fractional weights; samples of weight 0 take no part, as there.
    """
    if sample_weight is not None:
        keep = sample_weight != 0
        pos, y_score, sample_weight = pos[keep], y_score[keep], sample_weight[keep]
    order = np.argsort(-y_score, kind="stable")          # ties keep their order
    y_score, pos = y_score[order], pos[order]
    ends = np.r_[np.flatnonzero(np.diff(y_score)), y_score.size - 1]
    if sample_weight is None:
        tps = np.cumsum(pos, dtype=np.float64)[ends]
        fps = 1 + ends - tps
    else:
        w = sample_weight[order]
        tps = np.cumsum(pos * w, dtype=np.float64)[ends]
        fps = np.cumsum(~pos * w, dtype=np.float64)[ends]
    return fps, tps, y_score[ends]


def roc_curve(y_true, y_score, *, pos_label=None, sample_weight=None, drop_intermediate=True):
    """Receiver operating characteristic curve of a binary classifier (threshold sweep).

    For every distinct score ``t``, from the highest down, a sample is called positive when
    ``score >= t``::

        tpr(t) = sum_i w_i [y_i = pos, s_i >= t] / sum_i w_i [y_i = pos]
        fpr(t) = sum_i w_i [y_i != pos, s_i >= t] / sum_i w_i [y_i != pos]

    The first threshold is ``inf`` (nothing predicted positive), giving the point ``(0, 0)``.
    With ``drop_intermediate`` the points that lie on a straight segment between their
    neighbours are dropped (they do not change the curve or its area).

    Parameters
    ----------
    y_true : array of shape (n_samples,), two classes. Without ``pos_label`` they must be
        {0, 1} or {-1, 1} and 1 is the positive class.
    y_score : array of shape (n_samples,), higher means more likely positive.
    pos_label : label of the positive class.
    sample_weight : optional non-negative weights.
    drop_intermediate : bool, default True.

    Returns
    -------
    fpr, tpr, thresholds : arrays, ``thresholds`` decreasing with ``thresholds[0] = inf``.

    Raises
    ------
    ValueError if the lengths differ, the scores are not finite, or ``y_true`` holds one class
    only (the curve would divide by zero; scikit-learn warns and returns NaN instead).

    Examples
    --------
    >>> fpr, tpr, thr = roc_curve([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
    >>> fpr.tolist(), tpr.tolist()
    ([0.0, 0.0, 0.5, 0.5, 1.0], [0.0, 0.5, 0.5, 1.0, 1.0])
    """
    pos, y_score, sample_weight = _binary_targets(y_true, y_score, pos_label, sample_weight)
    _require_both_classes(pos, sample_weight, "the ROC curve")
    fps, tps, thresholds = _threshold_sweep(pos, y_score, sample_weight)
    return _finish_roc(fps, tps, thresholds, drop_intermediate)


def roc_curve_fast(y_true, y_score, *, pos_label=None, drop_intermediate=True):
    """ROC curve by the step walk over the scores sorted in decreasing order.

    Start at ``(0, 0)``; walk the samples from the highest score down and step up by ``1/P``
    for a positive, right by ``1/N`` for a negative (``P``, ``N``: numbers of positives and
    negatives). A run of ``p`` positives and ``n`` negatives sharing one score cannot be ordered,
    so it is taken as one diagonal step ``(n/N, p/P)``; a point is emitted only at the end of
    each run. One sort, one pass: ``O(n log n)``.

    The walk is vectorised: the per-sample steps are cumulated with ``cumsum`` and read at the
    run ends. The result equals :func:`roc_curve` (same ``fpr``, ``tpr`` and ``thresholds``,
    with or without ``drop_intermediate``).

    Examples
    --------
    >>> fpr, tpr, thr = roc_curve_fast([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
    >>> tpr.tolist()
    [0.0, 0.5, 0.5, 1.0, 1.0]
    """
    pos, y_score, _ = _binary_targets(y_true, y_score, pos_label, None)
    _require_both_classes(pos, None, "the ROC curve")
    order = np.argsort(-y_score, kind="stable")          # ties keep their order
    s = y_score[order]
    up = pos[order].astype(np.int64)             # 1: step up (positive)
    right = 1 - up                               # 1: step right (negative)
    run_end = np.r_[np.flatnonzero(s[1:] != s[:-1]), len(s) - 1]
    tps = np.cumsum(up)[run_end].astype(np.float64)
    fps = np.cumsum(right)[run_end].astype(np.float64)
    return _finish_roc(fps, tps, s[run_end], drop_intermediate)


def auc(x, y):
    """Area under a curve given by points ``(x, y)`` with the trapezoidal rule.

    ``area = sum_k (x[k+1] - x[k]) * (y[k+1] + y[k]) / 2``; ``x`` must be monotonic (a decreasing
    ``x`` gives the same positive area).

    Examples
    --------
    >>> auc([0, 0.5, 1], [0, 1, 1])
    0.75
    """
    x = _as_1d("x", x, dtype=np.float64)
    y = _as_1d("y", y, dtype=np.float64)
    _check_lengths(x=x, y=y)
    if x.shape[0] < 2:
        raise ValueError(
            f"At least 2 points are needed to compute area under curve, but x.shape = {x.shape[0]}"
        )
    _check_finite("x", x)
    dx = np.diff(x)
    direction = 1.0
    if np.any(dx < 0):
        if np.all(dx <= 0):
            direction = -1.0
        else:
            raise ValueError(f"x is neither increasing nor decreasing : {x}.")
    return float(direction * np.sum(dx * (y[1:] + y[:-1]) / 2.0))


def _binary_roc_auc(pos, y_score, sample_weight, max_fpr):
    _require_both_classes(pos, sample_weight, "ROC AUC score")
    fps, tps, thr = _threshold_sweep(pos, y_score, sample_weight)
    fpr, tpr, _ = _finish_roc(fps, tps, thr, True)
    if max_fpr is None or max_fpr == 1:
        return auc(fpr, tpr)
    # McClish-standardised partial AUC over fpr in [0, max_fpr]
    stop = np.searchsorted(fpr, max_fpr, "right")
    x_interp = [fpr[stop - 1], fpr[stop]]
    y_interp = [tpr[stop - 1], tpr[stop]]
    tpr = np.append(tpr[:stop], np.interp(max_fpr, x_interp, y_interp))
    fpr = np.append(fpr[:stop], max_fpr)
    partial = auc(fpr, tpr)
    min_area = 0.5 * max_fpr**2
    max_area = max_fpr
    return 0.5 * (1 + (partial - min_area) / (max_area - min_area))


def roc_auc_score(y_true, y_score, *, average="macro", sample_weight=None, max_fpr=None,
                  multi_class="raise", labels=None):
    """Area under the ROC curve.

    Binary: ``AUC = P(score of a random positive > score of a random negative)`` (ties count
    one half), computed as the trapezoidal area under :func:`roc_curve`; the positive class is
    the larger label. ``max_fpr`` gives the McClish-standardised partial AUC.

    Multiclass (``y_score`` of shape (n_samples, n_classes), rows summing to 1):

    * ``multi_class="ovr"``: AUC of each class against the rest, averaged ("macro"), weighted
      by class prevalence ("weighted"), pooled over all (sample, class) pairs ("micro") or
      returned per class (None);
    * ``multi_class="ovo"``: Hand & Till -- for each pair (a, b), the mean of AUC(a vs b using
      score a) and AUC(b vs a using score b), averaged uniformly ("macro") or by the pair's
      prevalence ("weighted").

    Multilabel indicator targets: the AUC of each label column, averaged as for "ovr" (plus
    "samples": the mean over rows).

    Examples
    --------
    >>> roc_auc_score([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
    0.75
    """
    y_true = np.asarray(y_true)
    y_score = np.asarray(y_score, dtype=np.float64)
    y_type = type_of_target(y_true, input_name="y_true")
    if y_type == "multiclass" or (y_type == "binary" and y_score.ndim == 2 and y_score.shape[1] > 2):
        if max_fpr is not None and max_fpr != 1:
            raise ValueError("Partial AUC computation not available in multiclass setting, "
                             f"'max_fpr' must be set to `None`, received `max_fpr={max_fpr}` instead")
        return _multiclass_roc_auc(y_true, y_score, labels, multi_class, average, sample_weight)
    if max_fpr is not None and not (isinstance(max_fpr, numbers.Real) and 0 < max_fpr <= 1):
        raise ValueError(f"Expected max_fpr in range (0, 1], got: {max_fpr!r}")
    if y_type == "multilabel-indicator":
        Y, S, sw = _check_multilabel(y_true, y_score, sample_weight)

        def metric(yc, sc, w):
            return _binary_roc_auc(yc.astype(bool), sc, w, max_fpr)
        return _average_binary_score(metric, Y, S, average, sw)
    if y_type != "binary":
        raise ValueError(
            f"roc_auc_score supports binary, multiclass and multilabel targets, got {y_type!r}")
    if y_score.ndim == 2 and y_score.shape[1] == 2:
        raise ValueError(
            "For a binary problem y_score must be 1-d (the score of the positive class), got shape "
            f"{y_score.shape}; pass y_score[:, 1]."
        )
    y_true = _as_1d("y_true", y_true)
    classes = np.unique(y_true)
    if len(classes) != 2:
        raise ValueError(
            "Only one class is present in y_true. ROC AUC score is not defined in that case."
        )
    pos, y_score, sample_weight = _binary_targets(y_true, y_score, classes[1], sample_weight)
    return float(_binary_roc_auc(pos, y_score, sample_weight, max_fpr))


def _multiclass_roc_auc(y_true, y_score, labels, multi_class, average, sample_weight):
    if multi_class not in ("ovr", "ovo"):
        raise ValueError(
            f"multi_class must be 'ovr' or 'ovo' for multiclass targets, got {multi_class!r}"
        )
    if average not in ("micro", "macro", "weighted", None):
        raise ValueError(
            f"average must be one of 'micro', 'macro', 'weighted', None for multiclass, got {average!r}")
    if multi_class == "ovo" and sample_weight is not None:
        raise ValueError("sample_weight is not supported for multiclass one-vs-one ROC AUC")
    y_true = _as_1d("y_true", y_true)
    if y_score.ndim != 2:
        raise ValueError(f"y_score must be 2-d (n_samples, n_classes), got shape {y_score.shape}")
    _check_lengths(y_true=y_true, y_score=y_score)
    _check_finite("y_score", y_score)
    if not np.allclose(y_score.sum(axis=1), 1.0):
        raise ValueError(
            "Target scores need to be probabilities for multiclass roc_auc, i.e. they should "
            "sum up to 1.0 over classes"
        )
    classes = np.unique(y_true) if labels is None else np.asarray(labels)
    if labels is not None:
        if len(np.unique(classes)) != len(classes):
            raise ValueError("Parameter 'labels' must be unique")
        if np.any(classes[:-1] > classes[1:]):
            raise ValueError("Parameter 'labels' must be ordered")
        if np.setdiff1d(y_true, classes).size:
            raise ValueError("'y_true' contains labels not in parameter 'labels'")
    if len(classes) != y_score.shape[1]:
        raise ValueError(
            f"Number of classes in y_true ({len(classes)}) not equal to the number of columns in "
            f"'y_score' ({y_score.shape[1]})"
        )
    if multi_class == "ovr":
        Y = (y_true[:, None] == classes[None, :]).astype(np.float64)
        if sample_weight is not None:
            sample_weight = _as_1d("sample_weight", sample_weight, dtype=np.float64)

        def metric(yc, sc, w):
            return _binary_roc_auc(yc.astype(bool), sc, w, None)
        return _average_binary_score(metric, Y, y_score, average, sample_weight)
    if average not in ("macro", "weighted"):
        raise ValueError(f"average must be 'macro' or 'weighted' for multi_class='ovo', got {average!r}")
    pair_scores, prevalence = [], []
    for a in range(len(classes)):
        for b in range(a + 1, len(classes)):
            mask = (y_true == classes[a]) | (y_true == classes[b])
            ya = y_true[mask] == classes[a]
            auc_a = _binary_roc_auc(ya, y_score[mask, a], None, None)
            auc_b = _binary_roc_auc(~ya, y_score[mask, b], None, None)
            pair_scores.append((auc_a + auc_b) / 2)
            prevalence.append(mask.mean())
    if average == "weighted":
        return float(np.average(pair_scores, weights=prevalence))
    return float(np.mean(pair_scores))


def _check_multilabel(y_true, y_score, sample_weight):
    Y = np.asarray(y_true, dtype=np.float64)
    S = np.asarray(y_score, dtype=np.float64)
    if S.shape != Y.shape:
        raise ValueError(f"y_true and y_score have different shapes: {Y.shape} and {S.shape}")
    _check_finite("y_score", S)
    if sample_weight is not None:
        sample_weight = _as_1d("sample_weight", sample_weight, dtype=np.float64)
        _check_lengths(y_true=Y, sample_weight=sample_weight)
    return Y, S, sample_weight


def _average_binary_score(metric, Y, S, average, sample_weight):
    """Average a binary metric over the columns of indicator targets (scikit-learn's rules).

    "micro": the metric of all (sample, label) pairs pooled; "macro": the plain mean over
    labels; "weighted": the mean weighted by each label's (weighted) number of positives;
    "samples": the mean over samples of the metric of each row; None: one score per label.
    """
    averages = ("micro", "macro", "weighted", "samples", None)
    if average not in averages:
        raise ValueError(f"average has to be one of {averages}, got {average!r}")
    n, k = Y.shape
    if average == "micro":
        w = None if sample_weight is None else np.repeat(sample_weight, k)
        return float(metric(Y.ravel(), S.ravel(), w))
    if average == "samples":
        scores = np.array([metric(Y[i], S[i], None) for i in range(n)])
        return float(np.average(scores, weights=sample_weight))
    weights = None
    if average == "weighted":
        sw = np.ones(n) if sample_weight is None else sample_weight
        weights = (Y * sw[:, None]).sum(axis=0)
        if np.isclose(weights.sum(), 0.0):
            return 0.0
    scores = np.array([metric(Y[:, c], S[:, c], sample_weight) for c in range(k)])
    if average is None:
        return scores
    if weights is not None:
        scores[weights == 0] = 0.0
    return float(np.average(scores, weights=weights))


def _binary_ap(y_bin, score, sample_weight):
    pos = np.asarray(y_bin).astype(bool)
    fps, tps, thr = _binary_counts_sorted(pos, np.asarray(score, dtype=np.float64), sample_weight)
    precision, recall = _precision_recall(fps, tps)
    precision = np.hstack((precision[::-1], 1))
    recall = np.hstack((recall[::-1], 0))
    return -np.sum(np.diff(recall) * precision[:-1])


def _precision_recall(fps, tps):
    ps = tps + fps
    precision = np.zeros_like(tps)
    np.divide(tps, ps, out=precision, where=ps != 0)
    if tps[-1] == 0:
        warnings.warn(
            "No positive class found in y_true, recall is set to one for all thresholds",
            UserWarning,
        )
        recall = np.ones_like(tps)
    else:
        recall = tps / tps[-1]
    return precision, recall


def _binary_counts_sorted(pos, y_score, sample_weight):
    """Cumulative (fps, tps) at the end of each run of tied scores, scores descending."""
    order = np.argsort(-y_score, kind="stable")          # ties keep their order
    s = y_score[order]
    p = pos[order].astype(np.float64)
    w = np.ones(len(s)) if sample_weight is None else sample_weight[order]
    run_end = np.r_[np.flatnonzero(s[1:] != s[:-1]), len(s) - 1]
    tps = np.cumsum(p * w)[run_end]
    fps = np.cumsum((1 - p) * w)[run_end] if sample_weight is not None else 1 + run_end - tps
    return fps, tps, s[run_end]


def precision_recall_curve(y_true, y_score, *, pos_label=None, sample_weight=None,
                           drop_intermediate=False):
    """Precision-recall pairs for every distinct score threshold.

    ``precision(t) = TP(t) / (TP(t) + FP(t))`` (0 when nothing is predicted positive),
    ``recall(t) = TP(t) / P``. Returned with increasing thresholds, plus a last point
    ``(precision=1, recall=0)`` without a threshold, as in scikit-learn.

    Examples
    --------
    >>> p, r, t = precision_recall_curve([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
    >>> p.round(3).tolist(), r.tolist(), t.tolist()
    ([0.5, 0.667, 0.5, 1.0, 1.0], [1.0, 1.0, 0.5, 0.5, 0.0], [0.1, 0.35, 0.4, 0.8])
    """
    pos, y_score, sample_weight = _binary_targets(y_true, y_score, pos_label, sample_weight)
    fps, tps, thresholds = _binary_counts_sorted(pos, y_score, sample_weight)
    if drop_intermediate and len(fps) > 2:
        keep = np.where(np.concatenate(
            [[True], np.logical_or(np.diff(tps[:-1]), np.diff(tps[1:])), [True]]))[0]
        fps, tps, thresholds = fps[keep], tps[keep], thresholds[keep]
    precision, recall = _precision_recall(fps, tps)
    return np.hstack((precision[::-1], 1)), np.hstack((recall[::-1], 0)), thresholds[::-1]


def average_precision_score(y_true, y_score, *, average="macro", pos_label=1, sample_weight=None):
    """Average precision: ``AP = sum_k (R_k - R_{k-1}) P_k`` over the thresholds.

    The step-wise (non-interpolated) area under the precision-recall curve, as in scikit-learn.
    Multiclass ``y_true`` (with ``y_score`` of shape (n_samples, n_classes)) and multilabel
    indicator targets are scored one label against the rest and averaged: "micro" (all
    label/sample pairs pooled), "macro", "weighted" (by number of positives), "samples"
    (multilabel: per row) or None (one AP per label).

    Examples
    --------
    >>> round(average_precision_score([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]), 4)
    0.8333
    """
    y_true = np.asarray(y_true)
    y_score = np.asarray(y_score, dtype=np.float64)
    y_type = type_of_target(y_true, input_name="y_true")
    if y_type == "multilabel-indicator":
        Y, S, sw = _check_multilabel(y_true, y_score, sample_weight)
        return _average_binary_score(_binary_ap, Y, S, average, sw)
    if y_type == "multiclass" or (y_score.ndim == 2 and y_score.shape[1] > 1):
        if pos_label != 1:
            raise ValueError(
                "Parameter pos_label is fixed to 1 for multiclass y_true. Do not set pos_label "
                "or set pos_label to 1.")
        y_true = _as_1d("y_true", y_true)
        classes = np.unique(y_true)
        if y_score.ndim != 2 or y_score.shape[1] != len(classes):
            raise ValueError(
                f"y_score must have shape (n_samples, n_classes={len(classes)}) for a multiclass "
                f"y_true, got {y_score.shape}")
        _check_lengths(y_true=y_true, y_score=y_score)
        _check_finite("y_score", y_score)
        Y = (y_true[:, None] == classes[None, :]).astype(np.float64)
        sw = None if sample_weight is None else _as_1d("sample_weight", sample_weight, dtype=np.float64)
        return _average_binary_score(_binary_ap, Y, y_score, average, sw)
    if y_type != "binary":
        raise ValueError(
            f"average_precision_score supports binary, multiclass and multilabel targets, got {y_type!r}")
    y_true = _as_1d("y_true", y_true)
    classes = np.unique(y_true)
    if len(classes) == 2 and pos_label not in classes.tolist():
        raise ValueError(f"pos_label={pos_label} is not a valid label. It should be one of {classes}")
    precision, recall, _ = precision_recall_curve(
        y_true, y_score, pos_label=pos_label, sample_weight=sample_weight)
    return float(-np.sum(np.diff(recall) * precision[:-1]))
