"""Split criteria on summed per-sample statistics.

All helpers take statistics laid out as (C, P): one row per statistic, one column per node
or candidate split. Row 0 is the sample count; the other rows are the sums of the columns of
``S`` described in ``grow_tree`` (weighted class counts for gini / entropy; ``w, w y, w y^2``
for mse; gradient and hessian for xgb).
"""
import numpy as np
from scipy.special import xlogy


def _node_weight(T, crit):
    if crit in ("gini", "entropy"):
        return T[1:].sum(axis=0)
    if crit == "mse":
        return T[1]
    return T[2]  # xgb: hessian sum


def _impurity(T, crit, reg_lambda=1.0):
    if crit == "gini":
        w = T[1:].sum(axis=0)
        return 1.0 - np.sum((T[1:] / w) ** 2, axis=0)
    if crit == "entropy":
        w = T[1:].sum(axis=0)
        p = T[1:] / w
        return -np.sum(xlogy(p, p), axis=0) / np.log(2.0)
    if crit == "mse":
        return np.maximum(T[3] / T[1] - (T[2] / T[1]) ** 2, 0.0)
    # xgb: the "impurity" is minus the structure score G^2 / (H + lambda)
    return -(T[1] ** 2) / (T[2] + reg_lambda)


def _xgb_split_score(L, R, reg_lambda=1.0):
    """XGBoost's children's structure score ``G_L^2 / (H_L + lambda) + G_R^2 / (H_R + lambda)``
    (the splitter's per-candidate proxies are in ``_splitter._side``)."""
    return L[1] ** 2 / (L[2] + reg_lambda) + R[1] ** 2 / (R[2] + reg_lambda)


def _node_value(T, crit, reg_lambda=1.0, eta=1.0):
    if crit in ("gini", "entropy"):
        return (T[1:] / T[1:].sum(axis=0)).T
    if crit == "mse":
        return (T[2] / T[1])[:, None]
    return (-eta * T[1] / (T[2] + reg_lambda))[:, None]
