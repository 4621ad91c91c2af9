"""Benchmark: ember vs scikit-learn fit time and accuracy for LogisticRegression and naive Bayes.

Data: make_classification(n_samples=20000, n_features=50, random_state=0), 75/25 split.
Both libraries run under threadpool_limits(2); the libraries are interleaved over REPEATS runs
and the median fit time is reported. MultinomialNB gets the features shifted to be
non-negative (X - min over the training set, clipped at 0 for the test set).

Run:  python benchmarks/bench_ml_linear.py
Writes benchmarks/results/bench_ml_linear.json.
"""
import json
import os
import time

import numpy as np
from sklearn import linear_model as sk_linear
from sklearn import naive_bayes as sk_nb
from sklearn.datasets import make_classification
from sklearn.model_selection import train_test_split
from threadpoolctl import threadpool_limits

from ember.ml import linear as em_linear
from ember.ml import naive_bayes as em_nb

REPEATS = 5


def _fit_time(make, X, y):
    model = make()
    t0 = time.perf_counter()
    model.fit(X, y)
    return time.perf_counter() - t0, model


def main():
    X, y = make_classification(n_samples=20000, n_features=50, random_state=0)
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.25, random_state=0)
    shift = X_tr.min(axis=0)
    Xc_tr, Xc_te = X_tr - shift, np.clip(X_te - shift, 0, None)
    cases = [
        ("LogisticRegression(lbfgs, l2)",
         lambda: em_linear.LogisticRegression(solver="lbfgs", C=1.0),
         lambda: sk_linear.LogisticRegression(solver="lbfgs", C=1.0), X_tr, X_te),
        ("GaussianNB", em_nb.GaussianNB, sk_nb.GaussianNB, X_tr, X_te),
        ("MultinomialNB (shifted X)", em_nb.MultinomialNB, sk_nb.MultinomialNB, Xc_tr, Xc_te),
        ("BernoulliNB", em_nb.BernoulliNB, sk_nb.BernoulliNB, X_tr, X_te),
    ]
    rows = []
    with threadpool_limits(2):
        for name, make_em, make_sk, Xtr, Xte in cases:
            t_em, t_sk = [], []
            for _ in range(REPEATS):                       # interleave the two libraries
                t, m_em = _fit_time(make_em, Xtr, y_tr)
                t_em.append(t)
                t, m_sk = _fit_time(make_sk, Xtr, y_tr)
                t_sk.append(t)
            e, s = float(np.median(t_em)), float(np.median(t_sk))
            rows.append({
                "estimator": name, "ember_fit_s": e, "sklearn_fit_s": s, "ratio": e / s,
                "ember_accuracy": float(np.mean(m_em.predict(Xte) == y_te)),
                "sklearn_accuracy": float(np.mean(m_sk.predict(Xte) == y_te)),
            })
    print("| estimator | ember fit s | sklearn fit s | ratio (ember/sklearn) | ember accuracy | sklearn accuracy |")
    print("|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['estimator']} | {r['ember_fit_s']:.4f} | {r['sklearn_fit_s']:.4f} | "
              f"{r['ratio']:.2f} | {r['ember_accuracy']:.4f} | {r['sklearn_accuracy']:.4f} |")
    out_dir = os.path.join(os.path.dirname(os.path.abspath(__file__)), "results")
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, "bench_ml_linear.json"), "w") as f:
        json.dump({"repeats": REPEATS, "threads": 2, "rows": rows}, f, indent=2)


if __name__ == "__main__":
    main()
