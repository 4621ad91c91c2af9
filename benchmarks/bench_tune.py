"""Hyper-parameter search: ember's Bayesian search against its random search and Optuna's
default sampler (TPE) on Branin, Hartmann-6 and a small network's validation loss, with
the same trial budget over several seeds (trials until the best value reaches a target);
and the overhead of a trial on the local process backend and on a local Ray.

Optuna is a benchmark-only reference, not a dependency of ember.

    python benchmarks/bench_tune.py [--seeds 5] [--problems branin,hartmann6,mlp_val_loss]
                                    [--no-overhead] [--no-ray]
"""
import argparse
import math
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import compare, report, set_threads  # noqa: E402

from ember import tune  # noqa: E402
from ember.tune import examples  # noqa: E402

PROBLEMS = {   # objective, space, target, budget
    "branin": (examples.branin, examples.BRANIN_SPACE, 0.5, 40),
    "hartmann6": (examples.hartmann6, examples.HARTMANN6_SPACE, -2.8, 80),
    "mlp_val_loss": (examples.mlp_digits, examples.MLP_SPACE, 0.25, 30),
}


def _trials_to(values, target):
    best = math.inf
    for i, v in enumerate(values, 1):
        best = min(best, v)
        if best <= target:
            return i
    return len(values) + 1


def _optuna_values(fn, space, budget, seed):
    import optuna
    optuna.logging.set_verbosity(optuna.logging.WARNING)

    def objective(trial):
        p = {}
        for k, d in space.items():
            if isinstance(d, tune.space.LogUniform):
                p[k] = trial.suggest_float(k, d.low, d.high, log=True)
            elif isinstance(d, tune.space.Uniform):
                p[k] = trial.suggest_float(k, d.low, d.high)
            elif isinstance(d, tune.space.RandInt):
                p[k] = trial.suggest_int(k, d.low, d.high - 1)
            else:
                p[k] = trial.suggest_categorical(k, d.categories)
        return fn(p)
    study = optuna.create_study(sampler=optuna.samplers.TPESampler(seed=seed))
    study.optimize(objective, n_trials=budget)
    return [t.value for t in study.trials]


def search_rows(names, seeds):
    rows = []
    for name in names:
        fn, space, target, budget = PROBLEMS[name]
        found = {"bayes": [], "random": [], "optuna": []}
        best = {"bayes": [], "random": [], "optuna": []}
        for s in range(seeds):
            for method in found:
                if method == "optuna":
                    vals = _optuna_values(fn, space, budget, s)
                else:
                    cls = tune.BayesianSearch if method == "bayes" else tune.RandomSearch
                    vals = [t["value"] for t in cls(fn, space, n_trials=budget, seed=s, backend="serial").run().trials]
                found[method].append(_trials_to(vals, target))
                best[method].append(min(vals))
            print(f"  {name} seed {s}: " + ", ".join(f"{m} {found[m][-1]}" for m in found), flush=True)
        row = {"problem": name, "target": target, "budget": budget, "seeds": seeds}
        for m in found:
            row[f"{m}_median_trials"] = statistics.median(found[m])
            row[f"{m}_mean_best"] = float(np.mean(best[m]))
        rows.append(row)
    return rows


def _noop(p):
    return p["x"]


def overhead_rows(use_ray, n=24):
    space = {"x": tune.uniform(0, 1)}

    def run(backend):
        return lambda: tune.RandomSearch(_noop, space, n_trials=n, seed=0, backend=backend, n_workers=2).run()
    rows = [compare(f"{n} no-op trials, local processes vs this process (per search)", run("local"), run("serial"),
                    rounds=3, inner=1, warmup=1, ref_name="serial")]
    if use_ray:
        import ray
        ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
        try:
            rows.append(compare(f"{n} no-op trials, local processes vs local Ray (per search)", run("local"),
                                run("ray"), rounds=3, inner=1, warmup=1, ref_name="ray"))
        finally:
            ray.shutdown()
    for r in rows:
        r["ember_ms_per_trial"] = r["ember_ms"] / n
    return rows


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--problems", default=",".join(PROBLEMS))
    ap.add_argument("--no-overhead", action="store_true")
    ap.add_argument("--no-ray", action="store_true")
    args = ap.parse_args()
    set_threads(args.threads)
    names = [n for n in args.problems.split(",") if n]
    if names:
        t0 = time.time()
        rows = search_rows(names, args.seeds)
        out = "tune_search" if names == list(PROBLEMS) else "tune_search_" + "_".join(names)
        report(rows, out, args.threads, {"seconds": time.time() - t0})
    if not args.no_overhead:
        report(overhead_rows(not args.no_ray), "tune_overhead", args.threads)


if __name__ == "__main__":
    main()
