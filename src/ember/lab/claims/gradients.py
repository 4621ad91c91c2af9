"""Claims about gradients: vanishing and exploding gradients in deep nets, the p - y
gradient of softmax cross-entropy, and numerical differentiation versus backprop."""
import math
import time

import numpy as np

import ember
import ember.nn.functional as F
from ember.autograd import numerical_grad
from ember.lab.core import Result, claim, verdict
from ember.train import AnomalyError, detect_anomaly

from ._common import (digits, evaluate, figure, finite, fit, linear_layers, make_mlp, mean_std,
                      single_thread)


# --------------------------------------------------------------------------------------
@claim(
    id="vanishing-gradients",
    topic="gradients",
    concepts=("claim.vanishing", "act.sigmoid", "act.relu"),
    question="Why is ReLU preferred to sigmoid in deep networks; what are vanishing gradients?",
    statement="In a deep sigmoid network every layer multiplies the backward signal by the sigmoid's "
              "derivative (at most 1/4), so the gradient reaching the layers near the input is tiny "
              "and those layers stay close to their random initial weights; ReLU, whose derivative is "
              "1 on its active side, keeps the gradient at a similar size in every layer.",
    source="note 000 Q1.2-1.3; note 001 Q7; note 003 (gradient vanishing); note 004 (activations)",
    method="Two 10-layer MLPs (nine hidden layers of 64) on the digits, identical but for the activation: "
           "sigmoid with Xavier init and ReLU with He init (each with the init the notes pair it with). "
           "We record every layer's weight-gradient norm at initialisation and train both with full-batch "
           "SGD, then measure how far each layer's weights moved from their initial values.",
)
@single_thread()
def vanishing_gradients(seed, fast):
    seeds = [seed] if fast else [seed + i for i in range(5)]
    n_train, steps = (500, 60) if fast else (None, 200)
    depth, width, lr = 9, 64, 0.1
    runs = {"sigmoid": [], "relu": []}
    for s in seeds:
        Xtr, ytr, Xte, yte = digits(seed=s, n_train=n_train)
        for act, init in (("sigmoid", "xavier"), ("relu", "he")):
            net = make_mlp(64, (width,) * depth, 10, activation=act, init=init, seed=s)
            w0 = [lin.weight.array.copy() for lin in linear_layers(net)]
            hist = fit(net, Xtr, ytr, "sgd", lr=lr, steps=steps, record_grads=True)
            g_init = np.array(hist["layer_grad_norms"][0])
            g_end = np.array(hist["layer_grad_norms"][-1])
            moved = np.array([np.linalg.norm(lin.weight.array - w) / np.linalg.norm(w)
                              for lin, w in zip(linear_layers(net), w0)])
            acc = evaluate(net, Xte, yte).accuracy
            runs[act].append({"g_init": g_init, "g_end": g_end, "moved": moved,
                              "loss0": hist["loss"][0], "loss": hist["loss"][-1], "acc": acc})

    def agg(act, key):
        return np.exp(np.mean([np.log(r[key]) for r in runs[act]], axis=0))   # geometric mean over seeds

    ratio_init = {a: [float(r["g_init"][0] / r["g_init"][-1]) for r in runs[a]] for a in runs}
    moved_first = {a: [float(r["moved"][0]) for r in runs[a]] for a in runs}
    # per seed: how much smaller sigmoid's first/last ratio is than ReLU's, and its first layer's movement
    gap_init = [ratio_init["relu"][i] / ratio_init["sigmoid"][i] for i in range(len(seeds))]
    gap_moved = [moved_first["relu"][i] / max(moved_first["sigmoid"][i], 1e-30) for i in range(len(seeds))]
    ok = min(gap_init) >= 100 and min(gap_moved) >= 100
    numbers = {
        "seeds": len(seeds), "layers": depth + 1, "train_steps": steps, "lr": lr,
        "grad_norm_per_layer_at_init_sigmoid": agg("sigmoid", "g_init").tolist(),
        "grad_norm_per_layer_at_init_relu": agg("relu", "g_init").tolist(),
        "first_over_last_grad_at_init_sigmoid": mean_std(ratio_init["sigmoid"])[0],
        "first_over_last_grad_at_init_relu": mean_std(ratio_init["relu"])[0],
        "relu_over_sigmoid_ratio_gap_min": float(min(gap_init)),
        "grad_norm_per_layer_after_training_sigmoid": agg("sigmoid", "g_end").tolist(),
        "grad_norm_per_layer_after_training_relu": agg("relu", "g_end").tolist(),
        "weight_change_per_layer_sigmoid": agg("sigmoid", "moved").tolist(),
        "weight_change_per_layer_relu": agg("relu", "moved").tolist(),
        "first_layer_weight_change_sigmoid": mean_std(moved_first["sigmoid"]),
        "first_layer_weight_change_relu": mean_std(moved_first["relu"]),
        "train_loss_sigmoid": mean_std([r["loss"] for r in runs["sigmoid"]]),
        "train_loss_relu": mean_std([r["loss"] for r in runs["relu"]]),
        "test_accuracy_sigmoid": mean_std([r["acc"] for r in runs["sigmoid"]]),
        "test_accuracy_relu": mean_std([r["acc"] for r in runs["relu"]]),
    }
    fig, (a1, a2) = figure(ncols=2)
    layers = np.arange(1, depth + 2)
    for act, style in (("sigmoid", "o-"), ("relu", "s-")):
        a1.semilogy(layers, agg(act, "g_init"), style, label=act)
        a2.semilogy(layers, agg(act, "moved"), style, label=act)
    a1.set(xlabel="layer (1 = next to the input)", ylabel="weight-gradient norm", title="gradient at init")
    a2.set(xlabel="layer (1 = next to the input)", ylabel="||W - W0|| / ||W0||",
           title=f"weight change after {steps} SGD steps")
    for a in (a1, a2):
        a.legend()
        a.grid(True, which="both", alpha=0.3)
    notes = (f"At init the sigmoid net's first-layer gradient is {numbers['first_over_last_grad_at_init_sigmoid']:.1e} "
             f"of its last layer's (ReLU: {numbers['first_over_last_grad_at_init_relu']:.2f}). After training the "
             f"sigmoid net's first layer moved by {numbers['first_layer_weight_change_sigmoid'][0]:.1e} of its norm "
             f"(ReLU: {numbers['first_layer_weight_change_relu'][0]:.2f}), exactly the notes' picture of layers near the "
             f"input staying at their random init. The sigmoid net then sits on a plateau where the last layer's "
             f"gradient is small too, so the first/last ratio is only meaningful at init; we compare movement after training.")
    return Result(verdict(ok),
                  "at init, sigmoid's first/last-layer gradient ratio is >= 100x smaller than ReLU's, and after "
                  "training its first layer moved >= 100x less (relative to its initial norm) than ReLU's; every seed",
                  numbers, {"per_layer": fig}, notes)


# --------------------------------------------------------------------------------------
@claim(
    id="exploding-gradients",
    topic="gradients",
    concepts=("claim.exploding", "reg.grad_clip"),
    question="What are exploding gradients, how do you tell they happened, and what helps?",
    statement="When each layer amplifies the backward signal, the gradient grows exponentially with depth: "
              "training becomes unstable, the gradient norm shoots up and weights and loss turn into NaN. "
              "Clipping the gradient norm keeps the updates bounded so training stays finite.",
    source="note 000 Q1.3-1.4; note 001 Q7; note 004 (RNN gradients)",
    method="An 8-layer ReLU MLP on the digits whose weights are drawn at 3x the He standard deviation, trained "
           "with plain SGD: once without and once with clip_grad_norm_(max_norm=1). We track the gradient norm and "
           "the loss, and rerun the unclipped training inside ember.train.detect_anomaly to see which parameter "
           "it names.",
)
@single_thread()
def exploding_gradients(seed, fast):
    seeds = [seed] if fast else [seed + i for i in range(3)]
    n_train, steps = (400, 40) if fast else (None, 200)
    depth, width, lr, scale, clip = 7, 64, 0.01, 3.0, 1.0
    per = []
    for s in seeds:
        Xtr, ytr, Xte, yte = digits(seed=s, n_train=n_train)
        net = make_mlp(64, (width,) * depth, 10, "relu", ("scaled_he", scale), seed=s)
        h_raw = fit(net, Xtr, ytr, "sgd", lr=lr, steps=steps, record_grads=True)
        layer_g0 = h_raw["layer_grad_norms"][0]
        net_c = make_mlp(64, (width,) * depth, 10, "relu", ("scaled_he", scale), seed=s)
        h_clip = fit(net_c, Xtr, ytr, "sgd", lr=lr, steps=steps, clip_norm=clip)
        acc_clip = evaluate(net_c, Xte, yte).accuracy
        net_a = make_mlp(64, (width,) * depth, 10, "relu", ("scaled_he", scale), seed=s)
        where, kind, at = None, None, None
        params = dict(net_a.named_parameters())
        opt = ember.optim.SGD(net_a.parameters(), lr=lr)
        with single_thread(), np.errstate(all="ignore"):
            try:
                with detect_anomaly(net_a, max_grad_norm=1e6):
                    for step in range(steps):
                        opt.zero_grad()
                        F.cross_entropy(net_a(Xtr), ytr).backward()
                        opt.step()
            except AnomalyError as e:
                where, kind, at = e.where, e.kind, step
        gn = [g for g in h_raw["grad_norm"] if math.isfinite(g)]
        per.append({
            "raw_diverged_at": h_raw["diverged"], "raw_loss": h_raw["loss"], "raw_grad_norm": h_raw["grad_norm"],
            "grad_growth": (max(gn) / gn[0]) if gn else float("nan"),
            "layers_grad_over_1": float(np.mean(np.array(layer_g0) > 1)),
            "clip_loss": h_clip["loss"], "clip_finite": finite(h_clip["loss"]), "clip_grad_norm": h_clip["grad_norm"],
            "clip_acc": acc_clip, "where": where, "kind": kind, "anomaly_step": at,
            "where_is_param": where in params,
        })
    ok = all(p["raw_diverged_at"] is not None and p["grad_growth"] >= 100 and p["clip_finite"]
             and p["clip_loss"][-1] < p["clip_loss"][0] and p["where_is_param"] for p in per)
    p0 = per[0]
    numbers = {
        "seeds": len(seeds), "layers": depth + 1, "init_std_times_he": scale, "lr": lr, "clip_max_norm": clip,
        "steps": steps,
        "unclipped_nan_step": [p["raw_diverged_at"] for p in per],
        "unclipped_grad_norm_first": [p["raw_grad_norm"][0] for p in per],
        "unclipped_grad_norm_growth_before_nan": [p["grad_growth"] for p in per],
        "fraction_of_layers_with_grad_norm_over_1_at_step0": [p["layers_grad_over_1"] for p in per],
        "unclipped_loss_first_steps": [v for v in p0["raw_loss"][:6]],
        "clipped_all_losses_finite": [p["clip_finite"] for p in per],
        "clipped_loss_initial": [p["clip_loss"][0] for p in per],
        "clipped_loss_final": [p["clip_loss"][-1] for p in per],
        "clipped_test_accuracy": mean_std([p["clip_acc"] for p in per]),
        "detect_anomaly_where": [p["where"] for p in per],
        "detect_anomaly_kind": [p["kind"] for p in per],
        "detect_anomaly_step": [p["anomaly_step"] for p in per],
    }
    fig, (a1, a2) = figure(ncols=2)
    raw_gn = np.array(p0["raw_grad_norm"], dtype=float)
    a1.semilogy(np.arange(len(raw_gn)), np.where(np.isfinite(raw_gn), raw_gn, np.nan), "o-", label="no clipping")
    a1.semilogy(np.arange(len(p0["clip_grad_norm"])), p0["clip_grad_norm"], "-", label=f"clip_grad_norm_({clip:g})")
    if p0["raw_diverged_at"] is not None:
        a1.axvline(p0["raw_diverged_at"], color="r", ls="--", label="loss/grad not finite")
    a1.set(xlabel="step", ylabel="gradient norm (before clipping)", title="gradient norm")
    rl = np.array(p0["raw_loss"], dtype=float)
    a2.semilogy(np.arange(len(rl)), np.where(np.isfinite(rl), rl, np.nan), "o-", label="no clipping")
    a2.semilogy(np.arange(len(p0["clip_loss"])), p0["clip_loss"], "-", label="clipped")
    a2.set(xlabel="step", ylabel="training loss", title="loss")
    for a in (a1, a2):
        a.legend()
        a.grid(True, which="both", alpha=0.3)
    notes = (f"Without clipping the loss became non-finite at step(s) {numbers['unclipped_nan_step']} after the gradient "
             f"norm grew by {min(numbers['unclipped_grad_norm_growth_before_nan']):.1e}x or more; every layer's gradient "
             f"norm exceeded 1 at step 0 (one of the notes' warning signs). With clipping all losses stayed finite and fell "
             f"from {p0['clip_loss'][0]:.3g} to {p0['clip_loss'][-1]:.3g} (slowly: each step moves at most lr x max_norm). "
             f"detect_anomaly stopped at step {p0['anomaly_step']} naming parameter '{p0['where']}' ({p0['kind']}).")
    return Result(verdict(ok),
                  "unclipped: the gradient norm grows >= 100x and the loss becomes NaN/inf; clipped: every loss finite "
                  "and the final loss below the initial one; detect_anomaly names one of the model's parameters; every seed",
                  numbers, {"grad_norm_and_loss": fig}, notes)


# --------------------------------------------------------------------------------------
@claim(
    id="softmax-ce-gradient",
    topic="gradients",
    concepts=("loss.ce", "act.softmax"),
    question="Why pair softmax with cross-entropy; what is the gradient of softmax cross-entropy?",
    statement="The derivative of cross-entropy after softmax with respect to the scores is simply the predicted "
              "probability vector with 1 subtracted at the true class (p - y), which is why the pair is cheap to "
              "backpropagate; e.g. scores [1, 5, 3] with the second class as target.",
    source="note 002 (softmax cross-entropy loss); note 003 (softmax-with-loss)",
    method="Float64 logits: the notes' example [1, 5, 3] with target index 1, a shifted copy [1001, 1005, 1003], "
           "and random batches. The gradient of ember's cross_entropy (sum reduction) is computed by autograd and by "
           "ember.autograd.numerical_grad (central differences, h=1e-4) and compared with softmax(z) - onehot(y).",
)
@single_thread()
def softmax_ce_gradient(seed, fast):
    rs = np.random.default_rng(seed)

    def grads(z_np, t_np):
        z = ember.tensor(z_np, dtype=ember.float64, requires_grad=True)
        t = ember.tensor(t_np)
        F.cross_entropy(z, t, reduction="sum").backward()
        g_auto = z.grad.array.copy()
        zn = ember.tensor(z_np.copy(), dtype=ember.float64)
        g_num = numerical_grad(lambda x: F.cross_entropy(x, t, reduction="sum"), zn).array
        p = np.exp(z_np - z_np.max(1, keepdims=True))
        p /= p.sum(1, keepdims=True)
        g_ref = p.copy()
        g_ref[np.arange(len(t_np)), t_np] -= 1.0
        return p, g_auto, g_num, g_ref

    with single_thread():
        ex = np.array([[1.0, 5.0, 3.0]])
        p, g_auto, g_num, g_ref = grads(ex, np.array([1]))
        _, g_auto_shift, _, _ = grads(ex + 1000.0, np.array([1]))
        trials = 5 if fast else 100
        err_auto, err_num = [], []
        for _ in range(trials):
            n, c = int(rs.integers(1, 17)), int(rs.integers(2, 21))
            z = rs.normal(0, 3, size=(n, c))
            t = rs.integers(0, c, size=n)
            _, ga, gn, gr = grads(z, t)
            err_auto.append(float(np.abs(ga - gr).max()))
            err_num.append(float(np.abs(gn - gr).max()))
    e_auto = max(float(np.abs(g_auto - g_ref).max()), max(err_auto))
    e_num = max(float(np.abs(g_num - g_ref).max()), max(err_num))
    e_shift = float(np.abs(g_auto_shift - g_ref).max())
    ok = e_auto < 1e-12 and e_num < 1e-7 and e_shift < 1e-12
    notes_probs = [0.015, 0.886, 0.117]
    numbers = {
        "example_logits": [1.0, 5.0, 3.0], "example_target_index": 1,
        "example_probabilities": [round(float(v), 4) for v in p[0]],
        "example_gradient_autograd": [round(float(v), 4) for v in g_auto[0]],
        "example_gradient_numerical": [round(float(v), 4) for v in g_num[0]],
        "example_loss": float(-np.log(p[0, 1])),
        "notes_printed_probabilities": notes_probs, "notes_printed_probabilities_sum": float(sum(notes_probs)),
        "random_trials": trials,
        "max_abs_error_autograd_vs_p_minus_y": e_auto,
        "max_abs_error_numerical_vs_p_minus_y": e_num,
        "max_abs_error_shifted_logits_plus_1000": e_shift,
    }
    fig, ax = figure()
    x = np.arange(3)
    ax.bar(x - 0.27, p[0], 0.27, label="p = softmax(z)")
    ax.bar(x, [0, 1, 0], 0.27, label="y (one-hot)")
    ax.bar(x + 0.27, g_auto[0], 0.27, label="dL/dz (autograd)")
    ax.set_xticks(x, ["z=1", "z=5 (target)", "z=3"])
    ax.axhline(0, color="k", lw=0.8)
    ax.set(title="softmax cross-entropy gradient = p - y", ylabel="value")
    ax.legend()
    notes = (f"Measured probabilities {numbers['example_probabilities']} and gradient "
             f"{numbers['example_gradient_autograd']}. The note prints the probabilities as [0.015, 0.886, 0.117]: "
             f"0.886 is a digit swap of 0.867 (those three numbers sum to {sum(notes_probs):.3f}, not 1); the p - y rule "
             f"itself holds to float64 precision, also for logits shifted by +1000 (numerically stable softmax).")
    return Result(verdict(ok),
                  "autograd's gradient equals softmax(z) - onehot(y) to < 1e-12 and the central-difference gradient to "
                  "< 1e-7 (max abs error), on the notes' example, the +1000-shifted example and random batches",
                  numbers, {"example": fig}, notes)


def _median_time(fn, repeats):
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return float(np.median(times))


# --------------------------------------------------------------------------------------
@claim(
    id="numerical-vs-backprop",
    topic="gradients",
    concepts=("core.numgrad", "core.graph"),
    question="How can the gradient of the loss be computed, and why use backpropagation rather than numerical "
             "differentiation?",
    statement="A central difference (L(W+h) - L(W-h)) / 2h with h = 1e-4 gives the same gradient as backprop's "
              "chain rule, but it needs two loss evaluations per parameter, so its cost grows with the number of "
              "parameters, while backprop gets all of them from one forward and one backward pass.",
    source="note 003 (BP algorithm: ways to compute the gradient); note 001 Q5 (computational graph)",
    method="Tanh MLPs (8 inputs, one hidden layer of growing width, 3 classes, float64, batch of 32). For each size "
           "we compute every parameter's gradient with ember.autograd.numerical_grad and with loss.backward(), "
           "count the model's forward passes with a forward hook and time both.",
)
@single_thread()
def numerical_vs_backprop(seed, fast):
    widths = [4, 16, 64, 256] if fast else [4, 16, 64, 256, 1024]
    rs = np.random.default_rng(seed)
    X = ember.tensor(rs.standard_normal((32, 8)), dtype=ember.float64)
    y = ember.tensor(rs.integers(0, 3, 32))
    rows = []
    with single_thread():
        for w in widths:
            net = make_mlp(8, (w,), 3, "tanh", "xavier", seed=seed, dtype=ember.float64)
            for p in net.parameters():   # non-zero biases so their gradients are exercised too
                if p.ndim == 1:
                    p.array[:] = rs.normal(0, 0.1, p.shape)
            calls = [0]
            net.register_forward_hook(lambda m, i, o: calls.__setitem__(0, calls[0] + 1))
            params = list(net.parameters())
            P = sum(p.numel() for p in params)
            def backprop():
                net.zero_grad()
                F.cross_entropy(net(X), y).backward()

            def forward():
                with ember.no_grad():
                    F.cross_entropy(net(X), y)

            t_fwd = _median_time(forward, 15)
            calls[0] = 0
            backprop()
            bp_forwards = calls[0]
            t_bp = _median_time(backprop, 5)
            g_bp = [p.grad.array.copy() for p in params]
            calls[0] = 0
            t0 = time.perf_counter()
            g_num = [numerical_grad(lambda _: F.cross_entropy(net(X), y), p).array for p in params]
            t_num = time.perf_counter() - t0
            num_forwards = calls[0]
            flat_bp, flat_num = np.concatenate([g.ravel() for g in g_bp]), np.concatenate([g.ravel() for g in g_num])
            rel = float(np.linalg.norm(flat_num - flat_bp) / np.linalg.norm(flat_bp))
            rows.append({"width": w, "params": P, "rel_error": rel, "max_abs_error": float(np.abs(flat_num - flat_bp).max()),
                         "num_forwards": num_forwards, "bp_forwards": bp_forwards, "t_num": t_num, "t_bp": t_bp,
                         "t_fwd": t_fwd})
    P = np.array([r["params"] for r in rows], float)
    tn = np.array([r["t_num"] for r in rows])
    tb = np.array([r["t_bp"] for r in rows])
    tf = np.array([r["t_fwd"] for r in rows])
    num_units = tn / tf            # cost in units of one forward pass at that size
    bp_units = tb / tf
    slope_units = float(np.polyfit(np.log(P), np.log(num_units), 1)[0])
    max_rel = max(r["rel_error"] for r in rows)
    counts_ok = all(r["num_forwards"] == 2 * r["params"] and r["bp_forwards"] == 1 for r in rows)
    per_pass = num_units / (2 * P)          # >= 1: the loop's bookkeeping per perturbation comes on top
    units_ok = bool(0.8 <= slope_units <= 1.2 and np.all(bp_units < 10))
    ok = max_rel < 1e-6 and counts_ok and units_ok
    numbers = {
        "params": P.astype(int).tolist(), "relative_error": [r["rel_error"] for r in rows],
        "max_abs_error": [r["max_abs_error"] for r in rows],
        "numerical_forward_passes": [r["num_forwards"] for r in rows],
        "backprop_forward_passes": [r["bp_forwards"] for r in rows], "backprop_backward_passes": [1] * len(rows),
        "forward_seconds": tf.tolist(), "numerical_seconds": tn.tolist(), "backprop_seconds": tb.tolist(),
        "numerical_cost_in_forward_passes": num_units.tolist(),
        "backprop_cost_in_forward_passes": bp_units.tolist(),
        "numerical_cost_loglog_slope": slope_units,
        "numerical_cost_over_2P_forwards": per_pass.tolist(),
        "speed_ratio_at_largest": float(tn[-1] / tb[-1]),
    }
    fig, (a1, a2) = figure(ncols=2)
    a1.loglog(P, [r["num_forwards"] for r in rows], "o-", label="numerical: forward passes counted")
    a1.loglog(P, num_units, "x--", label="numerical: time / time of one forward")
    a1.loglog(P, bp_units, "s-", label="backprop: time / time of one forward")
    a1.set(xlabel="parameters", ylabel="cost in forward passes", title="cost per gradient")
    a2.loglog(P, tn, "o-", label="numerical")
    a2.loglog(P, tb, "s-", label="backprop")
    a2.set(xlabel="parameters", ylabel="seconds per gradient", title="wall time")
    for a in (a1, a2):
        a.legend()
        a.grid(True, which="both", alpha=0.3)
    notes = (f"Central differences agree with backprop to a relative error of {max_rel:.1e} (float64, h=1e-4). They "
             f"cost exactly 2 forward passes per parameter (measured cost in forward-pass units grows with log-log slope "
             f"{slope_units:.2f}), while backprop costs {bp_units.min():.1f}-{bp_units.max():.1f} forward passes at every "
             f"size. The numerical gradient took {per_pass.min():.1f}-{per_pass.max():.1f}x the time of 2P plain forward "
             f"passes (the perturbation loop's bookkeeping). One forward pass took {tf.min() * 1e6:.0f}-"
             f"{tf.max() * 1e6:.0f} us here (these nets are small enough to be "
             f"overhead-bound; for large nets a forward costs O(P) and the numerical gradient O(P^2)). At "
             f"{int(P[-1])} parameters the numerical gradient is {tn[-1] / tb[-1]:.0f}x slower than backprop.")
    return Result(verdict(ok),
                  "relative error of the numerical gradient < 1e-6 at every size; it uses exactly 2 forwards per "
                  "parameter (backprop: 1 forward + 1 backward); its time in forward-pass units grows linearly in P "
                  "(log-log slope in [0.8, 1.2]) while backprop's stays < 10 forward passes at every size",
                  numbers, {"cost": fig}, notes)
