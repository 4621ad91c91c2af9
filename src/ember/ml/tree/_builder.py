"""``grow_tree``: level-by-level (breadth-first) growth of a CART or XGBoost tree, and what it
reads: per-feature sample orders (``presort``, ``restrict_orders``) and per-sample
statistics (``class_statistics``, ``target_statistics``, ``gradient_statistics``)."""
import numpy as np

from ._criterion import _impurity, _node_value, _node_weight
from ._splitter import _best_splits_dense, _best_splits_pairs
from ._tree import TREE_LEAF, Tree

_FEATURE_THRESHOLD = 1e-7  # scikit-learn's tolerance for "distinct" feature values
_EPS = np.finfo(np.float64).eps

# scikit-learn's criterion names -> the builder's
_CRITERIA = {"gini": "gini", "entropy": "entropy", "log_loss": "entropy", "squared_error": "mse"}


def builder_criterion(criterion):
    """The ``grow_tree`` criterion of a scikit-learn criterion name."""
    return _CRITERIA[criterion]


def class_statistics(y_enc, sample_weight, n_classes):
    """Per-sample statistics of the classification criteria: column 0 the count (1), column
    ``1 + k`` the sample's weight when its class is ``k`` (0 otherwise)."""
    n = y_enc.shape[0]
    S = np.zeros((n, n_classes + 1))
    S[:, 0] = 1.0
    S[np.arange(n), y_enc + 1] = sample_weight
    return S


def target_statistics(y, sample_weight):
    """Per-sample statistics of the squared error: ``1, w, w y, w y^2``."""
    return np.column_stack([np.ones_like(y), sample_weight, sample_weight * y,
                            sample_weight * y * y])


def gradient_statistics(g, h):
    """Per-sample statistics of the XGBoost criterion: ``1, g, h``."""
    return np.column_stack([np.ones(g.shape[0]), g, h])


def presort(XT):
    """Per-feature sample orders, shape (n_features, n_samples), int32. (The order among
    equal values is irrelevant: no split is ever placed between equal values.)"""
    return np.argsort(XT, axis=1).astype(np.int32, copy=False)


def restrict_orders(orders, keep):
    """The per-feature orders of the samples with ``keep`` True (``orders`` itself when all
    are kept): how a bootstrap sample, a row subsample or zero weights leave samples out."""
    if keep.all():
        return orders
    return orders[keep[orders]].reshape(orders.shape[0], -1)


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
        left_l.append(np.full(k, TREE_LEAF))
        right_l.append(np.full(k, TREE_LEAF))
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

