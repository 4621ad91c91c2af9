"""Benchmark: ember's trees and tree ensembles against scikit-learn.

Data: make_classification(n_samples=20000, n_features=50, random_state=0), 75/25 split.
Both libraries run under threadpool_limits(2); forests use n_jobs=2 on both sides. The
libraries are interleaved over the repeats and the median fit time is reported.

    python benchmarks/bench_ml_trees.py            # 3 repeats
    python benchmarks/bench_ml_trees.py --quick    # 1 repeat

Prints a markdown table and writes benchmarks/results/bench_ml_trees.json.
"""
import argparse
import json
import pathlib
import statistics
import time

from sklearn import ensemble as sk_ens
from sklearn import tree as sk_tree
from sklearn.datasets import make_classification
from sklearn.model_selection import train_test_split
from threadpoolctl import threadpool_limits

from ember.ml.ensemble import AdaBoostClassifier, BaggingClassifier, RandomForestClassifier
from ember.ml.gbdt import GradientBoostingClassifier
from ember.ml.tree import DecisionTreeClassifier

CASES = [
    ("DecisionTreeClassifier",
     lambda: DecisionTreeClassifier(random_state=0),
     lambda: sk_tree.DecisionTreeClassifier(random_state=0)),
    ("RandomForestClassifier(100 trees, n_jobs=2)",
     lambda: RandomForestClassifier(n_estimators=100, n_jobs=2, random_state=0),
     lambda: sk_ens.RandomForestClassifier(n_estimators=100, n_jobs=2, random_state=0)),
    ("BaggingClassifier(10 trees)",
     lambda: BaggingClassifier(n_estimators=10, random_state=0),
     lambda: sk_ens.BaggingClassifier(n_estimators=10, random_state=0)),
    ("AdaBoostClassifier(50 stumps, SAMME)",
     lambda: AdaBoostClassifier(n_estimators=50, random_state=0),
     lambda: sk_ens.AdaBoostClassifier(n_estimators=50, random_state=0)),
    ("GradientBoostingClassifier(hist, 100 rounds) vs sklearn GradientBoostingClassifier(100)",
     lambda: GradientBoostingClassifier(n_estimators=100, tree_method="hist", random_state=0),
     lambda: sk_ens.GradientBoostingClassifier(n_estimators=100, random_state=0)),
    ("GradientBoostingClassifier(hist, 100 rounds) vs sklearn HistGradientBoostingClassifier",
     lambda: GradientBoostingClassifier(n_estimators=100, tree_method="hist", random_state=0),
     lambda: sk_ens.HistGradientBoostingClassifier(random_state=0)),
]


def _fit_time(make, Xtr, ytr, Xte, yte):
    est = make()
    t0 = time.perf_counter()
    est.fit(Xtr, ytr)
    dt = time.perf_counter() - t0
    return dt, float(est.score(Xte, yte))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one repeat instead of three")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    repeats = 1 if args.quick else args.repeats

    X, y = make_classification(n_samples=20000, n_features=50, random_state=0)
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.25, random_state=0)
    rows = []
    with threadpool_limits(2):
        for name, ours, ref in CASES:
            t_ours, t_ref, acc_ours, acc_ref = [], [], None, None
            for _ in range(repeats):
                t, acc_ours = _fit_time(ours, Xtr, ytr, Xte, yte)
                t_ours.append(t)
                t, acc_ref = _fit_time(ref, Xtr, ytr, Xte, yte)
                t_ref.append(t)
            e, s = statistics.median(t_ours), statistics.median(t_ref)
            rows.append(dict(estimator=name, ember_fit_s=round(e, 3), sklearn_fit_s=round(s, 3),
                             ratio=round(e / s, 2), ember_accuracy=round(acc_ours, 4),
                             sklearn_accuracy=round(acc_ref, 4), repeats=repeats))
            print(f"done: {name}", flush=True)

    print()
    print("| estimator | ember fit s | sklearn fit s | ratio (ember/sklearn) | ember accuracy "
          "| sklearn accuracy |")
    print("|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['estimator']} | {r['ember_fit_s']:.3f} | {r['sklearn_fit_s']:.3f} | "
              f"{r['ratio']:.2f} | {r['ember_accuracy']:.4f} | {r['sklearn_accuracy']:.4f} |")
    out = pathlib.Path(__file__).resolve().parent / "results" / "bench_ml_trees.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(rows, indent=2) + "\n")
    print(f"\nwrote {out}")


if __name__ == "__main__":
    main()
