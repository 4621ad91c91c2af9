"""``grow_tree``: depth-first growth of a CART tree by the compiled splitter
(``_splitter.grow``), and the per-sample statistics it sums (``class_statistics``,
``target_statistics``)."""
import numpy as np

from ._criterion import _impurity, _node_value, _node_weight
from ._splitter import ENTROPY, GINI, MSE, grow
from ._tree import TREE_LEAF, Tree

# scikit-learn's tolerance for "distinct" feature values, added in float32 as there
_FEATURE_THRESHOLD = np.float32(1e-7)

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


_CODES = {"gini": GINI, "entropy": ENTROPY, "mse": MSE}


def grow_tree(XT, samples, S, crit, *, max_depth=None, min_samples_split=2, min_samples_leaf=1,
              max_features=None, rng=None, classes=None):
    """Grow a CART tree depth-first with exhaustive split search (``_splitter.grow``).

    Parameters
    ----------
    XT : ndarray (n_features, n_samples), float32
        Transposed training matrix (read, never copied: ensembles share one); NaN is a
        missing value.
    samples : ndarray of int
        The ids of the participating samples (e.g. those with positive weight).
    S : ndarray (n_samples, C), float64
        Per-sample statistics whose sums describe a node. Column 0 is the (unweighted)
        sample count. ``gini``/``entropy``: then the weighted one-hot classes;
        ``mse``: ``w, w*y, w*y**2``.
    crit : {"gini", "entropy", "mse"}
    max_features : int or None
        Number of non-constant features drawn (in random order) at every node; None
        means all features, still visited in random order.
    classes : ndarray (n_samples,) of int, optional
        gini / entropy: each sample's class index (computed from ``S`` when None; a forest
        passes it once for all its trees).
    """
    XT = np.asarray(XT, dtype=np.float32)
    S = np.ascontiguousarray(S, dtype=np.float64)
    F = XT.shape[0]
    if rng is None:
        rng = np.random.RandomState(0)
    samples = np.array(samples, dtype=np.intp)          # partitioned in place: a copy
    if crit in ("gini", "entropy") and samples.size:
        cls = (np.argmax(S[:, 1:], axis=1) if classes is None else np.asarray(classes)) + 1
        cls = cls.astype(np.intp, copy=False)
    else:
        cls = np.empty(0, np.intp)
    left, right, feat, thr, miss_left, T, depth = grow(
        XT, samples, S, cls, _CODES[crit],
        np.iinfo(np.int32).max if max_depth is None else int(max_depth),
        max(min_samples_split, 2 * min_samples_leaf), int(min_samples_leaf),
        F if max_features is None else int(max_features), _FEATURE_THRESHOLD,
        int(rng.randint(2 ** 31 - 1)))
    T = T.T                                             # (C, nodes)
    imp = _impurity(T, crit)
    weight = _node_weight(T, crit)
    improvement = np.zeros(left.shape[0])
    inner = np.flatnonzero(left != TREE_LEAF)
    lc, rc = left[inner], right[inner]
    improvement[inner] = (weight[inner] * imp[inner] - weight[lc] * imp[lc]
                          - weight[rc] * imp[rc])
    return Tree(left, right, feat, thr, _node_value(T, crit), imp,
                np.rint(T[0]).astype(np.intp), weight, improvement, depth, miss_left)
