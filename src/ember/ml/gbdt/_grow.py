"""Growing one boosting tree on per-sample gradients ``g`` and hessians ``h``.

``ExactTrees`` runs XGBoost's exact greedy algorithm on columns sorted once
(``_exact.grow_exact``); ``HistTrees`` buckets every feature into quantile bins once and
grows on gradient histograms (``_hist.grow_hist``).  ``_gradient_tree`` makes either's nodes
a ``Tree``; ``_prune_and_compact`` is XGBoost's bottom-up pruner of splits with gain below
``gamma``.
"""
import threading

import numba
import numpy as np

from ..tree import Tree
from ._exact import grow_exact, presort
from ._hist import bin_features, grow_hist, hist_pool, make_cuts

_KRT_EPS = 1e-6  # XGBoost's minimal loss change for a split


def _node_cap(n_rows, max_depth):
    """The most nodes a tree of depth ``max_depth`` on ``n_rows`` rows can have."""
    return min(2 * n_rows + 1, 2 ** (min(max_depth, 40) + 1))


def _gradient_tree(left, right, feature, threshold, missing_left, G, H, count, depth, lam, eta,
                   strict):
    """The ``Tree`` of a grown boosting tree from its nodes' gradient and hessian sums: leaf
    weight ``-eta G / (H + lambda)``, impurity ``-G^2 / (H + lambda)``, and each split's
    gain (the children's structure scores minus the node's)."""
    score = G ** 2 / (H + lam)
    gain = np.zeros(left.shape[0])
    inner = left >= 0
    gain[inner] = score[left[inner]] + score[right[inner]] - score[inner]
    return Tree(left, right, feature, threshold, (-eta * G / (H + lam))[:, None], -score, count,
                H, gain, depth, missing_left, strict=strict)


def _prune_and_compact(tree, gamma):
    """XGBoost-style bottom-up pruning of splits with gain < gamma, then drop dead nodes
    (``tree`` itself when nothing was pruned)."""
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
        return tree                                 # nothing pruned: the tree itself
    remap = np.full(tree.node_count, -1)
    remap[keep] = np.arange(keep.size)
    left = np.where(cl[keep] >= 0, remap[np.maximum(cl[keep], 0)], -1)
    right = np.where(cr[keep] >= 0, remap[np.maximum(cr[keep], 0)], -1)
    return Tree(left, right, tree.feature[keep], tree.threshold[keep], tree.value[keep],
                tree.impurity[keep], tree.n_node_samples[keep],
                tree.weighted_n_node_samples[keep], tree.improvement[keep], tree.depth[keep],
                tree.missing_left[keep], strict=tree.strict)


class ExactTrees:
    """XGBoost's exact greedy growth (``_exact.py``): every split between consecutive distinct
    float32 values of the features, ``x < threshold`` going left, on columns sorted once."""

    def __init__(self, X):
        self.XT = np.ascontiguousarray(X.T, dtype=np.float32)
        self.order, self.vals, self.nv = presort(self.XT)
        self.col_missing = self.nv < self.XT.shape[1]

    def grow(self, g, h, rows, feats, *, max_depth, reg_lambda, min_child_weight, eta):
        """A tree on the samples ``rows`` and the features ``feats``, and each sample's leaf
        (-1 for those not in ``rows``)."""
        fmask = np.zeros(self.XT.shape[0], dtype=np.bool_)
        fmask[feats] = True
        rows = np.asarray(rows, dtype=np.intp)
        left, right, feat, thr, miss_left, G, H, cnt, depth, leaf = grow_exact(
            self.XT, self.order, self.vals, self.nv, rows, g, h, fmask, self.col_missing,
            int(max_depth), _node_cap(rows.size, max_depth), float(reg_lambda), float(min_child_weight), _KRT_EPS,
            numba.get_num_threads())
        return _gradient_tree(left, right, feat, thr, miss_left, G, H, cnt, depth, reg_lambda,
                              eta, strict=True), leaf


class HistTrees:
    """Histogram growth (``_hist.py``): cut points from the rows ``active`` of ``X`` (at most
    ``max_bin`` bins per feature), every sample binned once; one histogram pool per thread."""

    def __init__(self, X, active, max_bin):
        self.B, self.NB, self.cuts_pad, self.n_cuts = bin_features(X, make_cuts(X[active], max_bin))
        self.pools = threading.local()

    def grow(self, g, h, rows, feats, *, max_depth, reg_lambda, min_child_weight, eta):
        """A tree on the samples ``rows`` and the features ``feats``, and each sample's leaf
        (-1 for those not in ``rows``)."""
        fmask = np.zeros(self.B.shape[1], dtype=np.bool_)
        fmask[feats] = True
        pool = getattr(self.pools, "pool", None)
        if pool is None:
            pool = self.pools.pool = hist_pool(max_depth, self.B.shape[1], self.NB)
        rows = np.array(rows, dtype=np.intp)
        left, right, feat, b, miss_left, G, H, cnt, depth, leaf = grow_hist(
            self.B, self.NB, self.n_cuts, rows, g, h, fmask, int(max_depth),
            _node_cap(rows.size, max_depth), pool, float(reg_lambda), float(min_child_weight),
            _KRT_EPS)
        thr = np.where(b < 0, -np.inf, self.cuts_pad[np.maximum(feat, 0), np.maximum(b, 0)])
        thr = np.where(left >= 0, thr, -2.0)
        return _gradient_tree(left, right, feat, thr, miss_left, G, H, cnt, depth, reg_lambda,
                              eta, strict=False), leaf
