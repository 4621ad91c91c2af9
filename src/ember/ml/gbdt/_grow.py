"""Growing one boosting tree on per-sample gradients ``g`` and hessians ``h``.

``ExactTrees`` runs XGBoost's exact greedy algorithm through ``ember.ml.tree``'s compiled
builder; ``HistTrees`` buckets every feature into quantile bins once and grows on gradient
histograms (``_hist.grow_hist``).  ``_prune_and_compact`` is XGBoost's
bottom-up pruner of splits with gain below ``gamma``.
"""
import numpy as np

from ..tree import Tree, grow_tree
from ..tree._builder import gradient_statistics
from ._hist import bin_features, grow_hist, make_cuts

_KRT_EPS = 1e-6  # XGBoost's minimal loss change for a split


def _prune_and_compact(tree, gamma):
    """XGBoost-style bottom-up pruning of splits with gain < gamma, then drop dead nodes."""
    if gamma > 0:
        cl, cr = tree.children_left, tree.children_right
        for i in range(tree.node_count - 1, -1, -1):
            if cl[i] >= 0 and cl[cl[i]] < 0 and cl[cr[i]] < 0 and tree.improvement[i] < gamma:
                tree.make_leaf(i)
    # keep reachable nodes only (breadth-first renumbering)
    keep, frontier = [0], [0]
    cl, cr = tree.children_left, tree.children_right
    while frontier:
        nxt = []
        for i in frontier:
            if cl[i] >= 0:
                nxt += [cl[i], cr[i]]
        keep += nxt
        frontier = nxt
    keep = np.array(keep)
    if keep.size == tree.node_count:
        return Tree(cl, cr, tree.feature, tree.threshold, tree.value, tree.impurity,
                    tree.n_node_samples, tree.weighted_n_node_samples, tree.improvement,
                    tree.depth, strict=tree.strict, missing_left=tree.missing_left)
    remap = np.full(tree.node_count, -1)
    remap[keep] = np.arange(keep.size)
    left = np.where(cl[keep] >= 0, remap[np.maximum(cl[keep], 0)], -1)
    right = np.where(cr[keep] >= 0, remap[np.maximum(cr[keep], 0)], -1)
    return Tree(left, right, tree.feature[keep], tree.threshold[keep], tree.value[keep],
                tree.impurity[keep], tree.n_node_samples[keep],
                tree.weighted_n_node_samples[keep], tree.improvement[keep], tree.depth[keep],
                strict=tree.strict,
                missing_left=None if tree.missing_left is None else tree.missing_left[keep])


class ExactTrees:
    """XGBoost's exact greedy growth: every split between consecutive distinct float32 values
    of the features, ``x < threshold`` going left."""

    def __init__(self, X):
        self.n = X.shape[0]
        self.XT = np.ascontiguousarray(X.T, dtype=np.float32)
        self.col_missing = np.isnan(self.XT).any(axis=1)

    def grow(self, g, h, rows, feats, *, max_depth, reg_lambda, min_child_weight, eta):
        """A tree on the samples ``rows`` and the features ``feats``."""
        every = feats.size == self.XT.shape[0]
        t = grow_tree(self.XT if every else self.XT[feats], rows, gradient_statistics(g, h),
                      "xgb", max_depth=max_depth, reg_lambda=reg_lambda,
                      min_child_weight=min_child_weight, min_split_gain=_KRT_EPS, eta=eta,
                      strict=True, col_missing=self.col_missing[feats])
        internal = t.children_left >= 0
        t.feature[internal] = feats[t.feature[internal]]
        return t


class HistTrees:
    """Histogram growth (``_hist.py``): cut points from the rows ``active`` of ``X`` (at most
    ``max_bin`` bins per feature), every sample binned once."""

    def __init__(self, X, active, max_bin):
        self.B, self.NB, self.cuts_pad, self.n_cuts = bin_features(X, make_cuts(X[active], max_bin))

    def grow(self, g, h, rows, feats, *, max_depth, reg_lambda, min_child_weight, eta):
        """A tree on the samples ``rows`` and the features ``feats``."""
        fmask = np.zeros(self.B.shape[1], dtype=np.bool_)
        fmask[feats] = True
        left, right, feat, b, miss_left, gain, G, H, cnt, depth = grow_hist(
            self.B, self.NB, self.n_cuts, np.array(rows, dtype=np.intp), g, h, fmask,
            int(max_depth), float(reg_lambda), float(min_child_weight), _KRT_EPS)
        inner = left >= 0
        thr = np.where(b < 0, -np.inf, self.cuts_pad[np.maximum(feat, 0), np.maximum(b, 0)])
        thr = np.where(inner, thr, -2.0)
        return Tree(left, right, feat, thr, (-eta * G / (H + reg_lambda))[:, None],
                    -(G ** 2) / (H + reg_lambda), cnt, H, gain, depth, strict=False,
                    missing_left=miss_left)
