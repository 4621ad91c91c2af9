"""Full-batch methods that use curvature: ``BFGS`` (a dense inverse-Hessian estimate),
nonlinear ``ConjugateGradient`` (Fletcher-Reeves or Polak-Ribiere, with restarts) and
``Newton`` (the exact Hessian by double backward, or Hessian-vector products solved by
conjugate gradient; damping; a backtracking line search).

Like :class:`ember.optim.LBFGS`, each ``step(closure)`` runs up to ``max_iter``
iterations on the flat vector of all parameters. ``BFGS`` and ``ConjugateGradient`` take
LBFGS's closure (clear the gradients, compute the loss, ``backward()``, return the loss);
``Newton``'s closure only computes and returns the loss: Newton differentiates it twice
itself.

    >>> import ember, ember.optim
    >>> w = ember.tensor([-1.2, 1.0], dtype=ember.float64, requires_grad=True)
    >>> opt = ember.optim.Newton([w], max_iter=50)
    >>> _ = opt.step(lambda: (1 - w[0]) ** 2 + 100 * (w[1] - w[0] ** 2) ** 2)
    >>> [round(v, 6) for v in w.tolist()], opt.state[w]["n_iter"] < 30
    ([1.0, 1.0], True)
"""
import numpy as np

from ..autograd.engine import grad as _grad
from ..autograd.grad_mode import enable_grad, no_grad
from ..autograd.tensor import _wrap
from .lbfgs import ClosureOptimizer, strong_wolfe
from .optimizer import _check_number


def _positive_int(name, key, v, where):
    if isinstance(v, bool) or not isinstance(v, int) or v < 1:
        raise ValueError(f"{name}: {key}={v!r}{where} must be a positive integer")


class _LineSearchMethod(ClosureOptimizer):
    """A descent direction from the state, a strong-Wolfe line search along it, a state
    update from the step ``s`` and gradient change ``y``: BFGS and nonlinear CG."""

    c2 = 0.9

    def __init__(self, params, lr, max_iter, max_eval, tolerance_grad, tolerance_change, **extra):
        defaults = dict(lr=lr, max_iter=max_iter, max_eval=max_iter * 5 // 4 if max_eval is None else max_eval,
                        tolerance_grad=tolerance_grad, tolerance_change=tolerance_change, **extra)
        super().__init__(params, defaults)

    def _validate(self, group, where):
        name = type(self).__name__
        _check_number(name, "lr", group["lr"], low=0, low_open=True, where=where)
        _positive_int(name, "max_iter", group["max_iter"], where)
        _positive_int(name, "max_eval", group["max_eval"], where)
        _check_number(name, "tolerance_grad", group["tolerance_grad"], low=0, where=where)
        _check_number(name, "tolerance_change", group["tolerance_change"], low=0, where=where)

    def step(self, closure):
        """Run up to ``max_iter`` iterations; returns the loss the closure gave first."""
        self._require_closure(closure)
        group = self.param_groups[0]
        st = self.state[self._params[0]]
        st.setdefault("n_iter", 0)
        st.setdefault("func_evals", 0)
        orig_loss, loss = self._loss(closure, "at the start of the step")
        st["func_evals"] += 1
        evals = 1
        g = self._gather_flat_grad()
        for _ in range(group["max_iter"]):
            if np.abs(g).max() <= group["tolerance_grad"]:
                break
            st["n_iter"] += 1
            d = self._direction(g, st, group)
            gtd = float(g.dot(d))
            if gtd > -group["tolerance_change"]:
                break
            t = self._first_trial(g, gtd, st, group)
            x = self._flat_params()
            new_loss, g_new, t, n = strong_wolfe(
                lambda x, t, d: self._directional_evaluate(closure, x, t, d), x, t, d, loss, g, gtd,
                c2=self.c2)
            self._add_grad(t, d)
            evals += n
            st["func_evals"] += n
            self._update(t * d, g_new - g, g_new, gtd, t, st, group)
            change = abs(new_loss - loss)
            loss, g = new_loss, g_new
            if evals >= group["max_eval"] or np.abs(t * d).max() <= group["tolerance_change"] \
                    or change < group["tolerance_change"]:
                break
        return orig_loss

    def _first_trial(self, g, gtd, st, group):
        return min(1.0, 1.0 / float(np.abs(g).sum())) * group["lr"] if st["n_iter"] == 1 else group["lr"]


class BFGS(_LineSearchMethod):
    """BFGS with a dense inverse-Hessian estimate ``H`` (n x n: for up to a few thousand
    parameters), updated from each step ``s`` and gradient change ``y`` by
    ``H <- (I - rho s y^T) H (I - rho y s^T) + rho s s^T`` (``rho = 1 / y^T s``; a pair
    without positive curvature is skipped), from ``H = I`` as scipy's; steps meet the
    strong Wolfe conditions. Arguments as :class:`LBFGS`'s."""

    def __init__(self, params, lr=1, max_iter=20, max_eval=None, tolerance_grad=1e-7,
                 tolerance_change=1e-9):
        super().__init__(params, lr, max_iter, max_eval, tolerance_grad, tolerance_change)

    def _direction(self, g, st, group):
        H = st.get("H")
        return -g if H is None else -(H @ g)

    def _update(self, s, y, g_new, gtd, t, st, group):
        ys = float(y.dot(s))
        if ys <= 1e-10:
            return
        H = st.get("H")
        if H is None:       # (scipy's start; scaling by y^T s / y^T y was slower on ill-conditioned problems)
            H = np.eye(len(s), dtype=s.dtype)
        rho = 1.0 / ys
        Hy = H @ y
        # (I - rho s y^T) H (I - rho y s^T) + rho s s^T, expanded (H symmetric)
        st["H"] = H + (rho * rho * float(y.dot(Hy)) + rho) * np.outer(s, s) \
            - rho * (np.outer(Hy, s) + np.outer(s, Hy))


class ConjugateGradient(_LineSearchMethod):
    """Nonlinear conjugate gradient: ``d <- -g + beta d`` with Fletcher-Reeves
    (``beta = |g'|^2 / |g|^2``) or Polak-Ribiere+ (``beta = max(0, g'.(g' - g) / |g|^2)``),
    restarted with ``d = -g`` every ``restart`` iterations (default: the number of
    parameters) and whenever ``d`` is not a descent direction. The line search uses
    ``c2 = 0.1`` (a near-exact line search keeps the directions conjugate); the first trial
    step of each iteration is the previous step scaled by the ratio of slopes.

    Args:
        beta: ``"PR"`` (default) or ``"FR"``. restart: iterations between restarts.
        Other arguments as :class:`LBFGS`'s."""

    c2 = 0.1

    def __init__(self, params, lr=1, max_iter=20, max_eval=None, tolerance_grad=1e-7,
                 tolerance_change=1e-9, beta="PR", restart=None):
        super().__init__(params, lr, max_iter, max_eval, tolerance_grad, tolerance_change,
                         beta=beta, restart=restart)

    def _validate(self, group, where):
        super()._validate(group, where)
        if group["beta"] not in ("PR", "FR"):
            raise ValueError(f"ConjugateGradient: beta={group['beta']!r}{where}; expected 'PR' "
                             f"(Polak-Ribiere) or 'FR' (Fletcher-Reeves)")
        if group["restart"] is not None:
            _positive_int("ConjugateGradient", "restart", group["restart"], where)

    def _direction(self, g, st, group):
        d = st.get("d")
        restart = group["restart"] or self._numel
        if d is None or st.get("since_restart", 0) >= restart:
            st["since_restart"] = 0
            d = -g
        else:
            g_old = st["g"]
            gg = float(g_old.dot(g_old))
            if group["beta"] == "FR":
                beta = float(g.dot(g)) / gg
            else:
                beta = max(0.0, float(g.dot(g - g_old)) / gg)
            d = -g + beta * d
            if float(g.dot(d)) >= 0:        # lost descent: restart
                st["since_restart"] = 0
                d = -g
        st["d"], st["g"] = d, g
        st["since_restart"] = st.get("since_restart", 0) + 1
        return d

    def _first_trial(self, g, gtd, st, group):
        prev = st.get("prev_step")
        if prev is None:
            return super()._first_trial(g, gtd, st, group)
        t_prev, gtd_prev = prev
        return min(group["lr"] * 10, t_prev * gtd_prev / gtd)

    def _update(self, s, y, g_new, gtd, t, st, group):
        st["prev_step"] = (t, gtd)


class Newton(ClosureOptimizer):
    """Newton's method: the step solves ``(H + lambda I) p = -g``.

    Args:
        lr: the first trial step of the line search (1: the full Newton step).
        max_iter: iterations per ``step``.
        hessian: ``"exact"`` (the n x n Hessian, one double-backward pass per parameter,
            solved by Cholesky) or ``"cg"`` (Hessian-vector products, the system solved by
            conjugate gradient and truncated at negative curvature: Newton-CG, for larger
            problems).
        damping: ``lambda >= 0`` (Levenberg-Marquardt damping, a trust region in disguise).
        positive_definite: with ``"exact"``, raise lambda until ``H + lambda I`` is positive
            definite, so the step always descends (False: pure Newton, which is attracted
            to saddle points and maxima as much as to minima).
        line_search_fn: ``"backtracking"`` (halve the step until the Armijo condition holds)
            or None (take ``lr`` times the Newton step).
        cg_max_iter: conjugate-gradient iterations per solve (default: the number of
            parameters).
        tolerance_grad, tolerance_change: as :class:`LBFGS`'s.
    """

    def __init__(self, params, lr=1, max_iter=20, hessian="exact", damping=0.0,
                 positive_definite=True, line_search_fn="backtracking", cg_max_iter=None,
                 tolerance_grad=1e-7, tolerance_change=1e-9):
        defaults = dict(lr=lr, max_iter=max_iter, hessian=hessian, damping=damping,
                        positive_definite=positive_definite, line_search_fn=line_search_fn,
                        cg_max_iter=cg_max_iter, tolerance_grad=tolerance_grad,
                        tolerance_change=tolerance_change)
        super().__init__(params, defaults)

    def _validate(self, group, where):
        _check_number("Newton", "lr", group["lr"], low=0, low_open=True, where=where)
        _positive_int("Newton", "max_iter", group["max_iter"], where)
        _check_number("Newton", "damping", group["damping"], low=0, where=where)
        _check_number("Newton", "tolerance_grad", group["tolerance_grad"], low=0, where=where)
        _check_number("Newton", "tolerance_change", group["tolerance_change"], low=0, where=where)
        if group["hessian"] not in ("exact", "cg"):
            raise ValueError(f"Newton: hessian={group['hessian']!r}{where}; expected 'exact' or 'cg'")
        if group["line_search_fn"] not in (None, "backtracking"):
            raise ValueError(f"Newton: line_search_fn={group['line_search_fn']!r}{where}; "
                             f"expected None or 'backtracking'")
        if group["cg_max_iter"] is not None:
            _positive_int("Newton", "cg_max_iter", group["cg_max_iter"], where)

    def _gradient(self, closure, where):
        """The loss, the gradient tensors (differentiable) and the flat gradient."""
        with enable_grad():
            out, loss = self._loss(closure, where)
            if not getattr(out, "requires_grad", False):
                raise TypeError("Newton: the closure must return the loss as a tensor computed "
                                "from the parameters (with its graph), not a number")
            gs = _grad(out, self._params, create_graph=True, allow_unused=True)
        gs = [g if g is not None else _wrap(np.zeros_like(p.array)) for g, p in zip(gs, self._params)]
        flat = np.concatenate([g.array.reshape(-1) for g in gs])
        return out, loss, gs, flat

    def _hvp(self, gs, v):
        """``H v`` (flat) by the backward of ``<g, v>``."""
        live, pieces, offset = [], [], 0
        for g, p in zip(gs, self._params):
            n = p.array.size
            if g.requires_grad:         # (a gradient without a graph is constant: no curvature)
                live.append(g)
                pieces.append(_wrap(v[offset:offset + n].reshape(p.array.shape)))
            offset += n
        if not live:
            return np.zeros(self._numel, dtype=v.dtype)
        hv = _grad(live, self._params, pieces, retain_graph=True, allow_unused=True)
        return np.concatenate([np.zeros(p.array.size, dtype=v.dtype) if h is None else h.array.reshape(-1)
                               for h, p in zip(hv, self._params)])

    def hessian_matrix(self, gs):
        """The n x n Hessian, column by column (n Hessian-vector products)."""
        n = self._numel
        H = np.empty((n, n), dtype=self._params[0].array.dtype)
        e = np.zeros(n, dtype=H.dtype)
        for k in range(n):
            e[k] = 1.0
            H[:, k] = self._hvp(gs, e)
            e[k] = 0.0
        return (H + H.T) / 2

    def _solve_exact(self, H, g, group):
        lam = float(group["damping"])
        eye = np.eye(len(g), dtype=g.dtype)
        if not group["positive_definite"]:
            return np.linalg.solve(H + lam * eye, -g), lam
        scale = max(float(np.abs(np.diag(H)).max()), 1.0)
        while True:
            try:
                L = np.linalg.cholesky(H + lam * eye)
                break
            except np.linalg.LinAlgError:
                lam = max(2 * lam, 1e-8 * scale)
        p = np.linalg.solve(L.T, np.linalg.solve(L, -g))
        return p, lam

    def _solve_cg(self, gs, g, group):
        """Truncated CG on ``(H + lambda I) p = -g``: stops at a relative residual of
        ``min(0.5, sqrt(|g|))`` or at a direction of negative curvature."""
        lam = float(group["damping"])
        p = np.zeros_like(g)
        r = -g.copy()
        d = r.copy()
        rr = float(r.dot(r))
        tol = min(0.5, float(np.sqrt(np.sqrt(rr)))) * np.sqrt(rr)
        for i in range(group["cg_max_iter"] or self._numel):
            Hd = self._hvp(gs, d) + lam * d
            curv = float(d.dot(Hd))
            if curv <= 0:
                return (-g if i == 0 else p), i + 1
            alpha = rr / curv
            p = p + alpha * d
            r = r - alpha * Hd
            rr_new = float(r.dot(r))
            if np.sqrt(rr_new) <= tol:
                return p, i + 1
            d = r + (rr_new / rr) * d
            rr = rr_new
        return p, i + 1

    def step(self, closure):
        """Run up to ``max_iter`` Newton iterations; returns the first loss."""
        self._require_closure(closure)
        group = self.param_groups[0]
        st = self.state[self._params[0]]
        st.setdefault("n_iter", 0)
        st.setdefault("func_evals", 0)
        st.setdefault("hvps", 0)
        orig_loss = None
        for _ in range(group["max_iter"]):
            out, loss, gs, g = self._gradient(closure, f"at iteration {st['n_iter']}")
            st["func_evals"] += 1
            if orig_loss is None:
                orig_loss = out.detach()
            if np.abs(g).max() <= group["tolerance_grad"]:
                break
            st["n_iter"] += 1
            if group["hessian"] == "exact":
                p, st["damping"] = self._solve_exact(self.hessian_matrix(gs), g, group)
                st["hvps"] += self._numel
            else:
                p, k = self._solve_cg(gs, g, group)
                st["hvps"] += k
            gtd = float(g.dot(p))
            t = group["lr"]
            if group["line_search_fn"] == "backtracking":
                if gtd >= 0:            # not a descent direction: fall back to the gradient
                    p, gtd = -g, -float(g.dot(g))
                x = self._flat_params()
                for _ in range(60):
                    self._add_grad(t, p)
                    with no_grad():
                        _, new = self._loss(closure, f"at a line-search trial step t={t:.3g}")
                    st["func_evals"] += 1
                    self._set_param(x)
                    if new <= loss + 1e-4 * t * gtd:
                        break
                    t *= 0.5
            self._add_grad(t, p)
            if np.abs(t * p).max() <= group["tolerance_change"]:
                break
        return orig_loss
