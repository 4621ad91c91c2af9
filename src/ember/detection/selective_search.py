"""Selective search (Uijlings et al. 2013): region proposals without a learned model.

1. Over-segmentation by Felzenszwalb and Huttenlocher's graph method: pixels are nodes,
   8-neighbours are joined by edges weighted by their colour distance (after a small
   Gaussian blur); edges are visited in increasing weight and two components merge when
   the edge is no heavier than either's internal difference (its largest merged edge)
   plus ``k / size``; components below ``min_size`` are merged into a neighbour last.
   The loop over edges is compiled (numba).
2. Hierarchical grouping: neighbouring regions are merged greedily, most similar first,
   until one is left; every region ever formed is a proposal. Similarity is a sum of
   colour (intersection of 25-bin colour histograms), texture (intersection of
   histograms of gradient orientation, 8 directions x 10 bins per channel), size (1 -
   combined size / image size: small regions merge first) and fill (1 - the gap the
   merged bounding box would leave / image size: regions that fit together merge first).
3. Diversification: several strategies (colour spaces, k, similarity sets); proposals are
   ranked as in the paper, by merge level times a random factor, and duplicates removed.

``mode="fast"``: RGB and HSV, k in {50, 100}, similarities {CTSF, TSF}; ``"quality"``
adds normalised rg + intensity, k = 150 and 300, and {F, S}.
"""
import numba
import numpy as np

from ..autograd.tensor import Tensor, _wrap

__all__ = ["felzenszwalb", "selective_search"]


@numba.njit(cache=True)
def _find(parent, x):
    root = x
    while parent[root] != root:
        root = parent[root]
    while parent[x] != root:
        nxt = parent[x]
        parent[x] = root
        x = nxt
    return root


@numba.njit(cache=True)
def _segment(a, b, w, n, k, min_size):
    order = np.argsort(w, kind="mergesort")
    parent = np.arange(n)
    size = np.ones(n, np.int64)
    thresh = np.full(n, k, np.float64)
    for e in order:
        x, y = _find(parent, a[e]), _find(parent, b[e])
        if x != y and w[e] <= thresh[x] and w[e] <= thresh[y]:
            if size[x] < size[y]:
                x, y = y, x
            parent[y] = x
            size[x] += size[y]
            thresh[x] = w[e] + k / size[x]
    for e in order:
        x, y = _find(parent, a[e]), _find(parent, b[e])
        if x != y and (size[x] < min_size or size[y] < min_size):
            if size[x] < size[y]:
                x, y = y, x
            parent[y] = x
            size[x] += size[y]
    out = np.empty(n, np.int64)
    for i in range(n):
        out[i] = _find(parent, i)
    return out


def _blur(img, sigma):
    if sigma <= 0:
        return img
    r = int(np.ceil(4 * sigma))
    g = np.exp(-0.5 * (np.arange(-r, r + 1) / sigma) ** 2)
    g /= g.sum()
    pad = np.pad(img, ((r, r), (r, r), (0, 0)), mode="edge")
    rows = sum(g[i] * pad[i:i + img.shape[0]] for i in range(2 * r + 1))
    return sum(g[i] * rows[:, i:i + img.shape[1]] for i in range(2 * r + 1))


def felzenszwalb(image, scale=100.0, sigma=0.8, min_size=20):
    """Felzenszwalb-Huttenlocher segmentation of an [H, W, 3] image with values in [0, 255]
    scale (``scale`` is k): an int64 label image [H, W] with labels 0..n-1."""
    img = _blur(np.asarray(image, np.float64), sigma)
    H, W = img.shape[:2]
    idx = np.arange(H * W).reshape(H, W)
    pairs = [(idx[:, :-1], idx[:, 1:]), (idx[:-1, :], idx[1:, :]),
             (idx[:-1, :-1], idx[1:, 1:]), (idx[:-1, 1:], idx[1:, :-1])]
    a = np.concatenate([p[0].ravel() for p in pairs])
    b = np.concatenate([p[1].ravel() for p in pairs])
    flat = img.reshape(-1, img.shape[2])
    w = np.sqrt(((flat[a] - flat[b]) ** 2).sum(1))
    roots = _segment(a, b, w, H * W, float(scale), int(min_size))
    return np.unique(roots, return_inverse=True)[1].reshape(H, W)


def _colour_spaces(img):
    """Named colour versions of an RGB image in [0, 1] (each scaled to [0, 1])."""
    import matplotlib.colors as mcolors
    s = img.sum(2, keepdims=True) + 1e-8
    return {"rgb": img, "hsv": mcolors.rgb_to_hsv(np.clip(img, 0, 1)),
            "rgi": np.concatenate([img[..., :2] / s, s / 3], 2)}


def _histograms(labels, img, n):
    """Per-region L1-normalised colour (25 bins per channel) and texture (8 gradient
    directions x 10 bins per channel) histograms."""
    lab = labels.ravel()
    C = img.shape[2]
    col = []
    for c in range(C):
        bins = np.minimum((img[..., c].ravel() * 25).astype(int), 24)
        col.append(np.bincount(lab * 25 + bins, minlength=n * 25).reshape(n, 25))
    col = np.concatenate(col, 1).astype(np.float64)
    tex = []
    for c in range(C):
        gy, gx = np.gradient(_blur(img[..., c:c + 1], 1.0)[..., 0])
        ang = ((np.arctan2(gy, gx) + np.pi) / (2 * np.pi) * 8).astype(int) % 8
        mag = np.hypot(gx, gy)
        mbin = np.minimum((mag / (mag.max() + 1e-12) * 10).astype(int), 9).ravel()
        code = (ang.ravel() * 10 + mbin)
        tex.append(np.bincount(lab * 80 + code, minlength=n * 80).reshape(n, 80))
    tex = np.concatenate(tex, 1).astype(np.float64)
    return col / col.sum(1, keepdims=True), tex / tex.sum(1, keepdims=True)


def _group(labels, img, sims):
    """Hierarchical grouping: returns [(level, x1, y1, x2, y2)] of every region formed."""
    H, W = labels.shape
    n = labels.max() + 1
    size = np.bincount(labels.ravel(), minlength=n).astype(np.float64)
    ys, xs = np.mgrid[0:H, 0:W]
    box = np.stack([np.full(n, W), np.full(n, H), np.zeros(n), np.zeros(n)], 1).astype(np.float64)
    np.minimum.at(box[:, 0], labels.ravel(), xs.ravel())
    np.minimum.at(box[:, 1], labels.ravel(), ys.ravel())
    np.maximum.at(box[:, 2], labels.ravel(), xs.ravel() + 1)
    np.maximum.at(box[:, 3], labels.ravel(), ys.ravel() + 1)
    col, tex = _histograms(labels, img, n)
    regions = {i: {"size": size[i], "box": box[i], "col": col[i], "tex": tex[i]} for i in range(n)}
    im = float(H * W)
    # neighbours: label pairs across horizontal, vertical and diagonal pixel edges
    nb = set()
    for p, q in ((labels[:, :-1], labels[:, 1:]), (labels[:-1, :], labels[1:, :]),
                 (labels[:-1, :-1], labels[1:, 1:]), (labels[:-1, 1:], labels[1:, :-1])):
        m = p != q
        for u, v in zip(p[m].tolist(), q[m].tolist()):
            nb.add((min(u, v), max(u, v)))

    def sim(r1, r2):
        s = 0.0
        if "C" in sims:
            s += np.minimum(r1["col"], r2["col"]).sum()
        if "T" in sims:
            s += np.minimum(r1["tex"], r2["tex"]).sum()
        if "S" in sims:
            s += 1 - (r1["size"] + r2["size"]) / im
        if "F" in sims:
            b = np.concatenate([np.minimum(r1["box"][:2], r2["box"][:2]), np.maximum(r1["box"][2:], r2["box"][2:])])
            s += 1 - ((b[2] - b[0]) * (b[3] - b[1]) - r1["size"] - r2["size"]) / im
        return s

    S = {pair: sim(regions[pair[0]], regions[pair[1]]) for pair in nb}
    out = [(1, *regions[i]["box"]) for i in range(n)]
    level, new = 1, n
    while S:
        level += 1
        i, j = max(S, key=S.get)
        ri, rj = regions[i], regions[j]
        t = ri["size"] + rj["size"]
        regions[new] = {"size": t,
                        "box": np.concatenate([np.minimum(ri["box"][:2], rj["box"][:2]),
                                               np.maximum(ri["box"][2:], rj["box"][2:])]),
                        "col": (ri["col"] * ri["size"] + rj["col"] * rj["size"]) / t,
                        "tex": (ri["tex"] * ri["size"] + rj["tex"] * rj["size"]) / t}
        out.append((level, *regions[new]["box"]))
        touched = {a if b in (i, j) else b for a, b in S if a in (i, j) or b in (i, j)} - {i, j}
        S = {p: v for p, v in S.items() if i not in p and j not in p}
        for o in touched:
            S[(o, new)] = sim(regions[o], regions[new])
        new += 1
    return out


STRATEGIES = {
    "fast": [(cs, k, s) for cs in ("hsv", "rgb") for k in (50, 100) for s in ("CTSF", "TSF")],
    "quality": [(cs, k, s) for cs in ("hsv", "rgb", "rgi") for k in (50, 100, 150, 300)
                for s in ("CTSF", "TSF", "F", "S")],
}


def selective_search(image, mode="fast", min_size=20, seed=0):
    """Proposals for one image ([H, W, 3] array or Tensor[3, H, W], values in [0, 1]):
    int Tensor[R, 4] of (x1, y1, x2, y2) boxes, best-ranked first, without duplicates."""
    if mode not in STRATEGIES:
        raise ValueError(f"selective_search: mode={mode!r} must be 'fast' or 'quality'")
    img = image.array.transpose(1, 2, 0) if isinstance(image, Tensor) else np.asarray(image)
    if img.ndim != 3 or img.shape[2] != 3:
        raise ValueError(f"selective_search: image must be [H, W, 3] (or a Tensor [3, H, W]), got "
                         f"shape {img.shape}")
    img = img.astype(np.float64)
    if img.max() > 1.0:
        img = img / 255.0
    spaces = _colour_spaces(img)
    rng = np.random.default_rng(seed)
    ranked = []
    for cs, k, sims in STRATEGIES[mode]:
        labels = felzenszwalb(spaces[cs] * 255, scale=k, sigma=0.8, min_size=min_size)
        regions = _group(labels, spaces[cs], sims)
        top = max(r[0] for r in regions)
        for r in regions:                          # later merges (bigger regions) rank first
            ranked.append(((top - r[0] + 1) * rng.uniform(), r[1:]))
    ranked.sort(key=lambda t: t[0])
    seen, boxes = set(), []
    for _, b in ranked:
        key = tuple(int(v) for v in b)
        if key not in seen:
            seen.add(key)
            boxes.append(key)
    return _wrap(np.asarray(boxes, np.int64).reshape(-1, 4))
