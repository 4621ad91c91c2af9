"""Split criteria on summed per-sample statistics.

All helpers take statistics laid out as (C, P): one row per statistic, one column per node
or candidate split. Row 0 is the sample count; the other rows are the sums of the columns of
``S`` described in ``grow_tree`` (weighted class counts for gini / entropy; ``w, w y, w y^2``
for mse).
"""
import numpy as np
from scipy.special import xlogy


def _node_weight(T, crit):
    if crit in ("gini", "entropy"):
        return T[1:].sum(axis=0)
    return T[1]                                          # mse


def _impurity(T, crit):
    if crit == "gini":
        w = T[1:].sum(axis=0)
        return 1.0 - np.sum((T[1:] / w) ** 2, axis=0)
    if crit == "entropy":
        w = T[1:].sum(axis=0)
        p = T[1:] / w
        return -np.sum(xlogy(p, p), axis=0) / np.log(2.0)
    return np.maximum(T[3] / T[1] - (T[2] / T[1]) ** 2, 0.0)     # mse


def _node_value(T, crit):
    if crit in ("gini", "entropy"):
        return (T[1:] / T[1:].sum(axis=0)).T
    return (T[2] / T[1])[:, None]                        # mse
