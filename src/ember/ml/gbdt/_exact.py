"""XGBoost's exact greedy tree growth (its ``ColMaker``), compiled with numba.

Every feature's column is sorted once per fit (``presort``: row ids by ascending value,
missing values left out).  A tree is grown level by level: ``pos[r]`` holds the node of row
``r`` on the current level (-1 once the row sits in a finished leaf or takes no part), and
one pass over each sorted column per level enumerates the splits of all the level's nodes
at once, each node keeping its own running sums ``(G_e, H_e)`` and last value.  Nothing is
sorted again: a level costs ``O(n_features * n_rows)``, where sorting each node's values
(``ember.ml.tree``'s splitter) costs a ``log`` factor more and a gather per node.

The scan of a feature from the largest value down sends the node's missing rows left;
features with missing values are also scanned from the smallest value up (missing rows
right), as XGBoost does.  A candidate is every change of value, at the float32 midpoint,
``x < threshold`` going left, plus "all non-missing rows on one side"; its loss change

    G_e^2 / (H_e + lambda) + (G - G_e)^2 / (H - H_e + lambda) - G^2 / (H + lambda)

is compared in float32 with XGBoost's rule (ties to the lower feature, then to the first
found), and needs ``H >= min_child_weight`` on both sides.
"""
import numpy as np
from numba import njit, prange


def presort(XT):
    """``(order, vals, nv)``: ``order[f, :nv[f]]`` the rows with a value of feature ``f``,
    by ascending value (ties by row id), ``vals`` those values."""
    order = np.argsort(XT, axis=1, kind="stable").astype(np.int32)   # NaN sorts last
    vals = np.take_along_axis(XT, order, axis=1)
    nv = (~np.isnan(XT)).sum(axis=1).astype(np.intp)
    return order, vals, nv


@njit(cache=True)
def _better(loss, f, best_loss, best_feat):
    """XGBoost's ``SplitEntry::Update`` rule: does a split of feature ``f`` with loss change
    ``loss`` replace the best so far?  (Scalars only: a helper taking the best-split arrays
    is not inlined into the scan and costs more than the split.)"""
    if not np.isfinite(loss):
        return False
    if best_feat <= f:
        return loss > best_loss
    return not best_loss > loss


@njit(cache=True, nogil=True)
def _scan(order, vals, nv, f, forward, pos, g, h, lo, hi, grow, G, H, root, lam, mcw,
          eg, eh, last, seen, bloss, bfeat, bthr, bmiss):
    """One pass over feature ``f``'s sorted column for the level's nodes ``lo..hi-1``."""
    for k in range(hi - lo):
        eg[k], eh[k], seen[k] = 0.0, 0.0, 0
    for q in range(nv[f]):
        p = q if forward else nv[f] - 1 - q
        r = order[f, p]
        k = pos[r] - lo
        if k < 0 or not grow[k]:
            continue
        v = vals[f, p]
        if eh[k] != 0.0 and v != last[k] and eh[k] >= mcw:
            node = lo + k
            cg, ch = G[node] - eg[k], H[node] - eh[k]
            if ch >= mcw:
                loss = np.float32(eg[k] * eg[k] / (eh[k] + lam) + cg * cg / (ch + lam) - root[k])
                split = np.float32((v + last[k]) * np.float32(0.5))
                if _better(loss, f, bloss[k], bfeat[k]):
                    bloss[k], bfeat[k], bmiss[k] = loss, f, not forward
                    bthr[k] = last[k] if split == v else split
        eg[k] += g[r]
        eh[k] += h[r]
        last[k] = v
        seen[k] += 1
    for k in range(hi - lo):
        node = lo + k
        if not grow[k] or seen[k] == 0:
            continue
        cg, ch = G[node] - eg[k], H[node] - eh[k]
        if eh[k] >= mcw and ch >= mcw:
            loss = np.float32(eg[k] * eg[k] / (eh[k] + lam) + cg * cg / (ch + lam) - root[k])
            gap = np.float32(abs(last[k]) + np.float32(1e-6))
            if _better(loss, f, bloss[k], bfeat[k]):
                bloss[k], bfeat[k], bmiss[k] = loss, f, not forward
                bthr[k] = last[k] + gap if forward else last[k] - gap


@njit(cache=True, nogil=True, parallel=True)
def grow_exact(XT, order, vals, nv, rows, g, h, fmask, col_missing, max_depth, cap, lam, mcw,
               min_gain, n_threads):
    """Grow one tree on the rows ``rows`` (ascending) and the features with ``fmask``.
    Returns ``(left, right, feature, threshold, missing_left, G, H, count, depth)`` per node,
    nodes numbered level by level, and each row's leaf (-1 for the rows not in ``rows``).  The features are scanned in contiguous blocks, one per
    thread (``n_threads`` blocks), each keeping its own best splits; the blocks' bests are merged in feature
    order, so the tree does not depend on the number of threads."""
    n = XT.shape[1]
    left = np.full(cap, -1, np.intp)
    right = np.full(cap, -1, np.intp)
    feature = np.full(cap, -2, np.intp)
    threshold = np.full(cap, -2.0)
    missing_left = np.zeros(cap, np.bool_)
    G = np.zeros(cap)
    H = np.zeros(cap)
    count = np.zeros(cap, np.intp)
    depth = np.zeros(cap, np.intp)
    pos = np.full(n, -1, np.intp)
    leaf = np.full(n, -1, np.intp)
    for r in rows:
        pos[r] = 0
        G[0] += g[r]
        H[0] += h[r]
    count[0] = rows.shape[0]
    feats = np.flatnonzero(fmask)
    nf = feats.shape[0]
    nb = max(1, min(n_threads, nf))
    # per node of a level: may it split, its score G^2 / (H + lambda); per block and node:
    # the best split (each block's scan state is its own, allocated in its thread)
    grow = np.zeros(cap, np.bool_)
    root = np.zeros(cap)
    bloss, bthr = np.zeros((nb, cap)), np.zeros((nb, cap))
    bfeat = np.zeros((nb, cap), np.intp)
    bmiss = np.zeros((nb, cap), np.bool_)
    lo, hi = 0, 1
    for d in range(max_depth):
        any_grow = False
        for k in range(hi - lo):
            node = lo + k
            grow[k] = H[node] >= 2.0 * mcw and count[node] >= 2
            any_grow |= grow[k]
            root[k] = G[node] * G[node] / (H[node] + lam)
        if not any_grow:
            break
        width = hi - lo
        for b in prange(nb):
            eg, eh = np.zeros(width), np.zeros(width)
            last = np.zeros(width, np.float32)
            seen = np.zeros(width, np.intp)
            lb, lt = np.zeros(width), np.zeros(width)
            lf = np.zeros(width, np.intp)
            lm = np.zeros(width, np.bool_)
            for j in range(b * nf // nb, (b + 1) * nf // nb):
                f = feats[j]
                if col_missing[f]:
                    _scan(order, vals, nv, f, True, pos, g, h, lo, hi, grow, G, H, root, lam,
                          mcw, eg, eh, last, seen, lb, lf, lt, lm)
                _scan(order, vals, nv, f, False, pos, g, h, lo, hi, grow, G, H, root, lam,
                      mcw, eg, eh, last, seen, lb, lf, lt, lm)
            bloss[b, :width], bfeat[b, :width], bthr[b, :width], bmiss[b, :width] = lb, lf, lt, lm
        for b in range(1, nb):
            for k in range(width):
                if _better(bloss[b, k], bfeat[b, k], bloss[0, k], bfeat[0, k]):
                    bloss[0, k], bfeat[0, k] = bloss[b, k], bfeat[b, k]
                    bthr[0, k], bmiss[0, k] = bthr[b, k], bmiss[b, k]
        nxt = hi
        for k in range(hi - lo):
            node = lo + k
            if grow[k] and bloss[0, k] > min_gain:
                left[node], right[node] = nxt, nxt + 1
                feature[node], threshold[node] = bfeat[0, k], bthr[0, k]
                missing_left[node] = bmiss[0, k]
                depth[nxt] = depth[nxt + 1] = d + 1
                nxt += 2
        if nxt == hi:
            break
        # route the rows of the split nodes (ascending, so the children's sums are added in
        # row order); the others are done
        for r in rows:
            node = pos[r]
            if node < lo:
                continue
            if left[node] < 0:
                leaf[r], pos[r] = node, -1
                continue
            v = XT[feature[node], r]
            go_left = missing_left[node] if np.isnan(v) else np.float64(v) < threshold[node]
            c = left[node] if go_left else right[node]
            pos[r] = c
            G[c] += g[r]
            H[c] += h[r]
            count[c] += 1
        lo, hi = hi, nxt
    for r in rows:
        if pos[r] >= 0:
            leaf[r] = pos[r]
    return (left[:hi], right[:hi], feature[:hi], threshold[:hi], missing_left[:hi], G[:hi],
            H[:hi], count[:hi], depth[:hi], leaf)
