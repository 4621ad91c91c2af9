"""Second-order claims: Newton against gradient descent (iterations, quadratic convergence,
saddle points), why deep learning does not use Newton (cost against the number of
parameters), L-BFGS's history, conjugate gradient's n steps, and how ridge regularisation
improves the conditioning."""
import math
import time

import numpy as np

import ember
import ember.nn.functional as F
from ember.lab.core import Result, claim, verdict

from ._common import digits, figure, single_thread


def _logistic_problem(seed, n=400, pixels=64):
    """A binary logistic regression (digit 3 against 5, ``pixels`` pixels (every 64/pixels-th)
    + bias) with a small L2 term, as a function of one parameter vector."""
    Xtr, ytr, _, _ = digits(seed=seed, tensors=False)
    keep = (ytr == 3) | (ytr == 5)
    X, y = Xtr[keep][:n, ::64 // pixels], (ytr[keep][:n] == 3).astype(np.float64)
    X = np.hstack([X, np.ones((len(X), 1))])
    Xe, ye = ember.tensor(X), ember.tensor(y)

    def f(w):
        z = Xe @ w
        return (F.softplus(z) - ye * z).mean() + 1e-3 * (w * w).sum()
    return f, X.shape[1]


def _grad_norm(f, w):
    w = ember.tensor(w.array.copy(), requires_grad=True)
    f(w).backward()
    return float(np.linalg.norm(w.grad.array))


def _run(f, d, method, tol, max_iter, lr=None):
    """Gradient norms per iteration of gradient descent (step ``lr``) or Newton."""
    w = ember.tensor(np.full(d, 0.01), requires_grad=True)
    if method == "newton":
        norms = [_grad_norm(f, w)]
        opt = ember.optim.Newton([w], max_iter=1, line_search_fn=None, tolerance_grad=0)
        while norms[-1] >= tol and len(norms) <= max_iter:
            opt.step(lambda: f(w))
            norms.append(_grad_norm(f, w))
        return norms
    opt, norms = ember.optim.SGD([w], lr=lr), []
    for _ in range(max_iter + 1):
        opt.zero_grad()
        f(w).backward()
        norms.append(float(np.linalg.norm(w.grad.array)))
        if norms[-1] < tol:
            break
        opt.step()
    return norms


@claim(
    id="newton-vs-gd",
    topic="second_order",
    concepts=("opt.newton",),
    question="How does Newton's method compare with gradient descent?",
    statement="Newton's method uses the curvature: it needs far fewer iterations than gradient descent, "
              "converges quadratically near a minimum, but is attracted to any stationary point, "
              "saddle points included.",
    source="notes on optimisation: Newton's method and why deep learning rarely uses it",
    method="A digits logistic regression (65 parameters; 33 in fast mode): iterations of gradient descent (best step "
           "from a grid) and of ember.optim.Newton (exact Hessian, full step) until the gradient norm "
           "is below 1e-8; the order of convergence from Newton's last gradient norms; pure Newton and "
           "gradient descent from (0.3, 0.5) on f = (x^2 - 1)^2 / 4 + y^2 (saddle at 0, minima at +-1).",
)
@single_thread()
def newton_vs_gd(seed, fast):
    f, d = _logistic_problem(seed, n=150 if fast else 400, pixels=32 if fast else 64)
    tol = 1e-8
    newton = _run(f, d, "newton", tol, 50)
    max_gd = 300 if fast else 20000
    gd_runs = {lr: _run(f, d, "gd", tol, max_gd, lr) for lr in ((4.0,) if fast else (1.0, 2.0, 4.0, 8.0, 16.0))}
    best_lr = min(gd_runs, key=lambda lr: (len(gd_runs[lr]), gd_runs[lr][-1]))
    gd = gd_runs[best_lr]
    gd_iters = len(gd) - 1 if gd[-1] < tol else None
    e = [v for v in newton if v > 1e-15]
    orders = [math.log(e[k + 1] / e[k]) / math.log(e[k] / e[k - 1]) for k in range(1, len(e) - 1)
              if e[k] < 1e-2 and e[k] < e[k - 1]]
    order = max(orders) if orders else float("nan")
    # the saddle
    def saddle(w):
        return (w[0] ** 2 - 1) ** 2 / 4 + w[1] ** 2
    pure = ember.tensor([0.3, 0.5], requires_grad=True)
    ember.optim.Newton([pure], max_iter=30, positive_definite=False, line_search_fn=None).step(lambda: saddle(pure))
    g = ember.tensor([0.3, 0.5], requires_grad=True)
    opt = ember.optim.SGD([g], lr=0.1)
    for _ in range(300):
        opt.zero_grad()
        saddle(g).backward()
        opt.step()
    num = {"newton_iterations": len(newton) - 1, "gd_iterations": gd_iters, "gd_best_lr": best_lr,
           "gd_max_iterations": max_gd, "newton_grad_norms": newton, "order_of_convergence": order,
           "pure_newton_end": pure.array.tolist(), "gd_end": g.array.tolist()}
    at_saddle = abs(pure.array[0]) < 1e-6 and abs(pure.array[1]) < 1e-6
    gd_to_min = abs(abs(g.array[0]) - 1) < 1e-3
    fewer = gd_iters is None or num["newton_iterations"] * 10 <= gd_iters
    ok = fewer and order > 1.6 and at_saddle and gd_to_min
    criterion = ("Newton needs at most a tenth of gradient descent's iterations to |grad| < 1e-8, its "
                 "estimated order of convergence exceeds 1.6, and from (0.3, 0.5) pure Newton converges "
                 "to the saddle (0, 0) while gradient descent reaches a minimum")
    notes = (f"Newton {num['newton_iterations']} iterations, gradient descent "
             f"{gd_iters if gd_iters is not None else f'> {max_gd}'} (lr {best_lr}); order {order:.2f}; "
             f"pure Newton ends at {np.round(pure.array, 8).tolist()}, GD at {np.round(g.array, 4).tolist()}")
    fig, ax = figure()
    ax.semilogy(newton, "o-", label="Newton")
    ax.semilogy(gd, label=f"gradient descent (lr {best_lr})")
    ax.set(xlabel="iteration", ylabel="|gradient|", xscale="symlog", title="logistic regression on digits")
    ax.legend()
    return Result(verdict(ok), criterion, num, {"convergence": fig}, notes)


@claim(
    id="why-not-newton",
    topic="second_order",
    concepts=("opt.newton",),
    question="Why is Newton's method rarely used to train deep networks?",
    statement="The Hessian has n^2 entries for n parameters: forming it takes n Hessian-vector products "
              "(each about as costly as a gradient) and solving with it O(n^3), so a Newton step costs "
              "at least n gradients and its memory grows as n^2.",
    source="notes on optimisation: Newton's method and why deep learning rarely uses it",
    method="A softmax regression on 8x8 digits whose hidden width sets n; the time of one gradient and "
           "of one exact Newton step (ember.optim.Newton's n Hessian-vector products plus the Cholesky "
           "solve) for growing n; the log-log slopes of time against n; memory 8 n^2 bytes.",
)
@single_thread()
def why_not_newton(seed, fast):
    Xtr, ytr, _, _ = digits(seed=seed, n_train=128 if fast else 256, tensors=False)
    X, y = ember.tensor(Xtr), ember.tensor(ytr)
    widths = (1, 2, 4) if fast else (1, 2, 4, 8, 16, 32)
    rows = []
    for h in widths:
        ember.manual_seed(seed)
        model = ember.nn.Sequential(ember.nn.Linear(64, h), ember.nn.Tanh(), ember.nn.Linear(h, 10))
        params = list(model.parameters())
        n = sum(p.numel() for p in params)

        def loss():
            return F.cross_entropy(model(X), y)
        t_grad = math.inf
        for _ in range(5):          # (the fastest of five: the machine may be busy)
            t0 = time.perf_counter()
            model.zero_grad()
            loss().backward()
            t_grad = min(t_grad, time.perf_counter() - t0)
        opt = ember.optim.Newton(params, max_iter=1, line_search_fn=None)
        t0 = time.perf_counter()
        opt.step(loss)
        t_newton = time.perf_counter() - t0
        rows.append({"n": n, "gradient_s": t_grad, "newton_step_s": t_newton, "hessian_bytes": 8 * n * n})
    n = np.log([r["n"] for r in rows])
    slope_g = float(np.polyfit(n, np.log([r["gradient_s"] for r in rows]), 1)[0])
    slope_n = float(np.polyfit(n, np.log([r["newton_step_s"] for r in rows]), 1)[0])
    num = {"rows": rows, "gradient_slope": slope_g, "newton_slope": slope_n,
           "newton_over_gradient_at_largest": rows[-1]["newton_step_s"] / rows[-1]["gradient_s"],
           "hessian_bytes_for_1M_params": 8e12}
    ok = slope_n - slope_g >= 0.8 and num["newton_over_gradient_at_largest"] >= rows[-1]["n"] / 4
    criterion = ("the time of an exact Newton step relative to a gradient's grows at least as n^0.8 (log-log "
                 "slopes), and at the largest n a Newton step costs at least n/4 gradients")
    notes = (f"slopes: gradient {slope_g:.2f}, Newton step {slope_n:.2f}; at n={rows[-1]['n']} a Newton step "
             f"costs {num['newton_over_gradient_at_largest']:.0f} gradients; a 1M-parameter Hessian needs 8 TB")
    fig, ax = figure()
    ax.loglog([r["n"] for r in rows], [r["gradient_s"] for r in rows], "o-", label="gradient")
    ax.loglog([r["n"] for r in rows], [r["newton_step_s"] for r in rows], "s-", label="Newton step")
    ax.set(xlabel="parameters n", ylabel="seconds")
    ax.legend()
    return Result(verdict(ok), criterion, num, {"cost": fig}, notes)


@claim(
    id="lbfgs-history",
    topic="second_order",
    concepts=("opt.bfgs",),
    question="What does L-BFGS's history size buy?",
    statement="L-BFGS approximates the inverse Hessian from the last m steps: a longer history captures "
              "more curvature, so it needs fewer iterations, with diminishing returns.",
    source="notes on optimisation: quasi-Newton methods, BFGS and L-BFGS",
    method="ember.optim.LBFGS (strong Wolfe) on the digits logistic regression and on a 100-dimensional "
           "quadratic with condition number 1e4, for history sizes 1 to 50: iterations until the gradient "
           "norm is below 1e-6.",
)
@single_thread()
def lbfgs_history(seed, fast):
    rng = np.random.default_rng(seed)
    n, cond = (20, 1e3) if fast else (100, 1e4)
    Q = np.linalg.qr(rng.standard_normal((n, n)))[0]
    A = ember.tensor(Q @ np.diag(np.logspace(0, math.log10(cond), n)) @ Q.T)
    b = ember.tensor(rng.standard_normal(n))
    logistic, d = _logistic_problem(seed, n=200)
    problems = {"quadratic": (lambda w: 0.5 * (w @ (A @ w)) - b @ w, n), "logistic": (logistic, d)}
    sizes = (1, 5, 20) if fast else (1, 2, 3, 5, 10, 20, 30, 50)
    table = {}
    for name, (f, dim) in problems.items():
        table[name] = {}
        for m in sizes:
            w = ember.tensor(np.zeros(dim), requires_grad=True)
            opt = ember.optim.LBFGS([w], history_size=m, max_iter=3000, max_eval=6000, tolerance_grad=1e-6,
                                    tolerance_change=0, line_search_fn="strong_wolfe")

            def closure():
                opt.zero_grad()
                loss = f(w)
                loss.backward()
                return loss
            opt.step(closure)
            table[name][m] = opt.state[w]["n_iter"]
    from scipy.stats import spearmanr
    speedups = {k: v[sizes[0]] / v[sizes[-1]] for k, v in table.items()}
    rank = {k: float(spearmanr(list(v), list(v.values()))[0]) for k, v in table.items()}
    ok = rank["quadratic"] <= -0.8 and speedups["quadratic"] >= 2
    num = {"iterations": {k: {str(m): it for m, it in v.items()} for k, v in table.items()}, "speedup": speedups,
           "rank_correlation": rank, "max_iterations": 3000,
           "quadratic_dim": n, "quadratic_condition_number": cond}
    criterion = ("on the ill-conditioned quadratic the iterations fall as the history grows (Spearman rank "
                 "correlation <= -0.8) and the longest history needs at most half the iterations of m=1 "
                 "(the well-conditioned logistic regression is reported: its gain stops after a few pairs)")
    notes = "; ".join(f"{k}: " + ", ".join(f"m={m}: {it}" for m, it in v.items()) for k, v in table.items())
    fig, ax = figure()
    for k, v in table.items():
        ax.plot(list(v), list(v.values()), "o-", label=k)
    ax.set(xscale="log", yscale="log", xlabel="history size m", ylabel="iterations to |g| < 1e-6")
    ax.legend()
    return Result(verdict(ok), criterion, num, {"history": fig}, notes)


def _linear_cg(A, b, steps):
    """Residual norms of linear conjugate gradient on ``A x = b`` from 0 (with ember ops)."""
    x = ember.zeros(len(b), dtype=ember.float64)
    r = b.clone()
    p = r.clone()
    rr = float((r * r).sum())
    norms = [math.sqrt(rr)]
    for _ in range(steps):
        Ap = A @ p
        alpha = rr / float((p * Ap).sum())
        x = x + alpha * p
        r = r - alpha * Ap
        rr_new = float((r * r).sum())
        norms.append(math.sqrt(rr_new))
        if rr_new == 0:
            break
        p = r + (rr_new / rr) * p
        rr = rr_new
    return norms


@claim(
    id="cg-n-steps",
    topic="second_order",
    concepts=("opt.cg",),
    question="Why does conjugate gradient converge in n steps on a quadratic?",
    statement="Conjugate directions are A-orthogonal: each step removes the error along one eigen-"
              "direction for good, so on an n-dimensional quadratic CG is exact after n steps (after k "
              "steps if A has k distinct eigenvalues), where gradient descent only converges linearly.",
    source="notes on optimisation: conjugate gradient",
    method="Linear CG on A x = b with A symmetric positive definite (n = 30, eigenvalues evenly spread "
           "over [1, 1000], and a matrix with 5 distinct eigenvalues): the residual after n "
           "(or 5) steps against the one before; ember.optim.ConjugateGradient's iterations on the same "
           "quadratic and gradient descent's residual after n steps.",
)
@single_thread()
def cg_n_steps(seed, fast):
    rng = np.random.default_rng(seed)
    n = 20 if fast else 30
    Q = np.linalg.qr(rng.standard_normal((n, n)))[0]
    spread = np.linspace(1, 1000, n)        # (log-spaced eigenvalues lose orthogonality in floating point)
    clustered = rng.choice([1.0, 3.0, 10.0, 30.0, 100.0], n)
    clustered[:5] = [1.0, 3.0, 10.0, 30.0, 100.0]
    b = ember.tensor(rng.standard_normal(n))
    res = {}
    for name, eig in (("distinct", spread), ("five_distinct", clustered)):
        A = ember.tensor(Q @ np.diag(eig) @ Q.T)
        res[name] = _linear_cg(A, b, n)
    r = res["distinct"]
    k5 = res["five_distinct"]
    A = ember.tensor(Q @ np.diag(spread) @ Q.T)
    w = ember.tensor(np.zeros(n), requires_grad=True)
    opt = ember.optim.ConjugateGradient([w], max_iter=500, max_eval=2000, tolerance_grad=1e-10, tolerance_change=0)

    def closure():
        opt.zero_grad()
        loss = 0.5 * (w @ (A @ w)) - b @ w
        loss.backward()
        return loss
    opt.step(closure)
    x = np.zeros(n)
    An, bn = A.array, b.array
    for _ in range(n):                      # gradient descent with the optimal fixed step 2/(L+mu)
        x -= 2 / (spread[-1] + spread[0]) * (An @ x - bn)
    num = {"n": n, "residuals_distinct": r, "residuals_five_distinct": k5[:8],
           "residual_ratio_at_n": r[n] / r[0], "residual_ratio_at_n_minus_1": r[n - 1] / r[0],
           "residual_ratio_five_at_5": k5[5] / k5[0], "nonlinear_cg_iterations": opt.state[w]["n_iter"],
           "gd_residual_ratio_after_n": float(np.linalg.norm(An @ x - bn) / np.linalg.norm(bn))}
    ok = (num["residual_ratio_at_n"] < 1e-10 and num["residual_ratio_at_n_minus_1"] > 1e-9
          and num["residual_ratio_five_at_5"] < 1e-10 and num["gd_residual_ratio_after_n"] > 1e-2)
    criterion = ("the CG residual falls below 1e-10 of the initial one at step n and not before (> 1e-9 at "
                 "n-1), at step 5 for 5 distinct eigenvalues, while gradient descent's is still > 1e-2")
    notes = (f"relative residual at n-1: {num['residual_ratio_at_n_minus_1']:.1e}, at n: "
             f"{num['residual_ratio_at_n']:.1e}; 5 distinct eigenvalues: {num['residual_ratio_five_at_5']:.1e} "
             f"after 5 steps; GD after n steps {num['gd_residual_ratio_after_n']:.2f}; nonlinear CG (Wolfe line "
             f"search) {num['nonlinear_cg_iterations']} iterations")
    fig, ax = figure()
    ax.semilogy(np.maximum(np.array(r) / r[0], 1e-18), "o-", label=f"{n} distinct eigenvalues")
    ax.semilogy(np.maximum(np.array(k5) / k5[0], 1e-18), "s-", label="5 distinct eigenvalues")
    ax.axvline(n, color="0.6", ls=":")
    ax.set(xlabel="CG step", ylabel="relative residual")
    ax.legend()
    return Result(verdict(ok), criterion, num, {"residuals": fig}, notes)


@claim(
    id="ridge-conditioning",
    topic="second_order",
    concepts=("opt.cg",),
    question="How does L2 (ridge) regularisation change the optimisation problem?",
    statement="Adding lambda I to X^T X lifts its smallest eigenvalues: the condition number drops, so "
              "gradient descent (and CG) need fewer iterations, and the solution's norm shrinks.",
    source="notes on regularisation: L2 / weight decay and the Hessian",
    method="Least squares on the 64 digit pixels (nearly collinear: some pixels are always 0): the "
           "condition number of X^T X / N + lambda I and the gradient-descent iterations (step 1/L) to a "
           "relative gradient of 1e-6 for lambda from 1e-4 to 1.",
)
@single_thread()
def ridge_conditioning(seed, fast):
    Xtr, ytr, _, _ = digits(seed=seed, n_train=500, tensors=False)
    X = Xtr - Xtr.mean(0)
    y = ytr - ytr.mean()
    H0 = X.T @ X / len(X)
    lams = (1e-2, 1e-1, 1.0) if fast else (1e-4, 1e-3, 1e-2, 1e-1, 1.0)
    rows = []
    for lam in lams:
        H = H0 + lam * np.eye(64)
        ev = np.linalg.eigvalsh(H)
        Xe, ye = ember.tensor(X), ember.tensor(y)
        w = ember.tensor(np.zeros(64), requires_grad=True)
        opt = ember.optim.SGD([w], lr=1 / ev[-1])
        g0, it = None, 0
        for it in range(1, 200001):
            opt.zero_grad()
            loss = ((Xe @ w - ye) ** 2).mean() / 2 + lam / 2 * (w * w).sum()
            loss.backward()
            gn = float(np.linalg.norm(w.grad.array))
            g0 = g0 or gn
            if gn < 1e-6 * g0:
                break
            opt.step()
        rows.append({"lambda": lam, "condition_number": float(ev[-1] / ev[0]), "gd_iterations": it,
                     "solution_norm": float(np.linalg.norm(w.array))})
    kappa = [r["condition_number"] for r in rows]
    its = [r["gd_iterations"] for r in rows]
    norms = [r["solution_norm"] for r in rows]
    dec = all(b < a for a, b in zip(kappa, kappa[1:])) and all(b < a for a, b in zip(its, its[1:])) \
        and all(b < a for a, b in zip(norms, norms[1:]))
    slope = float(np.polyfit(np.log(kappa), np.log(its), 1)[0])
    ok = dec and 0.5 < slope < 1.5
    num = {"rows": rows, "loglog_slope_iterations_vs_condition": slope}
    criterion = ("as lambda grows the condition number, the GD iterations and the solution norm all fall, "
                 "and iterations grow roughly in proportion to the condition number (log-log slope in 0.5..1.5)")
    notes = ", ".join(f"lambda {r['lambda']:g}: kappa {r['condition_number']:.3g}, {r['gd_iterations']} "
                      f"iterations" for r in rows) + f"; slope {slope:.2f}"
    fig, ax = figure()
    ax.loglog(kappa, its, "o-")
    for r in rows:
        ax.annotate(f"lambda={r['lambda']:g}", (r["condition_number"], r["gd_iterations"]), fontsize=7)
    ax.set(xlabel="condition number of the Hessian", ylabel="GD iterations to 1e-6")
    return Result(verdict(ok), criterion, num, {"conditioning": fig}, notes)
