"""``Tree``: the array layout of a fitted binary tree (scikit-learn's ``tree_``)."""
import numpy as np
from numba import njit

TREE_LEAF = -1


@njit(cache=True, nogil=True)
def _apply(X, left, right, feature, threshold, missing_left, strict):
    out = np.empty(X.shape[0], np.intp)
    for i in range(X.shape[0]):
        node = 0
        while left[node] != -1:
            v = np.float64(X[i, feature[node]])
            if np.isnan(v):
                go_left = missing_left[node]
            else:
                go_left = v < threshold[node] if strict else v <= threshold[node]
            node = left[node] if go_left else right[node]
        out[i] = node
    return out


class Tree:
    """Array-based binary tree (the layout of scikit-learn's ``tree_``).

    Node ``i`` is a leaf iff ``children_left[i] == -1``. Internal nodes send a sample to
    ``children_left`` when ``x[feature] <= threshold`` (or ``<`` when ``strict``, the
    XGBoost convention) and to ``children_right`` otherwise; a missing (NaN) value goes to
    the left child where ``missing_left[i]`` (the side learned for the node's missing
    training values, or, when it had none, scikit-learn's larger side). ``value[i]`` holds the class fractions (classification), the mean target
    (regression) or the leaf weight (boosting).
    """

    def __init__(self, children_left, children_right, feature, threshold, value, impurity,
                 n_node_samples, weighted_n_node_samples, improvement, depth, missing_left,
                 strict=False):
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
        self.missing_left = np.asarray(missing_left, dtype=bool)
        self._finalize()

    def _finalize(self):
        leaf = self.children_left == TREE_LEAF
        self.max_depth = int(self.depth[leaf].max()) if self.node_count else 0
        self.n_leaves = int(leaf.sum())

    @property
    def node_count(self):
        return self.children_left.shape[0]

    def make_leaf(self, i):
        """Turn node ``i`` into a leaf (its subtree becomes unreachable)."""
        self.children_left[i] = TREE_LEAF
        self.children_right[i] = TREE_LEAF
        self.feature[i] = -2
        self.threshold[i] = -2.0

    def apply(self, X):
        """Index of the leaf reached by every row of ``X`` (compiled walk, float32 values as
        the trees are grown on)."""
        X = np.ascontiguousarray(X, dtype=np.float32)
        return _apply(X, self.children_left, self.children_right, self.feature, self.threshold,
                      self.missing_left, self.strict)

    def predict(self, X):
        return self.value[self.apply(X)]

    def compute_feature_importances(self, n_features, normalize=True):
        imp = np.zeros(n_features)
        internal = self.children_left != TREE_LEAF
        np.add.at(imp, self.feature[internal], self.improvement[internal])
        if normalize:
            total = imp.sum()
            if total > 0:
                imp /= total
        return imp
