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
