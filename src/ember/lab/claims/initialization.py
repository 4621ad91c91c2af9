"""Claims about weight initialisation: constant init cannot break symmetry; the scale of
random init decides whether activations saturate, explode or stay stable with depth."""
import numpy as np

import ember
from ember import nn
from ember.lab.core import Result, claim, verdict

from ._common import digits, evaluate, figure, fit, linear_layers, make_mlp, mean_std, single_thread


def _max_row_spread(W):
    """Largest difference between any two rows of W (0 when all rows are identical)."""
    return float((W.max(0) - W.min(0)).max())


class ProductSumLinear(nn.Linear):
    """``nn.Linear`` computed as a broadcast product and a sum over the inputs,
    y[n, j] = sum_k x[n, k] W[j, k] + b[j], instead of a BLAS matmul.

    Every output unit goes through the same elementwise products and the same reduction,
    and so do its gradients (autograd derives them from those ops), so units with identical
    weights get bitwise identical outputs and gradients, as in exact arithmetic. A BLAS
    matmul does not promise that: OpenBLAS computes different output columns of one product
    with different kernels, whose roundings differ."""

    def forward(self, input):
        out = (input.unsqueeze(1) * self.weight).sum(-1)
        return out if self.bias is None else out + self.bias


@claim(
    id="zero-init-symmetry",
    topic="initialization",
    concepts=("init.zeros",),
    question="Can all the weights of a neural network be initialised to 0 (or one constant)?",
    statement="No: units of the same layer see the same inputs, so if they start with the same weights they compute "
              "the same outputs and receive the same gradients forever; the layer behaves like a single unit and the "
              "model fails to learn. Random initialisation breaks this symmetry.",
    source="note 000 Q1.19; note 004 (training tricks: all-zero init)",
    method="A 64-32-10 tanh MLP on the digits trained with full-batch SGD from three inits: all zeros, the constant "
           "0.05 (weights and biases) and random Xavier. Its layers compute x W^T as a broadcast product and a sum "
           "(ProductSumLinear), so that units with equal weights go through identical floating-point operations, as "
           "in exact arithmetic. After training we measure the largest difference between any two hidden units' "
           "incoming weight vectors, the rank of the hidden weight matrix and the test accuracy. The constant-init "
           "net is also trained with ember's nn.Linear (a BLAS matmul), to show what float rounding does to the "
           "symmetry; that run is reported, not judged.",
)
@single_thread()
def zero_init_symmetry(seed, fast):
    seeds = [seed] if fast else [seed + i for i in range(3)]
    n_train, steps = (600, 150) if fast else (None, 600)
    inits = {"zeros": "zeros", "constant 0.05": ("constant", 0.05), "random (Xavier)": "xavier"}
    res = {k: [] for k in inits}
    blas = []
    curves = {}
    for s in seeds:
        Xtr, ytr, Xte, yte = digits(seed=s, n_train=n_train)
        for name, init in inits.items():
            net = make_mlp(64, (32,), 10, "tanh", init, seed=s, linear=ProductSumLinear)
            hist = fit(net, Xtr, ytr, "sgd", lr=0.5, steps=steps)
            W1 = linear_layers(net)[0].weight.array.astype(np.float64)
            res[name].append({"spread": _max_row_spread(W1), "rank": int(np.linalg.matrix_rank(W1, tol=1e-6)),
                              "acc": evaluate(net, Xte, yte).accuracy, "loss": hist["loss"][-1]})
            curves.setdefault(name, hist["loss"])
        # the same constant-init net with ember's BLAS-backed nn.Linear
        net = make_mlp(64, (32,), 10, "tanh", ("constant", 0.05), seed=s)
        lin = linear_layers(net)[0]
        with ember.no_grad():
            h0 = lin(Xtr).array.astype(np.float64)           # equal weight rows: equal columns in exact arithmetic
        first, apart = [], []

        def watch(step, model, lin=lin, first=first, apart=apart):
            d = _max_row_spread(lin.weight.array)
            if not first and d > 0:
                first.append(step + 1)
            if not apart and d > 1e-3:
                apart.append(step + 1)

        hist = fit(net, Xtr, ytr, "sgd", lr=0.5, steps=steps, on_step=watch)
        W1 = lin.weight.array.astype(np.float64)
        blas.append({"forward_col_diff": _max_row_spread(h0.T), "forward_ulp": float(np.spacing(np.float32(np.abs(h0).max()))),
                     "first": first[0] if first else None, "apart": apart[0] if apart else None,
                     "spread": _max_row_spread(W1),
                     "rank": int(np.linalg.matrix_rank(W1, tol=1e-6)), "acc": evaluate(net, Xte, yte).accuracy,
                     "loss": hist["loss"][-1]})
        curves.setdefault("constant 0.05, BLAS nn.Linear", hist["loss"])
    spread = {k: max(r["spread"] for r in v) for k, v in res.items()}
    acc = {k: mean_std([r["acc"] for r in v]) for k, v in res.items()}
    ok = (spread["zeros"] == 0.0 and spread["constant 0.05"] == 0.0 and spread["random (Xavier)"] > 0.1
          and acc["random (Xavier)"][0] > acc["constant 0.05"][0] + 0.3 and acc["random (Xavier)"][0] > acc["zeros"][0] + 0.3)
    blas_spread = max(r["spread"] for r in blas)
    numbers = {
        "seeds": len(seeds), "steps": steps, "lr": 0.5, "hidden_units": 32,
        "max_hidden_row_difference_zeros": spread["zeros"],
        "max_hidden_row_difference_constant": spread["constant 0.05"],
        "max_hidden_row_difference_random": spread["random (Xavier)"],
        "hidden_weight_rank_zeros": [r["rank"] for r in res["zeros"]],
        "hidden_weight_rank_constant": [r["rank"] for r in res["constant 0.05"]],
        "hidden_weight_rank_random": [r["rank"] for r in res["random (Xavier)"]],
        "test_accuracy_zeros": acc["zeros"], "test_accuracy_constant": acc["constant 0.05"],
        "test_accuracy_random": acc["random (Xavier)"],
        "train_loss_zeros": mean_std([r["loss"] for r in res["zeros"]]),
        "train_loss_constant": mean_std([r["loss"] for r in res["constant 0.05"]]),
        "train_loss_random": mean_std([r["loss"] for r in res["random (Xavier)"]]),
        "blas_linear_forward_column_difference_at_init": [r["forward_col_diff"] for r in blas],
        "blas_linear_forward_ulp_at_init": [r["forward_ulp"] for r in blas],
        "blas_linear_first_step_rows_differ_constant": [r["first"] for r in blas],
        "blas_linear_first_step_rows_differ_by_1e-3_constant": [r["apart"] for r in blas],
        "blas_linear_max_hidden_row_difference_constant": blas_spread,
        "blas_linear_row_difference_over_random_constant": blas_spread / spread["random (Xavier)"],
        "blas_linear_hidden_weight_rank_constant": [r["rank"] for r in blas],
        "blas_linear_test_accuracy_constant": mean_std([r["acc"] for r in blas]),
        "blas_linear_train_loss_constant": mean_std([r["loss"] for r in blas]),
    }
    fig, ax = figure()
    for name, c in curves.items():
        ax.plot(c, label=name, ls=":" if "BLAS" in name else "-")
    ax.set(xlabel="step", ylabel="training loss", title="tanh MLP 64-32-10, full-batch SGD")
    ax.legend()
    ax.grid(True, alpha=0.3)
    b0 = blas[0]
    notes = (f"After {steps} steps all 32 hidden units of the zero- and constant-initialised nets are still exactly equal "
             f"(row difference {spread['zeros']:g} / {spread['constant 0.05']:g}, hidden weight rank "
             f"{numbers['hidden_weight_rank_zeros'][0]} / {numbers['hidden_weight_rank_constant'][0]}), so they act as one "
             f"unit: test accuracy {acc['zeros'][0]:.2f} / {acc['constant 0.05'][0]:.2f} against "
             f"{acc['random (Xavier)'][0]:.2f} for random init. With all-zero weights and tanh the hidden layer outputs 0 "
             f"and its gradient is 0, so only the output biases learn. These layers compute x W^T as a broadcast product "
             f"and a sum, so that units with equal weights go through identical floating-point operations, as in exact "
             f"arithmetic. With ember's nn.Linear (a BLAS matmul) the arithmetic is not symmetric: at init, the columns of "
             f"x W^T that belong to identical units differ by up to {b0['forward_col_diff']:.1e} "
             f"({b0['forward_col_diff'] / b0['forward_ulp']:.0f} ulp: OpenBLAS computes different output columns of one "
             f"product with different kernels, and the backward products differ likewise); ")
    if b0["first"] is None:
        notes += f"yet the constant-init rows stayed bitwise equal for all {steps} steps here. "
    else:
        notes += (f"the weight rows first differ after step {b0['first']}, and gradient descent amplifies the difference "
                  f"(the symmetric point is unstable): after {steps} steps they differ by {blas_spread:.1e}, "
                  f"{numbers['blas_linear_row_difference_over_random_constant']:.1e} of the random-init spread, ")
        if numbers["blas_linear_row_difference_over_random_constant"] > 0.1:
            notes += (f"so the rounding acted as a tiny random init: the rows stayed within 1e-3 of each other until "
                      f"step {b0['apart']}, then that net learned (test accuracy "
                      f"{numbers['blas_linear_test_accuracy_constant'][0]:.2f} against "
                      f"{acc['random (Xavier)'][0]:.2f} for random init). The notes' claim is exact in exact "
                      f"arithmetic; in floating point a constant init is not a permanent trap, but escaping it costs "
                      f"hundreds of steps. ")
        else:
            notes += (f"still negligible: that net's units act as one too (test accuracy "
                      f"{numbers['blas_linear_test_accuracy_constant'][0]:.2f}). ")
    return Result(verdict(ok),
                  "with every unit computed by identical floating-point operations, the max difference between hidden "
                  "units' weight rows stays exactly 0 after training with zero and constant init (random init: > 0.1), "
                  "and random init's test accuracy beats both by > 30 points. Reported, not judged: the constant-init "
                  "net with ember's BLAS-backed nn.Linear",
                  numbers, {"loss": fig}, notes)


# --------------------------------------------------------------------------------------
@claim(
    id="init-scale",
    topic="initialization",
    concepts=("init.xavier", "init.he"),
    question="How should the initial weights be set; why Xavier for sigmoid/tanh and He for ReLU?",
    statement="The spread of the initial weights must match the activation: with unit-variance weights tanh units "
              "saturate and ReLU activations blow up layer after layer; Xavier init (std sqrt(1/fan_in)) suits "
              "sigmoid-like activations and He init (std sqrt(2/fan_in)) suits ReLU, keeping the activations' scale "
              "steady through depth.",
    source="note 003 (initial weights: Xavier, He); note 001 Q6",
    method="Ten bias-free fully connected layers of width 256 fed with standard-normal inputs, weights drawn from "
           "N(0, 1), Xavier N(0, 1/fan_in) or He N(0, 2/fan_in), followed by tanh or ReLU. "
           "We measure the std of every layer's activations and the fraction of saturated tanh units (|a| > 0.99).",
)
@single_thread()
def init_scale(seed, fast):
    width, depth = 256, 10
    seeds = [seed] if fast else [seed + i for i in range(5)]
    n = 256 if fast else 1000
    combos = [(a, i) for a in ("tanh", "relu") for i in ("normal", "xavier", "he")]
    stds = {c: [] for c in combos}
    sats = {c: [] for c in combos}
    rs = np.random.default_rng(seed)
    with single_thread(), ember.no_grad(), np.errstate(all="ignore"):
        for s in seeds:
            X = ember.tensor(rs.standard_normal((n, width)).astype(np.float32))
            for c in combos:
                net = make_mlp(width, (width,) * depth, 10, c[0], c[1], seed=s, bias=False)
                h, layer_std, layer_sat = X, [], []
                for m in list(net)[:-1]:
                    h = m(h)
                    if not isinstance(m, nn.Linear):
                        layer_std.append(float(h.array.astype(np.float64).std()))
                        layer_sat.append(float((np.abs(h.array) > 0.99).mean()))
                stds[c].append(layer_std)
                sats[c].append(layer_sat)
    mean_std_per_layer = {c: np.exp(np.mean(np.log(stds[c]), axis=0)) for c in combos}
    ratio = {c: float(mean_std_per_layer[c][-1] / mean_std_per_layer[c][0]) for c in combos}
    sat_last = {c: float(np.mean([s[-1] for s in sats[c]])) for c in combos}

    def stable(c):
        return 0.25 <= ratio[c] <= 4.0 and (c[0] != "tanh" or sat_last[c] < 0.05)

    checks = {
        "normal_saturates_tanh": sat_last[("tanh", "normal")] > 0.5,
        "normal_explodes_relu": ratio[("relu", "normal")] > 1e3,
        "xavier_keeps_tanh_stable": stable(("tanh", "xavier")),
        "he_keeps_relu_stable": stable(("relu", "he")),
        "xavier_shrinks_relu": ratio[("relu", "xavier")] < 0.25,
    }
    ok = all(checks.values())
    numbers = {"width": width, "layers": depth, "seeds": len(seeds), "samples": n, **checks}
    for c in combos:
        key = f"{c[0]}_{c[1]}"
        numbers[f"std_per_layer_{key}"] = [float(v) for v in mean_std_per_layer[c]]
        numbers[f"std_last_over_first_{key}"] = ratio[c]
        if c[0] == "tanh":
            numbers[f"saturated_fraction_last_layer_{key}"] = sat_last[c]
    fig, axes = figure(ncols=2)
    layers = np.arange(1, depth + 1)
    for ax, act in zip(axes, ("tanh", "relu")):
        for init, style in (("normal", "o-"), ("xavier", "s-"), ("he", "^-")):
            ax.semilogy(layers, mean_std_per_layer[(act, init)], style, label={"normal": "N(0, 1)", "xavier": "Xavier",
                                                                                "he": "He"}[init])
        ax.set(xlabel="layer", ylabel="activation std", title=f"{act}, width {width}")
        ax.legend()
        ax.grid(True, which="both", alpha=0.3)
    tx = numbers["std_per_layer_tanh_xavier"]
    notes = (f"N(0,1) weights: {sat_last[('tanh', 'normal')]:.0%} of tanh units saturated at layer 10; ReLU activations grow "
             f"{ratio[('relu', 'normal')]:.1e}x over 10 layers. He keeps ReLU's std within {ratio[('relu', 'he')]:.2f}x of "
             f"layer 1, while Xavier under ReLU halves the variance per layer (x{ratio[('relu', 'xavier')]:.3f}). Xavier under "
             f"tanh is 'stable' only in the sense of no exponential trend: its std still decays slowly "
             f"({tx[0]:.2f} -> {tx[-1]:.2f}, ~1/sqrt(depth)), because tanh's slope is below 1 away from 0. "
             f"In fact He init under tanh kept the std closer to "
             f"layer 1's (x{ratio[('tanh', 'he')]:.2f}, {sat_last[('tanh', 'he')]:.1%} saturated) than Xavier did: the "
             f"pairing matters much more for ReLU than for tanh.")
    return Result(verdict(ok),
                  "at layer 10: N(0,1) saturates > 50% of tanh units and grows ReLU's std > 1000x; with Xavier+tanh and "
                  "He+ReLU the std stays within [1/4, 4]x of layer 1 (tanh: < 5% saturated); Xavier+ReLU shrinks it < 1/4x",
                  numbers, {"activation_std": fig}, notes)
