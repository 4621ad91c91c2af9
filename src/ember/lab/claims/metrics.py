"""Metrics claims: how a ROC curve is drawn, and ROC against precision-recall under class
imbalance."""
import numpy as np

from ember.lab.core import Result, claim, verdict

from ._common import figure, mean_std, single_thread


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
@single_thread()
def roc_vs_pr(seed, fast):
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
    fig, ax = figure(ncols=2, figsize=(10, 4))
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
    return Result(verdict(ok), criterion, num, {"roc_pr": fig}, notes)
