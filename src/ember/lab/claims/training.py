"""Claims about training dynamics: linear activations collapse a deep net, the learning
rate sweep, dying ReLUs at a large learning rate, batch norm tolerating a 10x rate."""
import math

import numpy as np

import ember
from ember import nn
import ember.nn.functional as F
from ember.lab.core import Result, claim, verdict

from ._common import (digits, evaluate, figure, fit, linear_layers, make_mlp, mean_std, single_thread, xor)


# --------------------------------------------------------------------------------------
@claim(
    id="linear-collapse",
    topic="training",
    concepts=("claim.linear_collapse",),
    question="Why must activation functions be non-linear?",
    statement="With a linear (identity) activation every layer is an affine map, and a stack of affine maps is again one "
              "affine map, so a network of any depth is no more expressive than a single layer and cannot separate "
              "classes such as XOR that no line separates; one non-linear hidden layer suffices.",
    source="note 001 Q1; note 003 (why activations cannot be linear); note 000 Q1.2",
    method="On noisy XOR (four Gaussian corners), train a 7-layer MLP with identity activations (six hidden layers of 16) "
           "and a 1-hidden-layer ReLU MLP (16 units) with Adam. We multiply the deep net's weight matrices into one "
           "matrix W and bias b and measure ||x W^T + b - net(x)|| / ||net(x)||, and compare test accuracies with the "
           "best linear classifier (logistic regression).",
)
@single_thread()
def linear_collapse(seed, fast):
    seeds = [seed] if fast else [seed + i for i in range(5)]
    n, steps = (400, 300) if fast else (1000, 1000)
    rows = []
    for s in seeds:
        X, y = xor(n, 0.3, seed=s)
        Xt, yt = xor(n, 0.3, seed=s + 10_000)
        deep = make_mlp(2, (16,) * 6, 2, "identity", None, seed=s)
        h_deep = fit(deep, X, y, "adam", lr=0.01, steps=steps)
        relu = make_mlp(2, (16,), 2, "relu", None, seed=s)
        h_relu = fit(relu, X, y, "adam", lr=0.01, steps=steps)
        M, c = None, None
        for lin in linear_layers(deep):
            W, b = lin.weight.array.astype(np.float64), lin.bias.array.astype(np.float64)
            M, c = (W, b) if M is None else (W @ M, W @ c + b)
        with ember.no_grad(), single_thread():
            out = deep(Xt).array.astype(np.float64)
        collapse_err = float(np.linalg.norm(Xt.array @ M.T + c - out) / np.linalg.norm(out))
        from ember.ml import LogisticRegression
        logreg_acc = float(LogisticRegression().fit(X.array, y.array).score(Xt.array, yt.array))
        rows.append({"err": collapse_err, "deep_acc": evaluate(deep, Xt, yt).accuracy,
                     "relu_acc": evaluate(relu, Xt, yt).accuracy,
                     "logreg_acc": logreg_acc, "deep_loss": h_deep["loss"][-1], "relu_loss": h_relu["loss"][-1],
                     "M": M, "c": c, "deep": deep, "relu": relu, "X": X, "y": y})
    deep_acc = mean_std([r["deep_acc"] for r in rows])
    relu_acc = mean_std([r["relu_acc"] for r in rows])
    max_err = max(r["err"] for r in rows)
    ok = max_err < 1e-4 and max(r["deep_acc"] for r in rows) <= 0.75 and min(r["relu_acc"] for r in rows) >= 0.95
    numbers = {
        "seeds": len(seeds), "train_samples": n, "adam_steps": steps, "deep_linear_layers": 7,
        "collapse_relative_error_max": max_err,
        "collapsed_matrix_shape": list(rows[0]["M"].shape),
        "test_accuracy_deep_linear": deep_acc, "test_accuracy_logistic_regression": mean_std([r["logreg_acc"] for r in rows]),
        "test_accuracy_one_relu_layer": relu_acc,
        "train_loss_deep_linear": mean_std([r["deep_loss"] for r in rows]),
        "train_loss_one_relu_layer": mean_std([r["relu_loss"] for r in rows]),
    }
    r0 = rows[0]
    fig, axes = figure(ncols=2)
    gx, gy = np.meshgrid(np.linspace(-2.2, 2.2, 120), np.linspace(-2.2, 2.2, 120))
    grid = ember.tensor(np.c_[gx.ravel(), gy.ravel()].astype(np.float32))
    for ax, key, title in ((axes[0], "deep", "7 linear layers"), (axes[1], "relu", "1 ReLU hidden layer")):
        with ember.no_grad(), single_thread():
            z = r0[key](grid).softmax(1).array[:, 1].reshape(gx.shape)
        ax.contourf(gx, gy, z, levels=20, cmap="RdBu_r", alpha=0.6)
        ax.scatter(r0["X"].array[:, 0], r0["X"].array[:, 1], c=r0["y"].array, cmap="RdBu_r", s=6, edgecolors="none")
        ax.set(title=f"{title}: test acc {r0[key + '_acc']:.2f}", xlabel="x0", ylabel="x1")
    notes = (f"The trained 7-layer identity net equals the single affine map x W^T + b (W = product of its 7 weight "
             f"matrices, shape {numbers['collapsed_matrix_shape']}) up to a relative error of {max_err:.1e} (float32 "
             f"rounding). It reaches {deep_acc[0]:.2f} test accuracy on XOR, like logistic regression "
             f"({numbers['test_accuracy_logistic_regression'][0]:.2f}); one ReLU layer reaches {relu_acc[0]:.2f}.")
    return Result(verdict(ok),
                  "the deep identity net equals one affine map (relative error < 1e-4), its XOR test accuracy is <= 0.75 "
                  "while a single ReLU hidden layer reaches >= 0.95, on every seed",
                  numbers, {"decision_regions": fig}, notes)


# --------------------------------------------------------------------------------------
LRS = (3.0, 1.0, 0.5, 0.1, 0.05, 0.01, 0.005, 0.0001)


def _dead_fraction(net, X):
    """Fraction of hidden ReLU/LeakyReLU units whose pre-activation is <= 0 on every row of X."""
    dead = []
    h = X
    with ember.no_grad(), single_thread(), np.errstate(all="ignore"):
        for m in net:
            pre = h
            h = m(h)
            if isinstance(m, (nn.ReLU, nn.LeakyReLU)):
                dead.append((pre.array <= 0).all(0))
    return np.concatenate(dead) if dead else np.zeros(0, bool)


@claim(
    id="learning-rate",
    topic="training",
    concepts=("opt.lr_sweep",),
    question="What happens when the learning rate is too large or too small, and how do you choose it?",
    statement="Try a ladder of fixed rates (3, 1, 0.5, 0.1, 0.05, 0.01, 0.005, 0.0001) and watch the loss: too large a "
              "rate makes the loss jump around or blow up instead of converging, too small a rate makes it crawl, "
              "and the rate whose loss falls fastest lies in between.",
    source="note 000 Q1.16; note 003 (learning rate too large / too small)",
    method="A 64-64-10 ReLU MLP on the digits (ember's default init) trained with full-batch SGD for a fixed number of "
           "steps at each rate of the notes' ladder, same init for every rate. We compare the final loss with the "
           "initial one, record NaNs and the fraction of dead ReLU units, and plot the loss curves.",
)
@single_thread()
def learning_rate(seed, fast):
    seeds = [seed] if fast else [seed + i for i in range(3)]
    n_train, steps = (600, 100) if fast else (None, 300)
    res = {lr: [] for lr in LRS}
    for s in seeds:
        Xtr, ytr, Xte, yte = digits(seed=s, n_train=n_train)
        for lr in LRS:
            net = make_mlp(64, (64,), 10, "relu", None, seed=s)
            h = fit(net, Xtr, ytr, "sgd", lr=lr, steps=steps)
            L = np.array(h["loss"], dtype=float)
            final = float(np.mean(L[-10:])) if np.all(np.isfinite(L[-10:])) else float("nan")
            res[lr].append({"curve": L, "initial": float(L[0]), "final": final, "min": float(np.nanmin(L)),
                            "acc": evaluate(net, Xte, yte).accuracy, "dead": float(_dead_fraction(net, Xtr).mean()),
                            "nan": h["diverged"] is not None})

    def failed(r):      # no real progress: NaN, or the final loss within 10% of the initial one
        return r["nan"] or not math.isfinite(r["final"]) or r["final"] >= 0.9 * r["initial"]

    mean_final = {lr: float(np.mean([r["final"] for r in res[lr]])) for lr in LRS}
    finite_final = {lr: v for lr, v in mean_final.items() if math.isfinite(v)}
    best = min(finite_final, key=finite_final.get)
    drop_small = float(np.mean([1 - r["final"] / r["initial"] for r in res[LRS[-1]]]))
    largest_fails = all(failed(r) for r in res[LRS[0]])
    ok = largest_fails and drop_small < 0.05 and best not in (LRS[0], LRS[-1])
    numbers = {
        "seeds": len(seeds), "steps": steps, "learning_rates": list(LRS),
        "initial_loss": float(np.mean([r["initial"] for r in res[LRS[0]]])),
        "final_loss": [mean_final[lr] for lr in LRS],
        "min_loss_reached": [float(np.mean([r["min"] for r in res[lr]])) for lr in LRS],
        "test_accuracy": [float(np.mean([r["acc"] for r in res[lr]])) for lr in LRS],
        "dead_relu_fraction": [float(np.mean([r["dead"] for r in res[lr]])) for lr in LRS],
        "went_nan": [sum(r["nan"] for r in res[lr]) for lr in LRS],
        "no_real_progress_runs": [sum(failed(r) for r in res[lr]) for lr in LRS],
        "best_lr": best, "loss_drop_at_smallest_lr": drop_small,
    }
    fig, ax = figure(size=(6.5, 4.2))
    cmap = __import__("matplotlib").colormaps["viridis"]
    for k, lr in enumerate(LRS):
        c = res[lr][0]["curve"]
        ax.semilogy(np.arange(len(c)), c, color=cmap(k / (len(LRS) - 1)), label=f"lr={lr:g}")
    ax.set(xlabel="full-batch SGD step", ylabel="training loss", title="learning-rate sweep (seed 0)")
    ax.legend(ncol=2, fontsize=8)
    ax.grid(True, which="both", alpha=0.3)
    big = res[LRS[0]][0]
    n_nan = numbers["went_nan"][0]
    how = (f"went NaN on {n_nan}/{len(seeds)} seeds" if n_nan else
           f"never went NaN but its loss dipped to {big['min']:.2f} and came back to {big['final']:.2f} (seed 0), with "
           f"{numbers['dead_relu_fraction'][0]:.0%} of its ReLU units dead: the oversized steps overshoot and kill the "
           f"hidden layer")
    notes = (f"lr=3 made no real progress on {numbers['no_real_progress_runs'][0]}/{len(seeds)} seeds: it {how}. "
             f"lr=1e-4 lowered the loss by only {drop_small:.2%} in {steps} steps. The best rate was {best:g} "
             f"(final loss {mean_final[best]:.3f}); on this small full-batch problem the sweet spot sits high on the "
             f"ladder, and 0.01 and below are too slow for a {steps}-step budget.")
    return Result(verdict(ok),
                  "the largest rate (3) fails to converge on every seed (NaN or final loss >= 90% of the initial), the "
                  "smallest (1e-4) lowers the loss by < 5%, and the lowest final loss belongs to a rate strictly in between",
                  numbers, {"loss_curves": fig}, notes)


# --------------------------------------------------------------------------------------
@claim(
    id="dying-relu",
    topic="training",
    concepts=("claim.dying_relu", "act.leaky_relu"),
    question="What are the limitations of ReLU compared with sigmoid/tanh, and how does Leaky ReLU help?",
    statement="A ReLU unit whose input becomes negative for every example outputs 0 and passes no gradient, so it can "
              "never recover; with too large a learning rate a sizeable share of units die this way. Leaky ReLU keeps a "
              "small slope for negative inputs, so such units still receive gradient.",
    source="note 004 (ReLU limitations: dead neurons); note 002 (activation functions: dying ReLU, Leaky ReLU)",
    method="A 64-128-128-10 MLP (He init) on the digits trained with mini-batch SGD (batch 64) at a normal rate (0.05) "
           "and a large one (1.0), with ReLU and with Leaky ReLU (slope 0.01). A unit is dead/dormant when its "
           "pre-activation is <= 0 on every training example; we count them and check which still get a gradient.",
)
@single_thread()
def dying_relu(seed, fast):
    seeds = [seed] if fast else [seed + i for i in range(5)]
    n_train, steps = (800, 200) if fast else (None, 600)
    lrs = {"normal": 0.05, "large": 1.0}
    res = {}
    for s in seeds:
        Xtr, ytr, Xte, yte = digits(seed=s, n_train=n_train)
        for act in ("relu", "leaky_relu"):
            for tag, lr in lrs.items():
                net = make_mlp(64, (128, 128), 10, act, "he", seed=s)
                dead0 = _dead_fraction(net, Xtr)
                h = fit(net, Xtr, ytr, "sgd", lr=lr, steps=steps, batch_size=64, drop_last=True, seed=s)
                dead = _dead_fraction(net, Xtr)
                with single_thread(), np.errstate(all="ignore"):
                    net.zero_grad()
                    F.cross_entropy(net(Xtr), ytr).backward()
                lins = linear_layers(net)[:2]
                row_grad = np.concatenate([np.abs(lin.weight.grad.array).sum(1) for lin in lins])
                n_dead = int(dead.sum())
                res.setdefault((act, tag), []).append({
                    "dead0": float(dead0.mean()), "dead": float(dead.mean()), "n_dead": n_dead,
                    "dead_zero_grad": int((row_grad[dead] == 0).sum()),
                    "loss": float(np.mean(h["loss"][-20:])), "nan": h["diverged"] is not None,
                    "acc": evaluate(net, Xte, yte).accuracy})

    def m(key, field):
        return mean_std([r[field] for r in res[key]])

    relu_large, relu_norm = res[("relu", "large")], res[("relu", "normal")]
    leaky_large = res[("leaky_relu", "large")]
    leaky_ok = [r for r in leaky_large if not r["nan"]]     # a diverged (NaN) net has no meaningful unit counts
    ok = (m(("relu", "large"), "dead")[0] >= 0.1
          and m(("relu", "large"), "dead")[0] >= 3 * max(m(("relu", "normal"), "dead")[0], 0.01)
          and all(r["dead_zero_grad"] == r["n_dead"] for r in relu_large)          # dead ReLUs get no gradient
          and not any(r["nan"] for r in relu_large)                               # dead counts on finite nets
          and len(leaky_ok) > 0
          and all(r["dead_zero_grad"] == 0 for r in leaky_ok))                    # dormant leaky units still learn
    numbers = {"seeds": len(seeds), "steps": steps, "batch_size": 64, "lr_normal": lrs["normal"], "lr_large": lrs["large"],
               "hidden_units": 256}
    for act in ("relu", "leaky_relu"):
        for tag in lrs:
            k = f"{act}_{tag}_lr"
            numbers[f"dead_fraction_at_init_{k}"] = m((act, tag), "dead0")[0]
            numbers[f"dead_fraction_{k}"] = m((act, tag), "dead")
            numbers[f"dead_units_without_gradient_{k}"] = [r["dead_zero_grad"] for r in res[(act, tag)]]
            numbers[f"dead_units_{k}"] = [r["n_dead"] for r in res[(act, tag)]]
            numbers[f"train_loss_{k}"] = m((act, tag), "loss")
            numbers[f"test_accuracy_{k}"] = m((act, tag), "acc")
            numbers[f"diverged_runs_{k}"] = sum(r["nan"] for r in res[(act, tag)])
    numbers["test_accuracy_per_seed_relu_large_lr"] = [r["acc"] for r in relu_large]
    numbers["test_accuracy_per_seed_leaky_relu_large_lr"] = [r["acc"] for r in leaky_large]
    fig, ax = figure()
    labels, vals, errs = [], [], []
    for act in ("relu", "leaky_relu"):
        for tag, lr in lrs.items():
            labels.append(f"{'ReLU' if act == 'relu' else 'Leaky'}\nlr={lr:g}")
            mu, sd = m((act, tag), "dead")
            vals.append(mu)
            errs.append(sd)
    ax.bar(range(4), vals, yerr=errs, color=["tab:blue", "tab:red", "tab:cyan", "tab:orange"])
    ax.set_xticks(range(4), labels)
    ax.set(ylabel="fraction of hidden units <= 0 on all training data", title="dead (ReLU) / dormant (Leaky) units")
    ax.grid(True, axis="y", alpha=0.3)
    dl = float(np.mean([r["dead"] for r in leaky_ok])) if leaky_ok else float("nan")
    n_div = len(leaky_large) - len(leaky_ok)
    acc_leaky = float(np.mean([r["acc"] for r in leaky_ok])) if leaky_ok else float("nan")
    notes = (f"At lr=1.0, {m(('relu', 'large'), 'dead')[0]:.0%} of ReLU units are dead (at lr=0.05: "
             f"{m(('relu', 'normal'), 'dead')[0]:.0%}; at init {m(('relu', 'normal'), 'dead0')[0]:.0%}) and every one of them "
             f"has an exactly zero weight gradient; ReLU's test accuracy at lr=1.0 is "
             f"{m(('relu', 'large'), 'acc')[0]:.2f} (lr=0.05: {m(('relu', 'normal'), 'acc')[0]:.2f}). Leaky ReLU at lr=1.0 has "
             f"{dl:.0%} dormant units (all inputs negative) in its finite runs, but each still receives a non-zero "
             f"gradient, and those runs reach {acc_leaky:.2f} test accuracy."
             + (f" Caveat: {n_div}/{len(leaky_large)} Leaky ReLU runs diverged to NaN at lr=1.0 - Leaky ReLU cures dead "
                f"units, not an oversized learning rate." if n_div else ""))
    return Result(verdict(ok),
                  "at the large rate >= 10% of ReLU units are dead and >= 3x as many as at the normal rate, every dead ReLU "
                  "unit has zero gradient (no ReLU run diverges), while in every Leaky ReLU run that stays finite (at least one) "
                  "every dormant unit has a non-zero gradient",
                  numbers, {"dead_units": fig}, notes)


# --------------------------------------------------------------------------------------
@claim(
    id="batchnorm-lr",
    topic="training",
    concepts=("claim.bn_lr", "reg.batchnorm"),
    question="How is batch normalization implemented and what does it buy you?",
    statement="Batch normalization normalizes each unit's pre-activation over the mini-batch and then rescales it with "
              "learned parameters; one of its main benefits is that the network can be trained with a much higher "
              "learning rate.",
    source="note 000 Q1.6; note 004 (BatchNorm motivation)",
    method="A ReLU MLP with four hidden layers of 128 (He init) on the digits, with and without BatchNorm1d before each "
           "activation, trained with mini-batch SGD (batch 64) at lr=0.1 and at 10x that, lr=1.0. We report final "
           "training losses, NaNs and test accuracies.",
)
@single_thread()
def batchnorm_lr(seed, fast):
    seeds = [seed] if fast else [seed + i for i in range(5)]
    n_train, steps = (800, 150) if fast else (None, 600)
    base = 0.1
    res = {}
    curves = {}
    for s in seeds:
        Xtr, ytr, Xte, yte = digits(seed=s, n_train=n_train)
        for bn in (False, True):
            for mult in (1, 10):
                net = make_mlp(64, (128,) * 4, 10, "relu", "he", batch_norm=bn, seed=s)
                h = fit(net, Xtr, ytr, "sgd", lr=base * mult, steps=steps, batch_size=64, drop_last=True, seed=s)
                L = np.array(h["loss"], dtype=float)
                final = float(np.mean(L[-20:])) if h["diverged"] is None else float("nan")
                loss_te, acc, _ = evaluate(net, Xte, yte)
                res.setdefault((bn, mult), []).append({"final": final, "nan": h["diverged"] is not None,
                                                       "acc": acc if math.isfinite(loss_te) else 0.1})
                curves.setdefault((bn, mult), L)

    def good(key):       # converged: finite and low loss, accurate
        return all((not r["nan"]) and r["final"] < 0.3 and r["acc"] >= 0.9 for r in res[key])

    def bad(key):        # diverged or far worse than the same net at the base rate
        base_acc = np.mean([r["acc"] for r in res[(key[0], 1)]])
        return all(r["nan"] or r["acc"] < base_acc - 0.2 or r["final"] > 5 * max(
            np.mean([q["final"] for q in res[(key[0], 1)]]), 0.02) for r in res[key])

    ok = good((True, 1)) and good((True, 10)) and good((False, 1)) and bad((False, 10))
    numbers = {"seeds": len(seeds), "steps": steps, "batch_size": 64, "lr_base": base, "lr_10x": base * 10}
    for bn in (False, True):
        for mult in (1, 10):
            k = f"{'bn' if bn else 'plain'}_lr{base * mult:g}"
            rs = res[(bn, mult)]
            numbers[f"final_train_loss_{k}"] = [r["final"] for r in rs]
            numbers[f"diverged_runs_{k}"] = sum(r["nan"] for r in rs)
            numbers[f"test_accuracy_{k}"] = mean_std([r["acc"] for r in rs])
    fig, ax = figure(size=(6, 4))
    for (bn, mult), L in curves.items():
        ax.semilogy(np.arange(len(L)), np.where(np.isfinite(L), L, np.nan),
                    ("-" if bn else "--"), label=f"{'BatchNorm' if bn else 'plain'}, lr={base * mult:g}")
    ax.set(xlabel="SGD step (batch 64)", ylabel="training loss", title="batch norm and a 10x learning rate (seed 0)")
    ax.legend()
    ax.grid(True, which="both", alpha=0.3)
    notes = (f"Plain net at lr=1.0: {numbers['diverged_runs_plain_lr1']}/{len(seeds)} runs went NaN, test accuracy "
             f"{numbers['test_accuracy_plain_lr1'][0]:.2f}; with BatchNorm at lr=1.0: test accuracy "
             f"{numbers['test_accuracy_bn_lr1'][0]:.2f} (at lr=0.1: plain {numbers['test_accuracy_plain_lr0.1'][0]:.2f}, "
             f"BatchNorm {numbers['test_accuracy_bn_lr0.1'][0]:.2f}).")
    return Result(verdict(ok),
                  "with BatchNorm both lr=0.1 and lr=1.0 converge (final train loss < 0.3, test accuracy >= 0.9, every seed); "
                  "the plain net converges at 0.1 but at 1.0 diverges or ends >= 20 points less accurate / with >= 5x the loss",
                  numbers, {"loss_curves": fig}, notes)
