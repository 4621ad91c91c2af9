"""liblinear's solvers for the linear SVM (``LinearSVC``): dual coordinate descent for the
hinge and squared hinge, and a primal Newton method (direct solve or conjugate gradients)
for the squared hinge."""
import warnings

import numpy as np
import scipy.linalg
import scipy.linalg.blas as _blas
from sklearn.exceptions import ConvergenceWarning


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

