"""The best split of every node of a level at once: every threshold of every candidate
feature is scored with one ``cumsum`` of the per-sample statistics taken in feature order,
either on all per-feature orders grouped by node (dense layout) or on the drawn
(node, feature) segments sorted on the fly (sparse layout)."""
import numpy as np

from ._criterion import _proxy


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
    with np.errstate(divide="ignore", invalid="ignore"):
        score = _proxy(L, R, crit, reg_lambda)
    finite = np.isfinite(score)
    if not finite.all():
        # as in the dense layout, a candidate without a finite score is no candidate (with
        # fractional weights, rounding can leave a class of the right child a tiny negative
        # weight, whose entropy is NaN)
        if not finite.any():
            return None
        vidx, seg_v, score = vidx[finite], seg_v[finite], score[finite]
        L, R = L[:, finite], R[:, finite]
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

