"""CNN claims: the weight sharing of a convolution (parameters and shift equivariance), and
LeNet-5 against an MLP of the same size (clean accuracy and robustness to shifted images).

The LeNet-5 experiments use the 8x8 digits as (N, 1, 8, 8) images (pixels in [0, 1],
background 0) and ``ember.models.lenet5(input_size=8)``; nothing here uses torch.
"""
import numpy as np

import ember
from ember import nn
from ember.lab.core import Result, claim, verdict

from ._common import (digits, evaluate, figure, fit, lenet5, make_mlp, mean_std, n_params, paired_difference,
                      random_shift, single_thread, stratified_subset)


# -------------------------------------------------------------------------------------------
# weight sharing
# -------------------------------------------------------------------------------------------

def conv2d_valid(x, weight, bias=None, builtin=True):
    """Cross-correlation of ``x`` (N, C, H, W) with ``weight`` (O, C, kh, kw), no padding,
    stride 1. Uses ``ember.nn.functional.conv2d`` when ember has it, otherwise gathers the
    kh*kw shifted views with ember slicing and contracts them with one einsum (differentiable)."""
    import ember.nn.functional as F
    if builtin and hasattr(F, "conv2d"):
        return F.conv2d(x, weight, bias)
    O, C, kh, kw = weight.shape
    H, W = x.shape[2] - kh + 1, x.shape[3] - kw + 1
    cols = ember.stack([x[:, :, i:i + H, j:j + W] for i in range(kh) for j in range(kw)], 2)   # N,C,k,H,W
    out = ember.einsum("nckhw,ock->nohw", cols, weight.reshape(O, C, kh * kw))
    if bias is not None:
        out = out + bias.reshape(1, O, 1, 1)
    return out


def _shift(a, dy, dx):
    """Shift the last two axes by (dy, dx) >= 0, filling with zeros (no wrap-around)."""
    out = np.zeros_like(a)
    out[..., dy:, dx:] = a[..., :a.shape[-2] - dy, :a.shape[-1] - dx]
    return out


@claim(
    id="weight-sharing",
    topic="cnn",
    concepts=("claim.weight_sharing", "cnn.conv2d"),
    question="What is weight sharing in a neural network?",
    statement="A convolution slides one small kernel over the whole image, so its few weights are shared "
              "by every position: far fewer parameters than a fully connected layer, and a shifted input "
              "gives the same feature map shifted by the same amount (translation equivariance).",
    source="note 000 Q1.7, note 001 Q20, note 004 (convolution: parameter sharing)",
    method="Count the parameters of a 3x3, 1->8 channel convolution on 28x28 inputs and of a dense layer "
           "with the same input and output sizes; shift digit images (placed on a 28x28 canvas) by a few "
           "pixels and measure |conv(shift x) - shift(conv x)| away from the borders, and the same for a "
           "random dense layer whose output is read as the same 8x26x26 map.",
)
@single_thread()
def weight_sharing(seed, fast):
    import ember.nn.functional  # noqa: F401
    from ember.data.datasets import load_digits
    g = ember.Generator().manual_seed(seed)
    rng = np.random.default_rng(seed)
    C_out, k, S = 8, 3, 28
    Ho = S - k + 1
    conv_params = C_out * 1 * k * k + C_out
    dense_params = (S * S) * (C_out * Ho * Ho) + C_out * Ho * Ho
    # images: digits upsampled 2x (16x16) placed at random spots of a 28x28 canvas
    X, _ = load_digits(return_X_y=True)
    n_img = 8 if fast else 64
    pick = rng.choice(X.shape[0], n_img, replace=False)
    imgs = np.zeros((n_img, 1, S, S), dtype=np.float32)
    for i, j in enumerate(pick):
        d = np.kron(X.array[j].reshape(8, 8), np.ones((2, 2), dtype=np.float32))
        oy, ox = rng.integers(2, 6, 2)
        imgs[i, 0, oy:oy + 16, ox:ox + 16] = d
    weight = ember.randn(C_out, 1, k, k, generator=g) * (1 / 3)
    bias = ember.randn(C_out, generator=g) * 0.1
    dense = nn.Linear(S * S, C_out * Ho * Ho, generator=g)
    shifts = [(1, 0), (0, 2), (3, 1), (2, 3)] if fast else [(1, 0), (0, 1), (0, 2), (2, 0), (3, 1), (2, 3), (4, 4)]
    conv_err, dense_err, conv_scale, dense_scale = [], [], [], []
    with ember.no_grad():
        base_c = conv2d_valid(ember.tensor(imgs), weight, bias).array
        base_d = dense(ember.tensor(imgs.reshape(n_img, -1))).array.reshape(n_img, C_out, Ho, Ho)
        for dy, dx in shifts:
            xs = _shift(imgs, dy, dx)
            out_c = conv2d_valid(ember.tensor(xs), weight, bias).array
            out_d = dense(ember.tensor(xs.reshape(n_img, -1))).array.reshape(n_img, C_out, Ho, Ho)
            # compare on the interior where neither the shifted-in zeros nor the border matter
            sl = (slice(None), slice(None), slice(dy, Ho), slice(dx, Ho))
            conv_err.append(float(np.abs(out_c[sl] - _shift(base_c, dy, dx)[sl]).max()))
            dense_err.append(float(np.abs(out_d[sl] - _shift(base_d, dy, dx)[sl]).max()))
            conv_scale.append(float(np.abs(base_c).max()))
            dense_scale.append(float(np.abs(base_d).max()))
    # the convolution we use agrees with a direct loop (a reference independent of the einsum)
    w = weight.array
    ref = np.zeros((1, C_out, Ho, Ho), dtype=np.float64)
    for o in range(C_out):
        for i in range(k):
            for j in range(k):
                ref[0, o] += w[o, 0, i, j] * imgs[0, 0, i:i + Ho, j:j + Ho]
        ref[0, o] += bias.array[o]
    conv_vs_loop = float(np.abs(ref - base_c[:1]).max())
    conv_rel = max(e / s for e, s in zip(conv_err, conv_scale))
    dense_rel = min(e / s for e, s in zip(dense_err, dense_scale))
    num = {"input": [1, S, S], "kernel": [C_out, 1, k, k], "conv_params": conv_params, "dense_params": dense_params,
           "param_ratio_dense_over_conv": dense_params / conv_params, "shifts": [list(s) for s in shifts],
           "images": n_img, "conv_equivariance_max_abs_err": conv_err, "dense_equivariance_max_abs_err": dense_err,
           "conv_max_rel_err": conv_rel, "dense_min_rel_err": dense_rel, "conv_vs_direct_loop_max_abs": conv_vs_loop,
           "used_ember_conv2d": hasattr(ember.nn.functional, "conv2d")}
    ok = conv_params == 80 and dense_params > 10_000 * conv_params and conv_rel < 1e-5 and dense_rel > 0.1 \
        and conv_vs_loop < 1e-4
    criterion = ("the 3x3 1->8 conv has 80 parameters and the dense layer with the same input/output more than "
                 "10,000x as many; conv(shift x) equals shift(conv x) on the interior to < 1e-5 relative to the "
                 "output scale for every shift, while the dense layer's error is > 0.1 of its output scale")
    notes = (f"parameters: conv {conv_params} vs dense {dense_params:,} ({dense_params / conv_params:,.0f}x); "
             f"equivariance error relative to output scale: conv {conv_rel:.1e}, dense >= {dense_rel:.2f}.")
    fig, ax = figure(ncols=4, figsize=(12, 3.2))
    dy, dx = shifts[-1]
    xs = _shift(imgs[:1], dy, dx)
    with ember.no_grad():
        oc = conv2d_valid(ember.tensor(xs), weight, bias).array
        od = dense(ember.tensor(xs.reshape(1, -1))).array.reshape(1, C_out, Ho, Ho)
    ax[0].imshow(imgs[0, 0], cmap="gray")
    ax[0].set_title("input")
    ax[1].imshow(xs[0, 0], cmap="gray")
    ax[1].set_title(f"shifted by {dy, dx}")
    ax[2].imshow(np.abs(oc[0, 0] - _shift(base_c, dy, dx)[0, 0]), cmap="magma", vmin=0, vmax=np.abs(base_c[0, 0]).max())
    ax[2].set_title("|conv(shift x) - shift(conv x)|", fontsize=9)
    ax[3].imshow(np.abs(od[0, 0] - _shift(base_d, dy, dx)[0, 0]), cmap="magma", vmin=0, vmax=np.abs(base_d[0, 0]).max())
    ax[3].set_title("same for the dense layer", fontsize=9)
    for a in ax:
        a.set_xticks([])
        a.set_yticks([])
    return Result(verdict(ok), criterion, num, {"equivariance": fig}, notes)


# -------------------------------------------------------------------------------------------
# CNN vs MLP
# -------------------------------------------------------------------------------------------

def shift_images(X, dy, dx):
    """Translate (N, C, H, W) images by ``dy`` rows (down) and ``dx`` columns (right); pixels
    shifted in from outside are 0 (the digits' background)."""
    out = np.zeros_like(X)
    H, W = X.shape[-2:]
    out[..., max(dy, 0):H + min(dy, 0), max(dx, 0):W + min(dx, 0)] = \
        X[..., max(-dy, 0):H + min(-dy, 0), max(-dx, 0):W + min(-dx, 0)]
    return out


_SHIFTS = {1: ((1, 0), (-1, 0), (0, 1), (0, -1)), 2: ((2, 0), (-2, 0), (0, 2), (0, -2))}


def _mlp(seed):
    return make_mlp(64, (400, 40), 10, seed=seed)


def _shifted_accs(model, Xt, yt, flat):
    """Test accuracy on the clean images and, averaged over the four directions, on copies
    shifted by 1 and by 2 pixels (``flat``: the model takes (N, 64) rows)."""
    def acc(X):
        return evaluate(model, X.reshape(len(X), -1) if flat else X, yt).accuracy
    out = {"clean": acc(Xt)}
    for k, shifts in _SHIFTS.items():
        out[f"shift{k}"] = float(np.mean([acc(shift_images(Xt, dy, dx)) for dy, dx in shifts]))
    return out


@claim(
    id="cnn-vs-mlp",
    topic="cnn",
    concepts=("arch.lenet", "cnn.conv2d"),
    question="How should weight sharing in a CNN be understood?",
    statement="A convolution applies the same small kernel at every position of the image (weight "
              "sharing, introduced with LeNet-5), so a CNN such as LeNet-5 needs fewer parameters "
              "than a fully connected net for the same job, classifies images better at a comparable "
              "size, and, with pooling, is much less affected when the image is shifted by a pixel "
              "or two.",
    source="note 000 Q1.7 (weight sharing, LeNet-5), note 003 (convolution)",
    method="Train LeNet-5 (8x8 variant, 42,794 parameters) and a 64-400-40-10 ReLU MLP (42,450 "
           "parameters) with Adam on the digits training images, same epochs and seeds; measure test "
           "accuracy on the clean test images and on copies shifted by 1 and 2 pixels in the four "
           "directions (zero fill). Full mode also trains LeNet-5 with random 1-pixel shifts as "
           "augmentation, to separate what the architecture gives from what the data gives.",
)
@single_thread()
def cnn_vs_mlp(seed, fast):
    seeds = [seed] if fast else [seed + k for k in range(4)]
    n_train, epochs, lr = (600, 15, 2e-3) if fast else (1347, 30, 2e-3)
    Xa, ya, Xt, yt = digits(images=True, tensors=False)
    rows = []
    for s in seeds:
        idx = stratified_subset(ya, n_train, np.random.default_rng(s)) if n_train < len(ya) else np.arange(len(ya))
        X, y = Xa[idx], ya[idx]
        row = {"seed": s}
        cnn = lenet5(s)
        fit(cnn, X, y, "adam", lr=lr, epochs=epochs, batch_size=32, seed=10_000 + s)
        for k, v in _shifted_accs(cnn, Xt, yt, False).items():
            row[f"cnn_{k}"] = v
        mlp = _mlp(s)
        fit(mlp, X.reshape(len(X), -1), y, "adam", lr=lr, epochs=epochs, batch_size=32, seed=10_000 + s)
        for k, v in _shifted_accs(mlp, Xt, yt, True).items():
            row[f"mlp_{k}"] = v
        if not fast:
            cnn_aug = lenet5(s)
            fit(cnn_aug, X, y, "adam", lr=lr, epochs=epochs, batch_size=32, seed=10_000 + s, transform=random_shift(s))
            for k, v in _shifted_accs(cnn_aug, Xt, yt, False).items():
                row[f"cnn_aug_{k}"] = v
        for m in ("cnn", "mlp", "cnn_aug"):
            if f"{m}_clean" in row:
                for k in (1, 2):
                    row[f"{m}_drop{k}"] = row[f"{m}_clean"] - row[f"{m}_shift{k}"]
        row["clean_diff"] = row["cnn_clean"] - row["mlp_clean"]
        rows.append(row)
    num = {"n_train": int(n_train), "epochs": epochs, "lr": lr, "seeds": seeds, "optimizer": "Adam",
           "params_cnn": n_params(lenet5(0)), "params_mlp": n_params(_mlp(0)), "mlp_hidden": [400, 40]}
    for key in rows[0]:
        if key != "seed":
            num[f"{key}_mean"], num[f"{key}_std"] = mean_std([r[key] for r in rows])
    num["per_seed"] = rows
    m, sd, se = paired_difference([r["clean_diff"] for r in rows])
    num["clean_diff_se"] = se
    noise = max(2 * se, 0.01) if len(rows) > 1 else 0.01
    cnn_better_clean = m > noise
    mlp_better_clean = m < -noise
    ratio1 = num["cnn_drop1_mean"] / max(num["mlp_drop1_mean"], 1e-9)
    ratio2 = num["cnn_drop2_mean"] / max(num["mlp_drop2_mean"], 1e-9)
    num["drop_ratio_shift1"], num["drop_ratio_shift2"] = ratio1, ratio2
    robust = ratio1 < 0.5 and ratio2 < 0.5
    num["params_ok"] = num["params_mlp"] <= num["params_cnn"] * 1.05
    ok = cnn_better_clean and robust and num["params_ok"]
    criterion = ("with parameter counts within 5% (MLP <= CNN): LeNet-5's clean test accuracy exceeds the "
                 "MLP's by more than max(2 SE of the paired difference, 0.01), AND its accuracy drop under "
                 "1- and 2-pixel shifts is less than half the MLP's ('much less') -> holds; otherwise fails")
    notes = (f"Parameters: LeNet-5 {num['params_cnn']}, MLP {num['params_mlp']}. Clean test accuracy: "
             f"CNN {num['cnn_clean_mean']:.3f}, MLP {num['mlp_clean_mean']:.3f} (paired diff {m:+.3f}). "
             f"1-pixel shifts: CNN {num['cnn_shift1_mean']:.3f}, MLP {num['mlp_shift1_mean']:.3f} "
             f"(drops {num['cnn_drop1_mean']:.3f} vs {num['mlp_drop1_mean']:.3f}, ratio {ratio1:.2f}); "
             f"2-pixel shifts: CNN {num['cnn_shift2_mean']:.3f}, MLP {num['mlp_shift2_mean']:.3f} "
             f"(ratio {ratio2:.2f}). ")
    if not ok:
        parts = []
        if not cnn_better_clean:
            parts.append("the CNN is " + ("worse than" if mlp_better_clean else "not measurably better than") +
                         " an MLP of the same size on clean 8x8 digits")
        if not robust:
            cmp1 = "less than" if num["cnn_drop1_mean"] < num["mlp_drop1_mean"] else "as much as or more than"
            parts.append(f"the CNN's accuracy drops by {num['cnn_drop1_mean']:.2f} under 1-pixel shifts too "
                         f"({cmp1} the MLP's {num['mlp_drop1_mean']:.2f}, not 'much less'); at 2 pixels, a "
                         f"quarter of an 8x8 image, both fall to {num['cnn_shift2_mean']:.2f} / "
                         f"{num['mlp_shift2_mean']:.2f}, near chance (0.10)")
        notes += ("The claim FAILS here: " + "; ".join(parts) + ". Weight sharing makes the convolutions "
                  "translation-equivariant, but LeNet-5 ends in fully connected layers over a 4x4 map "
                  "after a single 2x2 pooling, so its output is tied to positions; robustness to shifts "
                  "has to be learned from shifted data. ")
    if "cnn_aug_shift1_mean" in num:
        notes += (f"LeNet-5 trained with random 1-pixel shifts: clean {num['cnn_aug_clean_mean']:.3f}, "
                  f"1-pixel shifts {num['cnn_aug_shift1_mean']:.3f}, 2-pixel {num['cnn_aug_shift2_mean']:.3f}.")
    fig, ax = figure(size=(5.5, 3.6))
    xs = np.arange(3)
    models = [("cnn", f"LeNet-5 ({num['params_cnn']} p.)"), ("mlp", f"MLP ({num['params_mlp']} p.)")]
    if "cnn_aug_clean_mean" in num:
        models.append(("cnn_aug", "LeNet-5 + shift aug."))
    w = 0.8 / len(models)
    for i, (mname, label) in enumerate(models):
        mu = [num[f"{mname}_{k}_mean"] for k in ("clean", "shift1", "shift2")]
        sdv = [num[f"{mname}_{k}_std"] for k in ("clean", "shift1", "shift2")]
        ax.bar(xs + (i - (len(models) - 1) / 2) * w, mu, w, yerr=sdv, label=label)
    ax.axhline(0.1, color="gray", ls=":", lw=1)
    ax.set(xticks=xs, xticklabels=["clean", "shift 1 px", "shift 2 px"], ylabel="test accuracy",
           ylim=(0, 1.05), title="digits test set, shifted copies")
    ax.legend(fontsize=7)
    return Result(verdict(ok), criterion, num, {"shift_robustness": fig}, notes)
