"""``LBFGS`` (torch's signature, behaviour and iterates) and what the full-batch, closure
driven optimizers share: the parameters as one flat vector, a checked closure call and
the strong-Wolfe line search.

These optimizers do many function evaluations per ``step(closure)``: ``closure`` clears
the gradients, computes the loss, calls ``backward()`` and returns the loss.

    >>> import ember, ember.optim
    >>> w = ember.tensor([-1.2, 1.0], dtype=ember.float64, requires_grad=True)
    >>> opt = ember.optim.LBFGS([w], max_iter=100, line_search_fn="strong_wolfe")
    >>> def closure():
    ...     opt.zero_grad()
    ...     loss = (1 - w[0]) ** 2 + 100 * (w[1] - w[0] ** 2) ** 2     # Rosenbrock
    ...     loss.backward()
    ...     return loss
    >>> _ = opt.step(closure)
    >>> [round(v, 4) for v in w.tolist()]
    [1.0, 1.0]
"""
import math

import numpy as np

from ..autograd.grad_mode import enable_grad
from .optimizer import Optimizer, _check_number


class ClosureOptimizer(Optimizer):
    """Base of the optimizers driven by a closure over one flat vector of all parameters
    (a single parameter group, as torch's LBFGS requires)."""

    def __init__(self, params, defaults):
        super().__init__(params, defaults)
        if len(self.param_groups) != 1:
            raise ValueError(f"{type(self).__name__} doesn't support per-parameter options "
                             f"(parameter groups): got {len(self.param_groups)} groups")
        self._params = self.param_groups[0]["params"]
        self._numel = sum(p.array.size for p in self._params)

    def step(self, closure=None):  # pragma: no cover - abstract
        raise NotImplementedError

    def _require_closure(self, closure):
        if closure is None or not callable(closure):
            raise TypeError(f"{type(self).__name__}.step needs a closure that re-evaluates the "
                            f"model and returns the loss, got {closure!r}")

    # ---- the flat vector ------------------------------------------------------------------------
    def _gather_flat_grad(self):
        parts = []
        for p in self._params:
            g = p.grad
            parts.append(np.zeros(p.array.size, dtype=p.array.dtype) if g is None
                         else np.asarray(g.array, dtype=p.array.dtype).reshape(-1))
        return np.concatenate(parts)

    def _flat_params(self):
        return np.concatenate([p.array.reshape(-1) for p in self._params])

    def _add_grad(self, step_size, update):
        """``params += step_size * update`` (in place)."""
        offset = 0
        for p in self._params:
            n = p.array.size
            p.array += step_size * update[offset:offset + n].reshape(p.array.shape)
            p._vc[0] += 1
            offset += n

    def _set_param(self, flat):
        offset = 0
        for p in self._params:
            n = p.array.size
            p.array[...] = flat[offset:offset + n].reshape(p.array.shape)
            p._vc[0] += 1
            offset += n

    # ---- evaluations ----------------------------------------------------------------------------
    def _loss(self, closure, where):
        """``float(closure())``, with a clear error for a NaN or a non-scalar."""
        with enable_grad():
            out = closure()
        try:
            loss = float(out)
        except (TypeError, ValueError, RuntimeError) as e:
            raise TypeError(f"{type(self).__name__}: the closure must return the loss as a "
                            f"scalar tensor or number, got {out!r}") from e
        if math.isnan(loss):
            raise FloatingPointError(
                f"{type(self).__name__}: the closure returned nan {where}; the loss is not "
                f"defined there (check the model and data for NaN, or lower lr)")
        return out, loss

    def _directional_evaluate(self, closure, x, t, d):
        """Loss and flat gradient at ``x + t d``; the parameters are put back to ``x``."""
        self._add_grad(t, d)
        _, loss = self._loss(closure, f"at a line-search trial step t={t:.3g}")
        flat_grad = self._gather_flat_grad()
        self._set_param(x)
        return loss, flat_grad


# ---- the strong-Wolfe line search (Nocedal & Wright, algorithms 3.5 and 3.6) ---------------------

def _cubic_interpolate(x1, f1, g1, x2, f2, g2, bounds=None):
    """The minimiser of the cubic through (x1, f1, g1) and (x2, f2, g2), clipped to
    ``bounds`` (default: the interval between x1 and x2)."""
    if bounds is not None:
        lo, hi = bounds
    else:
        lo, hi = (x1, x2) if x1 <= x2 else (x2, x1)
    d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2)
    d2_square = d1 ** 2 - g1 * g2
    if d2_square >= 0:
        d2 = math.sqrt(d2_square)
        if x1 <= x2:
            pos = x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
        else:
            pos = x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2))
        return min(max(pos, lo), hi)
    return (lo + hi) / 2.0


def strong_wolfe(obj_func, x, t, d, f, g, gtd, c1=1e-4, c2=0.9, tolerance_change=1e-9,
                 max_ls=25):
    """A step ``t`` along ``d`` from ``x`` meeting the strong Wolfe conditions
    ``f(x+td) <= f + c1 t g.d`` and ``|g(x+td).d| <= c2 |g.d|``: bracket, then zoom by
    cubic interpolation. ``obj_func(x, t, d)`` returns ``(loss, flat_grad)`` at ``x+td``.
    Returns ``(loss, flat_grad, t, evaluations)`` (torch's ``_strong_wolfe``, step for step)."""
    d_norm = float(np.abs(d).max())
    g = g.copy()
    f_new, g_new = obj_func(x, t, d)
    evals = 1
    gtd_new = float(g_new.dot(d))
    t_prev, f_prev, g_prev, gtd_prev = 0, f, g, gtd
    done = False
    ls_iter = 0
    while ls_iter < max_ls:
        if f_new > (f + c1 * t * gtd) or (ls_iter > 1 and f_new >= f_prev):
            bracket, bracket_f = [t_prev, t], [f_prev, f_new]
            bracket_g, bracket_gtd = [g_prev, g_new.copy()], [gtd_prev, gtd_new]
            break
        if abs(gtd_new) <= -c2 * gtd:
            bracket, bracket_f, bracket_g = [t], [f_new], [g_new]
            done = True
            break
        if gtd_new >= 0:
            bracket, bracket_f = [t_prev, t], [f_prev, f_new]
            bracket_g, bracket_gtd = [g_prev, g_new.copy()], [gtd_prev, gtd_new]
            break
        min_step = t + 0.01 * (t - t_prev)      # extrapolate
        max_step = t * 10
        tmp = t
        t = _cubic_interpolate(t_prev, f_prev, gtd_prev, t, f_new, gtd_new, bounds=(min_step, max_step))
        t_prev, f_prev, g_prev, gtd_prev = tmp, f_new, g_new.copy(), gtd_new
        f_new, g_new = obj_func(x, t, d)
        evals += 1
        gtd_new = float(g_new.dot(d))
        ls_iter += 1
    if ls_iter == max_ls:
        bracket, bracket_f, bracket_g = [0, t], [f, f_new], [g, g_new]

    # zoom: shrink the bracket until a point meets the conditions
    insuf_progress = False
    low_pos, high_pos = (0, 1) if bracket_f[0] <= bracket_f[-1] else (1, 0)
    while not done and ls_iter < max_ls:
        if abs(bracket[1] - bracket[0]) * d_norm < tolerance_change:
            break
        t = _cubic_interpolate(bracket[0], bracket_f[0], bracket_gtd[0],
                               bracket[1], bracket_f[1], bracket_gtd[1])
        # a point too close to an end makes little progress: move it inside
        eps = 0.1 * (max(bracket) - min(bracket))
        if min(max(bracket) - t, t - min(bracket)) < eps:
            if insuf_progress or t >= max(bracket) or t <= min(bracket):
                t = max(bracket) - eps if abs(t - max(bracket)) < abs(t - min(bracket)) \
                    else min(bracket) + eps
                insuf_progress = False
            else:
                insuf_progress = True
        else:
            insuf_progress = False
        f_new, g_new = obj_func(x, t, d)
        evals += 1
        gtd_new = float(g_new.dot(d))
        ls_iter += 1
        if f_new > (f + c1 * t * gtd) or f_new >= bracket_f[low_pos]:
            bracket[high_pos], bracket_f[high_pos] = t, f_new
            bracket_g[high_pos], bracket_gtd[high_pos] = g_new.copy(), gtd_new
            low_pos, high_pos = (0, 1) if bracket_f[0] <= bracket_f[1] else (1, 0)
        else:
            if abs(gtd_new) <= -c2 * gtd:
                done = True
            elif gtd_new * (bracket[high_pos] - bracket[low_pos]) >= 0:
                bracket[high_pos], bracket_f[high_pos] = bracket[low_pos], bracket_f[low_pos]
                bracket_g[high_pos], bracket_gtd[high_pos] = bracket_g[low_pos], bracket_gtd[low_pos]
            bracket[low_pos], bracket_f[low_pos] = t, f_new
            bracket_g[low_pos], bracket_gtd[low_pos] = g_new.copy(), gtd_new
    return bracket_f[low_pos], bracket_g[low_pos], bracket[low_pos], evals


class LBFGS(ClosureOptimizer):
    """Limited-memory BFGS (``torch.optim.LBFGS``): the inverse Hessian is represented by the
    last ``history_size`` pairs (s, y) of steps and gradient changes and applied by the
    two-loop recursion. One ``step(closure)`` runs up to ``max_iter`` iterations.

    Args:
        lr: the step length (without line search), or the first trial step (with it).
        max_iter: iterations per ``step``. max_eval: closure evaluations per ``step``
            (default ``max_iter * 5 // 4``).
        tolerance_grad: stop when the largest gradient component is at most this.
        tolerance_change: stop when the step or the change of the loss is below this.
        history_size: the number of (s, y) pairs kept.
        line_search_fn: None (fixed step ``lr``) or ``"strong_wolfe"``.
    """

    def __init__(self, params, lr=1, max_iter=20, max_eval=None, tolerance_grad=1e-7,
                 tolerance_change=1e-9, history_size=100, line_search_fn=None):
        if max_eval is None:
            max_eval = max_iter * 5 // 4
        defaults = dict(lr=lr, max_iter=max_iter, max_eval=max_eval, tolerance_grad=tolerance_grad,
                        tolerance_change=tolerance_change, history_size=history_size,
                        line_search_fn=line_search_fn)
        super().__init__(params, defaults)

    def _validate(self, group, where):
        name = type(self).__name__
        _check_number(name, "lr", group["lr"], low=0, low_open=True, where=where)
        for key in ("max_iter", "max_eval", "history_size"):
            v = group[key]
            if isinstance(v, bool) or not isinstance(v, int) or v < 1:
                raise ValueError(f"{name}: {key}={v!r}{where} must be a positive integer")
        _check_number(name, "tolerance_grad", group["tolerance_grad"], low=0, where=where)
        _check_number(name, "tolerance_change", group["tolerance_change"], low=0, where=where)
        if group["line_search_fn"] not in (None, "strong_wolfe"):
            raise ValueError(f"{name}: line_search_fn={group['line_search_fn']!r}{where}; "
                             f"expected None or 'strong_wolfe'")

    def step(self, closure):
        """Run up to ``max_iter`` iterations; returns the loss the closure gave first."""
        self._require_closure(closure)
        group = self.param_groups[0]
        lr, max_iter, max_eval = group["lr"], group["max_iter"], group["max_eval"]
        tolerance_grad, tolerance_change = group["tolerance_grad"], group["tolerance_change"]
        history_size, line_search_fn = group["history_size"], group["line_search_fn"]

        state = self.state[self._params[0]]
        state.setdefault("func_evals", 0)
        state.setdefault("n_iter", 0)
        orig_loss, loss = self._loss(closure, "at the start of the step")
        current_evals = 1
        state["func_evals"] += 1
        flat_grad = self._gather_flat_grad()
        if np.abs(flat_grad).max() <= tolerance_grad:
            return orig_loss

        d, t = state.get("d"), state.get("t")
        old_dirs, old_stps, ro = state.get("old_dirs"), state.get("old_stps"), state.get("ro")
        H_diag, prev_flat_grad, prev_loss = state.get("H_diag"), state.get("prev_flat_grad"), state.get("prev_loss")

        n_iter = 0
        while n_iter < max_iter:
            n_iter += 1
            state["n_iter"] += 1
            if state["n_iter"] == 1:
                d = -flat_grad
                old_dirs, old_stps, ro, H_diag = [], [], [], 1
            else:
                y = flat_grad - prev_flat_grad
                s = d * t
                ys = float(y.dot(s))
                if ys > 1e-10:      # keep the pair only with positive curvature
                    if len(old_dirs) == history_size:
                        old_dirs.pop(0), old_stps.pop(0), ro.pop(0)
                    old_dirs.append(y)
                    old_stps.append(s)
                    ro.append(1.0 / ys)
                    H_diag = ys / float(y.dot(y))
                d = self._two_loop(flat_grad, old_dirs, old_stps, ro, H_diag)
            prev_flat_grad = flat_grad.copy()
            prev_loss = loss
            t = min(1.0, 1.0 / float(np.abs(flat_grad).sum())) * lr if state["n_iter"] == 1 else lr
            gtd = float(flat_grad.dot(d))
            if gtd > -tolerance_change:     # not a descent direction
                break
            ls_func_evals = 0
            if line_search_fn is not None:
                x_init = self._flat_params()

                def obj_func(x, t, d):
                    return self._directional_evaluate(closure, x, t, d)
                # (torch caps the line search by the evaluations left)
                loss, flat_grad, t, ls_func_evals = strong_wolfe(
                    obj_func, x_init, t, d, loss, flat_grad, gtd, max_ls=max_eval - current_evals)
                self._add_grad(t, d)
                opt_cond = np.abs(flat_grad).max() <= tolerance_grad
            else:
                self._add_grad(t, d)
                opt_cond = False
                if n_iter != max_iter:
                    _, loss = self._loss(closure, f"after iteration {state['n_iter']}")
                    flat_grad = self._gather_flat_grad()
                    opt_cond = np.abs(flat_grad).max() <= tolerance_grad
                    ls_func_evals = 1
            current_evals += ls_func_evals
            state["func_evals"] += ls_func_evals
            if n_iter == max_iter or current_evals >= max_eval or opt_cond:
                break
            if np.abs(d * t).max() <= tolerance_change or abs(loss - prev_loss) < tolerance_change:
                break

        state.update(d=d, t=t, old_dirs=old_dirs, old_stps=old_stps, ro=ro, H_diag=H_diag,
                     prev_flat_grad=prev_flat_grad, prev_loss=prev_loss)
        return orig_loss

    @staticmethod
    def _two_loop(flat_grad, old_dirs, old_stps, ro, H_diag):
        """``-H g`` with the L-BFGS inverse Hessian (the two-loop recursion)."""
        num_old = len(old_dirs)
        al = [None] * num_old
        q = -flat_grad
        for i in range(num_old - 1, -1, -1):
            al[i] = float(old_stps[i].dot(q)) * ro[i]
            q = q - al[i] * old_dirs[i]
        r = q * H_diag
        for i in range(num_old):
            be_i = float(old_dirs[i].dot(r)) * ro[i]
            r = r + (al[i] - be_i) * old_stps[i]
        return r
