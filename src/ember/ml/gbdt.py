"""XGBoost-style gradient boosted trees (second-order boosting) written on NumPy.

At round ``t`` the model's margins ``F_{t-1}(x_i)`` give per-sample first and second
derivatives of the loss, ``g_i`` and ``h_i``:

* squared error ``(y - F)^2 / 2``:            ``g = F - y``, ``h = 1``
* binary logistic, ``p = sigmoid(F)``:        ``g = p - y``, ``h = p (1 - p)``
* softmax (one tree per class per round):     ``g_k = p_k - [y = k]``, ``h_k = 2 p_k (1 - p_k)``
  (the factor 2 is XGBoost's)

(each multiplied by the sample weight). A regression tree is grown depth-wise on
``(g, h)``; a leaf with sums ``G, H`` gets the weight ``w = -eta * G / (H + lambda)``
and a split of a node into ``L`` and ``R`` has, in XGBoost's convention (twice the
half-gain of the XGBoost paper),

    gain = G_L^2 / (H_L + lambda) + G_R^2 / (H_R + lambda) - (G_L + G_R)^2 / (H_L + H_R + lambda).

A split needs ``H_L >= min_child_weight`` and ``H_R >= min_child_weight`` and is made when
``gain > 1e-6``; after growth, splits whose two children are leaves and whose
``gain < gamma`` are pruned bottom-up (as XGBoost's pruner does). ``F_t = F_{t-1} + tree``.

``tree_method="exact"`` enumerates every split between consecutive distinct float32
values of a feature at the float32 midpoint, sending ``x < threshold`` left (XGBoost's
exact greedy algorithm). ``tree_method="hist"`` first buckets each feature into at most
``max_bin`` quantile bins and builds per-node gradient histograms with ``np.bincount``,
computing only the smaller child of each split and the sibling by subtraction.

    >>> from sklearn.datasets import make_classification
    >>> from ember.ml.gbdt import GradientBoostingClassifier
    >>> X, y = make_classification(300, 6, random_state=0)
    >>> clf = GradientBoostingClassifier(n_estimators=20, max_depth=3).fit(X, y)
    >>> clf.score(X, y) > 0.95
    True
"""
import numbers

import numpy as np
from scipy.special import expit, logit, softmax
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.utils import check_random_state
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import _check_sample_weight, check_is_fitted, validate_data

from .tree import Tree, grow_tree, presort

__all__ = ["GradientBoostingClassifier", "GradientBoostingRegressor"]

_KRT_EPS = 1e-6  # XGBoost's minimal loss change for a split


# ----------------------------------------------------------------------------- trees
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


# ----------------------------------------------------------------------------- losses
class _SquaredError:
    n_outputs = 1
    metric = "rmse"

    def init_margin(self, y, w, base_score):
        return np.array([np.average(y, weights=w) if base_score is None else base_score])

    def grad_hess(self, y, F, w):
        return [(F[:, 0] - y, np.ones_like(y))]

    def eval(self, y, F):
        return float(np.sqrt(np.mean((y - F[:, 0]) ** 2)))


class _Logistic:
    n_outputs = 1
    metric = "logloss"

    def init_margin(self, y, w, base_score):
        if base_score is None:
            base_score = np.clip(np.average(y, weights=w), 1e-6, 1 - 1e-6)
        return np.array([logit(base_score)])

    def grad_hess(self, y, F, w):
        p = expit(F[:, 0])
        return [(p - y, np.maximum(p * (1.0 - p), 1e-16))]

    def eval(self, y, F):
        p = np.clip(expit(F[:, 0]), 1e-16, 1 - 1e-16)
        return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))


class _Softmax:
    metric = "mlogloss"

    def __init__(self, K):
        self.n_outputs = K

    def init_margin(self, y, w, base_score):
        if base_score is not None:
            return np.full(self.n_outputs, float(base_score))
        prior = np.bincount(y, weights=w, minlength=self.n_outputs) / w.sum()
        lp = np.log(np.clip(prior, 1e-6, None))
        return lp - lp.mean()

    def grad_hess(self, y, F, w):
        p = softmax(F, axis=1)
        out = []
        for k in range(self.n_outputs):
            out.append((p[:, k] - (y == k), np.maximum(2.0 * p[:, k] * (1.0 - p[:, k]), 1e-16)))
        return out

    def eval(self, y, F):
        p = np.clip(softmax(F, axis=1)[np.arange(y.size), y], 1e-16, None)
        return float(-np.mean(np.log(p)))


# ----------------------------------------------------------------------------- estimators
def _f32(a):
    return np.asarray(a, dtype=np.float32).astype(np.float64)


class _BaseGradientBoosting(BaseEstimator):
    def __init__(self, n_estimators=100, learning_rate=0.3, max_depth=6, min_child_weight=1.0,
                 reg_lambda=1.0, gamma=0.0, subsample=1.0, colsample_bytree=1.0, base_score=None,
                 early_stopping_rounds=None, random_state=None, tree_method="hist", max_bin=256,
                 importance_type="gain"):
        self.n_estimators = n_estimators
        self.learning_rate = learning_rate
        self.max_depth = max_depth
        self.min_child_weight = min_child_weight
        self.reg_lambda = reg_lambda
        self.gamma = gamma
        self.subsample = subsample
        self.colsample_bytree = colsample_bytree
        self.base_score = base_score
        self.early_stopping_rounds = early_stopping_rounds
        self.random_state = random_state
        self.tree_method = tree_method
        self.max_bin = max_bin
        self.importance_type = importance_type

    def _validate_params(self):
        def is_int(v):
            return isinstance(v, numbers.Integral) and not isinstance(v, bool)

        def is_real(v):
            return isinstance(v, numbers.Real) and not isinstance(v, bool)

        if not is_int(self.n_estimators) or self.n_estimators < 1:
            raise ValueError(f"n_estimators must be an int >= 1; got {self.n_estimators!r}.")
        if not is_real(self.learning_rate) or not self.learning_rate > 0:
            raise ValueError(f"learning_rate must be a float > 0; got {self.learning_rate!r}.")
        if not is_int(self.max_depth) or self.max_depth < 1:
            raise ValueError(f"max_depth must be an int >= 1; got {self.max_depth!r}.")
        for name in ("min_child_weight", "reg_lambda", "gamma"):
            v = getattr(self, name)
            if not is_real(v) or not v >= 0:
                raise ValueError(f"{name} must be a float >= 0; got {v!r}.")
        for name in ("subsample", "colsample_bytree"):
            v = getattr(self, name)
            if not is_real(v) or not 0.0 < v <= 1.0:
                raise ValueError(f"{name} must be a float in (0, 1]; got {v!r}.")
        if self.tree_method not in ("exact", "hist"):
            raise ValueError(f"tree_method must be 'exact' or 'hist'; got {self.tree_method!r}.")
        if not is_int(self.max_bin) or self.max_bin < 2:
            raise ValueError(f"max_bin must be an int >= 2; got {self.max_bin!r}.")
        if self.early_stopping_rounds is not None and (
                not is_int(self.early_stopping_rounds) or self.early_stopping_rounds < 1):
            raise ValueError("early_stopping_rounds must be None or an int >= 1; "
                             f"got {self.early_stopping_rounds!r}.")
        if self.base_score is not None and not is_real(self.base_score):
            raise ValueError(f"base_score must be None or a float; got {self.base_score!r}.")
        if self.importance_type not in ("gain", "total_gain", "weight"):
            raise ValueError("importance_type must be 'gain', 'total_gain' or 'weight'; "
                             f"got {self.importance_type!r}.")

    def _boost(self, X, y, sw, loss, eval_set):
        n, F = X.shape
        rs = check_random_state(self.random_state)
        self.base_margin_ = loss.init_margin(y, sw, self.base_score)
        margin = np.tile(self.base_margin_, (n, 1)).astype(np.float64)
        evals = [(np.tile(self.base_margin_, (Xe.shape[0], 1)).astype(np.float64), Xe, ye)
                 for Xe, ye in eval_set]
        self.evals_result_ = {f"validation_{i}": {loss.metric: []} for i in range(len(evals))}
        exact = self.tree_method == "exact"
        active = np.flatnonzero(sw > 0)             # zero-weight rows take no part in training
        n_act = active.size
        if exact:
            XT = np.ascontiguousarray(X.T)
            orders = presort(XT)
        else:
            cuts = _make_cuts(X[active], self.max_bin)
            B = _bin(X, cuts)
            NB = max(c.size for c in cuts) + 1
            cuts_pad = np.full((F, NB), np.inf)
            valid_bin = np.zeros((F, NB), dtype=bool)
            for f, c in enumerate(cuts):
                cuts_pad[f, :c.size] = c
                valid_bin[f, :c.size] = True
            BF = B.astype(np.intp) + (np.arange(F, dtype=np.intp) * NB)[None, :]
        n_sub = max(1, int(round(self.subsample * n_act)))
        n_col = max(1, int(self.colsample_bytree * F))
        self.trees_ = []
        best_score, best_iter = np.inf, 0
        self.best_iteration_ = None
        for it in range(self.n_estimators):
            rows = np.sort(active[rs.permutation(n_act)[:n_sub]]) if n_sub < n_act else active
            feats = np.sort(rs.permutation(F)[:n_col]) if n_col < F else np.arange(F)
            gh = loss.grad_hess(y, margin, sw)
            round_trees = []
            for k, (g, h) in enumerate(gh):
                g, h = _f32(g) * sw, _f32(h) * sw  # float32 statistics, as XGBoost
                if exact:
                    keep = np.zeros(n, dtype=bool)
                    keep[rows] = True
                    o = orders[feats]
                    if rows.size < n:
                        o = o[keep[o]].reshape(feats.size, -1)
                    S = np.column_stack([np.ones(n), g, h])
                    t = grow_tree(XT[feats], o, S, "xgb", max_depth=self.max_depth,
                                  reg_lambda=self.reg_lambda, min_child_weight=self.min_child_weight,
                                  min_split_gain=_KRT_EPS, eta=self.learning_rate, strict=True)
                    internal = t.children_left >= 0
                    t.feature[internal] = feats[t.feature[internal]]
                else:
                    t = _grow_hist(BF, NB, cuts_pad, valid_bin, g, h, rows,
                                   max_depth=self.max_depth, reg_lambda=self.reg_lambda,
                                   min_child_weight=self.min_child_weight,
                                   eta=self.learning_rate, feats=feats)
                t = _prune_and_compact(t, self.gamma)
                t.value = t.value.astype(np.float32).astype(np.float64)
                round_trees.append(t)
                margin[:, k] += t.predict(X)[:, 0]
            self.trees_.append(round_trees)
            for i, (me, Xe, ye) in enumerate(evals):
                for k, t in enumerate(round_trees):
                    me[:, k] += t.predict(Xe)[:, 0]
                score = loss.eval(ye, me)
                self.evals_result_[f"validation_{i}"][loss.metric].append(score)
            if evals and self.early_stopping_rounds is not None:
                score = self.evals_result_[f"validation_{len(evals) - 1}"][loss.metric][-1]
                if score < best_score:
                    best_score, best_iter = score, it
                elif it - best_iter >= self.early_stopping_rounds:
                    break
        if evals and self.early_stopping_rounds is not None:
            self.best_iteration_ = best_iter
            self.best_score_ = best_score
        self.n_features_in_ = F
        return self

    @property
    def best_iteration(self):
        """Index of the best round when early stopping was used (XGBoost's name)."""
        check_is_fitted(self, "trees_")
        if self.best_iteration_ is None:
            raise AttributeError("best_iteration is only defined when early stopping is used.")
        return self.best_iteration_

    def _prepare_eval_set(self, eval_set, encode):
        if self.early_stopping_rounds is not None and not eval_set:
            raise ValueError("early_stopping_rounds needs at least one (X, y) pair in "
                             "eval_set passed to fit.")
        out = []
        for Xe, ye in (eval_set or []):
            Xe = validate_data(self, Xe, dtype=np.float32, reset=False)
            out.append((Xe, encode(np.asarray(ye))))
        return out

    def _margin(self, X, iteration_range=None):
        check_is_fitted(self, "trees_")
        X = validate_data(self, X, dtype=np.float32, reset=False)
        start, stop = self._iter_range(iteration_range)
        m = np.tile(self.base_margin_, (X.shape[0], 1)).astype(np.float64)
        for round_trees in self.trees_[start:stop]:
            for k, t in enumerate(round_trees):
                m[:, k] += t.predict(X)[:, 0]
        return m

    def _iter_range(self, iteration_range):
        if iteration_range is None or tuple(iteration_range) == (0, 0):
            stop = len(self.trees_) if self.best_iteration_ is None else self.best_iteration_ + 1
            return 0, stop
        start, stop = iteration_range
        return int(start), int(stop)

    def _staged_margin(self, X):
        check_is_fitted(self, "trees_")
        X = validate_data(self, X, dtype=np.float32, reset=False)
        m = np.tile(self.base_margin_, (X.shape[0], 1)).astype(np.float64)
        for round_trees in self.trees_:
            for k, t in enumerate(round_trees):
                m[:, k] += t.predict(X)[:, 0]
            yield m.copy()

    @property
    def feature_importances_(self):
        """Gain-based importances normalised to sum to 1.

        ``importance_type="gain"`` (default, as XGBoost): the average gain of the splits
        that use the feature; ``"total_gain"``: their total gain; ``"weight"``: the number
        of splits using the feature.
        """
        check_is_fitted(self, "trees_")
        F = self.n_features_in_
        total = np.zeros(F)
        count = np.zeros(F)
        for round_trees in self.trees_:
            for t in round_trees:
                internal = t.children_left >= 0
                np.add.at(total, t.feature[internal], t.improvement[internal])
                np.add.at(count, t.feature[internal], 1.0)
        if self.importance_type == "gain":
            imp = np.divide(total, count, out=np.zeros(F), where=count > 0)
        elif self.importance_type == "total_gain":
            imp = total
        else:
            imp = count
        s = imp.sum()
        return imp / s if s > 0 else imp


class GradientBoostingRegressor(RegressorMixin, _BaseGradientBoosting):
    """Gradient boosted regression trees with second-order (XGBoost) updates, squared error.

    Parameters
    ----------
    n_estimators : int, default=100
        Number of boosting rounds.
    learning_rate : float > 0, default=0.3
        Shrinkage ``eta`` applied to leaf weights.
    max_depth : int >= 1, default=6
    min_child_weight : float >= 0, default=1.0
        Minimum hessian sum in each child of a split.
    reg_lambda : float >= 0, default=1.0
        L2 penalty on leaf weights.
    gamma : float >= 0, default=0.0
        Minimum gain (XGBoost convention, see module docstring) to keep a split.
    subsample : float in (0, 1], default=1.0
        Fraction of rows drawn without replacement for each round.
    colsample_bytree : float in (0, 1], default=1.0
        Fraction of features drawn for each tree.
    base_score : float or None, default=None
        Initial prediction; None uses the weighted mean of ``y``.
    early_stopping_rounds : int or None, default=None
        Stop when the metric on the last ``eval_set`` entry has not improved for that
        many rounds; ``predict`` then uses the rounds up to ``best_iteration``.
    random_state : int, RandomState or None
    tree_method : {"hist", "exact"}, default="hist"
    max_bin : int, default=256
        Maximum number of bins per feature for ``tree_method="hist"``.
    importance_type : {"gain", "total_gain", "weight"}, default="gain"

    Attributes
    ----------
    trees_ : list of lists of Tree, base_margin_, evals_result_, best_iteration,
    feature_importances_

    Examples
    --------
    >>> from sklearn.datasets import make_regression
    >>> from ember.ml.gbdt import GradientBoostingRegressor
    >>> X, y = make_regression(300, 5, noise=1.0, random_state=0)
    >>> reg = GradientBoostingRegressor(n_estimators=50, max_depth=3).fit(X, y)
    >>> reg.score(X, y) > 0.95
    True
    """

    def fit(self, X, y, sample_weight=None, eval_set=None):
        """Fit; ``eval_set`` is a list of ``(X, y)`` pairs scored (rmse) after each round."""
        self._validate_params()
        X, y = validate_data(self, X, y, dtype=np.float32, y_numeric=True)
        y = np.asarray(y, dtype=np.float64)
        sw = _check_sample_weight(sample_weight, X, dtype=np.float64, ensure_non_negative=True)
        ev = self._prepare_eval_set(eval_set, lambda v: v.astype(np.float64))
        return self._boost(X, y, sw, _SquaredError(), ev)

    def predict(self, X, output_margin=False, iteration_range=None):
        """Prediction using the trees of rounds ``iteration_range = (start, stop)``."""
        return self._margin(X, iteration_range)[:, 0]

    def staged_predict(self, X):
        """Prediction after each boosting round (generator)."""
        for m in self._staged_margin(X):
            yield m[:, 0]


class GradientBoostingClassifier(ClassifierMixin, _BaseGradientBoosting):
    """Gradient boosted classification trees with second-order (XGBoost) updates.

    Binary problems use the logistic loss on one margin ``F`` (``p = sigmoid(F)``,
    ``base_score`` is a probability, default: the weighted positive rate); multi-class
    problems use the softmax loss with one tree per class per round (``base_score`` is
    the initial margin of every class; default: centred log class priors). Parameters as
    :class:`GradientBoostingRegressor`. The eval metric is ``logloss`` / ``mlogloss``.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from ember.ml.gbdt import GradientBoostingClassifier
    >>> X, y = load_iris(return_X_y=True)
    >>> clf = GradientBoostingClassifier(n_estimators=20, max_depth=2).fit(X, y)
    >>> clf.predict_proba(X[:2]).shape
    (2, 3)
    """

    def fit(self, X, y, sample_weight=None, eval_set=None):
        """Fit; ``eval_set`` is a list of ``(X, y)`` pairs scored after each round."""
        self._validate_params()
        X, y = validate_data(self, X, y, dtype=np.float32)
        check_classification_targets(y)
        self.classes_, yi = np.unique(y, return_inverse=True)
        K = self.n_classes_ = self.classes_.shape[0]
        if K < 2:
            raise ValueError("GradientBoostingClassifier needs samples of at least 2 classes "
                             f"in the data; got 1 class: {self.classes_[0]!r}.")
        if K == 2 and self.base_score is not None and not 0.0 < self.base_score < 1.0:
            raise ValueError("base_score must be a probability in (0, 1) for binary "
                             f"classification; got {self.base_score!r}.")
        sw = _check_sample_weight(sample_weight, X, dtype=np.float64, ensure_non_negative=True)
        lookup = {c: i for i, c in enumerate(self.classes_.tolist())}

        def encode(v):
            unknown = set(v.tolist()) - set(lookup)
            if unknown:
                raise ValueError(f"eval_set contains labels not seen in y: {sorted(unknown)!r}.")
            return np.array([lookup[c] for c in v.tolist()], dtype=np.intp)

        ev = self._prepare_eval_set(eval_set, encode)
        loss = _Logistic() if K == 2 else _Softmax(K)
        yy = yi.astype(np.float64) if K == 2 else yi
        return self._boost(X, yy, sw, loss, ev)

    def decision_function(self, X, iteration_range=None):
        """Raw margins: shape (n,) for two classes, (n, K) otherwise."""
        m = self._margin(X, iteration_range)
        return m[:, 0] if self.n_classes_ == 2 else m

    def staged_decision_function(self, X):
        """Raw margins after each boosting round (generator)."""
        for m in self._staged_margin(X):
            yield m[:, 0] if self.n_classes_ == 2 else m

    def _proba(self, m):
        if self.n_classes_ == 2:
            p = expit(m[:, 0])
            return np.column_stack([1.0 - p, p])
        return softmax(m, axis=1)

    def predict_proba(self, X, iteration_range=None):
        return self._proba(self._margin(X, iteration_range))

    def staged_predict_proba(self, X):
        for m in self._staged_margin(X):
            yield self._proba(m)

    def predict(self, X, output_margin=False, iteration_range=None):
        """Class labels, or the raw margins when ``output_margin=True`` (as XGBoost)."""
        if output_margin:
            return self.decision_function(X, iteration_range)
        proba = self.predict_proba(X, iteration_range)
        return self.classes_[np.argmax(proba, axis=1)]

    def staged_predict(self, X):
        for p in self.staged_predict_proba(X):
            yield self.classes_[np.argmax(p, axis=1)]
