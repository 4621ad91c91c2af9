"""libsvm's SMO solver for the C-SVC dual, vectorised over the samples (see the package
docstring for the problem, the working-set selection and the stopping rule)."""
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning

_TAU = 1e-12


class SMOSolver:
    """libsvm's ``Solver::Solve`` for C-SVC.

    ``rows`` (a ``KernelRows``) gives kernel rows in *reversed* libsvm order, so that NumPy's
    first-index ``argmax`` / ``argmin`` reproduce libsvm's last-index tie breaking
    (``>=`` / ``<=``); ``y`` holds the labels in {+1, -1} and ``C`` the per-sample upper
    bounds, in the same order.

    The solver keeps ``v = -y * G`` (``G = Q a - e`` the gradient) and the masks ``up`` /
    ``low`` of the variables that may increase / decrease ``y_t a_t``.  With ``shrinking``
    (libsvm's heuristic), every ``min(n, 1000)`` iterations the bounded variables that cannot
    enter a violating pair (``a_t`` at a bound with ``-y_t G_t`` beyond the current maximal
    violations) are removed from these working arrays (``act`` maps working positions to
    sample indices; None when all are active); the gradient of the removed ones is rebuilt
    from ``G_bar`` (the contribution of the variables at the upper bound) plus the free
    variables before the final optimality check, and once when the violation first drops
    below ``10 tol``.  The solution satisfies the same stopping rule.

        >>> import numpy as np
        >>> from ember.ml.svm._kernel import Kernel, KernelRows
        >>> X = np.array([[2.0], [1.0], [-1.0], [-2.0]])
        >>> rows = KernelRows(Kernel("linear", 1.0, 3, 0.0), X, cache_mb=1)
        >>> alpha, rho, n_iter = SMOSolver(rows, np.array([1.0, 1.0, -1.0, -1.0]),
        ...                                np.ones(4), tol=1e-3, max_iter=-1).solve()
        >>> alpha.tolist(), rho
        ([0.0, 0.5, 0.5, 0.0], 0.0)
    """

    def __init__(self, rows, y, C, tol, max_iter, shrinking=False):
        self.rows, self.y, self.C = rows, y, C
        self.tol, self.max_iter, self.shrinking = tol, max_iter, shrinking
        n = self.n = y.shape[0]
        self.a = np.zeros(n)
        # v = -y * G with G = Q a - e; at a = 0, G = -1 so v = y.
        self.v_full = y.astype(np.float64).copy()
        # Fu = sum over a_j = C_j of y_j C_j K_j. (y_k Fu_k is libsvm's G_bar_k)
        self.Fu = np.zeros(n) if shrinking else None
        self.unshrunk = False
        self._set_active(None)

    # -- working set bookkeeping ---------------------------------------------------------------
    def _status(self, idx):
        """``(up, low)`` of the variables ``idx``."""
        yy, aa, cc = self.y[idx], self.a[idx], self.C[idx]
        return (((yy > 0) & (aa < cc)) | ((yy < 0) & (aa > 0)),
                ((yy > 0) & (aa > 0)) | ((yy < 0) & (aa < cc)))

    def _set_active(self, idx):
        """Make the variables ``idx`` (None: all) the working arrays ``v``, ``Kd``, ``up``,
        ``low``."""
        if idx is None or len(idx) == self.n:
            self.act = None
            self.v, self.Kd = self.v_full, self.rows.diag
            self.up, self.low = self._status(slice(None))
        else:
            self.act = idx
            self.v, self.Kd = self.v_full[idx], self.rows.diag[idx]
            self.up, self.low = self._status(idx)

    def _reconstruct(self):
        """Write the working gradient back and rebuild it for the inactive variables."""
        act = self.act
        if act is None:
            return
        y, a, rows, v_full = self.y, self.a, self.rows, self.v_full
        v_full[act] = self.v
        inactive = np.ones(self.n, dtype=bool)
        inactive[act] = False
        inact = np.flatnonzero(inactive)
        vals = y[inact] - self.Fu[inact]
        free = np.flatnonzero((a > 0) & (a < self.C))
        if free.size:
            coef = y[free] * a[free]
            if rows.full is not None:
                vals -= coef @ rows.full[np.ix_(free, inact)].astype(np.float64)
            else:
                for c, f in zip(coef, free):
                    vals -= c * rows.row(f)[inact]
        v_full[inact] = vals

    def _unshrink(self):
        self._reconstruct()
        self._set_active(None)

    def _shrink(self):
        """libsvm's ``do_shrinking``: unshrink once when the violation first drops below
        ``10 tol``, then drop the bounded variables beyond the maximal violations."""
        v, up, low = self.v, self.up, self.low
        Gm1 = np.max(v[up]) if up.any() else -np.inf
        Gm2 = np.max(-v[low]) if low.any() else -np.inf
        if not self.unshrunk and Gm1 + Gm2 <= self.tol * 10:
            self.unshrunk = True
            self._unshrink()
        v, up, low, act = self.v, self.up, self.low, self.act
        drop = (~up & (v > Gm1)) | (~low & (v < -Gm2))
        if drop.any():
            base = np.arange(self.n) if act is None else act
            if act is not None:
                self.v_full[act] = v
            self._set_active(base[~drop])

    def _row(self, i_local):
        """Kernel row of working position ``i_local``: ``(full row, working part)``."""
        act = self.act
        full = self.rows.row(i_local if act is None else act[i_local])
        return full, (full if act is None else full[act])

    # -- one iteration ----------------------------------------------------------------------------
    def _select(self):
        """Working pair ``(i, j, K_i full, K_i working)`` by WSS3, or None at optimality."""
        v, up, low, Kd = self.v, self.up, self.low, self.Kd
        if v.shape[0] == 0:       # everything shrunk: let the caller reconstruct
            return None
        vu = np.where(up, v, -np.inf)
        i = int(vu.argmax())
        Gmax = vu[i]
        vl = np.where(low, v, np.inf)
        Gmax2 = -vl.min()
        if Gmax + Gmax2 < self.tol:
            return None
        Ki_full, Ki = self._row(i)
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

    def _update(self, i, j, Ki_full, Ki):
        """The analytic two-variable update of ``(a_i, a_j)`` clipped to the box, then the
        gradient, the masks and (with shrinking) ``G_bar``."""
        Kj_full, Kj = self._row(j)
        a, y, C, act, Kd, v = self.a, self.y, self.C, self.act, self.Kd, self.v
        gi = i if act is None else act[i]
        gj = j if act is None else act[j]
        yi, yj = y[gi], y[gj]
        Ci, Cj = C[gi], C[gj]
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
        up, low = self.up, self.low
        for t, g, at, a_old, Kfull in ((i, gi, ai, ai_old, Ki_full), (j, gj, aj, aj_old, Kj_full)):
            Ct = C[g]
            if y[g] > 0:
                up[t] = at < Ct
                low[t] = at > 0
            else:
                up[t] = at > 0
                low[t] = at < Ct
            if self.shrinking and (a_old >= Ct) != (at >= Ct):   # G_bar update
                if at >= Ct:
                    self.Fu += (y[g] * Ct) * Kfull
                else:
                    self.Fu -= (y[g] * Ct) * Kfull

    def _rho(self):
        """libsvm's ``calculate_rho``: the mean of ``y_t G_t`` over the free variables, else
        the midpoint of the feasible interval."""
        a, C, ypos = self.a, self.C, self.y > 0
        yG = -self.v_full           # y_t G_t = -v_t
        at_upper = a >= C
        at_lower = a <= 0
        free = ~at_upper & ~at_lower
        if free.any():
            return float(yG[free].mean())
        ub_mask = (at_upper & ~ypos) | (at_lower & ypos)
        lb_mask = (at_upper & ypos) | (at_lower & ~ypos)
        ub = yG[ub_mask].min() if ub_mask.any() else np.inf
        lb = yG[lb_mask].max() if lb_mask.any() else -np.inf
        return float((ub + lb) / 2.0)

    # -- the loop -------------------------------------------------------------------------------
    def solve(self):
        """Iterate until the maximal violation is below ``tol`` (or ``max_iter``, when it is
        not negative, with a ``ConvergenceWarning``).  Returns ``alpha``, ``rho`` and the
        number of iterations."""
        n, max_iter, shrinking = self.n, self.max_iter, self.shrinking
        select, update = self._select, self._update
        counter = min(n, 1000) + 1
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
                        self._shrink()
                sel = select()
                if sel is None:
                    if self.act is None:
                        break
                    self._unshrink()
                    sel = select()
                    if sel is None:
                        break
                    counter = 1
                it += 1
                update(*sel)
        self._reconstruct()
        return self.a, self._rho(), it
