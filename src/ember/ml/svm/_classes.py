"""The estimators ``SVC`` (kernel C-SVC, one-vs-one) and ``LinearSVC`` (linear SVM,
one-vs-rest); the solvers live in ``_smo.py`` and ``_liblinear.py``."""
import numbers

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.exceptions import NotFittedError
from sklearn.utils.metaestimators import available_if
from sklearn.utils import check_random_state
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from .._threads import blas_threads
from ._base import _check_C, _check_tol, _resolve_class_sample_C
from ._kernel import KERNELS, Kernel, KernelRows
from ._liblinear import _dual_cd, _primal_newton
from ._platt import _couple_pairwise, _sigmoid_predict, _sigmoid_train
from ._smo import SMOSolver


def _class_pairs(n_classes):
    """``(p, ci, cj)`` for the pairs of classes ``ci < cj`` in libsvm's one-vs-one order."""
    pairs = [(ci, cj) for ci in range(n_classes) for cj in range(ci + 1, n_classes)]
    return [(p, ci, cj) for p, (ci, cj) in enumerate(pairs)]


def _ovr_decision_function(predictions, confidences, n_classes):
    """Votes + monotonically squashed summed confidences (scikit-learn's formula)."""
    n = predictions.shape[0]
    votes = np.zeros((n, n_classes))
    conf = np.zeros((n, n_classes))
    for k, i, j in _class_pairs(n_classes):
        conf[:, i] -= confidences[:, k]
        conf[:, j] += confidences[:, k]
        votes[predictions[:, k] == 0, i] += 1
        votes[predictions[:, k] == 1, j] += 1
    return votes + conf / (3 * (np.abs(conf) + 1))


class SVC(ClassifierMixin, BaseEstimator):
    """C-support vector classification with a kernel, trained by SMO (see ``ember.ml.svm``).

    Solves ``min_a 1/2 a^T Q a - e^T a`` s.t. ``0 <= a_i <= C_i``, ``y^T a = 0``
    (``Q_ij = y_i y_j K(x_i, x_j)``, ``C_i = C * class_weight[y_i] * sample_weight_i``) for each
    pair of classes and predicts with ``f(x) = sum_i y_i a_i K(x_i, x) - rho``.

    Parameters follow ``sklearn.svm.SVC``.  ``probability=True`` adds ``predict_proba`` by
    libsvm's recipe: per pair of classes a 5-fold cross-validation (shuffled with
    ``random_state``) gives decision values to which Platt's sigmoid is fitted (``probA_``,
    ``probB_``); pairwise probabilities are coupled by Wu, Lin & Weng (2004).  (scikit-learn
    1.9 deprecates ``probability`` in favour of ``CalibratedClassifierCV``; it is kept here
    because it is part of libsvm's C-SVC.)

    Attributes: ``support_``, ``support_vectors_``, ``n_support_``, ``dual_coef_``,
    ``intercept_``, ``classes_``, ``class_weight_``, ``n_iter_``, ``shape_fit_``,
    ``n_features_in_``; ``coef_`` for the linear kernel.

    Example
    -------
        >>> import numpy as np
        >>> from ember.ml.svm import SVC
        >>> X = np.array([[-2.0, 0.0], [-1.0, 0.0], [1.0, 0.0], [2.0, 0.0]])
        >>> clf = SVC(kernel="linear").fit(X, [0, 0, 1, 1])
        >>> clf.support_.tolist(), clf.predict([[0.5, 3.0]]).tolist()
        ([1, 2], [1])
    """

    def __init__(self, *, C=1.0, kernel="rbf", degree=3, gamma="scale", coef0=0.0,
                 shrinking=True, probability=False, tol=1e-3, cache_size=200,
                 class_weight=None, verbose=False, max_iter=-1, decision_function_shape="ovr",
                 break_ties=False, random_state=None):
        self.C = C
        self.kernel = kernel
        self.degree = degree
        self.gamma = gamma
        self.coef0 = coef0
        self.shrinking = shrinking
        self.probability = probability
        self.tol = tol
        self.cache_size = cache_size
        self.class_weight = class_weight
        self.verbose = verbose
        self.max_iter = max_iter
        self.decision_function_shape = decision_function_shape
        self.break_ties = break_ties
        self.random_state = random_state

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.pairwise = self.kernel == "precomputed"
        return tags

    # -- parameters ---------------------------------------------------------------------------
    def _check_params(self, X):
        _check_C(self.C)
        _check_tol(self.tol)
        if not callable(self.kernel) and self.kernel not in KERNELS:
            raise ValueError(
                f"kernel must be one of {KERNELS} or a callable, got kernel={self.kernel!r}")
        if isinstance(self.gamma, str):
            if self.gamma not in ("scale", "auto"):
                raise ValueError(
                    f"gamma must be 'scale', 'auto' or a non-negative float, got gamma={self.gamma!r}")
        elif not isinstance(self.gamma, numbers.Real) or self.gamma < 0:
            raise ValueError(
                f"gamma must be 'scale', 'auto' or a non-negative float, got gamma={self.gamma!r}")
        if not isinstance(self.degree, numbers.Integral) or self.degree < 0:
            raise ValueError(f"degree must be a non-negative integer, got degree={self.degree!r}")
        if not isinstance(self.max_iter, numbers.Integral) or self.max_iter < -1:
            raise ValueError(f"max_iter must be -1 or a non-negative integer, got max_iter={self.max_iter!r}")
        if self.decision_function_shape not in ("ovr", "ovo"):
            raise ValueError("decision_function_shape must be 'ovr' or 'ovo', got "
                             f"decision_function_shape={self.decision_function_shape!r}")
        if not isinstance(self.cache_size, numbers.Real) or self.cache_size <= 0:
            raise ValueError(f"cache_size must be a positive number, got cache_size={self.cache_size!r}")
        if self.break_ties and self.decision_function_shape == "ovo":
            raise ValueError("break_ties must be False when decision_function_shape is 'ovo'")

        if self.gamma == "scale":
            with np.errstate(over="ignore", invalid="ignore"):
                var = X.var() if self.kernel != "precomputed" and not callable(self.kernel) else 0.0
            if not np.isfinite(var):
                raise ValueError("The variance of X overflows (values too large) and with it the kernel: "
                                 "the input data needs to be preprocessed (scaled)")
            self._gamma = 1.0 / (X.shape[1] * var) if var != 0 else 1.0
        elif self.gamma == "auto":
            self._gamma = 1.0 / X.shape[1]
        else:
            self._gamma = float(self.gamma)

    def _kernel(self):
        """The kernel with the parameters of this fit (``gamma`` resolved)."""
        return Kernel(self.kernel, self._gamma, self.degree, self.coef0)

    # -- fit ----------------------------------------------------------------------------------
    def fit(self, X, y, sample_weight=None):
        """Fit one SMO problem per pair of classes; returns ``self``."""
        X, y = validate_data(self, X, y, dtype=np.float64, order="C", accept_sparse=False)
        check_classification_targets(y)
        self._check_params(X)
        precomputed = self.kernel == "precomputed"
        if precomputed and X.shape[0] != X.shape[1]:
            raise ValueError(
                f"Precomputed matrix must be a square matrix. Input is a {X.shape[0]}x{X.shape[1]} matrix.")
        self.classes_, y_enc = np.unique(y, return_inverse=True)
        n_classes = len(self.classes_)
        if n_classes < 2:
            raise ValueError(
                f"The number of classes has to be greater than one; got {n_classes} class")
        Cv = _resolve_class_sample_C(self, float(self.C), self.classes_, y_enc, sample_weight, X)
        self.shape_fit_ = X.shape

        keep = Cv > 0  # libsvm drops samples of zero weight
        if np.unique(y_enc[keep]).size < 2:
            raise ValueError("Invalid input - all samples with positive weights belong to the "
                             "same class (at least two classes are needed)")
        all_idx = np.arange(X.shape[0])
        pair_alpha, pair_idx, pair_y, rhos, n_iter = [], [], [], [], []
        for _, ci, cj in _class_pairs(n_classes):
            idx = np.concatenate([all_idx[(y_enc == ci) & keep], all_idx[(y_enc == cj) & keep]])
            ysub = np.where(y_enc[idx] == ci, 1.0, -1.0)
            a, rho, it = self._solve_pair(X, idx, ysub, Cv[idx], precomputed)
            pair_alpha.append(a * ysub)
            pair_idx.append(idx)
            pair_y.append(ysub)
            rhos.append(rho)
            n_iter.append(it)

        # global support vectors: nonzero coefficient in any pair, grouped by class
        is_sv = np.zeros(X.shape[0], dtype=bool)
        for coef, idx in zip(pair_alpha, pair_idx):
            is_sv[idx[coef != 0]] = True
        support = np.concatenate([all_idx[(y_enc == c) & is_sv] for c in range(n_classes)])
        pos_in_sv = np.full(X.shape[0], -1)
        pos_in_sv[support] = np.arange(len(support))
        dual = np.zeros((n_classes - 1, len(support)))
        for p, ci, cj in _class_pairs(n_classes):
            coef, idx = pair_alpha[p], pair_idx[p]
            in_i = y_enc[idx] == ci
            sel = coef != 0
            dual[cj - 1, pos_in_sv[idx[in_i & sel]]] = coef[in_i & sel]
            dual[ci, pos_in_sv[idx[~in_i & sel]]] = coef[~in_i & sel]
        intercept = -np.asarray(rhos)
        if not support.size or not np.all(np.isfinite(dual)) or not np.all(np.isfinite(intercept)):
            # e.g. X * 1e300: the kernel overflows and SMO ends with nothing (scikit-learn's check)
            raise ValueError("The dual coefficients or intercepts are not finite (or no support "
                             "vector was found). The input data may contain large values and need "
                             "to be preprocessed.")
        if self.probability:
            rng = check_random_state(self.random_state)
            probs = [self._pair_probability(X, idx, ys, Cv[idx], precomputed, rng)
                     for idx, ys in zip(pair_idx, pair_y)]
            self.probA_ = np.array([pa for pa, _ in probs])
            self.probB_ = np.array([pb for _, pb in probs])
        else:
            self.probA_ = np.empty(0)
            self.probB_ = np.empty(0)
        self.support_ = support.astype(np.int32)
        self.n_support_ = np.array([np.sum(y_enc[support] == c) for c in range(n_classes)],
                                   dtype=np.int32)
        self.support_vectors_ = np.empty((0, 0)) if precomputed else X[support]
        self.n_iter_ = np.asarray(n_iter, dtype=np.int32)
        self.fit_status_ = 0
        if n_classes == 2:   # scikit-learn's sign convention: positive -> classes_[1]
            self.dual_coef_ = -dual
            self.intercept_ = -intercept
        else:
            self.dual_coef_ = dual
            self.intercept_ = intercept
        self._dual_ovo = dual            # libsvm convention: positive -> first class of pair
        self._intercept_ovo = intercept
        return self

    def _solve_pair(self, X, idx, ysub, Csub, precomputed):
        """SMO on the training rows ``idx`` (libsvm order) with labels ``ysub`` in {+1, -1};
        returns ``(alpha, rho, n_iter)`` in the order of ``idx``."""
        if len(idx) == 0 or not (ysub > 0).any() or not (ysub < 0).any():
            return np.zeros(len(idx)), 0.0, 0
        ridx = idx[::-1]  # reversed libsvm order, see SMOSolver
        if precomputed:
            rows = KernelRows(None, None, self.cache_size,
                              precomputed=X[np.ix_(ridx, ridx)].astype(np.float32))
        else:
            rows = KernelRows(self._kernel(), np.ascontiguousarray(X[ridx]), self.cache_size)
        solver = SMOSolver(rows, ysub[::-1].copy(), Csub[::-1].copy(), float(self.tol),
                           int(self.max_iter), bool(self.shrinking))
        if rows.full is None:
            # lazy rows are matrix-vector products: too small to gain from BLAS threads, and
            # threaded gemv collapses when the CPUs are shared
            with blas_threads(1):
                a, rho, it = solver.solve()
        else:
            a, rho, it = solver.solve()
        return a[::-1], rho, it

    def _pair_probability(self, X, idx, ysub, Csub, precomputed, rng):
        """libsvm's ``svm_binary_svc_probability``: decision values of a 5-fold
        cross-validation on the pair's samples, then Platt's sigmoid fitted to them."""
        n = len(idx)
        perm = rng.permutation(n)
        dec = np.empty(n)
        for f in range(5):
            begin, end = f * n // 5, (f + 1) * n // 5
            test, train = perm[begin:end], np.concatenate([perm[:begin], perm[end:]])
            ytr = ysub[train]
            if not (ytr > 0).any() or not (ytr < 0).any():
                dec[test] = 1.0 if (ytr > 0).any() else (-1.0 if (ytr < 0).any() else 0.0)
                continue
            order = np.concatenate([train[ytr > 0], train[ytr < 0]])
            a, rho, _ = self._solve_pair(X, idx[order], ysub[order], Csub[order], precomputed)
            if precomputed:
                K = X[np.ix_(idx[test], idx[order])]
            else:
                K = self._kernel()(X[idx[test]], X[idx[order]])
            dec[test] = K @ (a * ysub[order]) - rho
        return _sigmoid_train(dec, ysub)

    @property
    def coef_(self):
        """Primal weights ``dual_coef_ @ support_vectors_`` (linear kernel only)."""
        if self.kernel != "linear":
            raise AttributeError("coef_ is only available when using a linear kernel")
        check_is_fitted(self)
        n_classes = len(self.classes_)
        if n_classes == 2:
            return self.dual_coef_ @ self.support_vectors_
        SV = self.support_vectors_
        W = np.empty((n_classes * (n_classes - 1) // 2, SV.shape[1]))
        for p, ci, cj, si, sj in self._support_pairs():
            W[p] = self._dual_ovo[cj - 1, si] @ SV[si] + self._dual_ovo[ci, sj] @ SV[sj]
        return W

    def _support_pairs(self):
        """``(p, ci, cj, si, sj)`` for every pair of classes, ``si`` / ``sj`` the slices of
        the support vectors of ``ci`` / ``cj``."""
        starts = np.concatenate([[0], np.cumsum(self.n_support_)])
        return [(p, ci, cj, slice(starts[ci], starts[ci + 1]), slice(starts[cj], starts[cj + 1]))
                for p, ci, cj in _class_pairs(len(self.classes_))]

    # -- prediction ---------------------------------------------------------------------------
    def _ovo_decision(self, X):
        """One-vs-one decision values ``(n_samples, n_pairs)`` in libsvm's convention,
        evaluated for blocks of rows so that the kernel block stays small."""
        check_is_fitted(self)
        X = validate_data(self, X, dtype=np.float64, order="C", reset=False, accept_sparse=False)
        if self.kernel == "precomputed" and X.shape[1] != self.shape_fit_[0]:
            raise ValueError(
                f"X.shape[1] = {X.shape[1]} should be equal to {self.shape_fit_[0]}, "
                "the number of samples at training time")
        n_classes = len(self.classes_)
        # W[:, p] holds the coefficients of every support vector in pair p (0 outside it)
        W = np.zeros((len(self.support_), n_classes * (n_classes - 1) // 2))
        for p, ci, cj, si, sj in self._support_pairs():
            W[si, p] = self._dual_ovo[cj - 1, si]
            W[sj, p] = self._dual_ovo[ci, sj]
        kernel = self._kernel()
        D = np.empty((X.shape[0], W.shape[1]))
        step = max(1, (1 << 22) // max(len(self.support_), 1))
        for s in range(0, X.shape[0], step):
            if self.kernel == "precomputed":
                K = X[s:s + step][:, self.support_]
            else:
                K = kernel(X[s:s + step], self.support_vectors_)
            D[s:s + step] = K @ W
        D += self._intercept_ovo
        return D

    def decision_function(self, X):
        """Binary: ``f(x)`` (positive -> ``classes_[1]``), shape (n,).  Multiclass: one-vs-one
        values (positive -> first class of the pair), or with ``decision_function_shape="ovr"``
        votes plus scaled confidences as scikit-learn's ``_ovr_decision_function``."""
        D = self._ovo_decision(X)
        n_classes = len(self.classes_)
        if n_classes == 2:
            return -D[:, 0]
        if self.decision_function_shape == "ovr":
            return _ovr_decision_function(D < 0, -D, n_classes)
        return D

    def predict(self, X):
        """One-vs-one voting (ties -> lowest class index), as libsvm."""
        D = self._ovo_decision(X)
        n_classes = len(self.classes_)
        if n_classes == 2:
            return self.classes_[np.where(D[:, 0] > 0, 0, 1)]
        if self.break_ties and self.decision_function_shape == "ovr":
            return self.classes_[np.argmax(_ovr_decision_function(D < 0, -D, n_classes), axis=1)]
        votes = np.zeros((D.shape[0], n_classes))
        for p, ci, cj in _class_pairs(n_classes):
            pos = D[:, p] > 0
            votes[pos, ci] += 1
            votes[~pos, cj] += 1
        return self.classes_[np.argmax(votes, axis=1)]

    def _check_proba(self):
        if not self.probability:
            raise AttributeError("predict_proba is not available when probability=False")
        return True

    @available_if(_check_proba)
    def predict_proba(self, X):
        """Platt-scaled pairwise probabilities ``1 / (1 + exp(A f + B))`` (clipped to
        ``[1e-7, 1 - 1e-7]``), coupled into class probabilities for more than two classes.
        Like libsvm, ``argmax predict_proba`` can disagree with ``predict``."""
        check_is_fitted(self, "probA_")
        if self.probA_.size == 0:
            raise NotFittedError("predict_proba is not available: fit with probability=True")
        D = self._ovo_decision(X)
        k = len(self.classes_)
        r = np.clip(_sigmoid_predict(D, self.probA_, self.probB_), 1e-7, 1 - 1e-7)
        if k == 2:
            return np.column_stack([r[:, 0], 1.0 - r[:, 0]])
        R = np.zeros((D.shape[0], k, k))
        for p, ci, cj in _class_pairs(k):
            R[:, ci, cj] = r[:, p]
            R[:, cj, ci] = 1.0 - r[:, p]
        return _couple_pairwise(R)

    @available_if(_check_proba)
    def predict_log_proba(self, X):
        return np.log(self.predict_proba(X))


class LinearSVC(ClassifierMixin, BaseEstimator):
    """Linear support vector classification, one-vs-rest (see ``ember.ml.svm`` for the solvers).

    Minimises ``1/2 ||w||^2 + sum_i C_i loss(y_i (w . x_i + b))`` per class, with the hinge
    ``max(0, 1 - z)`` or squared hinge ``max(0, 1 - z)^2`` loss and ``b`` the weight of a
    constant feature ``intercept_scaling`` (regularised, as liblinear does).

    Parameters follow ``sklearn.svm.LinearSVC``; only ``penalty="l2"`` and
    ``multi_class="ovr"`` are implemented.

    Example
    -------
        >>> from sklearn.datasets import load_breast_cancer
        >>> from sklearn.preprocessing import StandardScaler
        >>> from ember.ml.svm import LinearSVC
        >>> X, y = load_breast_cancer(return_X_y=True)
        >>> X = StandardScaler().fit_transform(X)
        >>> float(LinearSVC(C=0.1).fit(X, y).score(X, y)) > 0.97
        True
    """

    def __init__(self, penalty="l2", loss="squared_hinge", *, dual="auto", tol=1e-4, C=1.0,
                 multi_class="ovr", fit_intercept=True, intercept_scaling=1, class_weight=None,
                 verbose=0, random_state=None, max_iter=1000):
        self.penalty = penalty
        self.loss = loss
        self.dual = dual
        self.tol = tol
        self.C = C
        self.multi_class = multi_class
        self.fit_intercept = fit_intercept
        self.intercept_scaling = intercept_scaling
        self.class_weight = class_weight
        self.verbose = verbose
        self.random_state = random_state
        self.max_iter = max_iter

    def _resolve_dual(self, X):
        if self.loss not in ("hinge", "squared_hinge"):
            raise ValueError(f"loss must be 'hinge' or 'squared_hinge', got loss={self.loss!r}")
        if self.penalty != "l2":
            raise ValueError(f"penalty must be 'l2' (the only one implemented), got penalty={self.penalty!r}")
        if self.multi_class != "ovr":
            raise ValueError(
                f"multi_class must be 'ovr' (the only one implemented), got multi_class={self.multi_class!r}")
        if self.dual == "auto":
            if self.loss == "hinge":
                return True
            return X.shape[0] < X.shape[1]
        if self.dual not in (True, False):
            raise ValueError(f"dual must be True, False or 'auto', got dual={self.dual!r}")
        if self.loss == "hinge" and not self.dual:
            raise ValueError("Unsupported set of arguments: loss='hinge' is only supported with "
                             "dual=True (got dual=False)")
        return bool(self.dual)

    def fit(self, X, y, sample_weight=None):
        """Fit one binary problem per class (one for two classes); returns ``self``."""
        X, y = validate_data(self, X, y, dtype=np.float64, order="C", accept_sparse=False)
        check_classification_targets(y)
        _check_C(self.C)
        _check_tol(self.tol)
        if not isinstance(self.max_iter, numbers.Integral) or self.max_iter < 0:
            raise ValueError(f"max_iter must be a non-negative integer, got max_iter={self.max_iter!r}")
        if self.fit_intercept and not self.intercept_scaling > 0:
            raise ValueError(
                f"intercept_scaling must be > 0 when fit_intercept=True, got {self.intercept_scaling!r}")
        dual = self._resolve_dual(X)
        self.classes_, y_enc = np.unique(y, return_inverse=True)
        n_classes = len(self.classes_)
        if n_classes < 2:
            raise ValueError(
                "This solver needs samples of at least 2 classes in the data, but the data "
                f"contains only one class: {self.classes_[0]!r}")
        Cv = _resolve_class_sample_C(self, float(self.C), self.classes_, y_enc, sample_weight, X,
                                     weighted_balance=True)
        Xa = np.hstack([X, np.full((X.shape[0], 1), float(self.intercept_scaling))]) \
            if self.fit_intercept else X
        rng = check_random_state(self.random_state)
        targets = [1] if n_classes == 2 else range(n_classes)
        W, iters = [], []
        for k in targets:
            yk = np.where(y_enc == k, 1.0, -1.0)
            if dual:
                w, it = _dual_cd(Xa, yk, Cv, self.loss, float(self.tol), int(self.max_iter), rng)
            elif Xa.shape[1] <= 256:
                # few features: the Newton products are small, and threaded BLAS on small
                # products only adds synchronisation (badly so on a shared machine)
                with blas_threads(1):
                    w, it = _primal_newton(Xa, yk, Cv, float(self.tol), int(self.max_iter))
            else:
                w, it = _primal_newton(Xa, yk, Cv, float(self.tol), int(self.max_iter))
            W.append(w)
            iters.append(it)
        W = np.asarray(W)
        if self.fit_intercept:
            self.coef_ = W[:, :-1].copy()
            self.intercept_ = W[:, -1] * float(self.intercept_scaling)
        else:
            self.coef_ = W
            self.intercept_ = np.zeros(W.shape[0])
        self.n_iter_ = int(max(iters))
        return self

    def decision_function(self, X):
        """``X @ coef_.T + intercept_`` (raveled for two classes)."""
        check_is_fitted(self)
        X = validate_data(self, X, dtype=np.float64, reset=False, accept_sparse=False)
        D = X @ self.coef_.T + self.intercept_
        return D.ravel() if D.shape[1] == 1 else D

    def predict(self, X):
        D = self.decision_function(X)
        if D.ndim == 1:
            return self.classes_[(D > 0).astype(int)]
        return self.classes_[np.argmax(D, axis=1)]
