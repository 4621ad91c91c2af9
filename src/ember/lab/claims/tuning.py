"""Hyper-parameter search and training-recipe claims: random against grid search when few
dimensions matter, Bayesian optimisation against random search, pseudo-labels, ensembles,
and what bagging and boosting each reduce."""
import math

import numpy as np

import ember
from ember import tune
from ember.lab.core import Result, claim, verdict
from ember.tune.examples import BRANIN_MIN, BRANIN_SPACE, HARTMANN6_MIN, HARTMANN6_SPACE, branin, hartmann6

from ._common import digits, evaluate, figure, fit, make_mlp, mean_std, paired_difference, single_thread


def _low_dim(p):
    # two parameters, but only x matters (y's effect is a thousandth of x's)
    return (p["x"] - 0.37) ** 2 + 1e-3 * (p["y"] - 0.5) ** 2


@claim(
    id="random-vs-grid",
    topic="tuning",
    concepts=("tune.grid", "tune.random"),
    question="Why is random search often better than grid search?",
    statement="When only a few of the hyper-parameters matter, a grid of k^d points tries only k values "
              "of each one, while k^d random points try k^d different values of every parameter: random "
              "search finds better values with the same budget.",
    source="notes on hyper-parameter search (Bergstra & Bengio 2012)",
    method="f(x, y) = (x - 0.37)^2 + 0.001 (y - 0.5)^2 on [0, 1]^2 (one effective dimension); "
           "tune.GridSearch (3x3 and 4x4) against tune.RandomSearch with the same budgets over seeds; "
           "the gap of the best value to the minimum 0.",
)
def random_vs_grid(seed, fast):
    space = {"x": tune.uniform(0, 1), "y": tune.uniform(0, 1)}
    seeds = range(seed, seed + (10 if fast else 50))
    num, rows = {}, {}
    for k in (3, 4):
        grid = tune.GridSearch(_low_dim, space, points_per_dim=k, backend="serial").run()
        rnd = [tune.RandomSearch(_low_dim, space, n_trials=k * k, seed=s, backend="serial").run() for s in seeds]
        gaps = [r.best_value for r in rnd]
        rows[k] = (grid.best_value, gaps)
        num[f"budget_{k * k}"] = {"grid_gap": grid.best_value, "random_gap_mean": float(np.mean(gaps)),
                                  "random_gap_median": float(np.median(gaps)),
                                  "random_better_fraction": float(np.mean([g < grid.best_value for g in gaps])),
                                  "grid_distinct_x": len({t["params"]["x"] for t in grid.trials}),
                                  "random_distinct_x": k * k}
    num["seeds"] = len(seeds)
    ok = all(v["random_gap_median"] < v["grid_gap"] and v["random_better_fraction"] > 0.5
             for k, v in num.items() if k.startswith("budget"))
    criterion = ("with budgets of 9 and 16 trials, random search's median best gap is below the grid's and "
                 "random search beats the grid for most seeds")
    notes = "; ".join(f"{k}: grid gap {v['grid_gap']:.2e} ({v['grid_distinct_x']} distinct x), random median "
                      f"{v['random_gap_median']:.2e}, better in {100 * v['random_better_fraction']:.0f}% of seeds"
                      for k, v in num.items() if k.startswith("budget"))
    fig, ax = figure()
    for k, (g, gaps) in rows.items():
        ax.hist(np.log10(np.maximum(gaps, 1e-12)), bins=15, alpha=0.5, label=f"random, {k * k} trials")
        ax.axvline(math.log10(g), ls="--", color="k" if k == 3 else "0.5", label=f"grid {k}x{k}")
    ax.set(xlabel="log10 gap of the best value", ylabel="seeds")
    ax.legend(fontsize=8)
    return Result(verdict(ok), criterion, num, {"gaps": fig}, notes)


def _trials_to(result, target):
    for i, b in enumerate(result.best_so_far(), 1):
        if b <= target:
            return i
    return len(result.trials) + 1


@claim(
    id="bayes-opt",
    topic="tuning",
    concepts=("tune.bayes",),
    question="What does Bayesian optimisation gain over random search?",
    statement="A Gaussian process fitted to the trials so far predicts where the objective is low and how "
              "uncertain that is; choosing each trial by expected improvement reaches a good value in "
              "fewer trials than random search.",
    source="notes on hyper-parameter search: Bayesian optimisation",
    method="tune.BayesianSearch (Matern 5/2 GP, expected improvement) and tune.RandomSearch on Branin "
           "(target 0.5, minimum 0.398) and, in full mode, Hartmann-6 (target -2.8, minimum -3.32), same "
           "budget, several seeds: the number of trials until the best value reaches the target (budget + 1 "
           "when it never does).",
)
@single_thread()
def bayes_opt(seed, fast):
    problems = {"branin": (branin, BRANIN_SPACE, 0.5, BRANIN_MIN, 30 if fast else 50)}
    if not fast:
        problems["hartmann6"] = (hartmann6, HARTMANN6_SPACE, -2.8, HARTMANN6_MIN, 80)
    seeds = range(seed, seed + (1 if fast else 5))
    num, curves = {}, {}
    for name, (f, space, target, fmin, budget) in problems.items():
        bo = [tune.BayesianSearch(f, space, n_trials=budget, seed=s, backend="serial").run() for s in seeds]
        rs = [tune.RandomSearch(f, space, n_trials=budget, seed=s, backend="serial").run() for s in seeds]
        num[name] = {"target": target, "minimum": fmin, "budget": budget,
                     "bayes_trials": [_trials_to(r, target) for r in bo],
                     "random_trials": [_trials_to(r, target) for r in rs],
                     "bayes_best": [r.best_value for r in bo], "random_best": [r.best_value for r in rs]}
        curves[name] = (np.mean([r.best_so_far() for r in bo], 0), np.mean([r.best_so_far() for r in rs], 0))
    ok = all(np.median(v["bayes_trials"]) < np.median(v["random_trials"]) for v in num.values())
    num["seeds"] = len(seeds)
    criterion = "on every test function the median number of trials to reach the target is lower for Bayesian search"
    notes = "; ".join(f"{k}: Bayesian {v['bayes_trials']} trials, random {v['random_trials']} (budget {v['budget']})"
                      for k, v in num.items() if isinstance(v, dict))
    fig, axes = figure(ncols=len(curves))
    axes = np.atleast_1d(axes)
    for ax, (name, (b, r)) in zip(axes, curves.items()):
        ax.plot(range(1, len(b) + 1), b, label="Bayesian (EI)")
        ax.plot(range(1, len(r) + 1), r, label="random")
        ax.axhline(problems[name][2], ls=":", color="k", label="target")
        ax.set(xlabel="trial", ylabel="best so far (mean over seeds)", title=name, yscale="symlog")
        ax.legend(fontsize=8)
    return Result(verdict(ok), criterion, num, {"best_so_far": fig}, notes)


def _split(seed, n_labelled):
    Xtr, ytr, Xte, yte = digits(seed=seed, tensors=False)
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(ytr))
    lab, unl = order[:n_labelled], order[n_labelled:]
    return Xtr[lab], ytr[lab], Xtr[unl], ytr[unl], Xte, yte


@claim(
    id="pseudo-labels",
    topic="tuning",
    concepts=("reg.pseudo_label",),
    question="Does pseudo-labelling unlabelled data help?",
    statement="After a warm-up on the labelled data, adding confidently predicted unlabelled samples with "
              "their predicted labels (a quarter to a third of each batch) improves accuracy when labels "
              "are scarce.",
    source="notes on training tricks: pseudo-labelling",
    method="Digits with 100 labelled and ~1,250 unlabelled training images: an MLP (64-64-10, Adam) trained "
           "on the labelled ones alone, and with ember.train.fit_pseudo_labels (warm-up 20 epochs, 1/4 of "
           "each batch pseudo-labelled, confidence >= 0.95) for the same number of epochs; test accuracy "
           "paired over seeds.",
)
@single_thread()
def pseudo_labels(seed, fast):
    from ember.train import fit_pseudo_labels
    seeds = range(seed, seed + (2 if fast else 6))
    epochs, warm = (30, 15) if fast else (60, 20)
    rows = []
    for s in seeds:
        X, y, Xu, yu, Xte, yte = _split(s, 100)
        accs = {}
        for mode in ("labelled", "pseudo"):
            model = make_mlp(64, (64,), 10, seed=s)
            opt = ember.optim.Adam(model.parameters(), lr=3e-3)
            hist = fit_pseudo_labels(model, opt, ember.tensor(X), ember.tensor(y), ember.tensor(Xu),
                                     epochs=epochs, warmup_epochs=warm if mode == "pseudo" else epochs,
                                     batch_size=32, pseudo_fraction=0.25, threshold=0.95, seed=s)
            accs[mode] = evaluate(model, Xte, yte).accuracy
            if mode == "pseudo" and hist["pseudo_labels"] is not None:
                idx, lab = hist["pseudo_labels"]
                accs["pseudo_label_accuracy"] = float(np.mean(lab == yu[idx])) if len(idx) else float("nan")
                accs["n_pseudo"] = int(len(idx))
        rows.append(accs)
    diff = [r["pseudo"] - r["labelled"] for r in rows]
    mean, sd, se = paired_difference(diff)
    num = {"rows": rows, "mean_gain": mean, "std_gain": sd, "se_gain": se, "seeds": len(rows),
           "labelled_mean_std": mean_std([r["labelled"] for r in rows]),
           "pseudo_mean_std": mean_std([r["pseudo"] for r in rows])}
    decided = not math.isnan(se) and abs(mean) > 2 * se
    ok = mean > 0
    criterion = ("pseudo-labelling raises mean test accuracy (paired over seeds), by more than two standard "
                 "errors (else inconclusive)")
    notes = (f"labelled only {num['labelled_mean_std'][0]:.3f}, with pseudo-labels {num['pseudo_mean_std'][0]:.3f}: "
             f"gain {mean:+.3f} +- {se:.3f} (s.e.) over {len(rows)} seeds")
    fig, ax = figure()
    ax.plot([r["labelled"] for r in rows], [r["pseudo"] for r in rows], "o")
    lo = min(min(r["labelled"], r["pseudo"]) for r in rows) - 0.01
    ax.plot([lo, 1], [lo, 1], "k:")
    ax.set(xlabel="test accuracy, labelled only", ylabel="with pseudo-labels")
    return Result(verdict(ok, inconclusive=not decided), criterion, num, {"accuracy": fig}, notes)


@claim(
    id="ensembles",
    topic="tuning",
    concepts=("reg.ensemble",),
    question="Why does an ensemble beat its members?",
    statement="Members trained from different seeds (or snapshots of one run with a cyclic learning rate) "
              "make partly independent errors; averaging their predicted probabilities cancels some of "
              "them, so the ensemble is more accurate than its average member.",
    source="notes on training tricks: model ensembles and snapshot ensembles",
    method="Five MLPs (64-32-10, SGD) on 300 digits from different seeds, and five snapshots of one run "
           "with a cyclic cosine schedule (ember.train.SnapshotEnsemble's schedule); test accuracy of the "
           "averaged probabilities against the members' mean accuracy.",
)
@single_thread()
def ensembles(seed, fast):
    from ember.train import average_probabilities, cyclic_cosine_lr
    Xtr, ytr, Xte, yte = digits(seed=seed, n_train=300, tensors=False)
    k, epochs = (4, 20) if fast else (5, 40)
    members = []
    for i in range(k):
        model = make_mlp(64, (32,), 10, seed=seed * 100 + i)
        fit(model, Xtr, ytr, "sgd", lr=0.1, epochs=epochs, batch_size=32, seed=seed * 100 + i, momentum=0.9)
        members.append(model)
    acc = [evaluate(m, Xte, yte).accuracy for m in members]
    ens_acc = float(np.mean(average_probabilities(members, ember.tensor(Xte)).argmax(1) == yte))
    # snapshots: one run, cosine cycles of `epochs` epochs, a copy at each cycle's end
    import copy
    model = make_mlp(64, (32,), 10, seed=seed)
    snaps = []
    for e in range(k * epochs // 2):
        lr = cyclic_cosine_lr(e, epochs // 2, 0.2)
        fit(model, Xtr, ytr, "sgd", lr=lr, epochs=1, batch_size=32, seed=seed * 1000 + e, momentum=0.9)
        if (e + 1) % (epochs // 2) == 0:
            snaps.append(copy.deepcopy(model))
    snap_acc = [evaluate(m, Xte, yte).accuracy for m in snaps]
    snap_ens = float(np.mean(average_probabilities(snaps, ember.tensor(Xte)).argmax(1) == yte))
    num = {"member_accuracy": acc, "member_mean": float(np.mean(acc)), "ensemble_accuracy": ens_acc,
           "snapshot_accuracy": snap_acc, "snapshot_mean": float(np.mean(snap_acc)),
           "snapshot_ensemble_accuracy": snap_ens, "members": k}
    ok = ens_acc > num["member_mean"] and snap_ens >= num["snapshot_mean"]
    criterion = ("the seed ensemble's test accuracy exceeds its members' mean, and the snapshot ensemble's is "
                 "at least its snapshots' mean")
    notes = (f"seeds: members {num['member_mean']:.3f} (best {max(acc):.3f}), ensemble {ens_acc:.3f}; snapshots: "
             f"{num['snapshot_mean']:.3f}, ensemble {snap_ens:.3f}")
    fig, ax = figure()
    ax.plot(range(1, k + 1), acc, "o", label="seed members")
    ax.axhline(ens_acc, color="C0", label="seed ensemble")
    ax.plot(range(1, len(snap_acc) + 1), snap_acc, "s", color="C1", label="snapshots")
    ax.axhline(snap_ens, color="C1", ls="--", label="snapshot ensemble")
    ax.set(xlabel="member", ylabel="test accuracy")
    ax.legend(fontsize=8)
    return Result(verdict(ok), criterion, num, {"members": fig}, notes)


@claim(
    id="bagging-vs-boosting",
    topic="tuning",
    concepts=("reg.ensemble", "ml.bagging", "ml.boosting"),
    question="What do bagging and boosting each reduce?",
    statement="Bagging averages low-bias, high-variance models (deep trees) fitted to bootstrap samples: it "
              "reduces the variance and leaves the bias; boosting adds high-bias models (stumps) one after "
              "another, each fitting what the others miss: it reduces the bias.",
    source="notes on ensembles: bagging against boosting (variance against bias)",
    method="y = sin(3x) + N(0, 0.3^2) on [-2, 2]: many training sets of 80 points; a deep "
           "DecisionTreeRegressor, a BaggingRegressor of 30 of them, a stump and GradientBoostingRegressor "
           "of 100 stumps (ember.ml); bias^2 and variance of the predictions on a grid, over the training sets.",
)
def bagging_vs_boosting(seed, fast):
    from ember.ml.ensemble import BaggingRegressor
    from ember.ml.gbdt import GradientBoostingRegressor
    from ember.ml.tree import DecisionTreeRegressor
    rng = np.random.default_rng(seed)
    grid = np.linspace(-2, 2, 60)[:, None]
    truth = np.sin(3 * grid[:, 0])
    models = {
        "deep tree": lambda s: DecisionTreeRegressor(random_state=s),
        "bagging": lambda s: BaggingRegressor(DecisionTreeRegressor(), n_estimators=15 if fast else 30,
                                              random_state=s),
        "stump": lambda s: DecisionTreeRegressor(max_depth=1, random_state=s),
        "boosting": lambda s: GradientBoostingRegressor(n_estimators=40 if fast else 100, max_depth=1, learning_rate=0.3,
                                                        tree_method="exact", random_state=s),
    }
    preds = {k: [] for k in models}
    for r in range(8 if fast else 40):
        X = rng.uniform(-2, 2, (80, 1))
        y = np.sin(3 * X[:, 0]) + 0.3 * rng.standard_normal(80)
        for k, make in models.items():
            preds[k].append(make(r).fit(X, y).predict(grid))
    num = {}
    for k, P in preds.items():
        P = np.array(P)
        num[k] = {"bias2": float(((P.mean(0) - truth) ** 2).mean()), "variance": float(P.var(0).mean())}
    ok = (num["bagging"]["variance"] < 0.7 * num["deep tree"]["variance"]
          and num["boosting"]["bias2"] < 0.5 * num["stump"]["bias2"])
    criterion = ("bagging cuts the deep tree's variance by at least 30%, boosting cuts the stump's bias^2 by at "
                 "least half")
    notes = "; ".join(f"{k}: bias^2 {v['bias2']:.3f}, variance {v['variance']:.3f}" for k, v in num.items())
    fig, ax = figure()
    names = list(num)
    x = np.arange(len(names))
    ax.bar(x - 0.2, [num[n]["bias2"] for n in names], 0.4, label="bias^2")
    ax.bar(x + 0.2, [num[n]["variance"] for n in names], 0.4, label="variance")
    ax.set_xticks(x, names)
    ax.legend()
    return Result(verdict(ok), criterion, num, {"bias_variance": fig}, notes)
