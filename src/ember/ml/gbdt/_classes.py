"""The boosting loop and the estimators ``GradientBoostingRegressor`` and
``GradientBoostingClassifier`` (XGBoost's parameters and conventions)."""
import numbers
from concurrent.futures import ThreadPoolExecutor

import numba
import numpy as np
from scipy.special import expit, softmax
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.utils import check_random_state
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import _check_sample_weight, check_is_fitted, validate_data

from ._grow import ExactTrees, HistTrees, _prune_and_compact
from ._losses import _Logistic, _Softmax, _SquaredError


def _f32(a):
    return np.asarray(a, dtype=np.float32).astype(np.float64)


class _BaseGradientBoosting(BaseEstimator):
    # missing values (NaN) are routed by each split's learned default direction, as XGBoost
    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        return tags

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
        active = np.flatnonzero(sw > 0)             # zero-weight rows take no part in training
        n_act = active.size
        trees = ExactTrees(X) if self.tree_method == "exact" else HistTrees(X, active, self.max_bin)
        params = dict(max_depth=self.max_depth, reg_lambda=self.reg_lambda,
                      min_child_weight=self.min_child_weight, eta=self.learning_rate)
        n_sub = max(1, int(round(self.subsample * n_act)))
        n_col = max(1, int(self.colsample_bytree * F))
        # a round's class trees grow side by side in threads (the histogram grower releases
        # the GIL; the exact grower already splits its features among numba's threads)
        n_threads = min(numba.get_num_threads(), loss.n_outputs)
        pool = (ThreadPoolExecutor(n_threads) if n_threads > 1 and isinstance(trees, HistTrees)
                else None)
        run = map if pool is None else pool.map
        self.trees_ = []
        best_score, best_iter = np.inf, 0
        self.best_iteration_ = None
        try:
            for it in range(self.n_estimators):
                rows = np.sort(active[rs.permutation(n_act)[:n_sub]]) if n_sub < n_act else active
                feats = np.sort(rs.permutation(F)[:n_col]) if n_col < F else np.arange(F)
                # float32 statistics, as XGBoost
                gh = [(_f32(g) * sw, _f32(h) * sw) for g, h in loss.grad_hess(y, margin, sw)]
                round_trees = []
                grown_trees = run(lambda s: trees.grow(*s, rows, feats, **params), gh)
                for k, (grown, leaf) in enumerate(grown_trees):
                    t = _prune_and_compact(grown, self.gamma)
                    t.value = t.value.astype(np.float32).astype(np.float64)
                    round_trees.append(t)
                    # the training rows' leaves are known when the tree saw every row, unpruned
                    margin[:, k] += (t.value[leaf, 0] if t is grown and rows.size == n
                                     else t.predict(X)[:, 0])
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
        finally:
            if pool is not None:
                pool.shutdown()
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
            Xe = validate_data(self, Xe, dtype=np.float32, reset=False,
                               ensure_all_finite="allow-nan")
            out.append((Xe, encode(np.asarray(ye))))
        return out

    def _margin(self, X, iteration_range=None):
        check_is_fitted(self, "trees_")
        X = validate_data(self, X, dtype=np.float32, reset=False, ensure_all_finite="allow-nan")
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
        X = validate_data(self, X, dtype=np.float32, reset=False, ensure_all_finite="allow-nan")
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
        X, y = validate_data(self, X, y, dtype=np.float32, y_numeric=True,
                                     ensure_all_finite="allow-nan")
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
        X, y = validate_data(self, X, y, dtype=np.float32, ensure_all_finite="allow-nan")
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
