"""Geometry claims: the curse of dimensionality, and the weight sharing of convolutions."""
import math

import numpy as np

import ember
from ember import nn
from ember.lab.core import Result, claim, verdict
from ember.lab.claims.regularization import _fig, one_thread


# -------------------------------------------------------------------------------------------
# curse of dimensionality
# -------------------------------------------------------------------------------------------

def ball_over_cube(d):
    """Volume of the unit d-ball over the volume of its enclosing cube [-1, 1]^d:
    pi^(d/2) / Gamma(d/2 + 1) / 2^d (computed in logs)."""
    return math.exp(d / 2 * math.log(math.pi) - math.lgamma(d / 2 + 1) - d * math.log(2))


@claim(
    id="dimensionality",
    topic="classical",
    concepts=("claim.dimensionality", "ml.knn"),
    question="What is the curse of dimensionality?",
    statement="As the dimension grows a fixed number of samples covers the space ever more sparsely: "
              "the inscribed ball's share of the cube's volume goes to zero (almost everything lies in "
              "the corners), distances between random points become nearly equal, and methods that rely "
              "on nearness degrade unless the data grows with the dimension.",
    source="note 002 (curse of dimensionality), concepts ml.knn",
    method="Closed-form ball/cube volume ratio vs a Monte-Carlo estimate (uniform points in [-1,1]^d); "
           "relative contrast (max-min)/min of the distances from query points to n uniform points as d "
           "grows; ember.ml.KNeighborsClassifier on two moons padded with d uniform noise features.",
)
@one_thread
def run_dimensionality(seed=0, fast=True):
    rng = np.random.default_rng(seed)
    dims = list(range(1, 21))
    M = 100_000 if fast else 2_000_000
    exact, mc, mc_se, z = [], [], [], []
    for d in dims:
        inside = 0
        left = M
        while left:
            m = min(left, 100_000)
            P = rng.uniform(-1, 1, (m, d))
            inside += int(((P * P).sum(1) <= 1).sum())
            left -= m
        p = ball_over_cube(d)
        est = inside / M
        se = max(math.sqrt(max(p * (1 - p), 0.0) / M), 1.0 / M)    # floor: p = 1 at d = 1
        exact.append(p)
        mc.append(est)
        mc_se.append(se)
        z.append((est - p) / se)
    # distance concentration
    n_pts, n_q = (500, 20) if fast else (2000, 100)
    cdims = [1, 2, 5, 10, 20, 50, 100, 300, 1000] if fast else [1, 2, 3, 5, 10, 20, 50, 100, 300, 1000, 3000]
    contrast = []
    for d in cdims:
        P = rng.uniform(0, 1, (n_pts, d))
        Q = rng.uniform(0, 1, (n_q, d))
        D = np.sqrt(np.maximum((Q * Q).sum(1)[:, None] - 2 * Q @ P.T + (P * P).sum(1)[None, :], 0))
        contrast.append(float(np.mean((D.max(1) - D.min(1)) / D.min(1))))
    # kNN on two moons + irrelevant uniform features
    from ember.data.datasets import make_moons
    from ember.ml import KNeighborsClassifier
    noise_dims = [0, 2, 10, 50, 200] if fast else [0, 2, 5, 10, 20, 50, 100, 200, 500]
    n_tr = 300 if fast else 1000
    knn_acc = []
    g = ember.Generator().manual_seed(seed)
    Xm, ym = make_moons(n_tr + 500, noise=0.15, generator=g)
    Xm, ym = Xm.numpy(), ym.numpy()
    Xm = (Xm - Xm.min(0)) / (Xm.max(0) - Xm.min(0))           # both informative features in [0, 1]
    for k in noise_dims:
        Xk = np.hstack([Xm, rng.uniform(0, 1, (len(Xm), k))])
        clf = KNeighborsClassifier(n_neighbors=5).fit(Xk[:n_tr], ym[:n_tr])
        knn_acc.append(float(clf.score(Xk[n_tr:], ym[n_tr:])))
    reliable = [i for i, p in enumerate(exact) if p * M >= 50]
    mc_ok = all(abs(z[i]) < 4.5 for i in range(len(dims)))
    rel_err = [abs(mc[i] - exact[i]) / exact[i] for i in reliable]
    ratio_ok = exact[-1] < 1e-7 and all(exact[i + 1] < exact[i] for i in range(1, len(exact) - 1))
    contrast_ok = contrast[-1] < 0.2 * contrast[cdims.index(10)] and contrast[cdims.index(2)] > 10 * contrast[-1]
    knn_ok = knn_acc[0] > 0.9 and knn_acc[-1] < knn_acc[0] - 0.15
    num = {"dims": dims, "ball_over_cube_exact": exact, "ball_over_cube_monte_carlo": mc,
           "monte_carlo_samples": M, "monte_carlo_z_scores": z, "max_abs_z": float(np.max(np.abs(z))),
           "max_rel_err_where_expected_count_ge_50": float(max(rel_err)),
           "ratio_d2": exact[1], "ratio_d10": exact[9], "ratio_d20": exact[19],
           "contrast_dims": cdims, "relative_contrast": contrast, "n_points": n_pts, "n_queries": n_q,
           "knn_noise_dims": noise_dims, "knn_test_accuracy": knn_acc, "knn_train_size": n_tr}
    criterion = ("the closed-form ball/cube ratio falls monotonically to < 1e-7 at d=20 and every Monte-Carlo "
                 "estimate is within 4.5 binomial standard errors of it; the relative distance contrast "
                 "(max-min)/min at the largest d is < 0.2x the d=10 value and < 0.1x the d=2 value; 5-NN on two "
                 "moons loses > 0.15 accuracy when irrelevant uniform features are added")
    notes = (f"ball/cube: d=2 {exact[1]:.3f}, d=10 {exact[9]:.2e}, d=20 {exact[19]:.2e} (Monte Carlo with {M} "
             f"points agrees, max |z| {num['max_abs_z']:.2f}); relative contrast d=2 {contrast[1]:.1f} -> d={cdims[-1]} "
             f"{contrast[-1]:.3f}; 5-NN accuracy {knn_acc[0]:.3f} with 2 features -> {knn_acc[-1]:.3f} with "
             f"{noise_dims[-1]} noise features added.")
    plt = _fig()
    fig, ax = plt.subplots(1, 3, figsize=(13, 3.6))
    ax[0].semilogy(dims, exact, "-", label="pi^(d/2)/Gamma(d/2+1)/2^d")
    ok_mc = [i for i in range(len(dims)) if mc[i] > 0]
    ax[0].semilogy([dims[i] for i in ok_mc], [mc[i] for i in ok_mc], "o", ms=4, label=f"Monte Carlo ({M})")
    ax[0].set(xlabel="dimension d", ylabel="ball volume / cube volume", title="unit ball in its cube")
    ax[0].legend(fontsize=8)
    ax[1].loglog(cdims, contrast, "o-")
    ax[1].set(xlabel="dimension d", ylabel="(max - min) / min distance", title="distance concentration")
    ax[2].semilogx([k + 1 for k in noise_dims], knn_acc, "o-")
    ax[2].set(xlabel="1 + irrelevant features", ylabel="5-NN test accuracy", title="kNN on two moons", ylim=(0.4, 1))
    fig.tight_layout()
    return Result(verdict(mc_ok and ratio_ok and contrast_ok and knn_ok), criterion, num, {"dimensionality": fig},
                  notes)


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
@one_thread
def run_weight_sharing(seed=0, fast=True):
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
        d = np.kron(X.data[j].reshape(8, 8), np.ones((2, 2), dtype=np.float32))
        oy, ox = rng.integers(2, 6, 2)
        imgs[i, 0, oy:oy + 16, ox:ox + 16] = d
    weight = ember.randn(C_out, 1, k, k, generator=g) * (1 / 3)
    bias = ember.randn(C_out, generator=g) * 0.1
    dense = nn.Linear(S * S, C_out * Ho * Ho, generator=g)
    shifts = [(1, 0), (0, 2), (3, 1), (2, 3)] if fast else [(1, 0), (0, 1), (0, 2), (2, 0), (3, 1), (2, 3), (4, 4)]
    conv_err, dense_err, conv_scale, dense_scale = [], [], [], []
    with ember.no_grad():
        base_c = conv2d_valid(ember.tensor(imgs), weight, bias).data
        base_d = dense(ember.tensor(imgs.reshape(n_img, -1))).data.reshape(n_img, C_out, Ho, Ho)
        for dy, dx in shifts:
            xs = _shift(imgs, dy, dx)
            out_c = conv2d_valid(ember.tensor(xs), weight, bias).data
            out_d = dense(ember.tensor(xs.reshape(n_img, -1))).data.reshape(n_img, C_out, Ho, Ho)
            # compare on the interior where neither the shifted-in zeros nor the border matter
            sl = (slice(None), slice(None), slice(dy, Ho), slice(dx, Ho))
            conv_err.append(float(np.abs(out_c[sl] - _shift(base_c, dy, dx)[sl]).max()))
            dense_err.append(float(np.abs(out_d[sl] - _shift(base_d, dy, dx)[sl]).max()))
            conv_scale.append(float(np.abs(base_c).max()))
            dense_scale.append(float(np.abs(base_d).max()))
    # the convolution we use agrees with a direct loop (a reference independent of the einsum)
    w = weight.data
    ref = np.zeros((1, C_out, Ho, Ho), dtype=np.float64)
    for o in range(C_out):
        for i in range(k):
            for j in range(k):
                ref[0, o] += w[o, 0, i, j] * imgs[0, 0, i:i + Ho, j:j + Ho]
        ref[0, o] += bias.data[o]
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
    plt = _fig()
    fig, ax = plt.subplots(1, 4, figsize=(12, 3.2))
    dy, dx = shifts[-1]
    xs = _shift(imgs[:1], dy, dx)
    with ember.no_grad():
        oc = conv2d_valid(ember.tensor(xs), weight, bias).data
        od = dense(ember.tensor(xs.reshape(1, -1))).data.reshape(1, C_out, Ho, Ho)
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
    fig.tight_layout()
    return Result(verdict(ok), criterion, num, {"equivariance": fig}, notes)
