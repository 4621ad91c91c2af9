"""Benchmark: ember's SVC / LinearSVC / KMeans / KNeighborsClassifier against scikit-learn.

Standalone script (never run by the tests)::

    python benchmarks/bench_ml_svm.py [--repeats 3]

Data: ``make_classification(n_samples=20000, n_features=50, random_state=0)`` split 75/25
(``train_test_split(test_size=0.25, random_state=0)``); SVC uses the first 5,000 training
rows.  KMeans runs on ``make_blobs(n_samples=100000, n_features=20, centers=8,
random_state=0)`` with ``n_init=1`` and the same initial centres for both libraries; its
"accuracy" column is the adjusted Rand index against the true blob labels.  For
KNeighborsClassifier the time columns are *predict* times on the 5,000 test rows (fitting
only stores the data).  Both libraries run interleaved, ``repeats`` times, under
``threadpool_limits(2)``; the table shows the median time.  Rows are also written as JSON to
``benchmarks/results/bench_ml_svm.json``.
"""
import argparse
import json
import os
import statistics
import time
import warnings

import numpy as np
from sklearn import cluster as sk_cluster
from sklearn import neighbors as sk_neighbors
from sklearn import svm as sk_svm
from sklearn.datasets import make_blobs, make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import accuracy_score, adjusted_rand_score
from sklearn.model_selection import train_test_split
from threadpoolctl import threadpool_limits

from ember.ml.cluster import KMeans
from ember.ml.neighbors import KNeighborsClassifier
from ember.ml.svm import SVC, LinearSVC


def _timed(fn):
    t = time.perf_counter()
    out = fn()
    return time.perf_counter() - t, out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    warnings.simplefilter("ignore", ConvergenceWarning)

    X, y = make_classification(n_samples=20000, n_features=50, random_state=0)
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.25, random_state=0)
    Xs, ys = Xtr[:5000], ytr[:5000]
    Xb, yb = make_blobs(n_samples=100000, n_features=20, centers=8, random_state=0)
    init = Xb[np.random.RandomState(0).choice(len(Xb), 8, replace=False)]

    def svc(lib):
        cls = SVC if lib == "ember" else sk_svm.SVC
        t, m = _timed(lambda: cls(kernel="rbf").fit(Xs, ys))
        return t, accuracy_score(yte, m.predict(Xte))

    def linear_svc(lib):
        cls = LinearSVC if lib == "ember" else sk_svm.LinearSVC
        t, m = _timed(lambda: cls().fit(Xtr, ytr))
        return t, accuracy_score(yte, m.predict(Xte))

    def kmeans(lib):
        cls = KMeans if lib == "ember" else sk_cluster.KMeans
        t, m = _timed(lambda: cls(n_clusters=8, init=init, n_init=1).fit(Xb))
        return t, adjusted_rand_score(yb, m.labels_)

    def knn(lib):
        cls = KNeighborsClassifier if lib == "ember" else sk_neighbors.KNeighborsClassifier
        m = cls().fit(Xtr, ytr)
        t, pred = _timed(lambda: m.predict(Xte))
        return t, accuracy_score(yte, pred)

    cases = [
        ("SVC(rbf) fit, 5000 rows", svc),
        ("LinearSVC fit, 15000 rows", linear_svc),
        ("KMeans(k=8, same init) fit, blobs 100000x20 [ARI]", kmeans),
        ("KNeighborsClassifier predict, 5000 queries", knn),
    ]
    rows = []
    with threadpool_limits(2):
        for name, fn in cases:
            times = {"ember": [], "sklearn": []}
            score = {}
            for _ in range(args.repeats):
                for lib in ("ember", "sklearn"):   # interleaved
                    t, s = fn(lib)
                    times[lib].append(t)
                    score[lib] = s
            e, s = statistics.median(times["ember"]), statistics.median(times["sklearn"])
            rows.append({"estimator": name, "ember_fit_s": round(e, 4), "sklearn_fit_s": round(s, 4),
                         "ratio": round(e / s, 2), "ember_accuracy": round(float(score["ember"]), 4),
                         "sklearn_accuracy": round(float(score["sklearn"]), 4)})

    print("| estimator | ember fit s | sklearn fit s | ratio (ember/sklearn) | ember accuracy | sklearn accuracy |")
    print("|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['estimator']} | {r['ember_fit_s']:.3f} | {r['sklearn_fit_s']:.3f} | {r['ratio']:.2f} "
              f"| {r['ember_accuracy']:.4f} | {r['sklearn_accuracy']:.4f} |")
    out_dir = os.path.join(os.path.dirname(os.path.abspath(__file__)), "results")
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, "bench_ml_svm.json"), "w") as f:
        json.dump(rows, f, indent=2)


if __name__ == "__main__":
    main()
