"""Support vector machines: kernel ``SVC`` (SMO, libsvm-style) and ``LinearSVC`` (liblinear-style).

SVC
---
For labels ``y_i in {+1, -1}`` the C-SVM dual is

    min_a  1/2 a^T Q a - e^T a   s.t.  0 <= a_i <= C_i,  y^T a = 0,   Q_ij = y_i y_j K(x_i, x_j)

solved by sequential minimal optimisation with the second-order working-set selection of
Fan, Chen & Lin (2005) ("WSS3", the rule libsvm uses): with ``G = Q a - e``,

    i = argmax_{t in I_up}  -y_t G_t
    j = argmin_{t in I_low, -y_t G_t < -y_i G_i}  -(b_it^2) / a_it,
        b_it = -y_i G_i + y_t G_t,  a_it = K_ii + K_tt - 2 K_it

and the analytic two-variable update clipped to the box.  It stops when the maximal KKT
violation ``m(a) - M(a)`` is below ``tol``.  The bias is ``-rho`` with ``rho`` the mean of
``y_i G_i`` over free support vectors (libsvm's ``calculate_rho``).  The decision function is

    f(x) = sum_i y_i a_i K(x_i, x) - rho .

Multiclass problems use one-vs-one with majority voting (ties -> lowest class index), exactly
the libsvm layout for ``support_``, ``dual_coef_`` (shape ``(n_classes - 1, n_SV)``) and
``intercept_``.  Ties in the working-set selection are broken like libsvm (last index), so on
well-conditioned problems the support vectors coincide with scikit-learn's.

The kernel matrix is computed once (stored in float32, like libsvm's ``Qfloat`` cache) when it
fits in ``cache_size`` MB, otherwise rows are computed on demand and kept in an LRU cache.
``shrinking=True`` applies libsvm's shrinking heuristic (see ``_smo``); it changes the
iteration path, not the stopping rule.

LinearSVC
---------
Minimises ``1/2 ||w||^2 + sum_i C_i loss(y_i (w . x_i + b))`` with ``loss`` the hinge
``max(0, 1 - z)`` or the squared hinge ``max(0, 1 - z)^2``, one-vs-rest for multiclass.  As in
liblinear the intercept is an extra feature of value ``intercept_scaling`` (so it is
regularised).  ``dual=True`` uses dual coordinate descent (Hsieh et al. 2008) with shrinking;
``dual=False`` (squared hinge only) uses a primal Newton method with the generalised Hessian
``I + 2 X_I^T diag(C_I) X_I`` over the margin violators ``I`` and a backtracking line search.

Example
-------
    >>> from sklearn.datasets import load_iris
    >>> from ember.ml.svm import SVC, LinearSVC
    >>> X, y = load_iris(return_X_y=True)
    >>> clf = SVC(kernel="rbf", C=1.0).fit(X, y)
    >>> clf.dual_coef_.shape[0], float(clf.score(X, y)) > 0.95
    (2, True)
    >>> float(LinearSVC().fit(X, y).score(X, y)) > 0.9
    True
"""
import numbers
import warnings
from collections import OrderedDict

import numpy as np
import scipy.linalg
import scipy.linalg.blas as _blas
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.utils.metaestimators import available_if
from sklearn.utils import check_random_state
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data, _check_sample_weight
from threadpoolctl import threadpool_limits

from .kernels import linear_kernel, polynomial_kernel, rbf_kernel, sigmoid_kernel

__all__ = ["SVC", "LinearSVC"]

_TAU = 1e-12


# --------------------------------------------------------------------------------------------
# helpers shared by both estimators
# --------------------------------------------------------------------------------------------
def _class_weight_vector(class_weight, classes, y_enc, sample_weight=None):
    """Per-class weights as ``sklearn.utils.class_weight.compute_class_weight`` defines them:
    ``"balanced"`` gives ``n / (n_classes * n_c)`` with (optionally weighted) counts."""
    n_classes = len(classes)
    if class_weight is None:
        return np.ones(n_classes)
    if isinstance(class_weight, str):
        if class_weight != "balanced":
            raise ValueError(
                f"class_weight must be 'balanced', a dict or None, got class_weight={class_weight!r}")
        counts = np.bincount(y_enc, weights=sample_weight, minlength=n_classes).astype(np.float64)
        return counts.sum() / (n_classes * counts)
    if not isinstance(class_weight, dict):
        raise ValueError(
            f"class_weight must be 'balanced', a dict or None, got class_weight={class_weight!r}")
    cw = np.ones(n_classes)
    for label, w in class_weight.items():
        pos = np.flatnonzero(classes == label)
        if pos.size == 0:
            raise ValueError(f"The classes, {[label]}, are not in class_weight / not in y")
        cw[pos[0]] = w
    return cw


def _check_C(C):
    if not isinstance(C, numbers.Real) or isinstance(C, bool) or not C > 0:
        raise ValueError(f"C must be a positive float, got C={C!r}")


def _check_tol(tol):
    if not isinstance(tol, numbers.Real) or isinstance(tol, bool) or not tol > 0:
        raise ValueError(f"tol must be a positive float, got tol={tol!r}")


def _resolve_class_sample_C(est, C, classes, y_enc, sample_weight, X, weighted_balance=False):
    """Per-sample ``C_i = C * class_weight[y_i] * sample_weight_i``.  libsvm (SVC) balances
    classes by plain counts, liblinear (LinearSVC) by weighted counts."""
    sw = _check_sample_weight(sample_weight, X, dtype=np.float64)
    cw = _class_weight_vector(est.class_weight, classes, y_enc,
                              sw if weighted_balance and sample_weight is not None else None)
    est.class_weight_ = cw
    return C * cw[y_enc] * sw


# --------------------------------------------------------------------------------------------
# kernel matrix rows for the SMO solver
# --------------------------------------------------------------------------------------------
def _kernel_matrix_f32(kernel_fn, X, block_bytes=4 * 2 ** 20):
    """``K(X, X)`` computed in float64 by row blocks (cache sized, one BLAS thread each) and
    stored as float32, as libsvm stores its kernel cache (``Qfloat``).  Only the blocks on
    and above the diagonal are evaluated; the lower triangle is their mirror image (exactly
    symmetric)."""
    n = X.shape[0]
    K = np.empty((n, n), dtype=np.float32)
    step = max(1, block_bytes // (8 * max(n, 1)))
    with threadpool_limits(limits=1, user_api="blas"):
        for start in range(0, n, step):
            stop = min(n, start + step)
            B = kernel_fn(X[start:stop], X[start:])
            K[start:stop, start:] = B
            K[stop:, start:stop] = K[start:stop, stop:].T
    return K


class _KernelRows:
    """Rows of the kernel matrix of ``X`` with itself: all at once when they fit in
    ``cache_mb``, else computed on demand and cached (least recently used first out)."""

    def __init__(self, kernel_fn, X, cache_mb, precomputed=None):
        self.kernel_fn = kernel_fn
        self.X = X
        n = X.shape[0] if precomputed is None else precomputed.shape[0]
        self.n = n
        if precomputed is not None:
            self.full = precomputed
        elif n * n * 4 <= cache_mb * 2 ** 20:
            self.full = _kernel_matrix_f32(kernel_fn, X)
        else:
            self.full = None
            self.cache = OrderedDict()
            self.max_rows = max(2, int(cache_mb * 2 ** 20 // (4 * n)))
        if self.full is not None:
            self.diag = np.ascontiguousarray(np.diag(self.full)).astype(np.float64)
        else:
            diag = getattr(kernel_fn, "diag", None)
            d = diag(X) if diag is not None else np.array(
                [kernel_fn(X[i:i + 1], X[i:i + 1])[0, 0] for i in range(n)])
            self.diag = d.astype(np.float32).astype(np.float64)

    def row(self, i):
        if self.full is not None:
            return self.full[i]
        cache = self.cache
        r = cache.get(i)
        if r is not None:
            cache.move_to_end(i)
            return r
        row_fn = getattr(self.kernel_fn, "row", None)
        r = row_fn(i) if row_fn is not None else self.kernel_fn(self.X[i:i + 1], self.X)[0]
        r = r.astype(np.float32)
        cache[i] = r
        if len(cache) > self.max_rows:
            cache.popitem(last=False)
        return r


def _with_diag(kernel_fn, diag_fn, row_fn=None):
    """``kernel_fn`` plus closed-form ``.diag(X)`` and a fast ``.row(i)`` for lazy rows."""
    def k(A, B):
        return kernel_fn(A, B)
    k.diag = diag_fn
    if row_fn is not None:
        k.row = row_fn
    return k


def _smo(rows, y, Cv, tol, max_iter, shrinking=False):
    """libsvm's ``Solver::Solve`` for C-SVC, vectorised over the samples.

    ``rows`` gives kernel rows in *reversed* libsvm order, so that NumPy's first-index
    ``argmax`` / ``argmin`` reproduce libsvm's last-index tie breaking (``>=`` / ``<=``).

    With ``shrinking`` (libsvm's heuristic), every ``min(n, 1000)`` iterations the bounded
    variables that cannot enter a violating pair (``a_t`` at a bound with ``-y_t G_t`` beyond
    the current maximal violations) are removed from the working arrays; the gradient of the
    removed ones is rebuilt from ``G_bar`` (the contribution of the variables at the upper
    bound) plus the free variables before the final optimality check, and once when the
    violation first drops below ``10 tol``.  The solution satisfies the same stopping rule.

    Returns ``alpha``, ``rho`` and the number of iterations.
    """
    n = y.shape[0]
    Kd_full = rows.diag
    ypos_full = y > 0
    a = np.zeros(n)
    # v = -y * G with G = Q a - e; at a = 0, G = -1 so v = y.
    v_full = y.astype(np.float64).copy()
    # Fu = sum over a_j = C_j of y_j C_j K_j. (y_k Fu_k is libsvm's G_bar_k)
    Fu = np.zeros(n) if shrinking else None
    inf = np.inf

    # working (active) arrays; `act` maps active positions to indices, None = all active
    act = None
    v = v_full
    yv, Cw, Kd = y, Cv, Kd_full
    up = ypos_full & (Cv > 0)      # may increase y_t a_t
    low = ~ypos_full & (Cv > 0)    # may decrease y_t a_t

    def status(idx):
        yy, aa, cc = y[idx], a[idx], Cv[idx]
        return (((yy > 0) & (aa < cc)) | ((yy < 0) & (aa > 0)),
                ((yy > 0) & (aa > 0)) | ((yy < 0) & (aa < cc)))

    def set_active(idx):
        nonlocal act, v, yv, Cw, Kd, up, low
        if idx is None or len(idx) == n:
            act = None
            v, yv, Cw, Kd = v_full, y, Cv, Kd_full
            up, low = status(slice(None))
        else:
            act = idx
            v = v_full[idx]
            yv, Cw, Kd = y[idx], Cv[idx], Kd_full[idx]
            up, low = status(idx)

    def reconstruct():
        """Write the working gradient back and rebuild it for the inactive variables."""
        if act is None:
            return
        v_full[act] = v
        inactive = np.ones(n, dtype=bool)
        inactive[act] = False
        inact = np.flatnonzero(inactive)
        vals = y[inact] - Fu[inact]
        free = np.flatnonzero((a > 0) & (a < Cv))
        if free.size:
            coef = y[free] * a[free]
            if rows.full is not None:
                vals -= coef @ rows.full[np.ix_(free, inact)].astype(np.float64)
            else:
                for c, f in zip(coef, free):
                    vals -= c * rows.row(f)[inact]
        v_full[inact] = vals

    def row(i_local):
        gi = i_local if act is None else act[i_local]
        full = rows.row(gi)
        return full, (full if act is None else full[act])

    def select():
        if v.shape[0] == 0:       # everything shrunk: let the caller reconstruct
            return None
        vu = np.where(up, v, -inf)
        i = int(vu.argmax())
        Gmax = vu[i]
        vl = np.where(low, v, inf)
        Gmax2 = -vl.min()
        if Gmax + Gmax2 < tol:
            return None
        Ki_full, Ki = row(i)
        quad = Kd + Kd[i]
        quad -= Ki
        quad -= Ki
        np.maximum(quad, _TAU, out=quad)    # a_it (libsvm: TAU when a_it <= 0)
        score = np.subtract(Gmax, vl)       # b_it; -inf outside I_low
        np.maximum(score, 0.0, out=score)   # only b_it > 0 are candidates
        score *= score
        score /= quad                       # maximise b^2/a == minimise -b^2/a
        j = int(score.argmax())
        if not score[j] > 0:
            return None
        return i, j, Ki_full, Ki

    counter = min(n, 1000) + 1
    unshrunk = False
    it = 0
    with np.errstate(invalid="ignore", over="ignore"):
        while True:
            if 0 <= max_iter <= it:
                warnings.warn(
                    f"Solver terminated early (max_iter={max_iter}).  Consider pre-processing "
                    "your data with StandardScaler or MinMaxScaler.", ConvergenceWarning)
                break
            if shrinking:
                counter -= 1
                if counter == 0:
                    counter = min(n, 1000)
                    # libsvm do_shrinking
                    Gm1 = np.max(v[up]) if up.any() else -inf
                    Gm2 = np.max(-v[low]) if low.any() else -inf
                    if not unshrunk and Gm1 + Gm2 <= tol * 10:
                        unshrunk = True
                        reconstruct()
                        set_active(None)
                    drop = (~up & (v > Gm1)) | (~low & (v < -Gm2))
                    if drop.any():
                        base = np.arange(n) if act is None else act
                        if act is not None:
                            v_full[act] = v
                        set_active(base[~drop])
            sel = select()
            if sel is None:
                if act is None:
                    break
                reconstruct()
                set_active(None)
                sel = select()
                if sel is None:
                    break
                counter = 1
            i, j, Ki_full, Ki = sel
            it += 1
            Kj_full, Kj = row(j)
            gi = i if act is None else act[i]
            gj = j if act is None else act[j]
            yi, yj = y[gi], y[gj]
            Ci, Cj = Cv[gi], Cv[gj]
            Gi, Gj = -yi * v[i], -yj * v[j]
            ai_old, aj_old = a[gi], a[gj]
            ai, aj = ai_old, aj_old
            Kij = Ki[j]
            if yi != yj:
                qc = Kd[i] + Kd[j] + 2.0 * (yi * yj * Kij)
                if qc <= 0:
                    qc = _TAU
                delta = (-Gi - Gj) / qc
                diff = ai - aj
                ai += delta
                aj += delta
                if diff > 0:
                    if aj < 0:
                        aj = 0.0
                        ai = diff
                else:
                    if ai < 0:
                        ai = 0.0
                        aj = -diff
                if diff > Ci - Cj:
                    if ai > Ci:
                        ai = Ci
                        aj = Ci - diff
                else:
                    if aj > Cj:
                        aj = Cj
                        ai = Cj + diff
            else:
                qc = Kd[i] + Kd[j] - 2.0 * (yi * yj * Kij)
                if qc <= 0:
                    qc = _TAU
                delta = (Gi - Gj) / qc
                s = ai + aj
                ai -= delta
                aj += delta
                if s > Ci:
                    if ai > Ci:
                        ai = Ci
                        aj = s - Ci
                else:
                    if aj < 0:
                        aj = 0.0
                        ai = s
                if s > Cj:
                    if aj > Cj:
                        aj = Cj
                        ai = s - Cj
                else:
                    if ai < 0:
                        ai = 0.0
                        aj = s
            a[gi], a[gj] = ai, aj
            # G += Q_i dA_i + Q_j dA_j  <=>  v -= y_i dA_i K_i + y_j dA_j K_j
            dai = (ai - ai_old) * yi
            daj = (aj - aj_old) * yj
            if dai != 0.0:
                v -= dai * Ki
            if daj != 0.0:
                v -= daj * Kj
            for t, g, at, a_old, Kfull in ((i, gi, ai, ai_old, Ki_full), (j, gj, aj, aj_old, Kj_full)):
                Ct = Cv[g]
                if y[g] > 0:
                    up[t] = at < Ct
                    low[t] = at > 0
                else:
                    up[t] = at > 0
                    low[t] = at < Ct
                if shrinking and (a_old >= Ct) != (at >= Ct):   # G_bar update
                    if at >= Ct:
                        Fu += (y[g] * Ct) * Kfull
                    else:
                        Fu -= (y[g] * Ct) * Kfull

    if act is not None:
        reconstruct()
    v = v_full
    ypos = ypos_full
    # rho (libsvm calculate_rho); y_t G_t = -v_t
    yG = -v
    at_upper = a >= Cv
    at_lower = a <= 0
    free = ~at_upper & ~at_lower
    if free.any():
        rho = yG[free].mean()
    else:
        ub_mask = (at_upper & ~ypos) | (at_lower & ypos)
        lb_mask = (at_upper & ypos) | (at_lower & ~ypos)
        ub = yG[ub_mask].min() if ub_mask.any() else inf
        lb = yG[lb_mask].max() if lb_mask.any() else -inf
        rho = (ub + lb) / 2.0
    return a, float(rho), it


# --------------------------------------------------------------------------------------------
# SVC
# --------------------------------------------------------------------------------------------
_KERNELS = ("linear", "poly", "rbf", "sigmoid", "precomputed")


class SVC(ClassifierMixin, BaseEstimator):
    """C-support vector classification with a kernel, trained by SMO (see module docstring).

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
        if not callable(self.kernel) and self.kernel not in _KERNELS:
            raise ValueError(
                f"kernel must be one of {_KERNELS} or a callable, got kernel={self.kernel!r}")
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
            var = X.var() if self.kernel != "precomputed" and not callable(self.kernel) else 0.0
            self._gamma = 1.0 / (X.shape[1] * var) if var != 0 else 1.0
        elif self.gamma == "auto":
            self._gamma = 1.0 / X.shape[1]
        else:
            self._gamma = float(self.gamma)

    def _kernel_diag(self, A):
        """``K(a, a)`` for every row of ``A`` without forming the matrix."""
        k = self.kernel
        if k == "rbf":
            return np.ones(A.shape[0])
        sq = np.einsum("ij,ij->i", A, A)
        if k == "linear":
            return sq
        if k == "poly":
            return (self._gamma * sq + self.coef0) ** self.degree
        if k == "sigmoid":
            return np.tanh(self._gamma * sq + self.coef0)
        return np.array([self._kernel_fn(A[i:i + 1], A[i:i + 1])[0, 0] for i in range(A.shape[0])])

    def _row_fn(self, Xs):
        """Row ``i`` of ``K(Xs, Xs)`` without input validation (same operation order as the
        block computation, so lazy and full kernels agree); ``None`` for callables."""
        k = self.kernel
        if callable(k) or k not in ("linear", "poly", "rbf", "sigmoid"):
            return None
        sq = np.einsum("ij,ij->i", Xs, Xs)
        g, c0, deg = self._gamma, self.coef0, self.degree

        def row(i):
            r = Xs @ Xs[i]
            if k == "linear":
                return r
            if k == "rbf":
                r *= -2.0
                r += sq
                r += sq[i]
                np.maximum(r, 0.0, out=r)
                r *= -g
                return np.exp(r, out=r)
            r *= g
            r += c0
            if k == "poly":
                r **= deg
                return r
            return np.tanh(r, out=r)
        return row

    def _kernel_fn(self, A, B):
        k = self.kernel
        if callable(k):
            return np.asarray(k(A, B), dtype=np.float64)
        if k == "linear":
            return linear_kernel(A, B)
        if k == "rbf":
            return rbf_kernel(A, B, gamma=self._gamma)
        if k == "poly":
            return polynomial_kernel(A, B, degree=self.degree, gamma=self._gamma, coef0=self.coef0)
        if k == "sigmoid":
            return sigmoid_kernel(A, B, gamma=self._gamma, coef0=self.coef0)
        raise ValueError(f"kernel={k!r} cannot be evaluated on feature vectors")

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
        for ci in range(n_classes):
            for cj in range(ci + 1, n_classes):
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
        p = 0
        for ci in range(n_classes):
            for cj in range(ci + 1, n_classes):
                coef, idx = pair_alpha[p], pair_idx[p]
                in_i = y_enc[idx] == ci
                sel = coef != 0
                dual[cj - 1, pos_in_sv[idx[in_i & sel]]] = coef[in_i & sel]
                dual[ci, pos_in_sv[idx[~in_i & sel]]] = coef[~in_i & sel]
                p += 1
        intercept = -np.asarray(rhos)
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
        ridx = idx[::-1]  # reversed libsvm order, see _smo
        if precomputed:
            rows = _KernelRows(None, None, self.cache_size,
                               precomputed=X[np.ix_(ridx, ridx)].astype(np.float32))
        else:
            Xs = np.ascontiguousarray(X[ridx])
            kfn = _with_diag(self._kernel_fn, self._kernel_diag, self._row_fn(Xs))
            rows = _KernelRows(kfn, Xs, self.cache_size)
        args = (rows, ysub[::-1].copy(), Csub[::-1].copy(), float(self.tol), int(self.max_iter),
                bool(self.shrinking))
        if rows.full is None:
            # lazy rows are matrix-vector products: too small to gain from BLAS threads, and
            # threaded gemv collapses when the CPUs are shared
            with threadpool_limits(limits=1, user_api="blas"):
                a, rho, it = _smo(*args)
        else:
            a, rho, it = _smo(*args)
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
                K = self._kernel_fn(X[idx[test]], X[idx[order]])
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
        W = np.empty((n_classes * (n_classes - 1) // 2, self.support_vectors_.shape[1]))
        starts = np.concatenate([[0], np.cumsum(self.n_support_)])
        p = 0
        for ci in range(n_classes):
            for cj in range(ci + 1, n_classes):
                si = slice(starts[ci], starts[ci + 1])
                sj = slice(starts[cj], starts[cj + 1])
                W[p] = (self._dual_ovo[cj - 1, si] @ self.support_vectors_[si]
                        + self._dual_ovo[ci, sj] @ self.support_vectors_[sj])
                p += 1
        return W

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
        starts = np.concatenate([[0], np.cumsum(self.n_support_)])
        # W[:, p] holds the coefficients of every support vector in pair p (0 outside it)
        W = np.zeros((len(self.support_), n_classes * (n_classes - 1) // 2))
        p = 0
        for ci in range(n_classes):
            for cj in range(ci + 1, n_classes):
                si = slice(starts[ci], starts[ci + 1])
                sj = slice(starts[cj], starts[cj + 1])
                W[si, p] = self._dual_ovo[cj - 1, si]
                W[sj, p] = self._dual_ovo[ci, sj]
                p += 1
        D = np.empty((X.shape[0], W.shape[1]))
        step = max(1, (1 << 22) // max(len(self.support_), 1))
        for s in range(0, X.shape[0], step):
            if self.kernel == "precomputed":
                K = X[s:s + step][:, self.support_]
            else:
                K = self._kernel_fn(X[s:s + step], self.support_vectors_)
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
        p = 0
        for ci in range(n_classes):
            for cj in range(ci + 1, n_classes):
                pos = D[:, p] > 0
                votes[pos, ci] += 1
                votes[~pos, cj] += 1
                p += 1
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
        p = 0
        for ci in range(k):
            for cj in range(ci + 1, k):
                R[:, ci, cj] = r[:, p]
                R[:, cj, ci] = 1.0 - r[:, p]
                p += 1
        return _couple_pairwise(R)

    @available_if(_check_proba)
    def predict_log_proba(self, X):
        return np.log(self.predict_proba(X))


def _sigmoid_train(dec, labels, max_iter=100, min_step=1e-10, sigma=1e-12, eps=1e-5):
    """Platt's sigmoid ``P(y = +1 | f) = 1 / (1 + exp(A f + B))`` fitted by the Newton method
    with backtracking of Lin, Lin & Weng (2007) (libsvm's ``sigmoid_train``), on the
    regularised targets ``(N+ + 1)/(N+ + 2)`` and ``1/(N- + 2)``.  Returns ``(A, B)``."""
    dec = np.asarray(dec, dtype=np.float64)
    pos = labels > 0
    prior1, prior0 = float(pos.sum()), float((~pos).sum())
    t = np.where(pos, (prior1 + 1.0) / (prior1 + 2.0), 1.0 / (prior0 + 2.0))
    A, B = 0.0, np.log((prior0 + 1.0) / (prior1 + 1.0))

    def fval(A, B):
        f = dec * A + B
        return float(np.sum(np.where(f >= 0, t * f + np.log1p(np.exp(-np.abs(f))),
                                     (t - 1) * f + np.log1p(np.exp(-np.abs(f))))))

    fv = fval(A, B)
    for _ in range(max_iter):
        f = dec * A + B
        e = np.exp(-np.abs(f))
        p = np.where(f >= 0, e / (1.0 + e), 1.0 / (1.0 + e))   # 1 / (1 + exp(f))
        q = 1.0 - p
        d2 = p * q
        h11 = sigma + np.sum(dec * dec * d2)
        h22 = sigma + np.sum(d2)
        h21 = np.sum(dec * d2)
        d1 = t - p
        g1 = np.sum(dec * d1)
        g2 = np.sum(d1)
        if abs(g1) < eps and abs(g2) < eps:
            break
        det = h11 * h22 - h21 * h21
        dA = -(h22 * g1 - h21 * g2) / det
        dB = -(-h21 * g1 + h11 * g2) / det
        gd = g1 * dA + g2 * dB
        step = 1.0
        while step >= min_step:
            nA, nB = A + step * dA, B + step * dB
            nf = fval(nA, nB)
            if nf < fv + 1e-4 * step * gd:
                A, B, fv = nA, nB, nf
                break
            step /= 2.0
        if step < min_step:
            break
    return float(A), float(B)


def _sigmoid_predict(dec, A, B):
    f = dec * A + B
    e = np.exp(-np.abs(f))
    return np.where(f >= 0, e / (1.0 + e), 1.0 / (1.0 + e))


def _couple_pairwise(R, max_iter=None):
    """Multiclass probabilities from pairwise ones ``R[:, i, j] = P(i | i or j)`` by the second
    method of Wu, Lin & Weng (2004) (libsvm's ``multiclass_probability``), vectorised over
    samples: minimise ``sum_{i<j} (r_ji p_i - r_ij p_j)^2`` s.t. ``sum p = 1``."""
    n, k, _ = R.shape
    max_iter = max(100, k) if max_iter is None else max_iter
    eps = 0.005 / k
    Q = -R.transpose(0, 2, 1) * R                    # Q[t, j] = -r_jt r_tj  (t != j)
    diag = np.einsum("njt,njt->nt", R, R) - np.einsum("ntt,ntt->nt", R, R)
    idx = np.arange(k)
    Q[:, idx, idx] = diag                            # Q[t, t] = sum_{j != t} r_jt^2
    p = np.full((n, k), 1.0 / k)
    active = np.ones(n, dtype=bool)
    for _ in range(max_iter):
        Qp = np.einsum("ntj,nj->nt", Q, p)
        pQp = np.einsum("nt,nt->n", p, Qp)
        err = np.abs(Qp - pQp[:, None]).max(axis=1)
        active &= err >= eps
        if not active.any():
            break
        a = np.flatnonzero(active)
        Qa, pa, Qpa, pQpa = Q[a], p[a], Qp[a], pQp[a]
        for t in range(k):
            diff = (-Qpa[:, t] + pQpa) / Qa[:, t, t]
            pa[:, t] += diff
            pQpa = (pQpa + diff * (diff * Qa[:, t, t] + 2 * Qpa[:, t])) / (1 + diff) / (1 + diff)
            Qpa = (Qpa + diff[:, None] * Qa[:, t, :]) / (1 + diff)[:, None]
            pa /= (1 + diff)[:, None]
        p[a] = pa
    return p


def _ovr_decision_function(predictions, confidences, n_classes):
    """Votes + monotonically squashed summed confidences (scikit-learn's formula)."""
    n = predictions.shape[0]
    votes = np.zeros((n, n_classes))
    conf = np.zeros((n, n_classes))
    k = 0
    for i in range(n_classes):
        for j in range(i + 1, n_classes):
            conf[:, i] -= confidences[:, k]
            conf[:, j] += confidences[:, k]
            votes[predictions[:, k] == 0, i] += 1
            votes[predictions[:, k] == 1, j] += 1
            k += 1
    return votes + conf / (3 * (np.abs(conf) + 1))


# --------------------------------------------------------------------------------------------
# LinearSVC
# --------------------------------------------------------------------------------------------
def _dual_cd(X, y, Cv, loss, tol, max_iter, rng):
    """Dual coordinate descent for the L1-/L2-loss linear SVM (Hsieh et al. 2008, liblinear's
    ``solve_l2r_l1l2_svc``) with shrinking.  ``X`` already carries the bias column.

    Dual: ``min_a 1/2 a^T (Q + D) a - e^T a``, ``0 <= a_i <= U``, ``Q_ij = y_i y_j x_i.x_j``,
    with ``U = C_i, D_ii = 0`` (hinge) or ``U = inf, D_ii = 1/(2 C_i)`` (squared hinge); the
    primal ``w = sum_i a_i y_i x_i`` is kept up to date, so each coordinate step costs one dot
    product and one axpy (BLAS ``ddot`` / ``daxpy``, in place)."""
    n, d = X.shape
    if loss == "hinge":
        U = Cv.copy()
        Dii = np.zeros(n)
    else:
        U = np.full(n, np.inf)
        Dii = 0.5 / Cv
    QD = np.einsum("ij,ij->i", X, X) + Dii
    w = np.zeros(d)
    index = list(range(n))
    active = n
    PGmax_old, PGmin_old = np.inf, -np.inf
    rows = [np.ascontiguousarray(X[i]) for i in range(n)]
    yl, Ul, Dl, QDl = y.tolist(), U.tolist(), Dii.tolist(), QD.tolist()
    al = [0.0] * n
    ddot, daxpy = _blas.ddot, _blas.daxpy
    it = 0
    while it < max_iter:
        PGmax_new, PGmin_new = -np.inf, np.inf
        perm = rng.permutation(active)
        head = index[:active]
        index[:active] = [head[k] for k in perm]
        s = 0
        while s < active:
            i = index[s]
            yi = yl[i]
            ai = al[i]
            G = yi * ddot(w, rows[i]) - 1.0 + Dl[i] * ai
            PG = 0.0
            if ai == 0.0:
                if G > PGmax_old:
                    active -= 1
                    index[s], index[active] = index[active], index[s]
                    continue
                elif G < 0:
                    PG = G
            elif ai == Ul[i]:
                if G < PGmin_old:
                    active -= 1
                    index[s], index[active] = index[active], index[s]
                    continue
                elif G > 0:
                    PG = G
            else:
                PG = G
            if PG > PGmax_new:
                PGmax_new = PG
            if PG < PGmin_new:
                PGmin_new = PG
            if abs(PG) > 1e-12:
                new = min(max(ai - G / QDl[i], 0.0), Ul[i])
                daxpy(rows[i], w, a=(new - ai) * yi)      # w += (new - a_i) y_i x_i
                al[i] = new
            s += 1
        it += 1
        if PGmax_new - PGmin_new <= tol:
            if active == n:
                break
            active = n
            PGmax_old, PGmin_old = np.inf, -np.inf
            continue
        PGmax_old = PGmax_new if PGmax_new > 0 else np.inf
        PGmin_old = PGmin_new if PGmin_new < 0 else -np.inf
    else:
        warnings.warn("Liblinear failed to converge, increase the number of iterations.",
                      ConvergenceWarning)
    return w, it


def _primal_newton(X, y, Cv, tol, max_iter):
    """Newton's method on ``1/2 ||w||^2 + sum_i C_i max(0, 1 - y_i w.x_i)^2`` (squared hinge).

    Generalised Hessian ``H = I + 2 X_I^T diag(C_I) X_I``; the step ``H s = -g`` is solved
    directly (``d <= 1000``) or by conjugate gradients, then an Armijo backtracking line search.
    Stops when ``||g|| <= tol * max(min(n_pos, n_neg), 1) / n * ||g_0||`` (liblinear's rule).
    """
    n, d = X.shape
    w = np.zeros(d)
    n_pos = int(np.sum(y > 0))
    eps = tol * max(min(n_pos, n - n_pos), 1) / n

    def fun_grad(w):
        z = y * (X @ w)
        m = z < 1
        r = (1 - z[m])
        f = 0.5 * w @ w + np.sum(Cv[m] * r * r)
        g = w - 2.0 * (X[m].T @ (Cv[m] * r * y[m]))
        return f, g, m

    f, g, m = fun_grad(w)
    gnorm0 = np.linalg.norm(g)
    it = 0
    converged = gnorm0 == 0
    polished = False
    while not converged and it < max_iter:
        Xm = X[m]
        cm = 2.0 * Cv[m]
        if d <= 1000:
            H = Xm.T @ (Xm * cm[:, None])
            H[np.diag_indices(d)] += 1.0
            s = scipy.linalg.solve(H, -g, assume_a="pos")
        else:
            s = _cg(lambda p: p + Xm.T @ (cm * (Xm @ p)), -g, 0.1 * np.linalg.norm(g))
        gs = g @ s
        step = 1.0
        while True:
            f_new, g_new, m_new = fun_grad(w + step * s)
            if f_new <= f + 0.01 * step * gs or step < 1e-10:
                break
            step *= 0.5
        w = w + step * s
        f, g, m = f_new, g_new, m_new
        it += 1
        converged = np.linalg.norm(g) <= eps * gnorm0
        if converged and not polished:
            # Newton converges quadratically near the optimum: one more step makes the
            # solution exact to rounding at negligible cost
            polished, converged = True, False
    if not converged:
        warnings.warn("Liblinear failed to converge, increase the number of iterations.",
                      ConvergenceWarning)
    return w, it


def _cg(matvec, b, tol, max_iter=250):
    x = np.zeros_like(b)
    r = b.copy()
    p = r.copy()
    rr = r @ r
    for _ in range(max_iter):
        if np.sqrt(rr) <= tol:
            break
        Ap = matvec(p)
        alpha = rr / (p @ Ap)
        x += alpha * p
        r -= alpha * Ap
        rr_new = r @ r
        p = r + (rr_new / rr) * p
        rr = rr_new
    return x


class LinearSVC(ClassifierMixin, BaseEstimator):
    """Linear support vector classification, one-vs-rest (see module docstring for solvers).

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
                with threadpool_limits(limits=1, user_api="blas"):
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
