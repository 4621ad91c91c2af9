"""Histogram tree growth for gradient boosting, compiled with numba.

Every feature is bucketed once into at most ``max_bin`` bins (``bin_features``; a missing
value gets the extra bin ``NB``).  A node's histogram holds, per feature and bin, the sums
of ``g`` and ``h`` of its rows; a split after bin ``b`` of feature ``f`` has the left sums
``G_L = sum_{bin <= b} g`` (and ``H_L``), and the node's missing rows (sums ``G_M, H_M``)
go to the side that scores best, as XGBoost learns a default direction (also splitting the
missing rows from all others):

    score = G_L^2 / (H_L + lambda) + G_R^2 / (H_R + lambda),  missing right, then left,

each side needing ``H >= min_child_weight``; the gain ``score - G^2 / (H + lambda)`` must
exceed 1e-6.  Nodes are grown depth-first (the tree is the same as depth-wise growth); the
smaller child's histogram is built from its rows and its sibling's by subtraction from the
parent's.  Near-ties (rounding noise between equivalent splits) go to the lowest feature,
then the lowest bin, then "missing right".
"""
import numpy as np
from numba import njit


def make_cuts(X, max_bin):
    """Per-feature float32 cut points (bin upper edges) from the non-missing values:
    midpoints between distinct values when a feature has at most ``max_bin`` of them,
    otherwise quantile midpoints."""
    cuts = []
    for f in range(X.shape[1]):
        x = X[:, f]
        x = x[~np.isnan(x)]
        u = np.unique(x)
        if u.size > max_bin:
            q = np.quantile(x, np.linspace(0.0, 1.0, max_bin + 1)[1:-1], method="lower")
            u = np.unique(np.concatenate([q, [u[-1]]]).astype(np.float32))
        c = ((u[:-1] + u[1:]) * np.float32(0.5)).astype(np.float32)
        cuts.append(np.unique(c))
    return cuts


def bin_features(X, cuts):
    """``(B, NB, cuts_pad, n_cuts)``: ``B[i, f]`` the bin of ``X[i, f]`` (``x <= cuts[b]``
    iff ``bin <= b``; ``NB`` for a missing value), ``cuts_pad[f, b]`` the cut points padded
    with inf, ``n_cuts[f]`` their number."""
    F = X.shape[1]
    NB = max(c.size for c in cuts) + 1
    B = np.empty(X.shape, dtype=np.uint16)
    cuts_pad = np.full((F, NB), np.inf)
    n_cuts = np.zeros(F, dtype=np.intp)
    for f, c in enumerate(cuts):
        col = X[:, f]
        B[:, f] = np.where(np.isnan(col), NB, np.searchsorted(c, col, side="left"))
        cuts_pad[f, :c.size] = c
        n_cuts[f] = c.size
    return B, NB, cuts_pad, n_cuts


@njit(cache=True, nogil=True)
def _histogram(B, rows, start, end, g, h, fmask, out):
    out[:] = 0.0
    F = B.shape[1]
    for i in range(start, end):
        r = rows[i]
        gr, hr = g[r], h[r]
        for f in range(F):
            if fmask[f]:
                b = B[r, f]
                out[f, b, 0] += gr
                out[f, b, 1] += hr


def hist_pool(max_depth, n_features, NB):
    """Room for the histograms of one tree: one per node waiting on the stack, plus one being
    split (kept across trees: a fresh one per tree costs page faults)."""
    return np.empty((2 * max_depth + 3, n_features, NB + 1, 2))


@njit(cache=True, nogil=True)
def grow_hist(B, NB, n_cuts, rows, g, h, fmask, max_depth, cap, pool, lam, mcw, min_gain):
    """Grow one tree on the rows ``rows`` (partitioned in place) and the features with
    ``fmask``, with room for ``cap`` nodes and the histograms in ``pool`` (``hist_pool``).  Returns ``(left, right, feature, bin, missing_left, G, H, count, depth)`` per
    node, and each row's leaf (-1 for the rows not in ``rows``)."""
    m = rows.shape[0]
    F = B.shape[1]
    left = np.full(cap, -1, np.intp)
    right = np.full(cap, -1, np.intp)
    feature = np.full(cap, -2, np.intp)
    split_bin = np.zeros(cap, np.intp)
    miss_left = np.zeros(cap, np.bool_)
    G = np.zeros(cap)
    H = np.zeros(cap)
    count = np.zeros(cap, np.intp)
    depth = np.zeros(cap, np.intp)
    free = list(range(pool.shape[0] - 1, -1, -1))
    buf = np.empty(m, rows.dtype)
    leaf = np.full(B.shape[0], -1, np.intp)
    for i in range(m):
        G[0] += g[rows[i]]
        H[0] += h[rows[i]]
    count[0] = m
    root = free.pop()
    _histogram(B, rows, 0, m, g, h, fmask, pool[root])
    stack = [(0, 0, m, root)]
    n_nodes = 1
    while len(stack) > 0:
        node, start, end, slot = stack.pop()
        Gn, Hn = G[node], H[node]
        if depth[node] >= max_depth or Hn < 2.0 * mcw or end - start < 2:
            if slot >= 0:
                free.append(slot)
            leaf[rows[start:end]] = node
            continue
        hist = pool[slot]
        best, bf, bb, bl = -np.inf, -1, 0, False
        GLb, HLb = 0.0, 0.0
        for f in range(F):
            if not fmask[f]:
                continue
            Gm, Hm = hist[f, NB, 0], hist[f, NB, 1]
            has_missing = Hm > 0.0 or Gm != 0.0
            GL, HL = 0.0, 0.0
            # split after bin b (b = -1: only the missing rows left; b = n_cuts: every
            # non-missing row left), the missing rows right (d = 0) or left (d = 1)
            for b in range(-1, n_cuts[f] + 1):
                if b >= 0:
                    if hist[f, b, 1] == 0.0 and hist[f, b, 0] == 0.0 and b < n_cuts[f]:
                        continue            # an empty bin: the split after bin b - 1 again
                    GL += hist[f, b, 0]
                    HL += hist[f, b, 1]
                for d in range(2):
                    if (d == 0 and (b < 0 or (b == n_cuts[f] and not has_missing))) or (
                            d == 1 and (not has_missing or b == n_cuts[f])):
                        continue
                    gl = GL + Gm if d == 1 else GL
                    hl = HL + Hm if d == 1 else HL
                    gr, hr = Gn - gl, Hn - hl
                    if hl < mcw or hr < mcw:
                        continue
                    sc = gl * gl / (hl + lam) + gr * gr / (hr + lam)
                    if np.isfinite(sc) and (bf < 0 or sc > best + 1e-12 * abs(best)):
                        best, bf, bb, bl, GLb, HLb = sc, f, b, d == 1, gl, hl
        if bf < 0 or not best - Gn * Gn / (Hn + lam) > min_gain:
            free.append(slot)
            leaf[rows[start:end]] = node
            continue
        # partition the rows: left ones first, both sides in their old order
        nl, nr = 0, 0
        for i in range(start, end):
            r = rows[i]
            b = B[r, bf]
            if (bl if b == NB else b <= bb):
                rows[start + nl] = r
                nl += 1
            else:
                buf[nr] = r
                nr += 1
        for i in range(nr):
            rows[start + nl + i] = buf[i]
        lc, rc = n_nodes, n_nodes + 1
        n_nodes += 2
        left[node], right[node], feature[node], split_bin[node] = lc, rc, bf, bb
        miss_left[node] = bl
        G[lc], H[lc], G[rc], H[rc] = GLb, HLb, Gn - GLb, Hn - HLb
        count[lc], count[rc] = nl, nr
        depth[lc] = depth[rc] = depth[node] + 1
        if depth[lc] >= max_depth:
            free.append(slot)
            stack.append((rc, start + nl, end, -1))
            stack.append((lc, start, start + nl, -1))
            continue
        # the smaller child's histogram from its rows, its sibling's by subtraction
        small = free.pop()
        if nl <= nr:
            _histogram(B, rows, start, start + nl, g, h, fmask, pool[small])
            hist -= pool[small]
            ls, rs = small, slot
        else:
            _histogram(B, rows, start + nl, end, g, h, fmask, pool[small])
            hist -= pool[small]
            ls, rs = slot, small
        stack.append((rc, start + nl, end, rs))
        stack.append((lc, start, start + nl, ls))
    return (left[:n_nodes], right[:n_nodes], feature[:n_nodes], split_bin[:n_nodes],
            miss_left[:n_nodes], G[:n_nodes], H[:n_nodes], count[:n_nodes],
            depth[:n_nodes], leaf)
