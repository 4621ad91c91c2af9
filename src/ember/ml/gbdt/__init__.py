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
exact greedy algorithm), on columns sorted once per fit and scanned once per tree level for
all of the level's nodes, features shared among numba's threads.  ``tree_method="hist"``
first buckets each feature into at most ``max_bin`` quantile bins and builds per-node
gradient histograms, computing only the smaller child of each split and the sibling by
subtraction; a round's class trees grow side by side in threads.

Missing values (NaN in ``X``) are handled as XGBoost handles them: every split learns a
default direction, the side where sending the node's missing rows scores best (exact:
XGBoost's two scans per feature; hist: the missing rows' own bin tried on both sides), and
prediction sends NaN that way.

The package: ``_grow.py`` grows one boosting tree (exact greedy, ``_exact.py``, or on
gradient histograms, ``_hist.py``) and prunes it; ``_losses.py`` holds the losses'
gradients and hessians; ``_classes.py`` the boosting loop and the estimators.

    >>> from sklearn.datasets import make_classification
    >>> from ember.ml.gbdt import GradientBoostingClassifier
    >>> X, y = make_classification(300, 6, random_state=0)
    >>> clf = GradientBoostingClassifier(n_estimators=20, max_depth=3).fit(X, y)
    >>> clf.score(X, y) > 0.95
    True
"""
from ._classes import GradientBoostingClassifier, GradientBoostingRegressor

__all__ = ["GradientBoostingClassifier", "GradientBoostingRegressor"]
