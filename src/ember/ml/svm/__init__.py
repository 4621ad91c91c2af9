"""Support vector machines: kernel ``SVC`` (SMO, libsvm-style) and ``LinearSVC`` (liblinear-style).

The package is laid out as scikit-learn's ``svm/``: the solvers apart from the estimators.

* ``_kernel.py``     the kernels with their parameters, and the rows of ``K(X, X)``
                     (one float32 matrix, or an LRU cache of rows)
* ``_smo.py``        ``SMOSolver``: libsvm's C-SVC solver (working-set selection, the
                     two-variable update, shrinking)
* ``_liblinear.py``  dual coordinate descent, primal Newton and conjugate gradients
* ``_platt.py``      Platt's sigmoid and the pairwise coupling of probabilities
* ``_base.py``       per-sample ``C_i`` (class and sample weights), parameter checks
* ``_classes.py``    the estimators ``SVC`` and ``LinearSVC``

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
``shrinking=True`` applies libsvm's shrinking heuristic (see ``SMOSolver``); it changes the
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
from ._classes import SVC, LinearSVC

__all__ = ["SVC", "LinearSVC"]
