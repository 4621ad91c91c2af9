"""CART decision trees (classification and regression) written on NumPy.

The builder grows the tree level by level (breadth first) and splits all nodes of a level
at once, scoring every threshold of every candidate feature of every node with a single
``cumsum`` of the per-sample statistics (weighted class counts, or weighted target sums)
taken in feature order:

* dense layout (plain trees, boosting): every feature is sorted once for the whole
  training set, the per-feature orders are kept grouped by node (a stable radix sort on
  the node ids after each level), and the cumulative statistics of the whole
  (n_features, n_samples) matrix are computed per level;
* sparse layout (random forests, where a node draws few features): a single node-grouped
  sample list is kept, and each drawn (node, feature) segment is sorted on the fly by the
  sample's precomputed rank in that feature.

For a node with weighted class counts ``c_k`` and weight ``w`` the impurities are

* gini:     ``1 - sum_k (c_k / w)^2``
* entropy:  ``-sum_k (c_k / w) log2(c_k / w)``  (``"log_loss"`` is the same criterion)
* squared error (regression): ``sum_i w_i (y_i - ybar)^2 / w``

and the chosen split maximises the weighted impurity decrease
``w * I(node) - w_L * I(left) - w_R * I(right)``. As in scikit-learn, candidate thresholds
are the midpoints between consecutive distinct values of the (float32) feature, samples
with ``x <= threshold`` go left, features are visited in a random order (ties go to the
first feature in that order) and ``max_features`` features that are not constant in the
node are drawn at every split.

The package follows scikit-learn's ``tree/``:

* ``_tree.py``       ``Tree``, the array-based binary tree (apply, predict, importances)
* ``_criterion.py``  impurities, split scores and leaf values from summed statistics
* ``_splitter.py``   the vectorised best-split search of one level (dense and sparse layouts)
* ``_builder.py``    ``grow_tree`` (level by level), ``presort`` and the per-sample
                     statistics of each criterion
* ``_classes.py``    the estimators ``DecisionTreeClassifier`` and ``DecisionTreeRegressor``

    >>> from sklearn.datasets import load_iris
    >>> from ember.ml.tree import DecisionTreeClassifier
    >>> X, y = load_iris(return_X_y=True)
    >>> clf = DecisionTreeClassifier(max_depth=3, random_state=0).fit(X, y)
    >>> clf.get_depth(), round(clf.score(X, y), 2)
    (3, 0.97)
"""
from ._builder import class_statistics, grow_tree, presort, target_statistics
from ._classes import DecisionTreeClassifier, DecisionTreeRegressor
from ._tree import Tree

__all__ = ["DecisionTreeClassifier", "DecisionTreeRegressor"]
