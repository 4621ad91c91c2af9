"""Classical-ML claims: ROC vs precision-recall under class imbalance, and the kernel trick."""
import math
import time

import numpy as np

import ember
from ember.lab.core import Result, claim, verdict
from ember.lab.claims.regularization import _fig, mean_std, one_thread


# -------------------------------------------------------------------------------------------
# ROC vs PR
# -------------------------------------------------------------------------------------------

@claim(
    id="roc-vs-pr",
    topic="metrics",
    concepts=("metric.roc", "metric.pr"),
    question="How is a ROC curve drawn (standard and fast methods), and what is its advantage over the "
             "PR curve?",
    statement="The ROC curve can be drawn by sweeping a threshold down from +infinity, or quickly by "
              "sorting the samples by score and stepping up 1/P for each positive and right 1/N for each "
              "negative; when the ratio of positives to negatives changes sharply, the ROC curve keeps "
              "its shape while the precision-recall curve changes drastically.",
    source="note 002 (ROC standard and fast methods; ROC vs PR)",
    method="Scores: positives ~ N(1.5, 1), negatives ~ N(0, 1), rounded to 0.05 to create ties. Compare "
           "ember.metrics.roc_curve (threshold sweep) with roc_curve_fast (step walk); then multiply the "
           "negatives by 10 (fresh draws from the same distribution) and measure the change of the ROC "
           "AUC and of the average precision, over several seeds.",
)
@one_thread
def run_roc_pr(seed=0, fast=True):
    from ember.metrics import (average_precision_score, precision_recall_curve, roc_auc_score, roc_curve,
                               roc_curve_fast)
    seeds = [seed] if fast else [seed + k for k in range(20)]
    n_pos, n_neg = (200, 200) if fast else (500, 500)
    rows, curves = [], None
    identical = True
    for s in seeds:
        rng = np.random.default_rng(s)
        pos = np.round(rng.normal(1.5, 1.0, n_pos) / 0.05) * 0.05
        neg = np.round(rng.normal(0.0, 1.0, 10 * n_neg) / 0.05) * 0.05
        sets = {"balanced": neg[:n_neg], "neg_x10": neg}
        res = {}
        for name, ng in sets.items():
            y = np.concatenate([np.ones(n_pos, int), np.zeros(len(ng), int)])
            sc = np.concatenate([pos, ng])
            perm = rng.permutation(len(y))
            y, sc = y[perm], sc[perm]
            for drop in (True, False):
                a = roc_curve(y, sc, drop_intermediate=drop)
                b = roc_curve_fast(y, sc, drop_intermediate=drop)
                identical &= all(np.array_equal(u, v) for u, v in zip(a, b))
            fpr, tpr, _ = roc_curve(y, sc)
            ffpr, ftpr, _ = roc_curve_fast(y, sc)
            prec, rec, _ = precision_recall_curve(y, sc)
            res[name] = dict(auc=float(roc_auc_score(y, sc)), ap=float(average_precision_score(y, sc)),
                             fpr=fpr, tpr=tpr, ffpr=ffpr, ftpr=ftpr, prec=prec, rec=rec)
        # exact replication of every negative 10 times: ROC is provably unchanged
        y_rep = np.concatenate([np.ones(n_pos, int), np.zeros(10 * n_neg, int)])
        sc_rep = np.concatenate([pos, np.tile(neg[:n_neg], 10)])
        auc_rep = float(roc_auc_score(y_rep, sc_rep))
        ap_rep = float(average_precision_score(y_rep, sc_rep))
        rows.append(dict(seed=s, auc_balanced=res["balanced"]["auc"], auc_neg_x10=res["neg_x10"]["auc"],
                         ap_balanced=res["balanced"]["ap"], ap_neg_x10=res["neg_x10"]["ap"],
                         auc_replicated=auc_rep, ap_replicated=ap_rep))
        if curves is None:
            curves = res
    d_auc = [r["auc_neg_x10"] - r["auc_balanced"] for r in rows]
    d_ap = [r["ap_neg_x10"] - r["ap_balanced"] for r in rows]
    d_auc_rep = [r["auc_replicated"] - r["auc_balanced"] for r in rows]
    num = {"n_pos": n_pos, "n_neg": n_neg, "neg_factor": 10, "seeds": seeds,
           "roc_curve_equals_roc_curve_fast": bool(identical), "per_seed": rows}
    for key in ("auc_balanced", "auc_neg_x10", "ap_balanced", "ap_neg_x10", "ap_replicated"):
        num[key + "_mean"], num[key + "_std"] = mean_std([r[key] for r in rows])
    num["delta_auc_mean"], num["delta_auc_std"] = mean_std(d_auc)
    num["max_abs_delta_auc"] = float(np.max(np.abs(d_auc)))
    num["delta_ap_mean"], num["delta_ap_std"] = mean_std(d_ap)
    num["max_abs_delta_auc_replicated"] = float(np.max(np.abs(d_auc_rep)))
    ok = identical and num["max_abs_delta_auc"] < 0.05 and num["max_abs_delta_auc_replicated"] < 1e-12 \
        and num["delta_ap_mean"] < -0.2 and abs(num["delta_ap_mean"]) > 5 * abs(num["delta_auc_mean"])
    criterion = ("roc_curve and roc_curve_fast return identical arrays (with ties, with and without "
                 "drop_intermediate); with 10x negatives |dAUC| < 0.05 in every seed (exactly 0 when the "
                 "negatives are replicated) while the average precision drops by more than 0.2 on average and "
                 "by more than 5x the mean AUC change")
    notes = (f"AUC {num['auc_balanced_mean']:.3f} -> {num['auc_neg_x10_mean']:.3f} (dAUC {num['delta_auc_mean']:+.4f}); "
             f"AP {num['ap_balanced_mean']:.3f} -> {num['ap_neg_x10_mean']:.3f} (dAP {num['delta_ap_mean']:+.3f}). "
             "ROC rates are normalised within each class, so adding negatives from the same distribution leaves "
             "them unchanged; precision mixes the classes, so it falls with the prevalence.")
    plt = _fig()
    fig, ax = plt.subplots(1, 2, figsize=(10, 4))
    for name, c in (("balanced", "tab:blue"), ("neg_x10", "tab:red")):
        r = curves[name]
        ax[0].plot(r["fpr"], r["tpr"], color=c, label=f"{name}: AUC {r['auc']:.3f} (threshold sweep)")
        ax[0].plot(r["ffpr"], r["ftpr"], "o", color=c, ms=2.5, mfc="none", alpha=0.6,
                   label=f"{name}: fast step walk")
        ax[1].plot(r["rec"], r["prec"], color=c, label=f"{name}: AP {r['ap']:.3f}")
    ax[0].plot([0, 1], [0, 1], "k:", lw=0.8)
    ax[0].set(xlabel="false positive rate", ylabel="true positive rate", title="ROC")
    ax[1].set(xlabel="recall", ylabel="precision", title="precision-recall", ylim=(0, 1.02))
    ax[0].legend(fontsize=8)
    ax[1].legend(fontsize=8)
    fig.tight_layout()
    return Result(verdict(ok), criterion, num, {"roc_pr": fig}, notes)


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
@one_thread
def run_kernel(seed=0, fast=True):
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
    plt = _fig()
    fig, ax = plt.subplots(1, 3, figsize=(13, 3.8))
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
    fig.tight_layout()
    return Result(verdict(ok), criterion, num, {"kernel_svm": fig}, notes)
