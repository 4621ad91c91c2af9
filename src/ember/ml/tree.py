"""CART decision trees (classification and regression) written on NumPy.

The builder grows the tree level by level (breadth first) and splits all nodes of a level
at once, scoring every threshold of every candidate feature of every node with a single
``cumsum`` of the per-sample statistics (weighted class counts, or weighted target sums)
taken in feature order:

* dense layout (plain trees, boosting): every feature is sorted once for the whole
  training set, the per-feature orders are kept grouped by node (a stable radix sort on
  the node ids after each level), and the cumulative statistics of the whole
  (n_features, n_samples) matrix are computed per level;
* sparse layout (random forests, where a node draws few features): a single node-grouped
  sample list is kept, and each drawn (node, feature) segment is sorted on the fly by the
  sample's precomputed rank in that feature.

For a node with weighted class counts ``c_k`` and weight ``w`` the impurities are

* gini:     ``1 - sum_k (c_k / w)^2``
* entropy:  ``-sum_k (c_k / w) log2(c_k / w)``  (``"log_loss"`` is the same criterion)
* squared error (regression): ``sum_i w_i (y_i - ybar)^2 / w``

and the chosen split maximises the weighted impurity decrease
``w * I(node) - w_L * I(left) - w_R * I(right)``. As in scikit-learn, candidate thresholds
are the midpoints between consecutive distinct values of the (float32) feature, samples
with ``x <= threshold`` go left, features are visited in a random order (ties go to the
first feature in that order) and ``max_features`` features that are not constant in the
node are drawn at every split.

    >>> from sklearn.datasets import load_iris
    >>> from ember.ml.tree import DecisionTreeClassifier
    >>> X, y = load_iris(return_X_y=True)
    >>> clf = DecisionTreeClassifier(max_depth=3, random_state=0).fit(X, y)
    >>> clf.get_depth(), round(clf.score(X, y), 2)
    (3, 0.97)
"""
import numbers

import numpy as np
from scipy.special import xlogy
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.utils import check_random_state
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import _check_sample_weight, check_is_fitted, validate_data

__all__ = ["DecisionTreeClassifier", "DecisionTreeRegressor"]

_FEATURE_THRESHOLD = 1e-7  # scikit-learn's tolerance for "distinct" feature values
_EPS = np.finfo(np.float64).eps
_TREE_LEAF = -1


class Tree:
    """Array-based binary tree (the layout of scikit-learn's ``tree_``).

    Node ``i`` is a leaf iff ``children_left[i] == -1``. Internal nodes send a sample to
    ``children_left`` when ``x[feature] <= threshold`` (or ``<`` when ``strict``, the
    XGBoost convention) and to ``children_right`` otherwise. ``value[i]`` holds the class
    fractions (classification), the mean target (regression) or the leaf weight (boosting).
    """

    def __init__(self, children_left, children_right, feature, threshold, value, impurity,
                 n_node_samples, weighted_n_node_samples, improvement, depth, strict=False):
        self.children_left = np.asarray(children_left, dtype=np.intp)
        self.children_right = np.asarray(children_right, dtype=np.intp)
        self.feature = np.asarray(feature, dtype=np.intp)
        self.threshold = np.asarray(threshold, dtype=np.float64)
        self.value = np.asarray(value, dtype=np.float64)
        self.impurity = np.asarray(impurity, dtype=np.float64)
        self.n_node_samples = np.asarray(n_node_samples, dtype=np.intp)
        self.weighted_n_node_samples = np.asarray(weighted_n_node_samples, dtype=np.float64)
        self.improvement = np.asarray(improvement, dtype=np.float64)
        self.depth = np.asarray(depth, dtype=np.intp)
        self.strict = strict
        self._finalize()

    def _finalize(self):
        leaf = self.children_left == _TREE_LEAF
        ids = np.arange(self.node_count)
        self._left = np.where(leaf, ids, self.children_left)
        self._right = np.where(leaf, ids, self.children_right)
        self._feat = np.where(leaf, 0, self.feature)
        self._thr = np.where(leaf, np.inf, self.threshold)
        internal = ~leaf
        self.max_depth = int(self.depth[leaf].max()) if self.node_count else 0
        self.n_leaves = int(leaf.sum())
        self._internal_max_depth = int(self.depth[internal].max()) + 1 if internal.any() else 0

    @property
    def node_count(self):
        return self.children_left.shape[0]

    def make_leaf(self, i):
        """Turn node ``i`` into a leaf (its subtree becomes unreachable)."""
        self.children_left[i] = _TREE_LEAF
        self.children_right[i] = _TREE_LEAF
        self.feature[i] = -2
        self.threshold[i] = -2.0

    def apply(self, X):
        """Index of the leaf reached by every row of ``X`` (vectorised over rows)."""
        n = X.shape[0]
        node = np.zeros(n, dtype=np.intp)
        rows = np.arange(n)
        for _ in range(self._internal_max_depth):
            xv = X[rows, self._feat[node]]
            thr = self._thr[node]
            go_left = xv < thr if self.strict else xv <= thr
            node = np.where(go_left, self._left[node], self._right[node])
        return node

    def predict(self, X):
        return self.value[self.apply(X)]

    def compute_feature_importances(self, n_features, normalize=True):
        imp = np.zeros(n_features)
        internal = self.children_left != _TREE_LEAF
        np.add.at(imp, self.feature[internal], self.improvement[internal])
        if normalize:
            total = imp.sum()
            if total > 0:
                imp /= total
        return imp


# ----------------------------------------------------------------------------- criteria
# All helpers take statistics laid out as (C, P): one row per statistic, one column per
# node or candidate split. Row 0 is the sample count.
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


def _proxy(L, R, crit, reg_lambda=1.0):
    """Score to maximise (minus the children's weighted impurity, up to a constant)."""
    if crit == "gini":
        return (np.sum(L[1:] ** 2, axis=0) / L[1:].sum(axis=0)
                + np.sum(R[1:] ** 2, axis=0) / R[1:].sum(axis=0))
    if crit == "entropy":
        wl = L[1:].sum(axis=0)
        wr = R[1:].sum(axis=0)
        return (np.sum(xlogy(L[1:], L[1:] / wl), axis=0)
                + np.sum(xlogy(R[1:], R[1:] / wr), axis=0))
    if crit == "mse":
        return L[2] ** 2 / L[1] + R[2] ** 2 / R[1]
    return L[1] ** 2 / (L[2] + reg_lambda) + R[1] ** 2 / (R[2] + reg_lambda)


def _node_value(T, crit, reg_lambda=1.0, eta=1.0):
    if crit in ("gini", "entropy"):
        return (T[1:] / T[1:].sum(axis=0)).T
    if crit == "mse":
        return (T[2] / T[1])[:, None]
    return (-eta * T[1] / (T[2] + reg_lambda))[:, None]


def presort(XT):
    """Per-feature sample orders, shape (n_features, n_samples), int32. (The order among
    equal values is irrelevant: no split is ever placed between equal values.)"""
    return np.argsort(XT, axis=1).astype(np.int32, copy=False)


def _draw_nonconstant(XT, members, st, cnt, forder, mf, tol):
    """Visit each node's features in the order ``forder`` (|nodes|, F) and keep the first
    ``mf`` that are not constant in the node (scikit-learn's rule). Constancy is only
    checked for the features visited, batch by batch. Returns (node index, feature) pairs
    sorted by node, then by visiting order."""
    J, F = forder.shape
    ptr = np.zeros(J, dtype=np.intp)
    need = np.full(J, mf, dtype=np.intp)
    out_j, out_pos = [], []
    active = np.arange(J)
    while active.size:
        take = np.minimum(need[active], F - ptr[active])
        bj = np.repeat(active, take)
        off = np.arange(bj.size) - np.repeat(np.cumsum(take) - take, take)
        bpos = ptr[bj] + off
        bf = forder[bj, bpos]
        lens = cnt[bj]
        seg = np.cumsum(lens) - lens
        inner = np.arange(int(lens.sum())) - np.repeat(seg, lens)
        xv = np.take(XT.ravel(), np.repeat(bf.astype(np.int64) * XT.shape[1], lens)
                     + np.take(members, np.repeat(st[bj], lens) + inner))
        const = np.maximum.reduceat(xv, seg) <= np.minimum.reduceat(xv, seg) + tol
        good = ~const
        out_j.append(bj[good])
        out_pos.append(bpos[good])
        need -= np.bincount(bj[good], minlength=J)
        ptr[active] += take
        active = active[(need[active] > 0) & (ptr[active] < F)]
    pj = np.concatenate(out_j)
    pos = np.concatenate(out_pos)
    o = np.lexsort((pos, pj))
    pj, pos = pj[o], pos[o]
    return pj, forder[pj, pos]


def _best_splits_dense(xsorted, orders, ST, cur_T, cur_st, cur_cnt, can, cj, const, keys, mf,
                       crit, msl, tol, reg_lambda, min_child_weight, min_split_gain):
    """Score every threshold of every feature of every node of the level at once, on the
    (n_features, m) per-feature orders grouped by node. Returns the chosen splits or None."""
    xgb = crit == "xgb"
    F, m = orders.shape
    J = cur_cnt.size
    C = cur_T.shape[0]
    forder = np.argsort(keys, axis=1, kind="stable")[:, :mf]
    allowed = np.zeros((J, F), dtype=bool)
    allowed[cj[:, None], forder] = True
    allowed[cj] &= ~const
    key_j = np.full((J, F), np.inf)
    key_j[cj] = keys
    segnode = np.repeat(np.arange(J), cur_cnt)
    ar = np.arange(m)
    in_seg = ar - cur_st[segnode]
    valid = np.take(allowed.T, segnode, axis=1)                    # (F, m)
    valid &= ((in_seg >= msl - 1) & (in_seg < (cur_cnt - msl)[segnode]))[None, :]
    valid[:, :-1] &= xsorted[:, 1:] > xsorted[:, :-1] + tol
    valid[:, -1] = False
    if not valid.any():
        return None
    Lf = np.empty((C, F, m))
    Lf[0] = 0.0                                                    # row 0 (count) unused
    np.cumsum(np.take(ST, orders, axis=1), axis=2, out=Lf[1:])
    before = np.take(Lf[1:], np.maximum(cur_st - 1, 0), axis=2)
    before[:, :, cur_st == 0] = 0.0
    Lf[1:] -= np.take(before, segnode, axis=2)
    Tn = np.take(cur_T, segnode, axis=1)[:, None, :]
    R = Tn - Lf
    if xgb:
        valid &= (Lf[2] >= min_child_weight) & (R[2] >= min_child_weight)
    with np.errstate(divide="ignore", invalid="ignore"):
        score = _proxy(Lf, R, crit, reg_lambda)
        if xgb:
            # XGBoost compares float32 loss changes; it scans each dense feature from the
            # largest value down, so ties go to the lowest feature index, then to the
            # highest threshold within that feature.
            score = (score - Tn[1] ** 2 / (Tn[2] + reg_lambda)).astype(np.float32)
    del R
    valid &= np.isfinite(score)
    score[~valid] = -np.inf
    FJ = np.maximum.reduceat(score, cur_st, axis=1)               # (F, J)
    M = FJ.max(axis=0)
    if xgb:
        bf_j = np.argmax(FJ == M, axis=0)
        has = M > min_split_gain
    else:
        # near-ties (rounding noise between equivalent splits) go to the first feature
        # in the node's random visiting order, then to the first threshold
        cand = FJ >= M - 1e-12 * np.abs(M)
        bf_j = np.argmin(np.where(cand.T, key_j, np.inf), axis=1)
        has = np.isfinite(M)
    has &= can
    if not has.any():
        return None
    sc = np.take(score.ravel(), np.take(bf_j, segnode) * m + ar)
    Mj = M[segnode]
    if xgb:
        p_j = np.maximum.reduceat(np.where(sc == Mj, ar, -1), cur_st)
    else:
        p_j = np.minimum.reduceat(np.where(sc >= Mj - 1e-12 * np.abs(Mj), ar, m), cur_st)
    node_local = np.flatnonzero(has)
    bf, p = bf_j[node_local], p_j[node_local]
    Lb = Lf[:, bf, p]
    Lb[0] = p - cur_st[node_local] + 1
    Rb = cur_T[:, node_local] - Lb
    gain = None
    if xgb:
        Pg = cur_T[:, node_local]
        gain = _proxy(Lb, Rb, crit, reg_lambda) - Pg[1] ** 2 / (Pg[2] + reg_lambda)
    return node_local, bf, xsorted[bf, p], xsorted[bf, p + 1], Lb, Rb, gain


def _best_splits_pairs(XT, members, rank, ST, cur_T, cj, st, cnt, F, mf, n_all, rng, crit, msl,
                       tol, reg_lambda):
    """Best split per node when each node draws few features: the drawn (node, feature)
    segments are sorted on the fly (by precomputed per-feature ranks), concatenated and
    scored with one cumsum. Returns the chosen splits or None."""
    C = cur_T.shape[0]
    keys = rng.uniform(size=(cj.size, F))
    pj, pf = _draw_nonconstant(XT, members, st, cnt, np.argsort(keys, axis=1), mf, tol)
    if pj.size == 0:
        return None
    lens = cnt[pj]
    seg_start = np.cumsum(lens) - lens
    tot = int(seg_start[-1] + lens[-1])
    in_seg = np.arange(tot) - np.repeat(seg_start, lens)
    # (np.take is several times faster than fancy indexing on these sizes)
    fbase = np.repeat(pf.astype(np.int64) * n_all, lens)
    flat = np.take(members, in_seg + np.repeat(st[pj], lens)) + fbase
    key = np.repeat(np.arange(pj.size, dtype=np.int64) * n_all, lens)
    key += np.take(rank.ravel(), flat)
    flat = np.take(flat, np.argsort(key))
    del key
    xv = np.take(XT.ravel(), flat)
    sids = flat - fbase
    del flat, fbase
    valid = in_seg >= msl - 1
    valid &= in_seg < np.repeat(lens - msl, lens)
    valid[:-1] &= xv[1:] > xv[:-1] + tol
    valid[-1] = False
    vidx = np.flatnonzero(valid)
    del valid
    if vidx.size == 0:
        return None
    cum = np.cumsum(np.take(ST, sids, axis=1), axis=1)
    del sids
    seg_v = np.searchsorted(seg_start, vidx, side="right") - 1
    before = np.where(seg_start > 0, np.take(cum, np.maximum(seg_start - 1, 0), axis=1), 0.0)
    L = np.empty((C, vidx.size))
    L[0] = np.take(in_seg, vidx) + 1
    L[1:] = np.take(cum, vidx, axis=1) - np.take(before, seg_v, axis=1)
    del cum
    R = np.take(cur_T, np.take(cj[pj], seg_v), axis=1) - L
    score = _proxy(L, R, crit, reg_lambda)
    nodes_v = pj[seg_v]
    un, gstart = np.unique(nodes_v, return_index=True)
    gmax = np.maximum.reduceat(score, gstart)
    glen = np.diff(np.append(gstart, vidx.size))
    gm = np.repeat(gmax, glen)
    # near-ties (rounding noise between equivalent splits) go to the first candidate
    is_max = np.flatnonzero(score >= gm - 1e-12 * np.abs(gm))
    _, fi = np.unique(nodes_v[is_max], return_index=True)
    bv = is_max[fi]                              # index into vidx of each node's best split
    best = vidx[bv]
    return (cj[un], pf[seg_v[bv]], xv[best], xv[best + 1], L[:, bv], R[:, bv], None)


def grow_tree(XT, orders, S, crit, *, max_depth=None, min_samples_split=2, min_samples_leaf=1,
              max_features=None, rng=None, reg_lambda=1.0, min_child_weight=1.0,
              min_split_gain=1e-6, eta=1.0, strict=False, layout=None):
    """Grow a tree level by level with exhaustive, vectorised split search.

    Parameters
    ----------
    XT : ndarray (n_features, n_samples), float32
        Transposed training matrix.
    orders : ndarray (n_features, m), int
        For each feature, the ids of the m participating samples sorted by that feature.
    S : ndarray (n_samples, C), float64
        Per-sample statistics whose sums describe a node. Column 0 is the (unweighted)
        sample count. ``gini``/``entropy``: then the weighted one-hot classes;
        ``mse``: ``w, w*y, w*y**2``; ``xgb``: gradient ``g`` and hessian ``h``.
    crit : {"gini", "entropy", "mse", "xgb"}
    max_features : int or None
        Number of non-constant features drawn (in random order) at every node; None
        means all features, still visited in random order unless ``crit == "xgb"``
        (which visits them in index order so that ties go to the lowest index like XGBoost).
    layout : {None, "dense", "sparse"}
        How candidate segments are kept sorted (see below); None picks "sparse" when
        ``3 * max_features < n_features``. Both give the same tree.
    """
    F, m = orders.shape
    n_all = XT.shape[1]
    xgb = crit == "xgb"
    if max_depth is None:
        max_depth = np.iinfo(np.int32).max
    if rng is None:
        rng = np.random.RandomState(0)
    tol = 0.0 if xgb else _FEATURE_THRESHOLD
    min_split = max(min_samples_split, 2 * min_samples_leaf)
    msl = 1 if xgb else min_samples_leaf
    mf = F if max_features is None else int(max_features)
    ST = np.ascontiguousarray(S[:, 1:].T)           # (C-1, n) statistics without the count
    C = S.shape[1]
    # Two ways to get each candidate (node, feature) segment in feature order:
    # * dense: keep all F per-feature orders grouped by node (radix-regrouped each level);
    #   best when most features are scanned at every node (plain trees, boosting);
    # * sparse (few features per node, random forests): keep one node-grouped sample list
    #   and sort each drawn (node, feature) segment on the fly by precomputed ranks.
    sparse = mf * 3 < F if layout is None else layout == "sparse"
    if xgb:
        sparse = False  # boosting scans every feature (XGBoost's exact greedy)
    if sparse:
        rank = np.empty((F, n_all), dtype=np.int64)
        np.put_along_axis(rank, orders.astype(np.intp),
                          np.broadcast_to(np.arange(m, dtype=np.int64), orders.shape), axis=1)
        members = orders[0].copy()
        orders = None
    else:
        xsorted = np.take_along_axis(XT, orders, axis=1) if m else np.zeros((F, 0), XT.dtype)
        members = None

    left_l, right_l, feat_l, thr_l, imp_l, nn_l, wn_l, val_l, impr_l, depth_l = ([] for _ in range(10))

    cur_T = S[members if sparse else orders[0]].sum(axis=0)[:, None]   # (C, J)
    cur_st = np.array([0])
    cur_cnt = np.array([m])
    n_nodes = 1
    depth = 0

    def _append_nodes(T):
        k = T.shape[1]
        left_l.append(np.full(k, _TREE_LEAF))
        right_l.append(np.full(k, _TREE_LEAF))
        feat_l.append(np.full(k, -2))
        thr_l.append(np.full(k, -2.0))
        imp_l.append(_impurity(T, crit, reg_lambda))
        nn_l.append(np.rint(T[0]).astype(np.intp))
        wn_l.append(_node_weight(T, crit))
        val_l.append(_node_value(T, crit, reg_lambda, eta))
        impr_l.append(np.zeros(k))
        depth_l.append(np.full(k, depth))

    _append_nodes(cur_T)

    while m > 0 and depth < max_depth:
        J = cur_cnt.shape[0]
        if xgb:
            can = (cur_T[2] >= 2.0 * min_child_weight) & (cur_cnt >= 2)
        else:
            can = (cur_cnt >= min_split) & (imp_l[-1] > _EPS)
        if not can.any():
            break
        # ---- best split of every splittable node
        cj = np.flatnonzero(can)
        st, cnt = cur_st[cj], cur_cnt[cj]
        if sparse:
            res = _best_splits_pairs(XT, members, rank, ST, cur_T, cj, st, cnt, F, mf, n_all,
                                     rng, crit, msl, tol, reg_lambda)
        else:
            const = (xsorted[:, st + cnt - 1] <= xsorted[:, st] + tol).T   # (|cj|, F)
            if xgb:
                keys = np.broadcast_to(np.arange(F, dtype=np.float64), const.shape).copy()
            else:
                keys = rng.uniform(size=const.shape)
            keys[const] = 2.0 * F + 2.0
            res = _best_splits_dense(xsorted, orders, ST, cur_T, cur_st, cur_cnt, can, cj, const,
                                     keys, mf, crit, msl, tol, reg_lambda, min_child_weight,
                                     min_split_gain)
        if res is None:
            break
        node_local, bf, xa, xb, Lb, Rb, gain = res
        # ---- record the splits
        if xgb:
            thr = ((xa + xb) * np.float32(0.5)).astype(np.float64)
        else:
            xa, xb = xa.astype(np.float64), xb.astype(np.float64)
            thr = xa / 2.0 + xb / 2.0
            bad = (thr == xb) | ~np.isfinite(thr)
            thr[bad] = xa[bad]
        k = node_local.size
        Tp = cur_T[:, node_local]
        child_T = np.empty((C, 2 * k))
        child_T[:, 0::2] = Lb
        child_T[:, 1::2] = Rb
        child_ids = n_nodes + np.arange(2 * k)
        left_l[-1][node_local] = child_ids[0::2]
        right_l[-1][node_local] = child_ids[1::2]
        feat_l[-1][node_local] = bf
        thr_l[-1][node_local] = thr
        if xgb:
            impr_l[-1][node_local] = gain
        else:
            impr_l[-1][node_local] = (
                _node_weight(Tp, crit) * imp_l[-1][node_local]
                - _node_weight(Lb, crit) * _impurity(Lb, crit)
                - _node_weight(Rb, crit) * _impurity(Rb, crit))
        n_nodes += 2 * k
        depth += 1
        _append_nodes(child_T)
        if depth >= max_depth:
            break
        # ---- route samples and regroup the per-feature orders
        act = members if sparse else orders[0]      # samples of the current level, grouped
        split_rank = np.full(J, -1)
        split_rank[node_local] = np.arange(k)
        r = np.repeat(split_rank, cur_cnt)
        keep = r >= 0
        act_k = act[keep]
        rk = r[keep]
        xs = np.take(XT.ravel(), np.take(bf.astype(np.int64) * n_all, rk) + act_k)
        go_left = xs < thr[rk] if strict else xs <= thr[rk]
        big = 2 * k
        dtype = np.int16 if big < np.iinfo(np.int16).max else np.int32
        newkey = np.full(n_all, big, dtype=dtype)
        newkey[act_k] = (2 * rk + (~go_left)).astype(dtype)
        m = act_k.shape[0]
        if sparse:
            members = members[np.argsort(newkey[members], kind="stable")[:m]]
        else:
            m_old = orders.shape[1]
            perm = np.argsort(np.take(newkey, orders), axis=1, kind="stable")[:, :m]
            perm += (np.arange(F) * m_old)[:, None]
            orders = np.take(orders.ravel(), perm)
            xsorted = np.take(xsorted.ravel(), perm)
        cur_T = child_T
        cur_cnt = np.rint(child_T[0]).astype(np.intp)
        cur_st = np.cumsum(cur_cnt) - cur_cnt

    return Tree(np.concatenate(left_l), np.concatenate(right_l), np.concatenate(feat_l),
                np.concatenate(thr_l), np.concatenate(val_l), np.concatenate(imp_l),
                np.concatenate(nn_l), np.concatenate(wn_l), np.concatenate(impr_l),
                np.concatenate(depth_l), strict=strict)


# ----------------------------------------------------------------------------- estimators
def _check_int_or_frac(name, value, *, min_int, frac_open_low=True, frac_closed_high=True):
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        if value < min_int:
            raise ValueError(f"{name} must be an int >= {min_int} or a float in (0, 1]; got {value!r}.")
        return
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        hi_ok = value <= 1.0 if frac_closed_high else value < 1.0
        if 0.0 < value and hi_ok:
            return
    raise ValueError(f"{name} must be an int >= {min_int} or a float in "
                     f"(0, 1{']' if frac_closed_high else ')'}; got {value!r}.")


def _resolve_max_features(max_features, n_features, name="max_features"):
    if max_features is None:
        return n_features
    if isinstance(max_features, str):
        if max_features == "sqrt":
            return max(1, int(np.sqrt(n_features)))
        if max_features == "log2":
            return max(1, int(np.log2(n_features)))
        raise ValueError(f"{name} must be None, 'sqrt', 'log2', an int or a float in (0, 1]; "
                         f"got {max_features!r}.")
    if isinstance(max_features, numbers.Integral) and not isinstance(max_features, bool):
        if not 1 <= max_features <= n_features:
            raise ValueError(f"{name} must be in [1, n_features={n_features}]; got {max_features!r}.")
        return int(max_features)
    if isinstance(max_features, numbers.Real) and 0.0 < max_features <= 1.0:
        return max(1, int(max_features * n_features))
    raise ValueError(f"{name} must be None, 'sqrt', 'log2', an int or a float in (0, 1]; "
                     f"got {max_features!r}.")


class _BaseDecisionTree(BaseEstimator):
    _criteria = ()

    def _validate_params(self):
        if self.criterion not in self._criteria:
            raise ValueError(f"criterion must be one of {self._criteria}; got {self.criterion!r}.")
        if self.max_depth is not None and (
                not isinstance(self.max_depth, numbers.Integral) or isinstance(self.max_depth, bool)
                or self.max_depth < 1):
            raise ValueError(f"max_depth must be None or an int >= 1; got {self.max_depth!r}.")
        _check_int_or_frac("min_samples_split", self.min_samples_split, min_int=2)
        _check_int_or_frac("min_samples_leaf", self.min_samples_leaf, min_int=1,
                           frac_closed_high=False)

    def _fit_setup(self, X, y, sample_weight):
        self._validate_params()
        n, F = X.shape
        mss = self.min_samples_split
        mss = mss if isinstance(mss, numbers.Integral) else max(2, int(np.ceil(mss * n)))
        msl = self.min_samples_leaf
        msl = msl if isinstance(msl, numbers.Integral) else max(1, int(np.ceil(msl * n)))
        mf = _resolve_max_features(self.max_features, F)
        sw = _check_sample_weight(sample_weight, X, dtype=np.float64, ensure_non_negative=True)
        return mss, msl, mf, sw

    def _fit_tree(self, XT, S, sw, mss, msl, mf, orders=None):
        """Grow ``tree_``; ``orders`` may be passed presorted by an ensemble that fits
        many trees on the same matrix (AdaBoost)."""
        rng = check_random_state(self.random_state)
        if orders is None:
            orders = presort(XT)
        if not np.all(sw > 0):
            keepmask = sw > 0
            orders = orders[keepmask[orders]].reshape(orders.shape[0], -1)
        crit = {"log_loss": "entropy", "squared_error": "mse"}.get(self.criterion, self.criterion)
        self.tree_ = grow_tree(XT, orders, S, crit, max_depth=self.max_depth,
                               min_samples_split=mss, min_samples_leaf=msl,
                               max_features=mf if mf < XT.shape[0] else None, rng=rng)
        self.max_features_ = mf
        return self

    def _validate_X_predict(self, X):
        check_is_fitted(self, "tree_")
        return validate_data(self, X, dtype=np.float32, reset=False)

    def apply(self, X):
        """Index of the leaf each sample ends up in."""
        return self.tree_.apply(self._validate_X_predict(X))

    def get_depth(self):
        """Depth of the tree (a single leaf has depth 0)."""
        check_is_fitted(self, "tree_")
        return self.tree_.max_depth

    def get_n_leaves(self):
        """Number of leaves."""
        check_is_fitted(self, "tree_")
        return self.tree_.n_leaves

    @property
    def feature_importances_(self):
        """Normalised total weighted impurity decrease brought by each feature."""
        check_is_fitted(self, "tree_")
        return self.tree_.compute_feature_importances(self.n_features_in_)


class DecisionTreeClassifier(ClassifierMixin, _BaseDecisionTree):
    """CART classification tree.

    Splits maximise ``w I(node) - w_L I(left) - w_R I(right)`` with ``I`` the Gini
    impurity ``1 - sum_k p_k^2`` or the entropy ``-sum_k p_k log2 p_k`` of the weighted
    class fractions ``p_k``; leaves predict the class fractions of their training samples.

    Parameters
    ----------
    criterion : {"gini", "entropy", "log_loss"}, default="gini"
    max_depth : int or None, default=None
    min_samples_split : int or float, default=2
    min_samples_leaf : int or float, default=1
    max_features : int, float, "sqrt", "log2" or None, default=None
        Number of features considered at each split.
    random_state : int, RandomState or None
        Controls the feature visiting order (tie breaking) and the feature draws.

    Attributes
    ----------
    tree_ : Tree, classes_, n_classes_, n_features_in_, max_features_, feature_importances_

    Examples
    --------
    >>> from ember.ml.tree import DecisionTreeClassifier
    >>> X = [[0.0], [1.0], [2.0], [3.0]]
    >>> DecisionTreeClassifier().fit(X, [0, 0, 1, 1]).predict([[0.4], [2.6]]).tolist()
    [0, 1]
    """

    _criteria = ("gini", "entropy", "log_loss")

    def __init__(self, criterion="gini", max_depth=None, min_samples_split=2,
                 min_samples_leaf=1, max_features=None, random_state=None):
        self.criterion = criterion
        self.max_depth = max_depth
        self.min_samples_split = min_samples_split
        self.min_samples_leaf = min_samples_leaf
        self.max_features = max_features
        self.random_state = random_state

    def fit(self, X, y, sample_weight=None):
        X, y = validate_data(self, X, y, dtype=np.float32)
        check_classification_targets(y)
        return self._fit_validated(X, y, sample_weight)

    def _fit_validated(self, X, y, sample_weight, XT=None, orders=None):
        self.n_features_in_ = X.shape[1]
        self.classes_, yi = np.unique(y, return_inverse=True)
        self.n_classes_ = self.classes_.shape[0]
        mss, msl, mf, sw = self._fit_setup(X, y, sample_weight)
        S = np.zeros((X.shape[0], self.n_classes_ + 1))
        S[:, 0] = 1.0
        S[np.arange(X.shape[0]), yi + 1] = sw
        if XT is None:
            XT = np.ascontiguousarray(X.T)
        return self._fit_tree(XT, S, sw, mss, msl, mf, orders=orders)

    def predict_proba(self, X):
        """Class fractions of the leaf reached by each sample."""
        X = self._validate_X_predict(X)
        return self.tree_.predict(X)

    def predict_log_proba(self, X):
        with np.errstate(divide="ignore"):
            return np.log(self.predict_proba(X))

    def predict(self, X):
        proba = self.predict_proba(X)
        return self.classes_[np.argmax(proba, axis=1)]


class DecisionTreeRegressor(RegressorMixin, _BaseDecisionTree):
    """CART regression tree (squared error).

    Splits maximise the decrease of the weighted within-node sum of squares,
    equivalently ``S_L^2 / w_L + S_R^2 / w_R`` with ``S`` the weighted target sums;
    leaves predict the weighted mean target.

    Examples
    --------
    >>> from ember.ml.tree import DecisionTreeRegressor
    >>> X = [[0.0], [1.0], [2.0], [3.0]]
    >>> DecisionTreeRegressor(max_depth=1).fit(X, [0.0, 0.0, 1.0, 1.0]).predict([[2.5]]).tolist()
    [1.0]
    """

    _criteria = ("squared_error",)

    def __init__(self, criterion="squared_error", max_depth=None, min_samples_split=2,
                 min_samples_leaf=1, max_features=None, random_state=None):
        self.criterion = criterion
        self.max_depth = max_depth
        self.min_samples_split = min_samples_split
        self.min_samples_leaf = min_samples_leaf
        self.max_features = max_features
        self.random_state = random_state

    def fit(self, X, y, sample_weight=None):
        X, y = validate_data(self, X, y, dtype=np.float32, y_numeric=True)
        y = np.asarray(y, dtype=np.float64)
        mss, msl, mf, sw = self._fit_setup(X, y, sample_weight)
        S = np.column_stack([np.ones_like(y), sw, sw * y, sw * y * y])
        XT = np.ascontiguousarray(X.T)
        return self._fit_tree(XT, S, sw, mss, msl, mf)

    def predict(self, X):
        X = self._validate_X_predict(X)
        return self.tree_.predict(X)[:, 0]
