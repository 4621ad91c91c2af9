"""Classical-ML claims: the kernel trick, and the curse of dimensionality."""
import math
import time

import numpy as np

import ember
from ember.lab.core import Result, claim, verdict

from ._common import figure, single_thread


# -------------------------------------------------------------------------------------------
# the kernel trick
# -------------------------------------------------------------------------------------------

@claim(
    id="kernel-trick",
    topic="classical",
    concepts=("ml.kernels", "ml.svm"),
    question="What is a kernel function? How can a linear model handle data that is not linearly separable?",
    statement="A kernel is not a mapping but a shortcut: it returns the inner product of two points after "
              "an implicit map to a higher-dimensional space without computing the map; data that no line "
              "separates in the original space can become linearly separable there.",
    source="note 002 (kernel functions; LR for low-dimensional inseparable data), note 001 Q25",
    method="Compare ember.ml.kernels.polynomial_kernel with the inner products of the explicit features "
           "polynomial_features_map; count the explicit features (C(d+p, p)) and time both as d grows; fit "
           "ember.ml.SVC with linear and RBF kernels on concentric circles (make_circles).",
)
@single_thread()
def kernel_trick(seed, fast):
    from math import comb

    from ember.data.datasets import make_circles
    from ember.ml import SVC
    from ember.ml.kernels import polynomial_features_map, polynomial_kernel
    rng = np.random.default_rng(seed)
    # exactness
    errs = []
    for d, p in ((2, 2), (5, 3), (10, 2), (8, 4)):
        X = rng.normal(size=(20, d)) / math.sqrt(d)
        Y = rng.normal(size=(15, d)) / math.sqrt(d)
        K = polynomial_kernel(X, Y, degree=p, gamma=0.7, coef0=1.0)
        P = polynomial_features_map(X, p, gamma=0.7, coef0=1.0) @ polynomial_features_map(Y, p, gamma=0.7, coef0=1.0).T
        errs.append(float(np.abs(K - P).max() / max(1.0, np.abs(K).max())))
    # growth of the explicit map vs the kernel's cost
    degree = 3
    dims = [2, 4, 8, 16, 32] if fast else [2, 4, 8, 16, 32, 48, 64]
    n = 200
    feat, expected, t_map, t_kernel = [], [], [], []
    for d in dims:
        X = rng.normal(size=(n, d)) / math.sqrt(d)
        t0 = time.perf_counter()
        P = polynomial_features_map(X, degree, gamma=1.0, coef0=1.0)
        G1 = P @ P.T
        t_map.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        G2 = polynomial_kernel(X, degree=degree, gamma=1.0, coef0=1.0)
        t_kernel.append(time.perf_counter() - t0)
        feat.append(int(P.shape[1]))
        expected.append(comb(d + degree, degree))
        errs.append(float(np.abs(G1 - G2).max() / np.abs(G2).max()))
    # SVM on concentric circles
    n_tr, n_te = (200, 400) if fast else (400, 2000)
    g = ember.Generator().manual_seed(seed)
    Xc, yc = make_circles(n_tr + n_te, noise=0.08, factor=0.5, generator=g)
    Xc, yc = Xc.numpy().astype(np.float64), yc.numpy()
    Xtr, ytr, Xte, yte = Xc[:n_tr], yc[:n_tr], Xc[n_tr:], yc[n_tr:]
    lin = SVC(kernel="linear", C=1.0).fit(Xtr, ytr)
    rbf = SVC(kernel="rbf", C=1.0, gamma=1.0).fit(Xtr, ytr)
    acc_lin, acc_rbf = float(lin.score(Xte, yte)), float(rbf.score(Xte, yte))
    # the explicit degree-2 map makes the circles linearly separable too: x1^2 + x2^2 is a feature
    P2tr = polynomial_features_map(Xtr, 2, gamma=1.0, coef0=1.0)
    P2te = polynomial_features_map(Xte, 2, gamma=1.0, coef0=1.0)
    acc_lin_on_map = float(SVC(kernel="linear", C=1.0).fit(P2tr, ytr).score(P2te, yte))
    num = {"kernel_vs_map_max_rel_err": float(max(errs)), "degree": degree, "dims": dims,
           "explicit_features": feat, "explicit_features_formula_C(d+p,p)": expected,
           "seconds_explicit_map_gram": t_map, "seconds_kernel_gram": t_kernel, "n_points_gram": n,
           "svc_linear_test_acc": acc_lin, "svc_rbf_test_acc": acc_rbf,
           "svc_linear_on_degree2_features_test_acc": acc_lin_on_map,
           "svc_rbf_n_support": int(rbf.n_support_.sum()), "n_train": n_tr, "n_test": n_te}
    ok = (num["kernel_vs_map_max_rel_err"] < 1e-10 and feat == expected and acc_rbf >= 0.95 and acc_lin <= 0.75)
    criterion = ("polynomial_kernel equals phi(x).phi(y) of the explicit map to < 1e-10 (relative); the map has "
                 "exactly C(d+p, p) features; RBF SVC test accuracy >= 0.95 on concentric circles where the "
                 "linear SVC stays <= 0.75")
    notes = (f"explicit degree-3 features for d={dims[-1]}: {feat[-1]:,} (kernel: one d-dim dot product per pair); "
             f"Gram of {n} points: map {t_map[-1] * 1e3:.1f} ms vs kernel {t_kernel[-1] * 1e3:.2f} ms. Circles: "
             f"linear {acc_lin:.3f}, RBF {acc_rbf:.3f}, linear on the explicit degree-2 features {acc_lin_on_map:.3f}.")
    fig, ax = figure(ncols=3, figsize=(13, 3.8))
    xx, yy = np.meshgrid(np.linspace(-1.4, 1.4, 150), np.linspace(-1.4, 1.4, 150))
    grid = np.c_[xx.ravel(), yy.ravel()]
    for a, clf, title in ((ax[0], lin, f"linear SVC: {acc_lin:.2f}"), (ax[1], rbf, f"RBF SVC: {acc_rbf:.2f}")):
        zz = clf.decision_function(grid).reshape(xx.shape)
        a.contourf(xx, yy, zz > 0, alpha=0.3, cmap="coolwarm")
        a.contour(xx, yy, zz, levels=[0], colors="k", linewidths=1)
        a.scatter(Xte[:, 0], Xte[:, 1], c=yte, s=5, cmap="coolwarm")
        a.set(title=title, aspect="equal")
    ax[2].semilogy(dims, feat, "o-", label="explicit features C(d+3, 3)")
    ax[2].semilogy(dims, dims, "s--", label="kernel: d multiplies per pair")
    ax[2].set(xlabel="input dimension d", title="cost of phi vs kernel (degree 3)")
    ax[2].legend(fontsize=8)
    return Result(verdict(ok), criterion, num, {"kernel_svm": fig}, notes)


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
@single_thread()
def dimensionality(seed, fast):
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
    fig, ax = figure(ncols=3, figsize=(13, 3.6))
    ax[0].semilogy(dims, exact, "-", label="pi^(d/2)/Gamma(d/2+1)/2^d")
    ok_mc = [i for i in range(len(dims)) if mc[i] > 0]
    ax[0].semilogy([dims[i] for i in ok_mc], [mc[i] for i in ok_mc], "o", ms=4, label=f"Monte Carlo ({M})")
    ax[0].set(xlabel="dimension d", ylabel="ball volume / cube volume", title="unit ball in its cube")
    ax[0].legend(fontsize=8)
    ax[1].loglog(cdims, contrast, "o-")
    ax[1].set(xlabel="dimension d", ylabel="(max - min) / min distance", title="distance concentration")
    ax[2].semilogx([k + 1 for k in noise_dims], knn_acc, "o-")
    ax[2].set(xlabel="1 + irrelevant features", ylabel="5-NN test accuracy", title="kNN on two moons", ylim=(0.4, 1))
    return Result(verdict(mc_ok and ratio_ok and contrast_ok and knn_ok), criterion, num, {"dimensionality": fig},
                  notes)
