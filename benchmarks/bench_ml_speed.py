"""Benchmark: ember.ml's fit time against its reference (scikit-learn, xgboost, hmmlearn) on
three data sets, at one and two threads, with the test accuracy of both beside the times.

* ``wide``:    make_classification(4000, 784, n_informative=60, n_classes=10) scaled to [0, 1]
               (MNIST's shape)
* ``tall``:    20,000 x 9, four integer-valued and five float columns, 4 classes
* ``binary``:  make_classification(20000, 50) (the set of the earlier trees table)

75/25 split.  Each (estimator, data set, threads) row interleaves the two libraries over
``--repeats`` fits (alternating which goes first) and reports the medians and their ratio
(ember / reference: below 1 means ember is faster).  Both sides get the same thread count
(threadpool_limits, ``n_jobs``, numba's threads).  The k-means rows fit make_blobs(100000, 20,
centers=8) from the same initial centres (the accuracy column is the adjusted Rand index);
the HMM rows fit 10 sequences of 300 steps.

    python benchmarks/bench_ml_speed.py                      # everything, 3 repeats
    python benchmarks/bench_ml_speed.py --only tree --data wide --threads 1 --repeats 1

Prints a markdown table and writes benchmarks/results/bench_ml_speed.json.
"""
import argparse
import json
import logging
import pathlib
import sys

import numpy as np
from sklearn import ensemble as sk_ens
from sklearn import svm as sk_svm
from sklearn import tree as sk_tree
from sklearn.datasets import make_classification
from sklearn.model_selection import train_test_split
from threadpoolctl import threadpool_limits

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from harness import interleave  # noqa: E402


def datasets():
    X, y = make_classification(4000, 784, n_informative=60, n_classes=10, random_state=0)
    X = (X - X.min(0)) / (X.max(0) - X.min(0))
    yield "wide", X, y
    X, y = make_classification(20000, 9, n_informative=6, n_classes=4, random_state=0)
    X[:, :4] = np.round(X[:, :4] * 3)          # integer-valued columns (counts, codes)
    yield "tall", X, y
    X, y = make_classification(20000, 50, random_state=0)
    yield "binary", X, y


def cases(threads, dname):
    import xgboost as xgb

    from ember.ml import ensemble, gbdt, svm, tree
    # 10 classes x 784 features: 20 rounds keep the wide set's boosting rows to a minute
    rounds = 20 if dname == "wide" else 100
    gb = dict(n_estimators=rounds, max_depth=6, learning_rate=0.3)
    return {
        "tree": ("DecisionTreeClassifier", "sklearn",
                 lambda: tree.DecisionTreeClassifier(random_state=0),
                 lambda: sk_tree.DecisionTreeClassifier(random_state=0)),
        "tree_sqrt": ("DecisionTreeClassifier(max_features='sqrt')", "sklearn",
                      lambda: tree.DecisionTreeClassifier(max_features="sqrt", random_state=0),
                      lambda: sk_tree.DecisionTreeClassifier(max_features="sqrt", random_state=0)),
        "forest": ("RandomForestClassifier(100)", "sklearn",
                   lambda: ensemble.RandomForestClassifier(100, n_jobs=threads, random_state=0),
                   lambda: sk_ens.RandomForestClassifier(100, n_jobs=threads, random_state=0)),
        "gb_hist": (f"GradientBoostingClassifier(hist, {rounds} x depth 6)", "xgboost",
                    lambda: gbdt.GradientBoostingClassifier(tree_method="hist", **gb),
                    lambda: xgb.XGBClassifier(tree_method="hist", n_jobs=threads, **gb)),
        "gb_exact": (f"GradientBoostingClassifier(exact, {rounds} x depth 6)", "xgboost",
                     lambda: gbdt.GradientBoostingClassifier(tree_method="exact", **gb),
                     lambda: xgb.XGBClassifier(tree_method="exact", n_jobs=threads, **gb)),
        "svc": ("SVC(rbf)", "sklearn", lambda: svm.SVC(), lambda: sk_svm.SVC()),
    }


def _row(estimator, data, threads, reference, times, accuracies=(None, None)):
    e, s = times
    acc = [None if a is None else round(float(a), 4) for a in accuracies]
    return dict(estimator=estimator, data=data, threads=threads, reference=reference,
                ember_s=round(e, 3), reference_s=round(s, 3), ratio=round(e / s, 2),
                ember_accuracy=acc[0], reference_accuracy=acc[1])


def _kmeans_rows(threads, repeats):
    from sklearn.cluster import KMeans as SkKMeans
    from sklearn.datasets import make_blobs
    from sklearn.metrics import adjusted_rand_score

    from ember.ml.cluster import KMeans
    X, labels = make_blobs(100000, 20, centers=8, random_state=0)
    init = X[np.random.RandomState(0).choice(X.shape[0], 8, replace=False)]
    kw = dict(n_clusters=8, init=init, n_init=1)
    KMeans(**kw).fit(X[:1000])                              # compile / load and warm up
    fitted = {}
    times = interleave(lambda: fitted.update(ember=KMeans(**kw).fit(X)),
                       lambda: fitted.update(ref=SkKMeans(**kw).fit(X)), repeats)
    yield _row("KMeans(8, same init) [ARI]", "blobs 100,000 x 20", threads, "sklearn", times,
               [adjusted_rand_score(labels, fitted[k].labels_) for k in ("ember", "ref")])


def _hmm_rows(threads, repeats):
    from hmmlearn import hmm as hl

    from ember.ml import hmm
    logging.getLogger("hmmlearn").setLevel(logging.ERROR)
    rng = np.random.RandomState(0)
    L = [300] * 10
    Xc = rng.randint(0, 6, (3000, 1))
    Xg = rng.randn(3000, 3) + np.repeat(rng.randn(30, 3) * 2, 100, axis=0)
    kw = dict(n_iter=10, tol=0.0, random_state=0)
    specs = [("CategoricalHMM(4)", Xc, lambda: hmm.CategoricalHMM(4, **kw),
              lambda: hl.CategoricalHMM(4, **kw))]
    for ct in ("diag", "full"):
        specs.append((f"GaussianHMM(4, {ct!r})", Xg,
                      lambda ct=ct: hmm.GaussianHMM(4, ct, **kw),
                      lambda ct=ct: hl.GaussianHMM(4, ct, **kw)))
    for name, X, ours, ref in specs:
        ours().fit(X[:300], [300])                          # compile / load and warm up
        ref().fit(X[:300], [300])
        times = interleave(lambda: ours().fit(X, L), lambda: ref().fit(X, L), repeats)
        yield _row(name, "10 x 300 steps", threads, "hmmlearn", times)


def _secs(t):
    return f"{t:.3g} s"


def markdown(rows):
    """The README's table of ``rows``."""
    lines = ["| estimator | data | threads | reference | ember fit | reference fit | "
             "ratio (ember/ref) | ember acc. | ref. acc. |",
             "|---|---|---:|---|---:|---:|---:|---:|---:|"]
    for r in rows:
        acc = ("-", "-") if r["ember_accuracy"] is None else (
            f"{r['ember_accuracy']:.4f}", f"{r['reference_accuracy']:.4f}")
        lines.append(f"| {r['estimator']} | {r['data']} | {r['threads']} | {r['reference']} | "
                     f"{_secs(r['ember_s'])} | {_secs(r['reference_s'])} | {r['ratio']:.2f} | "
                     f"{acc[0]} | {acc[1]} |")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--only", nargs="+", help="case keys (tree, tree_sqrt, forest, gb_hist, "
                        "gb_exact, svc, kmeans, hmm)")
    parser.add_argument("--data", nargs="+", help="wide, tall, binary")
    args = parser.parse_args()
    import numba
    rows = []
    data = [d for d in datasets() if not args.data or d[0] in args.data]
    for threads in args.threads:
        numba.set_num_threads(threads)
        with threadpool_limits(threads):
            for key in ("tree", "tree_sqrt", "forest", "gb_hist", "gb_exact", "svc"):
                if args.only and key not in args.only:
                    continue
                for dname, X, y in data:
                    name, refname, ours, ref = cases(threads, dname)[key]
                    if key == "svc" and dname != "wide":
                        continue       # SVC's fit grows with n^2: the wide set only
                    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.25, random_state=0)
                    ours().fit(Xtr[:200], ytr[:200])                 # compile / warm up
                    fitted = {}
                    times = interleave(lambda: fitted.update(ember=ours().fit(Xtr, ytr)),
                                       lambda: fitted.update(ref=ref().fit(Xtr, ytr)),
                                       args.repeats)
                    rows.append(_row(name, dname, threads, refname, times,
                                     [np.mean(fitted[k].predict(Xte) == yte)
                                      for k in ("ember", "ref")]))
                    print(rows[-1], flush=True)
            for key, more in (("kmeans", _kmeans_rows), ("hmm", _hmm_rows)):
                if not args.only or key in args.only:
                    for row in more(threads, args.repeats):
                        rows.append(row)
                        print(row, flush=True)
    print()
    print(markdown(rows))
    out = pathlib.Path(__file__).resolve().parent / "results" / "bench_ml_speed.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    if not args.only and not args.data:
        out.write_text(json.dumps(rows, indent=2) + "\n")
        print(f"\nwrote {out}")


if __name__ == "__main__":
    main()
