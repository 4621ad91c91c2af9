"""The compiled (numba) depth-first tree growth: at every node each candidate feature's
values of the node's samples are gathered and sorted (scikit-learn's splitter; nothing of X
is copied or re-sorted beyond the node), swept once with running sums of the per-sample
statistics, and the node's samples are partitioned in place for its children.

Criteria (``crit``): 0 gini, 1 entropy, 2 squared error; the proxy maximised by a split
(``_side`` of each child) is evaluated once per candidate on running sums.  Features are
drawn in a random order per node exactly as scikit-learn's ``BestSplitter`` draws them (its
xorshift generator seeded by one draw of the tree's RandomState, its Fisher-Yates over the
features not yet known to be constant, ``mf`` visits), so ties go where scikit-learn's go: to
the first feature drawn, then to the first threshold.

Missing values (NaN) are split on as scikit-learn 1.9 does: a node's missing rows are first
sent right (the last candidate of that sweep puts every non-missing row left, threshold
``inf``), then left; a split of a node without missing rows sends them, at prediction, to
its larger side.  A feature is constant when it has no non-missing value, or its
non-missing values are equal and none is missing.
"""
import numpy as np
from numba import njit

GINI, ENTROPY, MSE = 0, 1, 2


@njit(cache=True)
def _side(T, C, crit):
    """The child's part of the split proxy from its sums ``T[1:C]``: for gini and entropy
    minus its weight times its impurity, with scikit-learn's operations (so that equal
    splits of different features tie exactly as in scikit-learn)."""
    if crit == GINI:
        w, sq = 0.0, 0.0
        for k in range(1, C):
            w += T[k]
            sq += T[k] * T[k]
        return -w * (1.0 - sq / (w * w))
    if crit == ENTROPY:
        w = 0.0
        for k in range(1, C):
            w += T[k]
        e = 0.0
        for k in range(1, C):
            if T[k] > 0.0:
                p = T[k] / w
                e -= p * (np.log(p) / np.log(2.0))
        return -w * e
    return T[2] * T[2] / T[1]                                # MSE


@njit(cache=True)
def _impurity(T, C, crit):
    if crit == GINI:
        w, sq = 0.0, 0.0
        for k in range(1, C):
            w += T[k]
        for k in range(1, C):
            sq += (T[k] / w) ** 2
        return 1.0 - sq
    if crit == ENTROPY:
        w, s = 0.0, 0.0
        for k in range(1, C):
            w += T[k]
        for k in range(1, C):
            if T[k] > 0.0:
                p = T[k] / w
                s -= p * np.log(p)
        return s / np.log(2.0)
    return max(T[3] / T[1] - (T[2] / T[1]) ** 2, 0.0)       # MSE


@njit(cache=True)
def _rand_r(state):
    """scikit-learn's ``our_rand_r`` (xorshift on a uint32 seed kept in ``state[0]``)."""
    x = state[0]
    if x == 0:
        x = 1
    x ^= (x << 13) & 0xFFFFFFFF
    x ^= x >> 17
    x ^= (x << 5) & 0xFFFFFFFF
    state[0] = x
    return x % 0x80000000


@njit(cache=True, nogil=True)
def _sort_node(XT, f, samples, start, n, keys, order, srt):
    """The node's non-missing values of feature ``f`` sorted into ``srt[:nv]`` and their
    positions in the node into ``order[:nv]``; returns ``nv``.  One sort of 64-bit keys (the
    float32's bits mapped to an unsigned integer of the same order, then the position) is
    much faster than an indirect argsort."""
    bits = XT[f].view(np.uint32)
    sign = np.uint64(0x80000000)
    low = np.uint64(0xFFFFFFFF)
    nv = 0
    for i in range(n):
        b = np.uint64(bits[samples[start + i]])
        if b & np.uint64(0x7FFFFFFF) > np.uint64(0x7F800000):
            continue                                        # NaN: missing
        b = b ^ low if b & sign else b | sign
        keys[nv] = (b << np.uint64(32)) | np.uint64(i)
        nv += 1
    kn = keys[:nv]
    kn.sort()
    out = srt.view(np.uint32)
    for i in range(nv):
        order[i] = np.intp(kn[i] & low)
        b = kn[i] >> np.uint64(32)
        out[i] = np.uint32(b ^ sign if b & sign else b ^ low)
    return nv


@njit(cache=True, nogil=True)
def grow(XT, samples, S, cls, crit, max_depth, min_split, msl, mf, tol, seed):
    """Grow one tree on the samples ``samples`` (ids into the columns of ``XT`` and rows of
    ``S``, partitioned in place); for gini / entropy ``cls[i]`` is the column of ``S`` holding
    sample ``i``'s weight (its class + 1: the sweep adds that one column), otherwise ``cls``
    is empty.
    Returns the node arrays ``(left, right, feature, threshold, missing_left, T, depth)``
    with ``T[i]`` the summed statistics of node ``i`` (count first)."""
    F = XT.shape[0]
    m = samples.shape[0]
    C = S.shape[1]
    cap = 2 * m + 1
    left = np.full(cap, -1, np.intp)
    right = np.full(cap, -1, np.intp)
    feature = np.full(cap, -2, np.intp)
    threshold = np.full(cap, -2.0)
    missing_left = np.zeros(cap, np.bool_)
    Tn = np.zeros((cap, C))
    depth = np.zeros(cap, np.intp)
    features = np.arange(F)
    constant = np.zeros(F, np.intp)
    state = np.array([seed], np.int64)
    keys = np.empty(m, np.uint64)
    order = np.empty(m, np.intp)
    srt = np.empty(m, np.float32)
    buf = np.empty(m, samples.dtype)
    L = np.empty(C)
    R = np.empty(C)
    M = np.empty(C)
    onehot = cls.shape[0] > 0
    for i in range(m):
        for k in range(C):
            Tn[0, k] += S[samples[i], k]
    # stack of (node, start, end, number of features known to be constant in the node)
    stack = np.empty((cap, 4), np.intp)
    stack[0, 0], stack[0, 1], stack[0, 2], stack[0, 3] = 0, 0, m, 0
    top = 1
    n_nodes = 1
    while top > 0:
        top -= 1
        node, start, end, n_known = stack[top, 0], stack[top, 1], stack[top, 2], stack[top, 3]
        n = end - start
        T = Tn[node]
        if depth[node] >= max_depth:
            continue
        if n < min_split or _impurity(T, C, crit) <= 2.220446049250313e-16:
            continue
        best = -np.inf
        bf, bxa, bxb, bml = -1, np.float32(0), np.float32(0), False
        # scikit-learn's feature draw: Fisher-Yates over the features not known to be
        # constant, until mf have been visited (and at least one was not constant)
        f_i, n_drawn, n_found, n_total, n_visited = F, 0, 0, n_known, 0
        while f_i > n_total and (n_visited < mf or n_visited <= n_found + n_drawn):
            n_visited += 1
            f_j = n_drawn + _rand_r(state) % (f_i - n_found - n_drawn)
            if f_j < n_known:
                features[n_drawn], features[f_j] = features[f_j], features[n_drawn]
                n_drawn += 1
                continue
            f_j += n_found
            f = features[f_j]
            nv = _sort_node(XT, f, samples, start, n, keys, order, srt)
            n_miss = n - nv
            if nv == 0 or (srt[nv - 1] <= srt[0] + tol and n_miss == 0):
                features[f_j], features[n_total] = features[n_total], features[f_j]
                n_found += 1
                n_total += 1
                continue
            f_i -= 1
            features[f_i], features[f_j] = features[f_j], features[f_i]
            # scikit-learn's two searches when the node has missing rows (sums M): first they
            # go right (the last candidate: every non-missing row left, threshold inf), then
            # left; a split that saw none sends them to its larger side at prediction
            if n_miss > 0:
                M[:] = 0.0
                for i in range(start, end):
                    s = samples[i]
                    if np.isnan(XT[f, s]):
                        for k in range(C):
                            M[k] += S[s, k]
            for search in range(2 if n_miss > 0 else 1):
                for k in range(C):
                    L[k] = M[k] if search == 1 else 0.0
                for p in range(nv):
                    s = samples[start + order[p]]
                    if onehot:
                        L[0] += 1.0
                        L[cls[s]] += S[s, cls[s]]
                    else:
                        for k in range(C):
                            L[k] += S[s, k]
                    last = p == nv - 1
                    if last and (search == 1 or n_miss == 0):
                        break
                    if not last and srt[p + 1] <= srt[p] + tol:
                        continue
                    n_left = p + 1 + (n_miss if search == 1 else 0)
                    if n_left < msl or n - n_left < msl:
                        continue
                    for k in range(C):
                        R[k] = T[k] - L[k]
                    sc = _side(L, C, crit) + _side(R, C, crit)
                    if sc > best:                     # NaN never wins
                        best, bf = sc, f
                        bxa = srt[p]
                        bxb = np.float32(np.inf) if last else srt[p + 1]
                        bml = search == 1 if n_miss > 0 else n_left > n - n_left
        # the constant features found here stay known to the node's descendants
        features[:n_known] = constant[:n_known]
        constant[n_known:n_known + n_found] = features[n_known:n_known + n_found]
        if bf < 0:
            continue
        if np.isinf(bxb):                         # the missing rows alone on the right
            thr = np.inf
        else:
            thr = np.float64(bxa) / 2.0 + np.float64(bxb) / 2.0
            if thr == np.float64(bxb) or not np.isfinite(thr):
                thr = np.float64(bxa)
        _split(XT, samples, S, start, end, bf, thr, bml, buf, node, depth, left,
               right, feature, threshold, missing_left, Tn, stack, top, n_nodes, n_total)
        top += 2
        n_nodes += 2
    return (left[:n_nodes], right[:n_nodes], feature[:n_nodes], threshold[:n_nodes],
            missing_left[:n_nodes], Tn[:n_nodes], depth[:n_nodes])


@njit(cache=True, nogil=True)
def _split(XT, samples, S, start, end, bf, thr, bl, buf, node, depth, left, right,
           feature, threshold, missing_left, Tn, stack, top, n_nodes, n_total):
    """Make node ``node`` split on ``x[bf] <= thr`` (missing values left when ``bl``):
    partition its samples (left ones first, both sides in their old order), sum the
    children's statistics from their own samples (as scikit-learn's
    node_reset; the difference T - L could leave a class a tiny negative weight) and push
    the children (right first: the left one is grown next, scikit-learn's order)."""
    row = XT[bf]
    nl, nr = 0, 0
    for i in range(start, end):
        s = samples[i]
        v = np.float64(row[s])
        if bl if np.isnan(v) else v <= thr:
            samples[start + nl] = s
            nl += 1
        else:
            buf[nr] = s
            nr += 1
    for i in range(nr):
        samples[start + nl + i] = buf[i]
    lc, rc = n_nodes, n_nodes + 1
    left[node], right[node], feature[node], threshold[node] = lc, rc, bf, thr
    missing_left[node] = bl
    C = S.shape[1]
    for c, a, b in ((lc, start, start + nl), (rc, start + nl, end)):
        for i in range(a, b):
            for k in range(C):
                Tn[c, k] += S[samples[i], k]
    depth[lc] = depth[rc] = depth[node] + 1
    stack[top, 0], stack[top, 1], stack[top, 2], stack[top, 3] = rc, start + nl, end, n_total
    stack[top + 1, 0], stack[top + 1, 1] = lc, start
    stack[top + 1, 2], stack[top + 1, 3] = start + nl, n_total
