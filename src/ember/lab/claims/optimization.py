"""Optimization claims: momentum in an ill-conditioned valley, a race of first-order
optimizers (and Adam-then-SGD) on digits, and what the batch size changes."""
import math
import time

import numpy as np

import ember
from ember import nn
import ember.nn.functional as F
from ember.lab.core import Result, claim, verdict
from ember.lab.claims.regularization import (T, _fig, digits_arrays, evaluate, mean_std, mlp,
                                             one_thread, stratified_subset)


# -------------------------------------------------------------------------------------------
# momentum in a valley
# -------------------------------------------------------------------------------------------

def _quadratic_run(h, w0, lr, momentum, nesterov, max_steps, tol, keep_path=False):
    """Minimise 0.5 * sum(h * w^2) with ember.optim.SGD; return (steps to reach ||w|| < tol or
    None, path)."""
    w = ember.tensor(np.array(w0, dtype=np.float64), requires_grad=True)
    hh = ember.tensor(np.asarray(h, dtype=np.float64))
    opt = ember.optim.SGD([w], lr=lr, momentum=momentum, nesterov=nesterov)
    path = [np.array(w.data)] if keep_path else None
    d0 = float(np.sqrt((w.data ** 2).sum()))
    for k in range(1, max_steps + 1):
        loss = 0.5 * (hh * w * w).sum()
        opt.zero_grad()
        loss.backward()
        opt.step()
        d = float(np.sqrt((w.data ** 2).sum()))
        if keep_path:
            path.append(np.array(w.data))
        if not math.isfinite(d) or d > 100 * d0:      # diverging
            return None, path
        if d < tol:
            return k, path
    return None, path


@claim(
    id="momentum-valley",
    topic="optimization",
    concepts=("claim.momentum", "opt.momentum", "opt.nesterov"),
    question="Why does momentum speed up training?",
    statement="Momentum accumulates past update directions: where successive gradients agree (along "
              "the floor of a valley) the steps grow, where they alternate (across the valley) they "
              "cancel, so the iterate heads along the right direction instead of zig-zagging; "
              "Nesterov's look-ahead variant does the same.",
    source="note 000 Q1.12 (momentum), note 000 Q1.12 (first-order methods SGD -> SGDM -> NAG)",
    method="Minimise the 2-D quadratic 0.5(x^2 + 100 y^2) (condition number 100) from (-9, 0.9) with "
           "ember.optim.SGD: plain, with momentum, and Nesterov; each gets its best learning rate (and "
           "momentum) from a grid; count the steps until the distance to the optimum is below 1e-3.",
)
@one_thread
def run_momentum(seed=0, fast=True):
    kappa = 100.0
    h = np.array([1.0, kappa])
    rng = np.random.default_rng(seed)
    # a start far along the valley floor and a little up its wall (slightly jittered by the seed)
    w0 = np.array([-9.0, 0.9]) * (1 + 0.05 * rng.uniform(-1, 1, 2))
    tol = 1e-3
    n_lr = 10 if fast else 24
    max_steps = 1500 if fast else 4000
    lrs = np.geomspace(2e-3, 4e-2, n_lr)
    # plain SGD is best just below its stability limit 2/L: make sure the grid has points there
    sgd_lrs = np.unique(np.concatenate([lrs, (2 / kappa) * np.array([0.9, 0.95, 0.98, 0.99, 1.0, 1.01])]))
    moms = (0.6, 0.8, 0.9) if fast else (0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95)
    best = {}
    grid = {"sgd": [], "momentum": [], "nesterov": []}
    for name, ms, nest in (("sgd", (0.0,), False), ("momentum", moms, False), ("nesterov", moms, True)):
        for m in ms:
            for lr in (sgd_lrs if name == "sgd" else lrs)[::-1]:   # large first: prunes sooner
                # a run that cannot beat the best so far is cut there (it counts as not converging)
                cap = best[name][0] if name in best else max_steps
                k, _ = _quadratic_run(h, w0, float(lr), m, nest, cap, tol)
                grid[name].append([float(lr), float(m), k if k is not None else -1])
                if k is not None and (name not in best or k < best[name][0]):
                    best[name] = (k, float(lr), float(m))
    num = {"condition_number": kappa, "start": w0.tolist(), "tol": tol, "max_steps": max_steps,
           "lr_grid": lrs.tolist(), "sgd_lr_grid": sgd_lrs.tolist(), "momentum_grid": list(moms),
           "note_on_grid": "runs cut at the best step count so far are recorded with steps -1"}
    paths = {}
    for name in ("sgd", "momentum", "nesterov"):
        if name in best:
            k, lr, m = best[name]
            num[f"{name}_steps"], num[f"{name}_lr"], num[f"{name}_momentum"] = k, lr, m
            _, paths[name] = _quadratic_run(h, w0, lr, m, name == "nesterov", k, tol, keep_path=True)
        else:
            num[f"{name}_steps"] = None
    # theory for reference: GD at its optimal step 2/(L+mu) contracts by (kappa-1)/(kappa+1) per
    # step; the heavy ball with optimal (lr, beta) by (sqrt(kappa)-1)/(sqrt(kappa)+1)
    d0 = float(np.linalg.norm(w0))
    num["theory_gd_steps"] = math.ceil(math.log(tol / d0) / math.log((kappa - 1) / (kappa + 1)))
    num["theory_heavy_ball_steps"] = math.ceil(math.log(tol / d0) /
                                               math.log((math.sqrt(kappa) - 1) / (math.sqrt(kappa) + 1)))
    num["sgd_max_stable_lr_theory"] = 2 / kappa
    num["grid"] = grid
    s = num["sgd_steps"]
    ok = (s is not None and num["momentum_steps"] is not None and num["nesterov_steps"] is not None
          and num["momentum_steps"] * 3 <= s and num["nesterov_steps"] * 3 <= s)
    if s is not None and num["momentum_steps"]:
        num["speedup_momentum"] = s / num["momentum_steps"]
    if s is not None and num["nesterov_steps"]:
        num["speedup_nesterov"] = s / num["nesterov_steps"]
    criterion = ("with each method at its best grid learning rate (and momentum), momentum and Nesterov "
                 "reach ||w - w*|| < 1e-3 in at most a third of the steps plain SGD needs")
    notes = (f"steps: SGD {num['sgd_steps']} (lr {num.get('sgd_lr', float('nan')):.3g}; stability needs lr < "
             f"{2 / kappa:.3g}), momentum {num['momentum_steps']}, Nesterov {num['nesterov_steps']}; theory "
             f"{num['theory_gd_steps']} for GD at its optimal step, {num['theory_heavy_ball_steps']} for the "
             "optimally tuned heavy ball.")
    plt = _fig()
    fig, ax = plt.subplots(figsize=(7, 3.6))
    xs = np.linspace(-10, 1.5, 300)
    ys = np.linspace(-1.2, 1.2, 200)
    XX, YY = np.meshgrid(xs, ys)
    ax.contour(XX, YY, 0.5 * (XX ** 2 + kappa * YY ** 2), levels=np.geomspace(1e-2, 150, 18), cmap="Greys",
               linewidths=0.6)
    for name, c in (("sgd", "tab:red"), ("momentum", "tab:blue"), ("nesterov", "tab:green")):
        if name in paths:
            P = np.array(paths[name])
            ax.plot(P[:, 0], P[:, 1], ".-", color=c, ms=2, lw=0.8,
                    label=f"{name}: {num[name + '_steps']} steps")
    ax.plot([0], [0], "k*", ms=10)
    ax.set(xlabel="x", ylabel="y", title="0.5(x^2 + 100 y^2): best-tuned trajectories")
    ax.legend(fontsize=8)
    fig.tight_layout()
    return Result(verdict(ok), criterion, num, {"trajectories": fig}, notes)
