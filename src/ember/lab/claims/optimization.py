"""Optimization claims: momentum in an ill-conditioned valley, a race of first-order
optimizers (and Adam-then-SGD) on digits, and what the batch size changes."""
import math
import time

import numpy as np

import ember
import ember.nn.functional as F
from ember.lab.core import Result, claim, verdict

from ._common import (digits, evaluate, figure, fit, make_mlp, mean_std, paired_difference, single_thread,
                      stratified_subset, to_tensor)


# -------------------------------------------------------------------------------------------
# momentum in a valley
# -------------------------------------------------------------------------------------------

def _quadratic_run(h, w0, lr, momentum, nesterov, max_steps, tol, keep_path=False):
    """Minimise 0.5 * sum(h * w^2) with ember.optim.SGD; return (steps to reach ||w|| < tol or
    None, path)."""
    w = ember.tensor(np.array(w0, dtype=np.float64), requires_grad=True)
    hh = ember.tensor(np.asarray(h, dtype=np.float64))
    opt = ember.optim.SGD([w], lr=lr, momentum=momentum, nesterov=nesterov)
    path = [np.array(w.array)] if keep_path else None
    d0 = float(np.sqrt((w.array ** 2).sum()))
    for k in range(1, max_steps + 1):
        loss = 0.5 * (hh * w * w).sum()
        opt.zero_grad()
        loss.backward()
        opt.step()
        d = float(np.sqrt((w.array ** 2).sum()))
        if keep_path:
            path.append(np.array(w.array))
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
    source="note 000 Q1.12 (the notes number two questions 1.12: first-order methods SGD -> SGDM -> NAG, and why momentum speeds up training)",
    method="Minimise the 2-D quadratic 0.5(x^2 + 100 y^2) (condition number 100) from (-9, 0.9) with "
           "ember.optim.SGD: plain, with momentum, and Nesterov; each gets its best learning rate (and "
           "momentum) from a grid; count the steps until the distance to the optimum is below 1e-3.",
)
@single_thread()
def momentum_valley(seed, fast):
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
    fig, ax = figure(size=(7, 3.6))
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
    return Result(verdict(ok), criterion, num, {"trajectories": fig}, notes)


# -------------------------------------------------------------------------------------------
# the optimizer race, and Adam then SGD
# -------------------------------------------------------------------------------------------

def _optimizers():
    O = ember.optim
    # learning rates: SGD 0.1 (note 001 Q6: start SGD at 0.1 or 1); momentum/NAG 0.01 with 0.9
    # (the same effective step 0.1); the adaptive methods at torch's defaults, except RMSprop at
    # 1e-3 (Hinton's lecture / Keras; torch's 1e-2 is aggressive for this net)
    return {
        "sgd": (lambda p: O.SGD(p, lr=0.1), 0.1),
        "momentum": (lambda p: O.SGD(p, lr=0.01, momentum=0.9), 0.01),
        "nesterov": (lambda p: O.SGD(p, lr=0.01, momentum=0.9, nesterov=True), 0.01),
        "adagrad": (lambda p: O.Adagrad(p, lr=1e-2), 1e-2),
        "adadelta": (lambda p: O.Adadelta(p, lr=1.0), 1.0),
        "rmsprop": (lambda p: O.RMSprop(p, lr=1e-3), 1e-3),
        "adam": (lambda p: O.Adam(p, lr=1e-3), 1e-3),
        "nadam": (lambda p: O.NAdam(p, lr=2e-3), 2e-3),
    }


@claim(
    id="optimizers-race",
    topic="optimization",
    concepts=("opt.sgd", "opt.momentum", "opt.nesterov", "opt.adagrad", "opt.adadelta", "opt.rmsprop",
              "opt.adam", "opt.nadam", "opt.adam_to_sgd"),
    question="When should one use Adam and when SGD? (and: which first-order methods are there?)",
    statement="The first-order family runs SGD -> momentum -> NAG -> AdaGrad -> AdaDelta/RMSProp -> Adam "
              "-> Nadam; adaptive methods drop the loss quickly, while carefully tuned SGD with momentum "
              "often ends with the better model, so a combined recipe trains with Adam first and "
              "switches to SGD to finish, which should generalise better than Adam alone.",
    source="note 000 Q1.12-1.13, note 001 Q6",
    method="Train the same 64-H-10 ReLU MLP on the training digits (1347; 700 in fast mode; batch 64, same init and batch "
           "order) with each of 8 optimizers at a standard learning rate; record the steps until the "
           "epoch-mean training loss falls below a target and the final test accuracy. Then, over "
           "several seeds, compare Adam for all epochs with Adam for the first half and SGD+momentum "
           "(ember.train.SwitchOptimizer) for the second half, on test accuracy.",
)
@single_thread()
def optimizers_race(seed, fast):
    from ember.data import DataLoader, TensorDataset
    from ember.train import SwitchOptimizer, Trainer
    H, epochs, target, n_train = (64, 20, 0.5, 700) if fast else (128, 40, 0.1, 1347)
    switch_seeds = [seed + k for k in range(3 if fast else 8)]
    Xa, ya, Xta, yta = digits(tensors=False)
    if n_train < len(ya):
        keep = stratified_subset(ya, n_train, np.random.default_rng(seed))
        Xa, ya = Xa[keep], ya[keep]
    train_ds = TensorDataset(to_tensor(Xa), to_tensor(ya))
    test_loader = DataLoader(TensorDataset(to_tensor(Xta), to_tensor(yta)), batch_size=512)
    steps_per_epoch = math.ceil(len(ya) / 64)

    def loader(s):
        return DataLoader(train_ds, batch_size=64, shuffle=True, generator=ember.Generator().manual_seed(s))

    race = {}
    for name, (make, lr) in _optimizers().items():
        model = make_mlp(64, (H,), 10, seed=seed)
        t0 = time.perf_counter()
        hist = Trainer(model, make(model.parameters()), progress=False).fit(loader(seed), test_loader, epochs)
        losses = hist["loss"]
        hit = next((i + 1 for i, l in enumerate(losses) if l < target), None)
        race[name] = dict(lr=lr, epochs_to_target=hit, steps_to_target=hit * steps_per_epoch if hit else None,
                          final_train_loss=float(losses[-1]), test_accuracy=float(hist["val_accuracy"][-1]),
                          seconds=time.perf_counter() - t0, loss_curve=[float(l) for l in losses])
    # Adam alone vs Adam then SGD + momentum
    half = epochs // 2
    rows = []
    for s in switch_seeds:
        accs = {}
        for mode in ("adam", "adam_then_sgd"):
            model = make_mlp(64, (H,), 10, seed=s)
            cbs = [SwitchOptimizer(half + 1, lambda p: ember.optim.SGD(p, lr=0.01, momentum=0.9))] \
                if mode == "adam_then_sgd" else []
            hist = Trainer(model, ember.optim.Adam(model.parameters(), lr=1e-3), callbacks=cbs,
                           progress=False).fit(loader(s), test_loader, epochs)
            accs[mode] = (float(hist["val_accuracy"][-1]), float(hist["val_loss"][-1]), float(hist["loss"][-1]))
        rows.append(dict(seed=s, adam_test_acc=accs["adam"][0], switch_test_acc=accs["adam_then_sgd"][0],
                         adam_test_loss=accs["adam"][1], switch_test_loss=accs["adam_then_sgd"][1],
                         adam_train_loss=accs["adam"][2], switch_train_loss=accs["adam_then_sgd"][2]))
    mean_d, _, sem = paired_difference([r["switch_test_acc"] - r["adam_test_acc"] for r in rows])
    if len(rows) < 2:
        sem = float("inf")                      # one seed: no measured noise, so never decisive
    num = {"n_train": len(ya), "hidden": H, "epochs": epochs, "batch_size": 64, "steps_per_epoch": steps_per_epoch,
           "target_train_loss": target, "race": race, "switch_epoch": half + 1,
           "switch_seeds": switch_seeds, "switch_per_seed": rows,
           "adam_test_acc_mean": mean_std([r["adam_test_acc"] for r in rows])[0],
           "adam_test_acc_std": mean_std([r["adam_test_acc"] for r in rows])[1],
           "switch_test_acc_mean": mean_std([r["switch_test_acc"] for r in rows])[0],
           "switch_test_acc_std": mean_std([r["switch_test_acc"] for r in rows])[1],
           "switch_minus_adam_mean": mean_d, "switch_minus_adam_sem": sem}
    # one test accuracy on n_test digits has a sampling error sqrt(p(1-p)/n_test) (about 0.011
    # here): a smaller difference cannot be told from the luck of the test draw
    p_bar = (num["adam_test_acc_mean"] + num["switch_test_acc_mean"]) / 2
    binom_se = math.sqrt(p_bar * (1 - p_bar) / len(yta))
    noise = max(2 * sem, binom_se)
    num["test_accuracy_sampling_se"] = binom_se
    num["noise_band"] = noise
    within = abs(mean_d) < noise
    criterion = ("Adam-then-SGD vs Adam alone, paired over seeds: 'holds' if the mean test-accuracy gain "
                 "exceeds max(2 standard errors over seeds, the sampling error sqrt(p(1-p)/450) of one test "
                 "accuracy), 'fails' if it is below minus that, 'inconclusive' in between (the optimizer "
                 "race is reported, not judged)")
    order = sorted(race, key=lambda k: race[k]["steps_to_target"] or 10 ** 9)
    notes = ("Race (steps to train loss < %g): " % target
             + ", ".join(f"{k} {race[k]['steps_to_target']}" for k in order)
             + ". Final test accuracy: " + ", ".join(f"{k} {race[k]['test_accuracy']:.3f}" for k in order)
             + f". Adam then SGD minus Adam: {mean_d:+.4f} +- {sem:.4f} (sem) over {len(rows)} seeds. "
             "The race depends on the learning rates (each at a standard value, not tuned).")
    fig, ax = figure(ncols=2, figsize=(11, 3.8))
    for k in race:
        ax[0].plot(np.arange(1, epochs + 1) * steps_per_epoch, race[k]["loss_curve"], label=k)
    ax[0].axhline(target, color="k", ls=":", lw=0.8)
    ax[0].set(yscale="log", xlabel="step", ylabel="epoch-mean training loss", title="optimizer race")
    ax[0].legend(fontsize=7, ncol=2)
    xs = np.arange(len(rows))
    ax[1].bar(xs - 0.2, [r["adam_test_acc"] for r in rows], 0.4, label="Adam")
    ax[1].bar(xs + 0.2, [r["switch_test_acc"] for r in rows], 0.4, label="Adam then SGD")
    lo = min(min(r["adam_test_acc"], r["switch_test_acc"]) for r in rows)
    ax[1].set(xlabel="seed", ylabel="test accuracy", ylim=(lo - 0.02, 1.0), xticks=xs,
              xticklabels=[r["seed"] for r in rows], title="switch at epoch %d" % (half + 1))
    ax[1].legend(fontsize=8)
    return Result(verdict(mean_d > 0, inconclusive=within), criterion, num, {"race": fig}, notes)


# -------------------------------------------------------------------------------------------
# batch size
# -------------------------------------------------------------------------------------------

def _flat_grad(model):
    return np.concatenate([p.grad.array.ravel().astype(np.float64) for p in model.parameters()])


@claim(
    id="batch-size",
    topic="optimization",
    concepts=("claim.batch_size", "opt.sgd"),
    question="How should batch size and epochs be balanced? What does SGD do at each step, and why can "
             "it learn online?",
    statement="SGD splits the shuffled training set into mini-batches and takes one gradient step per "
              "batch (an epoch is one pass); a small batch gives a cheap but noisy gradient (batch size "
              "1 is online learning), a large one a smoother gradient but few updates per epoch, so "
              "the batch size trades noise against the number of steps.",
    source="note 000 Q1.14-1.15, note 001 Q13, note 003 (SGD steps)",
    method="At a fixed MLP, compute every per-sample gradient with ember backward and draw thousands of "
           "mini-batches of size B (without replacement) to measure E||g_B - g||^2 against the full "
           "gradient g, compared with sigma^2/B (N-B)/(N-1); count DataLoader steps per epoch; then "
           "train the same net for a fixed number of epochs at a fixed SGD learning rate with B from 1 "
           "(online) to the full batch and compare test accuracy and time per epoch.",
)
@single_thread()
def batch_size(seed, fast):
    from ember.data import DataLoader, TensorDataset
    Xa, ya, Xta, yta = digits(tensors=False)
    n_noise = 400 if fast else 1347
    draws = 3000 if fast else 20000
    rng = np.random.default_rng(seed)
    idx = stratified_subset(ya, n_noise, rng) if n_noise < len(ya) else np.arange(len(ya))
    Xn, yn = to_tensor(Xa[idx]), to_tensor(ya[idx])
    N = len(idx)
    # a realistic point: the net after one epoch of SGD
    model = make_mlp(64, (32,), 10, seed=seed)
    fit(model, Xn, yn, "sgd", lr=0.1, epochs=1, batch_size=32, seed=seed)
    model.train()
    per_sample = []
    for i in range(N):
        model.zero_grad()
        F.cross_entropy(model(Xn[i:i + 1]), yn[i:i + 1]).backward()
        per_sample.append(_flat_grad(model))
    G = np.stack(per_sample)                          # (N, n_params)
    model.zero_grad()
    F.cross_entropy(model(Xn), yn).backward()
    g_full = _flat_grad(model)
    full_vs_mean = float(np.abs(G.mean(0) - g_full).max())
    # check on a few real mini-batches that ember's batch gradient is the mean of per-sample ones
    b_check = rng.choice(N, 16, replace=False)
    model.zero_grad()
    F.cross_entropy(model(Xn[b_check]), yn[b_check]).backward()
    batch_vs_mean = float(np.abs(_flat_grad(model) - G[b_check].mean(0)).max())
    sigma2 = float(((G - g_full) ** 2).sum(1).mean())   # population variance of one sample's gradient
    Bs = [b for b in (1, 2, 4, 8, 16, 32, 64, 128, 256) if b <= N // 2]
    # ||mean_{i in b} (g_i - g)||^2 = (1/B^2) sum_{i,j in b} K_ij with the Gram matrix K of the
    # centred per-sample gradients: each draw costs B^2 additions instead of B x n_params
    D = G - g_full
    K = D @ D.T
    var, pred = [], []
    for B in Bs:
        sq = np.empty(draws)
        for k in range(draws):
            b = rng.choice(N, B, replace=False)
            sq[k] = K[np.ix_(b, b)].sum() / (B * B)
        var.append(float(sq.mean()))
        pred.append(sigma2 / B * (N - B) / (N - 1))
    ratio = np.array(var) / np.array(pred)
    small = [i for i, B in enumerate(Bs) if B <= N // 8]
    slope = float(np.polyfit(np.log([Bs[i] for i in small]), np.log([var[i] for i in small]), 1)[0])
    # steps per epoch
    ds_full = TensorDataset(to_tensor(Xa), to_tensor(ya))
    steps = {}
    steps_ok = True
    for B in (1, 7, 32, 64, 100, 1000, 1347, 2000):
        dl = DataLoader(ds_full, batch_size=B, shuffle=True, generator=ember.Generator().manual_seed(seed))
        counted = sum(1 for _ in dl)
        steps[str(B)] = counted
        steps_ok &= counted == len(dl) == math.ceil(len(ya) / B)
    # fixed epochs, fixed lr, batch sizes from online to full batch
    n_acc = 300 if fast else len(ya)
    epochs = 3 if fast else 5
    acc_seeds = [seed] if fast else [seed + k for k in range(3)]
    acc_Bs = [1, 8, 64, n_acc] if fast else [1, 4, 16, 64, 256, n_acc]
    Xt, yt = to_tensor(Xta), to_tensor(yta)
    acc = {str(B): [] for B in acc_Bs}
    secs = {str(B): [] for B in acc_Bs}
    for s in acc_seeds:
        sub = stratified_subset(ya, n_acc, np.random.default_rng(s)) if n_acc < len(ya) else np.arange(len(ya))
        Xs, ys = to_tensor(Xa[sub]), to_tensor(ya[sub])
        for B in acc_Bs:
            m = make_mlp(64, (32,), 10, seed=s)
            t0 = time.perf_counter()
            fit(m, Xs, ys, "sgd", lr=0.05, epochs=epochs, batch_size=B, seed=s)
            secs[str(B)].append((time.perf_counter() - t0) / epochs)
            acc[str(B)].append(evaluate(m, Xt, yt).accuracy)
    acc_mean = {k: mean_std(v)[0] for k, v in acc.items()}
    num = {"n_noise": N, "draws_per_batch_size": draws, "n_params": int(G.shape[1]),
           "sigma2_per_sample": sigma2, "batch_sizes": Bs, "grad_noise": var, "grad_noise_theory": pred,
           "measured_over_theory": ratio.tolist(), "loglog_slope_B_le_N_over_8": slope,
           "full_grad_minus_mean_per_sample_max": full_vs_mean, "batch_grad_minus_mean_per_sample_max": batch_vs_mean,
           "steps_per_epoch_N1347": steps, "steps_per_epoch_is_ceil_N_over_B": bool(steps_ok),
           "fixed_epochs": epochs, "lr": 0.05, "n_train_accuracy_runs": n_acc, "acc_seeds": acc_seeds,
           "test_acc_by_batch": acc_mean,
           "test_acc_std_by_batch": {k: mean_std(v)[1] for k, v in acc.items()},
           "seconds_per_epoch_by_batch": {k: float(np.mean(v)) for k, v in secs.items()},
           "updates_per_epoch_by_batch": {str(B): math.ceil(n_acc / B) for B in acc_Bs}}
    noise_ok = bool(np.all(np.abs(ratio - 1) < 0.15)) and -1.1 <= slope <= -0.9 and batch_vs_mean < 1e-5
    full_worst = acc_mean[str(n_acc)] < max(acc_mean[str(B)] for B in acc_Bs if B <= 64)
    num["full_batch_worst_at_fixed_epochs"] = bool(full_worst)
    criterion = ("mini-batch gradient noise E||g_B - g||^2 is within 15% of sigma^2/B (N-B)/(N-1) for every B "
                 "and its log-log slope over B <= N/8 is in [-1.1, -0.9]; a DataLoader epoch has exactly "
                 "ceil(N/B) steps; after a fixed number of epochs at a fixed lr the full batch has lower "
                 "test accuracy than the best of B <= 64")
    notes = ("gradient noise x B / sigma^2: " + ", ".join(f"B={B}: {v * B / sigma2:.3f}" for B, v in zip(Bs, var))
             + f" (the fall below 1 at large B is the finite-population factor (N-B)/(N-1), N={N}); log-log "
             f"slope {slope:.3f}. Test accuracy after {epochs} epochs at lr 0.05: "
             + ", ".join(f"B={k}: {v:.3f}" for k, v in acc_mean.items())
             + ". Online learning (B=1) makes the most updates per epoch but costs the most time per epoch: "
             + ", ".join(f"B={k}: {v * 1e3:.0f} ms" for k, v in num["seconds_per_epoch_by_batch"].items()) + ".")
    fig, ax = figure(ncols=2, figsize=(10, 3.6))
    ax[0].loglog(Bs, var, "o", label="measured")
    ax[0].loglog(Bs, pred, "-", label="sigma^2/B (N-B)/(N-1)")
    ax[0].set(xlabel="batch size B", ylabel="E||g_B - g||^2", title="mini-batch gradient noise")
    ax[0].legend(fontsize=8)
    ks = list(acc_mean)
    ax[1].bar(range(len(ks)), [acc_mean[k] for k in ks], yerr=[num["test_acc_std_by_batch"][k] for k in ks])
    ax[1].set(xticks=range(len(ks)), xticklabels=[f"B={k}" for k in ks], ylabel="test accuracy",
              title=f"after {epochs} epochs, SGD lr 0.05", ylim=(0, 1))
    return Result(verdict(noise_ok and steps_ok and full_worst), criterion, num, {"batch_size": fig}, notes)
