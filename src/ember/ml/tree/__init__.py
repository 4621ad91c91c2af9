"""CART decision trees (classification and regression).

The builder (``_splitter.grow``, compiled with numba) grows the tree depth-first, as
scikit-learn's ``DepthFirstTreeBuilder`` with its ``BestSplitter``: at every node each drawn
feature's values of the node's samples are gathered and sorted (no copy of X, no global
re-sort), swept once with running sums of the per-sample statistics (weighted class counts,
or weighted target sums), and the node's samples are partitioned in place for its children.
The features are drawn with scikit-learn's own generator and rule, so trees (with or
without ``max_features``) are scikit-learn's.

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
* ``_splitter.py``   the compiled depth-first growth and best-split search
* ``_builder.py``    ``grow_tree`` (its Python side: node values, impurities, improvements)
                     and the per-sample statistics of each criterion
* ``_classes.py``    the estimators ``DecisionTreeClassifier`` and ``DecisionTreeRegressor``

    >>> from sklearn.datasets import load_iris
    >>> from ember.ml.tree import DecisionTreeClassifier
    >>> X, y = load_iris(return_X_y=True)
    >>> clf = DecisionTreeClassifier(max_depth=3, random_state=0).fit(X, y)
    >>> clf.get_depth(), round(clf.score(X, y), 2)
    (3, 0.97)
"""
from ._builder import class_statistics, grow_tree, target_statistics
from ._classes import DecisionTreeClassifier, DecisionTreeRegressor
from ._tree import Tree

__all__ = ["DecisionTreeClassifier", "DecisionTreeRegressor"]
