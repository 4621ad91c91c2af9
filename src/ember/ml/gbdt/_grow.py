"""Growing one boosting tree on per-sample gradients ``g`` and hessians ``h``.

``ExactTrees`` runs XGBoost's exact greedy algorithm through ``ember.ml.tree``'s builder on
presorted features; ``HistTrees`` buckets every feature into quantile bins once and grows
depth-wise on gradient histograms (``_grow_hist``).  ``_prune_and_compact`` is XGBoost's
bottom-up pruner of splits with gain below ``gamma``.
"""
import numpy as np

from ..tree import Tree, grow_tree
from ..tree._builder import gradient_statistics

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
                    tree.depth, strict=tree.strict)
    remap = np.full(tree.node_count, -1)
    remap[keep] = np.arange(keep.size)
    left = np.where(cl[keep] >= 0, remap[np.maximum(cl[keep], 0)], -1)
    right = np.where(cr[keep] >= 0, remap[np.maximum(cr[keep], 0)], -1)
    return Tree(left, right, tree.feature[keep], tree.threshold[keep], tree.value[keep],
                tree.impurity[keep], tree.n_node_samples[keep],
                tree.weighted_n_node_samples[keep], tree.improvement[keep], tree.depth[keep],
                strict=tree.strict)


def _make_cuts(X, max_bin):
    """Per-feature float32 cut points (bin upper edges): midpoints between distinct values
    when a feature has at most ``max_bin`` of them, otherwise quantile midpoints."""
    cuts = []
    for f in range(X.shape[1]):
        u = np.unique(X[:, f])
        if u.size > max_bin:
            q = np.quantile(X[:, f], np.linspace(0.0, 1.0, max_bin + 1)[1:-1], method="lower")
            u = np.unique(np.concatenate([q, [u[-1]]]).astype(np.float32))
        c = ((u[:-1] + u[1:]) * np.float32(0.5)).astype(np.float32)
        cuts.append(np.unique(c))
    return cuts


def _bin(X, cuts):
    """Bin index of every value: ``x <= cuts[b]`` iff ``bin <= b``."""
    nb = max(c.size for c in cuts) + 1
    dtype = np.uint8 if nb <= 256 else np.uint16
    B = np.empty(X.shape, dtype=dtype)
    for f, c in enumerate(cuts):
        B[:, f] = np.searchsorted(c, X[:, f], side="left")
    return B


def _grow_hist(BF, NB, cuts_pad, valid_bin, g, h, rows, *, max_depth, reg_lambda,
               min_child_weight, eta, feats):
    """Depth-wise growth on gradient histograms. ``BF[i, f] = f * NB + bin`` (intp)."""
    F = BF.shape[1]
    lam = reg_lambda
    stride = F * NB
    BFr = BF[rows]
    gr, hr = g[rows], h[rows]
    n_r = rows.shape[0]
    nid = np.zeros(n_r, dtype=np.intp)
    fmask = np.zeros(F, dtype=bool)
    fmask[feats] = True
    bin_ok = valid_bin & fmask[:, None]              # (F, NB) usable split bins

    def hist(sel, slot, nslots):
        # one bincount over (row, feature) pairs per statistic; np.take beats fancy indexing
        idx = np.take(BFr, sel, axis=0)
        if nslots > 1:
            idx = idx + (slot * stride)[:, None]
        idx = idx.ravel()
        size = nslots * stride
        hg = np.bincount(idx, weights=np.repeat(np.take(gr, sel), F), minlength=size)
        hh = np.bincount(idx, weights=np.repeat(np.take(hr, sel), F), minlength=size)
        return hg.reshape(nslots, F, NB), hh.reshape(nslots, F, NB)

    HG, HH = hist(np.arange(n_r), np.zeros(n_r, dtype=np.intp), 1)
    G = np.array([gr.sum()])
    H = np.array([hr.sum()])
    cnt = np.array([n_r])
    nodes = dict(left=[], right=[], feat=[], thr=[], gain=[], G=[], H=[], cnt=[], depth=[])
    n_nodes = 1

    def add(Gv, Hv, cv, d):
        k = Gv.shape[0]
        nodes["left"].append(np.full(k, -1))
        nodes["right"].append(np.full(k, -1))
        nodes["feat"].append(np.full(k, -2))
        nodes["thr"].append(np.full(k, -2.0))
        nodes["gain"].append(np.zeros(k))
        nodes["G"].append(Gv)
        nodes["H"].append(Hv)
        nodes["cnt"].append(cv)
        nodes["depth"].append(np.full(k, d))

    add(G, H, cnt, 0)
    for depth in range(max_depth):
        can = (H >= 2.0 * min_child_weight) & (cnt >= 2)
        cj = np.flatnonzero(can)
        if cj.size == 0:
            break
        GL = np.cumsum(HG[cj], axis=2)
        HL = np.cumsum(HH[cj], axis=2)
        Gc, Hc = G[cj][:, None, None], H[cj][:, None, None]
        GR = Gc - GL
        HR = Hc - HL
        ok = (HL >= min_child_weight) & (HR >= min_child_weight)
        ok &= bin_ok[None]
        # children's structure score; the parent's G^2/(H+lambda) is subtracted per node below
        HL += lam
        HR += lam
        with np.errstate(divide="ignore", invalid="ignore"):
            score = GL * GL
            score /= HL
            GR *= GR
            GR /= HR
            score += GR
        ok &= np.isfinite(score)   # 0/0 for empty children when lambda = 0
        score[~ok] = -np.inf
        score = score.reshape(cj.size, -1)
        smax = score.max(axis=1, keepdims=True)
        # near-ties (rounding noise between equivalent splits) go to the lowest index
        best = np.argmax(score >= smax - 1e-12 * np.abs(smax), axis=1)
        bgain = score[np.arange(cj.size), best] - G[cj] ** 2 / (H[cj] + lam)
        sel = bgain > _KRT_EPS
        if not sel.any():
            break
        HL -= lam
        sj, best, bgain = cj[sel], best[sel], bgain[sel]
        bf, bb = best // NB, best % NB
        k = sj.size
        GLb = GL[np.flatnonzero(sel), bf, bb]
        HLb = HL[np.flatnonzero(sel), bf, bb]
        child_ids = n_nodes + np.arange(2 * k)
        nodes["left"][-1][sj] = child_ids[0::2]
        nodes["right"][-1][sj] = child_ids[1::2]
        nodes["feat"][-1][sj] = bf
        nodes["thr"][-1][sj] = cuts_pad[bf, bb]
        nodes["gain"][-1][sj] = bgain
        n_nodes += 2 * k
        # route rows
        rank = np.full(G.shape[0], -1)
        rank[sj] = np.arange(k)
        r = np.where(nid >= 0, rank[np.maximum(nid, 0)], -1)
        act = r >= 0
        ra = r[act]
        go_right = (np.take(BFr.ravel(), np.flatnonzero(act) * F + np.take(bf, ra))
                    > np.take(bf * NB + bb, ra))
        new_nid = np.full(n_r, -1)
        new_nid[act] = 2 * ra + go_right
        cG = np.empty(2 * k)
        cH = np.empty(2 * k)
        cG[0::2], cG[1::2] = GLb, G[sj] - GLb
        cH[0::2], cH[1::2] = HLb, H[sj] - HLb
        ccnt = np.bincount(new_nid[act], minlength=2 * k)
        add(cG, cH, ccnt, depth + 1)
        # histograms: the smaller child directly, its sibling by subtraction
        if depth + 1 < max_depth:
            small_is_right = ccnt[1::2] < ccnt[0::2]
            small = 2 * np.arange(k) + small_is_right
            slot_of = np.full(2 * k, -1)
            slot_of[small] = np.arange(k)
            s = slot_of[np.maximum(new_nid, 0)]
            selr = (new_nid >= 0) & (s >= 0)
            hg_s, hh_s = hist(np.flatnonzero(selr), s[selr], k)
            HGn = np.empty((2 * k, F, NB))
            HHn = np.empty((2 * k, F, NB))
            HGn[small], HHn[small] = hg_s, hh_s
            HGn[small ^ 1] = HG[sj] - hg_s
            HHn[small ^ 1] = HH[sj] - hh_s
            HG, HH = HGn, HHn
        G, H, cnt, nid = cG, cH, ccnt, new_nid

    Gv = np.concatenate(nodes["G"])
    Hv = np.concatenate(nodes["H"])
    value = (-eta * Gv / (Hv + lam))[:, None]
    nn = np.concatenate(nodes["cnt"])
    return Tree(np.concatenate(nodes["left"]), np.concatenate(nodes["right"]),
                np.concatenate(nodes["feat"]), np.concatenate(nodes["thr"]), value,
                -(Gv ** 2) / (Hv + lam), nn, Hv, np.concatenate(nodes["gain"]),
                np.concatenate(nodes["depth"]), strict=False)


class ExactTrees:
    """XGBoost's exact greedy growth: every split between consecutive distinct float32 values
    of the features, ``x < threshold`` going left."""

    def __init__(self, X):
        self.n = X.shape[0]
        self.XT = np.ascontiguousarray(X.T, dtype=np.float32)

    def grow(self, g, h, rows, feats, *, max_depth, reg_lambda, min_child_weight, eta):
        """A tree on the samples ``rows`` and the features ``feats``."""
        XT = self.XT if feats.size == self.XT.shape[0] else self.XT[feats]
        t = grow_tree(XT, rows, gradient_statistics(g, h), "xgb", max_depth=max_depth,
                      reg_lambda=reg_lambda, min_child_weight=min_child_weight,
                      min_split_gain=_KRT_EPS, eta=eta, strict=True)
        internal = t.children_left >= 0
        t.feature[internal] = feats[t.feature[internal]]
        return t


class HistTrees:
    """Histogram growth: cut points from the rows ``active`` of ``X`` (at most ``max_bin``
    bins per feature), every sample binned once."""

    def __init__(self, X, active, max_bin):
        F = X.shape[1]
        cuts = _make_cuts(X[active], max_bin)
        B = _bin(X, cuts)
        self.NB = NB = max(c.size for c in cuts) + 1
        self.cuts_pad = np.full((F, NB), np.inf)
        self.valid_bin = np.zeros((F, NB), dtype=bool)
        for f, c in enumerate(cuts):
            self.cuts_pad[f, :c.size] = c
            self.valid_bin[f, :c.size] = True
        self.BF = B.astype(np.intp) + (np.arange(F, dtype=np.intp) * NB)[None, :]

    def grow(self, g, h, rows, feats, *, max_depth, reg_lambda, min_child_weight, eta):
        """A tree on the samples ``rows`` and the features ``feats``."""
        return _grow_hist(self.BF, self.NB, self.cuts_pad, self.valid_bin, g, h, rows,
                          max_depth=max_depth, reg_lambda=reg_lambda,
                          min_child_weight=min_child_weight, eta=eta, feats=feats)
